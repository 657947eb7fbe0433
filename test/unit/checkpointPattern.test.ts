/**
 * Checkpoint families that follow a folder, pure parts: the `*`/`?` matcher, natural order, steps and labels, the
 * manifest's pattern forms (schema, located path problems), and the cap on matches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  checkpointPattern,
  checkpointPatternProblem,
  manifestPathProblems,
  matchCheckpoints,
  matchPattern,
  matchSegment,
  MAX_PATTERN_MATCHES,
  naturalCompare,
  patternLabel,
  stepOf,
} from '../../core/checkpointPattern';
import { parseManifest } from '../../core/manifest';

const FIXTURE_MANIFEST = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture', 'fixture.model.json');

function manifestWith(checkpoints: unknown): string {
  const manifest = JSON.parse(readFileSync(FIXTURE_MANIFEST, 'utf8')) as Record<string, unknown>;
  delete manifest.$schema;
  return JSON.stringify({ ...manifest, checkpoints });
}

test('* matches any run within one segment, ? one character; other characters are literal', () => {
  assert.deepEqual(matchSegment('ckpt_*.onnx', 'ckpt_200.onnx'), ['200']);
  assert.deepEqual(matchSegment('ckpt_*.onnx', 'ckpt_.onnx'), ['']);
  assert.deepEqual(matchSegment('e?_*.onnx', 'e3_final.onnx'), ['3', 'final']);
  assert.equal(matchSegment('ckpt_*.onnx', 'ckpt_2.onnx.tmp'), null, 'a temporary name does not match');
  assert.equal(matchSegment('ckpt_*.onnx', 'model_2.onnx'), null);
  assert.equal(matchSegment('e?.onnx', 'e12.onnx'), null, '? is exactly one character');
  // Regular expression characters in names are plain characters.
  assert.deepEqual(matchSegment('run+(1)[a]_*.onnx', 'run+(1)[a]_7.onnx'), ['7']);
  assert.equal(matchSegment('run.*.onnx', 'runX7.onnx'), null, 'a dot is a dot');
  // Hidden files stay out unless the pattern asks for them.
  assert.equal(matchSegment('*.onnx', '.partial.onnx'), null);
  assert.deepEqual(matchSegment('.*.onnx', '.partial.onnx'), ['partial']);
});

test('whole patterns match segment by segment, with any separator and . segments', () => {
  assert.deepEqual(matchPattern('runs/exp1/ckpt_*.onnx', 'runs/exp1/ckpt_5.onnx'), ['5']);
  assert.deepEqual(matchPattern('./runs/*/model.onnx', 'runs\\epoch_3\\model.onnx'), ['epoch_3']);
  assert.equal(matchPattern('runs/exp1/ckpt_*.onnx', 'runs/exp2/ckpt_5.onnx'), null);
  assert.equal(matchPattern('runs/*.onnx', 'runs/sub/a.onnx'), null, '* stays within one segment');
  assert.equal(matchPattern('runs/*.onnx', 'a.onnx'), null);
});

test('natural order: digit runs compare by value', () => {
  const names = ['ckpt_10.onnx', 'ckpt_2.onnx', 'ckpt_1.onnx', 'ckpt_100.onnx', 'ckpt_02.onnx', 'a.onnx'];
  assert.deepEqual([...names].sort(naturalCompare), ['a.onnx', 'ckpt_1.onnx', 'ckpt_02.onnx', 'ckpt_2.onnx', 'ckpt_10.onnx', 'ckpt_100.onnx']);
  assert.ok(naturalCompare('e9/m.onnx', 'e10/m.onnx') < 0);
  assert.ok(naturalCompare('step99999999999999999999', 'step100000000000000000000') < 0, 'beyond safe integers too');
  assert.equal(naturalCompare('x1', 'x1'), 0);
});

test('the last number the wildcards matched is the step; labels come from the template', () => {
  assert.equal(stepOf(['0200']), 200);
  assert.equal(stepOf(['epoch3_step1200']), 1200);
  assert.equal(stepOf(['run2', 'final']), 2);
  assert.equal(stepOf(['final']), undefined);
  assert.equal(patternLabel(undefined, 'ckpt_0200.onnx', 200), 'step 200');
  assert.equal(patternLabel(undefined, 'ckpt_final.onnx', undefined), 'ckpt_final');
  assert.equal(patternLabel('epoch {step} ({name})', 'e_3.onnx', 3), 'epoch 3 (e_3)');
  assert.equal(patternLabel('epoch {step}', 'e_final.onnx', undefined), 'epoch e_final');
});

test('matchCheckpoints: the matches in natural order with steps and labels; the rest ignored', () => {
  const files = ['runs/ckpt_10.onnx', 'runs/ckpt_2.onnx', 'runs/notes.txt', 'runs/ckpt_3.onnx.part', 'other/ckpt_1.onnx', 'runs/ckpt_best.onnx'];
  assert.deepEqual(matchCheckpoints({ pattern: 'runs/ckpt_*.onnx' }, files), [
    { label: 'step 2', path: 'runs/ckpt_2.onnx', step: 2 },
    { label: 'step 10', path: 'runs/ckpt_10.onnx', step: 10 },
    { label: 'ckpt_best', path: 'runs/ckpt_best.onnx' },
  ]);
  assert.deepEqual(
    matchCheckpoints({ pattern: 'runs/*/model.onnx', label: 'epoch {step}' }, ['runs/e10/model.onnx', 'runs/e9/model.onnx', 'runs/e9/other.onnx']).map((c) => c.label),
    ['epoch 9', 'epoch 10'],
  );
  assert.deepEqual(matchCheckpoints({ pattern: 'runs/ckpt_*.onnx' }, []), []);
});

test(`a pattern family keeps its last ${MAX_PATTERN_MATCHES} matches`, () => {
  const files = Array.from({ length: MAX_PATTERN_MATCHES + 20 }, (_, i) => `c/s${i}.onnx`).reverse();
  const family = matchCheckpoints({ pattern: 'c/s*.onnx' }, files);
  assert.equal(family.length, MAX_PATTERN_MATCHES);
  assert.equal(family[0].step, 20);
  assert.equal(family[family.length - 1].step, MAX_PATTERN_MATCHES + 19);
});

test('pattern problems: leaving the folder, absolute, URL, **, not .onnx', () => {
  assert.equal(checkpointPatternProblem('runs/exp1/ckpt_*.onnx'), undefined);
  assert.equal(checkpointPatternProblem('runs/../ckpt_?.onnx'), undefined);
  assert.match(checkpointPatternProblem('../runs/*.onnx') ?? '', /leaves the manifest's folder/);
  assert.match(checkpointPatternProblem('runs/*/../../../*.onnx') ?? '', /leaves the manifest's folder/);
  assert.match(checkpointPatternProblem('/data/runs/*.onnx') ?? '', /is absolute/);
  assert.match(checkpointPatternProblem('https://example.com/*.onnx') ?? '', /is a URL/);
  assert.match(checkpointPatternProblem('runs/**/ckpt.onnx') ?? '', /uses \*\*, which is not supported/);
  assert.match(checkpointPatternProblem('runs/ckpt_*') ?? '', /must end in .onnx/);
  assert.match(checkpointPatternProblem('runs/*a*b*c*d*.onnx') ?? '', /more than 4 \* in one name/);
  assert.equal(checkpointPatternProblem('r*/*a*b*c*.onnx'), undefined);
  assert.equal(matchSegment('*a*b*c*d*.onnx', 'xaybzcwdv.onnx'), null, 'too many stars never match');
});

test('manifests take a pattern string or {pattern, label}; a list still works; both forms are checked', () => {
  const asString = parseManifest(manifestWith('runs/exp1/ckpt_*.onnx'));
  assert.deepEqual(asString.errors, []);
  assert.deepEqual(asString.manifest && checkpointPattern(asString.manifest), { pattern: 'runs/exp1/ckpt_*.onnx' });
  const asObject = parseManifest(manifestWith({ pattern: 'runs/*.onnx', label: 'epoch {step}' }));
  assert.deepEqual(asObject.errors, []);
  assert.deepEqual(asObject.manifest && checkpointPattern(asObject.manifest), { pattern: 'runs/*.onnx', label: 'epoch {step}' });
  const listed = parseManifest(manifestWith([{ label: 'a', path: 'a.onnx' }]));
  assert.equal(listed.manifest && checkpointPattern(listed.manifest), undefined);

  const errors = (checkpoints: unknown): string[] => parseManifest(manifestWith(checkpoints)).errors;
  // Only the complaints of the form the value has, not of the other two.
  assert.deepEqual(errors({ pattern: 'runs/*.onnx', every: 3 }), ['/checkpoints: unknown property "every"']);
  assert.deepEqual(errors({ label: 'x' }), ["/checkpoints must have required property 'pattern'"]);
  assert.deepEqual(errors('runs/*.pt'), ['/checkpoints must match pattern "\\.[oO][nN][nN][xX]$"']);
  assert.deepEqual(errors(true), ['/checkpoints must be a list of checkpoints, a file pattern, or {"pattern": ...}']);
  assert.deepEqual(errors([{ path: 'a.onnx' }]), ["/checkpoints/0 must have required property 'label'"]);
  assert.deepEqual(errors('../elsewhere/*.onnx'), ['/checkpoints "../elsewhere/*.onnx" leaves the manifest\'s folder']);
  assert.deepEqual(errors({ pattern: 'runs/**/m.onnx' }), ['/checkpoints/pattern "runs/**/m.onnx" uses **, which is not supported: * stays within one folder level, so give one per level (runs/*/ckpt_*.onnx)']);
});

test('manifestPathProblems locates each problem at its JSON path, also in a manifest that fails the schema', () => {
  assert.deepEqual(manifestPathProblems({ checkpoints: '../x/*.onnx' }).map((p) => p.path), [['checkpoints']]);
  assert.deepEqual(manifestPathProblems({ checkpoints: { pattern: '/abs/*.onnx', extra: 1 } }).map((p) => p.path), [['checkpoints', 'pattern']]);
  assert.deepEqual(
    manifestPathProblems({ checkpoints: [{ label: 'ok', path: 'a.onnx' }, { path: '../b.onnx' }, 'junk'] }).map((p) => [p.path, p.value]),
    [[['checkpoints', 1, 'path'], '../b.onnx']],
  );
  assert.deepEqual(manifestPathProblems({ checkpoints: 'runs/*.onnx' }), []);
  assert.deepEqual(manifestPathProblems(null), []);
});
