import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScene } from '../../core/scene';
import { applyConfiguration, configurationCount, expandConfigurations, parameterValues } from '../../core/sweep/configurations';
import { parameterRange, parsePath } from '../../core/sweep/paths';
import { aggregate, csvLayout, csvRecords, csvRow, formatNumber, parseCsv, shapeBias } from '../../core/sweep/results';
import type { SweepSpec } from '../../core/sweep/types';
import { attackPgdOptions, configurationAttack, recordedClasses } from '../../core/sweep/attack';
import type { Scene } from '../../core/sceneTypes';

const SAMPLES = join(__dirname, '..', '..', '..', 'samples');

function labTrio(): Scene {
  const text = readFileSync(join(SAMPLES, 'lab-trio.perturber.json'), 'utf8');
  const value = JSON.parse(text);
  value.perturbations = [{ op: 'gaussianBlur', enabled: true, seed: 0, params: { sigma: 1 } }];
  const { scene, diagnostics } = parseScene(JSON.stringify(value));
  assert.deepEqual(diagnostics, []);
  return scene!;
}

/** The lab trio with a sweep section; returns the parse result of its text (for located diagnostics). */
function withSweep(sweep: unknown) {
  const value = JSON.parse(readFileSync(join(SAMPLES, 'lab-trio.perturber.json'), 'utf8'));
  value.perturbations = [{ op: 'gaussianBlur', enabled: true, seed: 0, params: { sigma: 1 } }];
  value.sweep = sweep;
  const text = JSON.stringify(value, null, 2);
  return { text, ...parseScene(text) };
}

/** Each sweep makes the scene invalid with a diagnostic matching the message, at the path, located in the text. */
function assertLocated(cases: [unknown, RegExp, string][]): void {
  for (const [sweep, message, path] of cases) {
    const { text, scene, diagnostics } = withSweep(sweep);
    assert.equal(scene, null, JSON.stringify(sweep));
    const d = diagnostics.find((x) => message.test(x.message));
    assert.ok(d, `${JSON.stringify(sweep)}: ${JSON.stringify(diagnostics)}`);
    assert.equal(d.path, path);
    assert.ok(d.length > 0 && text.slice(d.offset, d.offset + d.length).length > 0);
  }
}

test('paths parse into segments and bad ones are refused', () => {
  assert.deepEqual(parsePath('camera.azimuth'), ['camera', 'azimuth']);
  assert.deepEqual(parsePath('perturbations[1].params.sigma'), ['perturbations', 1, 'params', 'sigma']);
  assert.equal(parsePath('camera..azimuth'), null);
  assert.equal(parsePath('camera['), null);
  assert.equal(parsePath(''), null);
});

test('ranges come from the schema, the op registry and the built-in object', () => {
  const scene = labTrio();
  assert.deepEqual(parameterRange(scene, ['camera', 'azimuth']), { min: -180, max: 180, integer: false, source: 'the schema' });
  const sigma = parameterRange(scene, ['perturbations', 0, 'params', 'sigma']);
  assert.ok(!('error' in sigma) && sigma.source === 'op gaussianBlur' && sigma.max > sigma.min);
  assert.match((parameterRange(scene, ['perturbations', 3, 'params', 'sigma']) as { error: string }).error, /no perturbations\[3\]/);
  assert.match((parameterRange(scene, ['camera', 'nope']) as { error: string }).error, /no value/);
  assert.match((parameterRange(scene, ['name']) as { error: string }).error, /not a number/);
  assert.match((parameterRange(scene, ['models', 0, 'checkpoint']) as { error: string }).error, /cannot be swept/);
});

test('a valid sweep parses and keeps its values; defaults are filled', () => {
  const { scene, diagnostics } = withSweep({ name: 'a', parameters: [{ path: 'camera.azimuth', values: [-30, 0, 30] }] });
  assert.deepEqual(diagnostics, []);
  assert.equal(scene!.sweep!.sampling, 'grid');
  assert.equal(scene!.sweep!.record?.topK ?? 5, 5);
});

test('sweep problems are located diagnostics', () => {
  const cases: [unknown, RegExp, string][] = [
    [{ name: 'a', parameters: [{ path: 'camera.azimut', values: [1] }] }, /cannot sweep camera.azimut/, 'sweep.parameters[0].path'],
    [{ name: 'a', parameters: [{ path: 'camera.azimuth', values: [0, 200] }] }, /200 is outside.*-180..180/, 'sweep.parameters[0].values[1]'],
    [{ name: 'a', parameters: [{ path: 'perturbations[0].params.sigma', range: { from: 0, to: 1000, steps: 2 } }] }, /outside.*op gaussianBlur/, 'sweep.parameters[0].range.to'],
    [{ name: 'a', parameters: [{ path: 'camera.azimuth' }] }, /either "values" or "range"/, 'sweep.parameters[0]'],
    [{ name: 'a', parameters: [], models: ['nobody'] }, /no model "nobody"/, 'sweep.models[0]'],
    [{ name: 'a', parameters: [], analysis: 'shapeBias' }, /needs cue-conflict/, 'sweep.analysis'],
    [{ name: 'a', parameters: [{ path: 'camera.azimuth', values: [1] }, { path: 'camera.azimuth', values: [2] }] }, /already swept/, 'sweep.parameters[1].path'],
  ];
  assertLocated(cases);
  // Schema problems (a bad name) are reported too.
  assert.ok(withSweep({ name: '../x', parameters: [] }).diagnostics.some((d) => d.path.startsWith('sweep.name')));
});

test('grid: cartesian product, last parameter fastest; ranges include both ends', () => {
  assert.deepEqual(parameterValues({ path: 'x', range: { from: 0, to: 1, steps: 5 } }), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(parameterValues({ path: 'x', range: { from: 0.1, to: 0.3, steps: 3 } }), [0.1, 0.2, 0.3]);
  const spec: SweepSpec = { name: 's', parameters: [{ path: 'a', values: [1, 2] }, { path: 'b', values: [10, 20, 30] }] };
  const configs = expandConfigurations(spec);
  assert.equal(configurationCount(spec), 6);
  assert.deepEqual(configs.map((c) => c.values), [[1, 10], [1, 20], [1, 30], [2, 10], [2, 20], [2, 30]]);
  assert.deepEqual(configs.map((c) => c.index), [0, 1, 2, 3, 4, 5]);
  const pairs = expandConfigurations({ ...spec, cueConflict: [{ shape: 'dog', texture: null, textureClass: 'cat' }, { shape: 'cat', texture: null, textureClass: 'dog' }] });
  assert.equal(pairs.length, 12);
  assert.deepEqual([pairs[5].pair, pairs[6].pair, pairs[6].values], [0, 1, [1, 10]]);
});

test('random: seeded, inside the ranges, integers rounded', () => {
  const spec: SweepSpec = { name: 's', sampling: 'random', samples: 50, seed: 3, parameters: [{ path: 'a', range: { from: -10, to: 10, steps: 2 } }, { path: 'b', values: [1, 2, 3] }, { path: 'c', range: { from: 1, to: 5, steps: 2 } }] };
  const a = expandConfigurations(spec, [false, false, true]);
  assert.deepEqual(a, expandConfigurations(spec, [false, false, true]));
  assert.notDeepEqual(a, expandConfigurations({ ...spec, seed: 4 }, [false, false, true]));
  assert.equal(a.length, 50);
  for (const { values: [x, y, z] } of a) {
    assert.ok(x >= -10 && x <= 10);
    assert.ok([1, 2, 3].includes(y));
    assert.ok(Number.isInteger(z) && z >= 1 && z <= 5);
  }
  assert.ok(new Set(a.map((c) => c.values[1])).size === 3, 'every value gets picked in 50 draws');
});

test('applying a configuration returns a new scene and leaves the original alone', () => {
  const scene = labTrio();
  const before = JSON.stringify(scene);
  const spec: SweepSpec = {
    name: 's',
    parameters: [{ path: 'camera.azimuth', values: [30] }, { path: 'perturbations[0].params.sigma', values: [2.5] }],
    cueConflict: [{ shape: 'dog', texture: { kind: 'builtin', name: 'tabby', seed: 0 }, textureClass: 'cat' }],
  };
  const [config] = expandConfigurations(spec);
  const out = applyConfiguration({ ...scene, sweep: spec }, spec, config);
  assert.equal(JSON.stringify(scene), before);
  assert.equal(out.camera.azimuth, 30);
  assert.equal(out.perturbations[0].params.sigma, 2.5);
  assert.equal(out.object.kind === 'builtin' && out.object.name, 'dog');
  assert.deepEqual(out.material.texture, { kind: 'builtin', name: 'tabby', seed: 0 });
  assert.equal(out.sweep, undefined);
  assert.equal(out.camera.elevation, scene.camera.elevation);
  // The result is still a valid scene.
  assert.deepEqual(parseScene(JSON.stringify(out)).diagnostics, []);
});

test('CSV rows: header, quoting, numbers, missing classes; parse round trip', () => {
  const scene = labTrio();
  const spec: SweepSpec = { name: 's', parameters: [{ path: 'camera.azimuth', values: [0, 45] }], record: { topK: 2, classes: ['dog', 'zebu'], neurons: true } };
  const layout = csvLayout(spec, scene.models.slice(0, 1));
  assert.deepEqual(layout.header.slice(0, 8), ['config', 'camera.azimuth', 'model', 'top1_label', 'top1_prob', 'top2_label', 'top2_prob', 'p:dog']);
  assert.equal(layout.header.filter((h) => h.startsWith('n:')).length, 12);
  const [c0, c1] = expandConfigurations(spec);
  const neurons = new Map([['mixed3b:0', 0.123456789]]);
  const line0 = csvRow(layout, spec, c0, { modelId: 'm,1', top: [{ label: 'dog', probability: 0.6666666666 }, { label: 'c"at', probability: 0.2 }], classes: [0.6666666666, null], neurons });
  const line1 = csvRow(layout, spec, c1, { modelId: 'm2', top: [], classes: [null, null], neurons: new Map(), error: 'failed, badly' });
  assert.ok(line0.startsWith('0,0,"m,1",dog,0.6666667,"c""at",0.2,0.6666667,,0.1234568,'));
  assert.ok(line0.endsWith(',\n'));
  const records = csvRecords(layout.header.join(',') + '\n' + line0 + line1 + '5,1,partial');
  assert.equal(records.length, 2, 'a line without its newline is incomplete and dropped');
  assert.equal(records[0].model, 'm,1');
  assert.equal(records[0].top2_label, 'c"at');
  assert.equal(records[1].error, 'failed, badly');
  assert.equal(formatNumber(null), '');
  assert.equal(formatNumber(1e-9), '1e-9');
  assert.deepEqual(parseCsv('a,b\n'), [['a', 'b']]);
  const agg = aggregate(records, ['dog', 'zebu']);
  assert.equal(agg['m,1'].rows, 1);
  assert.equal(agg['m2'].errors, 1);
  assert.equal(agg['m,1'].meanClassProbability.dog, 0.6666667);
  assert.equal(agg['m,1'].meanClassProbability.zebu, null);
});

test('shape bias counts shape and texture decisions per model', () => {
  const rows = [
    { model: 'a', shape_class: 'dog', texture_class: 'cat', top1_label: 'dog', error: '' },
    { model: 'a', shape_class: 'dog', texture_class: 'cat', top1_label: 'cat', error: '' },
    { model: 'a', shape_class: 'car', texture_class: 'cat', top1_label: 'car', error: '' },
    { model: 'a', shape_class: 'car', texture_class: 'cat', top1_label: 'boat', error: '' },
    { model: 'a', shape_class: 'car', texture_class: 'cat', top1_label: 'car', error: 'x' },
    { model: 'b', shape_class: 'dog', texture_class: 'cat', top1_label: 'cat', error: '' },
    { model: 'c', shape_class: 'dog', texture_class: 'cat', top1_label: 'tree', error: '' },
  ];
  const bias = shapeBias(rows);
  assert.deepEqual(bias.a, { shapeDecisions: 2, textureDecisions: 1, otherDecisions: 1, shapeBias: 2 / 3 });
  assert.equal(bias.b.shapeBias, 0);
  assert.equal(bias.c.shapeBias, null);
});

const ATTACK = { model: 'standard', class: 'dog', mode: 'untargeted', epsilon: 0.01 };

test('attack paths are valid only with sweep.attack, inside their ranges; attack problems are located', () => {
  const eps = { path: 'attack.epsilon', values: [0, 1 / 255] };
  assert.deepEqual(withSweep({ name: 'a', parameters: [eps], attack: ATTACK }).diagnostics, []);
  const cases: [unknown, RegExp, string][] = [
    [{ name: 'a', parameters: [eps] }, /cannot sweep attack.epsilon: .*need a "sweep.attack" section/, 'sweep.parameters[0].path'],
    [{ name: 'a', parameters: [{ path: 'attack.seed', values: [1] }], attack: ATTACK }, /attack.epsilon, attack.steps, attack.relativeStepSize/, 'sweep.parameters[0].path'],
    [{ name: 'a', parameters: [{ path: 'attack.epsilon', values: [0, 2] }], attack: ATTACK }, /2 is outside attack.epsilon's range 0..1 \(the linf attack\)/, 'sweep.parameters[0].values[1]'],
    [{ name: 'a', parameters: [{ path: 'attack.epsilon', values: [-0.01] }], attack: ATTACK }, /-0.01 is outside attack.epsilon's range/, 'sweep.parameters[0].values[0]'],
    [{ name: 'a', parameters: [{ path: 'attack.steps', values: [1, 2.5] }], attack: ATTACK }, /attack.steps takes integers/, 'sweep.parameters[0].values[1]'],
    [{ name: 'a', parameters: [{ path: 'attack.steps', range: { from: 0, to: 3, steps: 3 } }], attack: ATTACK }, /takes integers: 3 steps from 0 to 3 give fractions/, 'sweep.parameters[0].range.steps'],
    [{ name: 'a', parameters: [{ path: 'attack.relativeStepSize', values: [11] }], attack: ATTACK }, /outside attack.relativeStepSize's range 0..10/, 'sweep.parameters[0].values[0]'],
    [{ name: 'a', parameters: [], attack: { ...ATTACK, model: 'nobody' } }, /no model "nobody" to attack \(models: standard, texture-randomised, adversarial\)/, 'sweep.attack.model'],
    [{ name: 'a', parameters: [], attack: { ...ATTACK, epsilon: 2 } }, /a linf epsilon is at most 1/, 'sweep.attack.epsilon'],
  ];
  assertLocated(cases);
  // Schema problems: a negative epsilon, fractional steps, no class, an unknown key; each at its value.
  const schemaCases: [unknown, string][] = [
    [{ ...ATTACK, epsilon: -0.5 }, 'sweep.attack.epsilon'],
    [{ ...ATTACK, steps: 2.5 }, 'sweep.attack.steps'],
    [{ ...ATTACK, mode: 'sideways' }, 'sweep.attack.mode'],
    [{ model: 'standard', epsilon: 0.1 }, 'sweep.attack'],
  ];
  for (const [attack, path] of schemaCases) {
    const { scene, diagnostics } = withSweep({ name: 'a', parameters: [], attack });
    assert.equal(scene, null, JSON.stringify(attack));
    assert.ok(diagnostics.some((d) => d.path === path), `${JSON.stringify(attack)}: ${JSON.stringify(diagnostics.map((d) => [d.path, d.message]))}`);
  }
  // An l2 attack takes epsilons above 1.
  assert.deepEqual(withSweep({ name: 'a', parameters: [{ path: 'attack.epsilon', values: [0.5, 3] }], attack: { ...ATTACK, norm: 'l2' } }).diagnostics, []);
});

test('an attack: defaults filled, swept values per configuration, the scene left alone, its class recorded', () => {
  const { scene } = withSweep({ name: 'a', parameters: [{ path: 'camera.azimuth', values: [0, 10] }, { path: 'attack.epsilon', values: [0, 0.5] }, { path: 'attack.steps', values: [3] }], attack: ATTACK, record: { classes: ['cat', 'DOG'] } });
  const spec = scene!.sweep!;
  assert.deepEqual(spec.attack, { model: 'standard', class: 'dog', mode: 'untargeted', norm: 'linf', epsilon: 0.01, steps: 10, relativeStepSize: 0.25, randomStart: false, seed: 0 });
  const configs = expandConfigurations(spec);
  assert.deepEqual(configs.map((c) => c.values), [[0, 0, 3], [0, 0.5, 3], [10, 0, 3], [10, 0.5, 3]]);
  const a = configurationAttack(spec, configs[3])!;
  assert.deepEqual([a.epsilon, a.steps, a.relativeStepSize, a.mode], [0.5, 3, 0.25, 'untargeted']);
  assert.deepEqual(attackPgdOptions(a), { norm: 'linf', epsilon: 0.5, stepSize: 0.125, steps: 3, randomStart: false, seed: 0 });
  assert.equal(configurationAttack({ ...spec, attack: undefined }, configs[3]), undefined);
  const out = applyConfiguration(scene!, spec, configs[3]);
  assert.equal(out.camera.azimuth, 10);
  assert.equal((out as unknown as Record<string, unknown>).attack, undefined);
  assert.deepEqual(parseScene(JSON.stringify(out)).diagnostics, []);
  // "DOG" already records the class (matched ignoring case); without it the class is added.
  assert.deepEqual(recordedClasses(spec), ['cat', 'DOG']);
  assert.deepEqual(recordedClasses({ ...spec, record: { topK: 1 } }), ['dog']);
  const layout = csvLayout({ ...spec, record: { topK: 1 } }, scene!.models);
  assert.deepEqual(layout.header, ['config', 'camera.azimuth', 'attack.epsilon', 'attack.steps', 'model', 'top1_label', 'top1_prob', 'p:dog', 'attack_objective_before', 'attack_objective_after', 'error']);
  const line = csvRow(layout, spec, configs[1], { modelId: 'standard', top: [{ label: 'dog', probability: 0.5 }], classes: [0.5], neurons: new Map(), attack: { before: -0.1234567891, after: -2 } });
  assert.equal(line, '1,0,0.5,3,standard,dog,0.5,0.5,-0.1234568,-2,\n');
  assert.deepEqual(aggregate(csvRecords(layout.header.join(',') + '\n' + line), layout.classes).standard.meanClassProbability, { dog: 0.5 });
});
