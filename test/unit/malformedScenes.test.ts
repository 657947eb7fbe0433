/**
 * Issue 9: every text of the malformed-scene corpus (test/unit/malformedScenes.ts) goes through parseScene (syntax,
 * schema, core/sceneChecks) and, for the faults only the file system shows, the host's resource rules
 * (src/sceneEditor/sceneResources.ts, as sceneResourceFiles.ts applies them): at least one diagnostic with a
 * message and an offset inside the text, no throw, and it returns (a stack overflow or a hang fails the run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseScene } from '../../core/scene';
import type { SceneDiagnostic } from '../../core/sceneTypes';
import { notFoundMessage, resolveSceneResource, resourceDiagnostic, sceneResourceRefs } from '../../src/sceneEditor/sceneResources';
import { countByCategory, malformedScenes, type MalformedScene } from './malformedScenes';

const CORPUS = malformedScenes();
/** An empty workspace with the scene in a sub-folder, so `../../..` escapes it and no referenced file exists. */
const WORKSPACE = mkdtempSync(path.join(tmpdir(), 'perturber-malformed-'));
const SCENE_DIR = path.join(WORKSPACE, 'scenes');

/** What the editor would report for this text: the parse's diagnostics, then the referenced files' problems. */
function diagnose(text: string): SceneDiagnostic[] {
  const parsed = parseScene(text);
  const out = [...parsed.diagnostics];
  if (parsed.scene) {
    for (const ref of sceneResourceRefs(parsed.scene)) {
      const resolved = resolveSceneResource(ref.kind, ref.ref, SCENE_DIR, WORKSPACE);
      if (!resolved.ok) out.push(resourceDiagnostic(text, ref, resolved.message));
      else if (!existsSync(resolved.file)) out.push(resourceDiagnostic(text, ref, notFoundMessage(ref.kind, ref.ref)));
    }
  }
  return out;
}

test('the corpus has at least 60 cases covering every category of issue 9', () => {
  const counts = countByCategory(CORPUS);
  console.log(`malformed scenes: ${CORPUS.length} in ${counts.size} categories`);
  for (const [category, n] of counts) console.log(`  ${category.padEnd(18)} ${n}`);
  assert.ok(CORPUS.length >= 60, `only ${CORPUS.length} cases`);
  for (const category of [
    'syntax', 'wrongType', 'missingField', 'extraField', 'outOfRange', 'hugeArray', 'deepNesting', 'unknownVersion',
    'missingFile', 'escapingPath', 'sweepJunk', 'featureVisJunk',
  ] as const) {
    assert.ok((counts.get(category) ?? 0) >= 2, `category ${category} has ${counts.get(category) ?? 0} cases`);
  }
  // Deterministic: generating it again gives the same texts.
  assert.deepEqual(malformedScenes().map((c) => c.text), CORPUS.map((c) => c.text));
});

function checkCase(c: MalformedScene): void {
  let diagnostics: SceneDiagnostic[] = [];
  assert.doesNotThrow(() => {
    diagnostics = diagnose(c.text);
  }, `${c.name} threw`);
  assert.ok(diagnostics.length >= 1, `${c.name}: no diagnostic`);
  assert.ok(diagnostics.length <= 200, `${c.name}: ${diagnostics.length} diagnostics (the Problems view would flood)`);
  if (!c.needsFiles) {
    // The parser alone finds it (the Problems view shows it even when the file is open as plain JSON).
    assert.ok(parseScene(c.text).diagnostics.length >= 1, `${c.name}: parseScene alone reports nothing`);
  }
  for (const d of diagnostics) {
    assert.equal(typeof d.message, 'string');
    assert.ok(d.message.trim().length > 0, `${c.name}: empty message`);
    assert.ok(d.message.length < 2000, `${c.name}: a ${d.message.length}-character message ("${d.message.slice(0, 80)}...")`);
    assert.ok(Number.isInteger(d.offset) && Number.isInteger(d.length), `${c.name}: offset ${d.offset} length ${d.length}`);
    assert.ok(d.offset >= 0 && d.length >= 0 && d.offset + d.length <= c.text.length, `${c.name}: [${d.offset}, +${d.length}] outside the ${c.text.length}-character text ("${d.message}")`);
    assert.ok(d.severity === 'error' || d.severity === 'warning');
  }
  // Something the user must fix is an error, and an erroneous parse yields no scene (the editor keeps the file as is).
  const parsed = parseScene(c.text);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) assert.equal(parsed.scene, null, `${c.name}: a scene despite errors`);
}

for (const c of CORPUS) {
  test(`malformed scene ${c.name} (${c.category}): located diagnostics, no throw`, () => checkCase(c));
}

test('faults of missing files and escaping paths say so', () => {
  for (const c of CORPUS.filter((x) => x.category === 'missingFile' || x.category === 'escapingPath')) {
    const messages = diagnose(c.text).map((d) => d.message).join(' | ');
    const expected = c.category === 'escapingPath' ? /outside the workspace folder/ : /not found|unsupported type/;
    assert.match(messages, expected, c.name);
  }
});

test('remote URLs for a model, an object file, a texture and a background are each named in a diagnostic', () => {
  const kinds = new Set<string>();
  for (const c of CORPUS.filter((x) => x.category === 'remoteUrl')) {
    const url = /"path": "([a-zA-Z][a-zA-Z0-9+.-]+:[^"]*)"/.exec(c.text)?.[1];
    assert.ok(url, `${c.name}: no URL in the text`);
    const named = parseScene(c.text).diagnostics.filter((d) => d.message.includes(`"${url}"`) && /remote loads are not allowed/.test(d.message));
    assert.ok(named.length >= 1, `${c.name}: no diagnostic names ${url}`);
    assert.equal(c.text.slice(named[0].offset, named[0].offset + named[0].length), JSON.stringify(url), `${c.name}: the diagnostic marks the URL`);
    kinds.add(named[0].path.split(/[.[]/)[0]);
  }
  assert.deepEqual([...kinds].sort(), ['background', 'material', 'models', 'object']);
});

test('deep nesting and huge texts are refused with a message saying why', () => {
  for (const c of CORPUS.filter((x) => x.category === 'deepNesting' || x.category === 'hugeArray')) {
    const messages = diagnose(c.text).map((d) => d.message).join(' | ');
    assert.match(messages, /nested too deeply|too large|at most|must be/, `${c.name}: ${messages.slice(0, 300)}`);
  }
});

test('unknown versions are named in the message', () => {
  for (const c of CORPUS.filter((x) => x.category === 'unknownVersion')) {
    const messages = diagnose(c.text).map((d) => d.message).join(' | ');
    assert.match(messages, /version/, `${c.name}: ${messages}`);
  }
});

test.after(() => rmSync(WORKSPACE, { recursive: true, force: true }));
