/**
 * The sweep results view's data (core/sweepPlots.ts, core/sweepRunData.ts, core/sweepConfigScene.ts) on hand-made
 * results.csv text: expectations worked out by hand from the rows below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultScene } from '../../core/scene';
import { configurationAt, configurationName, configurationScene } from '../../core/sweepConfigScene';
import { configIndex, heatmap, linePlot, metricOptions, metricValue, parameterColumns, shapeBiasRows, sortedRows, topKOf } from '../../core/sweepPlots';
import { parseResultsCsv, parseSummary, toRecords } from '../../core/sweepRunData';
import type { SweepSpec } from '../../core/sweep/types';

// Grid camera.azimuth [0, 90] x light.intensity [0.5, 1] (last fastest): config 0 = (0, 0.5), 1 = (0, 1), 2 = (90, 0.5),
// 3 = (90, 1). Model b failed on configuration 2.
const CSV = [
  'config,camera.azimuth,light.intensity,model,top1_label,top1_prob,top2_label,top2_prob,p:cat,n:conv:3,error',
  '0,0,0.5,a,cat,0.8,dog,0.1,0.8,1.5,',
  '0,0,0.5,b,dog,0.6,cat,0.3,0.3,,',
  '1,0,1,a,cat,0.6,dog,0.3,0.6,2.5,',
  '1,0,1,b,dog,0.7,car,0.2,0.05,,',
  '2,90,0.5,a,dog,0.5,cat,0.4,0.4,0.5,',
  '2,90,0.5,b,,,,,,,"model failed, badly"',
  '3,90,1,a,car,0.9,dog,0.05,0.01,3,',
  '3,90,1,b,cat,0.55,dog,0.4,0.55,,',
  '',
].join('\n');

function records(text = CSV): Record<string, string>[] {
  const parsed = parseResultsCsv(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return toRecords(parsed.value);
}

function close(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) return assert.equal(actual, expected, what);
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);
}

test('header: parameter columns, top-k and the metrics on offer', () => {
  const rows = records();
  const header = CSV.split('\n')[0].split(',');
  assert.deepEqual(parameterColumns(header), ['camera.azimuth', 'light.intensity']);
  assert.deepEqual(parameterColumns(['config', 'x', 'shape_class', 'texture_class', 'model']), ['x']);
  assert.equal(topKOf(header), 2);
  // dog and cat are top-1 three times each; dog is in the top-2 more often (7 vs 5); car is top-1 once.
  assert.deepEqual(metricOptions(header, rows), { classes: ['cat'], labels: ['dog', 'cat', 'car'], neurons: ['n:conv:3'] });
});

test('metric values: p: column, top-k columns (0 when absent), top-1 indicator, neuron; null on errors', () => {
  const [a0, b0, , b1, , b2] = records();
  assert.equal(metricValue(a0, { kind: 'probability', label: 'cat' }), 0.8);
  assert.equal(metricValue(b0, { kind: 'probability', label: 'DOG' }), 0.6);
  assert.equal(metricValue(b0, { kind: 'probability', label: 'car' }), 0);
  assert.equal(metricValue(b1, { kind: 'probability', label: 'car' }), 0.2);
  assert.equal(metricValue(b2, { kind: 'probability', label: 'cat' }), null);
  assert.equal(metricValue(b2, { kind: 'probability', label: 'dog' }), null);
  assert.equal(metricValue(a0, { kind: 'top1', label: 'cat' }), 1);
  assert.equal(metricValue(b0, { kind: 'top1', label: 'cat' }), 0);
  assert.equal(metricValue(b2, { kind: 'top1', label: 'cat' }), null);
  assert.equal(metricValue(a0, { kind: 'neuron', column: 'n:conv:3' }), 1.5);
  assert.equal(metricValue(b0, { kind: 'neuron', column: 'n:conv:3' }), null);
  assert.equal(configIndex(b2), 2);
  assert.equal(configIndex({ config: '1e3' }), null);
});

test('line plot: mean over the other parameter, one line per model, first configuration per point', () => {
  const plot = linePlot(records(), { metric: { kind: 'probability', label: 'cat' }, x: 'camera.azimuth', aggregation: 'mean' });
  assert.deepEqual(plot.xValues, [0, 90]);
  assert.deepEqual(plot.series.map((s) => s.model), ['a', 'b']);
  const [a, b] = plot.series;
  close(a.points[0].value, (0.8 + 0.6) / 2, 'a@0');
  close(a.points[1].value, (0.4 + 0.01) / 2, 'a@90');
  close(b.points[0].value, (0.3 + 0.05) / 2, 'b@0');
  // b failed on configuration 2: only configuration 3 counts.
  assert.deepEqual(b.points[1], { value: 0.55, n: 1, config: 2 });
  assert.deepEqual(a.points.map((p) => [p.n, p.config]), [[2, 0], [2, 2]]);

  const dog = linePlot(records(), { metric: { kind: 'probability', label: 'dog' }, x: 'camera.azimuth', aggregation: 'mean' });
  close(dog.series[0].points[0].value, (0.1 + 0.3) / 2, 'dog a@0');
  close(dog.series[0].points[1].value, (0.5 + 0.05) / 2, 'dog a@90');
  close(dog.series[1].points[0].value, (0.6 + 0.7) / 2, 'dog b@0');

  const top1 = linePlot(records(), { metric: { kind: 'top1', label: 'cat' }, x: 'camera.azimuth', aggregation: 'mean' });
  assert.deepEqual(top1.series.map((s) => s.points.map((p) => p.value)), [[1, 0], [0, 1]]);

  const neuron = linePlot(records(), { metric: { kind: 'neuron', column: 'n:conv:3' }, x: 'camera.azimuth', aggregation: 'mean' });
  assert.deepEqual(neuron.series[0].points.map((p) => p.value), [2, 1.75]);
  assert.deepEqual(neuron.series[1].points.map((p) => [p.value, p.n]), [[null, 0], [null, 0]]);
});

test('line plot with the other parameter fixed: only its rows, each point one configuration', () => {
  const fixed = linePlot(records(), { metric: { kind: 'probability', label: 'cat' }, x: 'camera.azimuth', aggregation: { fixed: { 'light.intensity': 1 } } });
  assert.deepEqual(fixed.series[0].points, [{ value: 0.6, n: 1, config: 1 }, { value: 0.01, n: 1, config: 3 }]);
  assert.deepEqual(fixed.series[1].points, [{ value: 0.05, n: 1, config: 1 }, { value: 0.55, n: 1, config: 3 }]);
  // The plotted parameter's own fixed value is ignored; a value no row has leaves nothing.
  const own = linePlot(records(), { metric: { kind: 'probability', label: 'cat' }, x: 'camera.azimuth', aggregation: { fixed: { 'camera.azimuth': 0, 'light.intensity': 0.5 } } });
  assert.deepEqual(own.xValues, [0, 90]);
  assert.deepEqual(linePlot(records(), { metric: { kind: 'top1', label: 'cat' }, x: 'camera.azimuth', aggregation: { fixed: { 'light.intensity': 7 } } }), { xValues: [], series: [] });
});

test('heatmap: one model, a cell per (x, y), row-major, with range and configurations', () => {
  const map = heatmap(records(), { metric: { kind: 'probability', label: 'cat' }, x: 'camera.azimuth', y: 'light.intensity', model: 'a', aggregation: 'mean' });
  assert.deepEqual(map.xValues, [0, 90]);
  assert.deepEqual(map.yValues, [0.5, 1]);
  assert.deepEqual(map.cells.map((c) => c.value), [0.8, 0.4, 0.6, 0.01]);
  assert.deepEqual(map.cells.map((c) => c.config), [0, 2, 1, 3]);
  assert.equal(map.min, 0.01);
  assert.equal(map.max, 0.8);
  const b = heatmap(records(), { metric: { kind: 'probability', label: 'cat' }, x: 'camera.azimuth', y: 'light.intensity', model: 'b', aggregation: 'mean' });
  assert.deepEqual(b.cells.map((c) => c.value), [0.3, null, 0.05, 0.55]);
});

test('table sort: numbers numerically, empty cells last, ties in row order, text by locale', () => {
  const rows = records();
  assert.deepEqual(sortedRows(rows, 'top1_prob', true), [6, 0, 3, 1, 2, 7, 4, 5]);
  assert.deepEqual(sortedRows(rows, 'top1_prob', false), [4, 7, 1, 2, 3, 0, 6, 5]);
  assert.deepEqual(sortedRows(rows, 'model', false), [0, 2, 4, 6, 1, 3, 5, 7]);
  assert.deepEqual(sortedRows(rows, undefined, false), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('shape bias: from the rows when summary.json has none, else summary.json', () => {
  const text = [
    'config,camera.azimuth,shape_class,texture_class,model,top1_label,top1_prob,error',
    '0,0,dog,cat,m,dog,0.9,',
    '0,0,dog,cat,n,cat,0.8,',
    '1,0,cat,car,m,car,0.5,',
    '1,0,cat,car,n,cat,0.6,',
    '2,0,car,chair,m,car,0.7,',
    '2,0,car,chair,n,teapot,0.3,',
    '',
  ].join('\n');
  assert.deepEqual(shapeBiasRows(records(text)), [
    { model: 'm', shapeDecisions: 2, textureDecisions: 1, otherDecisions: 0, shapeBias: 2 / 3 },
    { model: 'n', shapeDecisions: 1, textureDecisions: 1, otherDecisions: 1, shapeBias: 0.5 },
  ]);
  const fromSummary = { n: { shapeDecisions: 9, textureDecisions: 1, otherDecisions: 0, shapeBias: 0.9 } };
  assert.deepEqual(shapeBiasRows(records(text), fromSummary), [{ model: 'n', ...fromSummary.n }]);
  assert.deepEqual(shapeBiasRows(records()), []);
});

test('results.csv checks: malformed files give a readable error', () => {
  const bad = (text: string, configurations?: number): string => {
    const r = parseResultsCsv(text, configurations);
    assert.ok(!r.ok, `accepted: ${JSON.stringify(text)}`);
    return r.error;
  };
  assert.match(bad(''), /no sweep header/);
  assert.match(bad('a,b\n1,2\n'), /no sweep header/);
  assert.match(bad('config,model,error\n0,a\n'), /line 2 has 2 fields; the header has 3/);
  assert.match(bad('config,model,error\nx,a,\n'), /line 2: config "x" is not a configuration index/);
  assert.match(bad('config,model,error\n0,a,\n4,a,\n', 4), /line 3: config "4" is not a configuration index below 4/);
  assert.match(bad('config,model,model\n'), /repeated column/);
  // A row still being written (no "\n" yet) is left out.
  const partial = parseResultsCsv('config,model,error\n0,a,\n1,a');
  assert.ok(partial.ok);
  assert.deepEqual(partial.value.rows, [['0', 'a', '']]);
});

test('summary.json checks', () => {
  const good = {
    name: 'grid',
    folder: '/w/.perturber/runs/grid',
    sceneFile: '/w/scene.perturber.json',
    specHash: 'abc',
    spec: { name: 'grid', parameters: [{ path: 'camera.azimuth', values: [0, 90] }] },
    configurations: 2,
    done: 2,
    complete: true,
    models: [{ id: 'a', displayName: 'Model A', onnx: '/x.onnx', sha256: '' }, { id: 'b' }],
    shapeBias: { a: { shapeDecisions: 1, textureDecisions: 3, otherDecisions: 0, shapeBias: 0.25 } },
    date: '2026-01-01T00:00:00.000Z',
  };
  const ok = parseSummary(JSON.stringify(good));
  assert.ok(ok.ok);
  assert.deepEqual(ok.value.models, [{ id: 'a', displayName: 'Model A' }, { id: 'b', displayName: 'b' }]);
  assert.equal(ok.value.shapeBias?.a.shapeBias, 0.25);
  const error = (value: unknown): string => {
    const r = parseSummary(typeof value === 'string' ? value : JSON.stringify(value));
    assert.ok(!r.ok);
    return r.error;
  };
  assert.match(error('{ not json'), /summary.json is not JSON/);
  assert.match(error([]), /must be an object/);
  assert.match(error({ ...good, sceneFile: 3 }), /sceneFile/);
  assert.match(error({ ...good, spec: { name: 'x', parameters: [{ values: [1] }] } }), /spec.parameters/);
  assert.match(error({ ...good, done: -1 }), /counts/);
  assert.match(error({ ...good, shapeBias: { a: { shapeDecisions: 1 } } }), /shapeBias\["a"\]/);
});

test('a configuration as a scene: the pair and values applied, named, sweep dropped, paths rebased', () => {
  const spec: SweepSpec = {
    name: 'bias',
    parameters: [{ path: 'camera.azimuth', values: [-60, 30, 120] }],
    cueConflict: [
      { shape: 'dog', texture: { kind: 'builtin', name: 'tabby', seed: 0 }, textureClass: 'cat' },
      { shape: 'car', texture: null, textureClass: 'boat', color: '#2848a8' },
    ],
  };
  const base = {
    ...defaultScene(),
    models: [
      { id: 'lab', path: 'builtin:lab/standard', watch: [] },
      { id: 'mine', path: 'models/mine.onnx', watch: [] },
    ],
    sweep: spec,
  };
  // Pairs outermost: configuration 4 = pair 1 (car / boat), azimuth 30.
  const config = configurationAt(spec, [false], 4);
  assert.deepEqual(config, { index: 4, pair: 1, values: [30] });
  // The value recorded in results.csv wins (it is what ran).
  assert.deepEqual(configurationAt(spec, [false], 4, [31.5]).values, [31.5]);
  assert.throws(() => configurationAt(spec, [false], 6), /no configuration 6/);
  assert.equal(configurationName(spec, config), 'bias #4: camera.azimuth = 30, shape car / texture boat');

  const scene = configurationScene(base, spec, config, (p) => `../../../${p}`);
  assert.equal(scene.sweep, undefined);
  assert.equal(scene.camera.azimuth, 30);
  assert.equal(scene.object.kind === 'builtin' && scene.object.name, 'car');
  assert.equal(scene.material.color, '#2848a8');
  assert.equal(scene.material.texture, null);
  assert.equal(scene.name, 'bias #4: camera.azimuth = 30, shape car / texture boat');
  assert.deepEqual(scene.models.map((m) => m.path), ['builtin:lab/standard', '../../../models/mine.onnx']);
  assert.equal(base.camera.azimuth, defaultScene().camera.azimuth, 'the base scene is not changed');
});

test('an attack configuration as a scene: the stored delta as the last adversarial step, else clean and named so', () => {
  const spec: SweepSpec = {
    name: 'rc',
    parameters: [{ path: 'attack.epsilon', values: [0, 0.0078, 0.0157] }],
    attack: { model: 'standard', class: 'dog', mode: 'untargeted', epsilon: 0.0313725 },
    saveImages: true,
  };
  const blur = { op: 'gaussianBlur', enabled: true, seed: 0, params: { sigma: 1 } };
  const old = { op: 'adversarial', enabled: false, seed: 0, params: { file: 'attacks/old.npy', strength: 1 } };
  const base = { ...defaultScene(), perturbations: [blur, old], sweep: spec };
  const rebase = (p: string): string => `../../../${p}`;
  const stored = { file: '../attacks/2.npy' };

  const attacked = configurationScene(base, spec, configurationAt(spec, [false], 2), rebase, stored);
  assert.equal(attacked.name, 'rc #2: attack.epsilon = 0.0157');
  assert.deepEqual(attacked.perturbations, [
    blur,
    { ...old, params: { file: '../../../attacks/old.npy', strength: 1 } },
    // Not rebased: it is relative to the new scene file already.
    { op: 'adversarial', enabled: true, seed: 0, params: { file: '../attacks/2.npy', strength: 1 } },
  ]);
  assert.equal(attacked.sweep, undefined);

  const missing = { missing: 'the run kept no attack deltas; set saveImages' };
  const clean = configurationScene(base, spec, configurationAt(spec, [false], 1), rebase, missing);
  assert.equal(clean.name, 'rc #1: attack.epsilon = 0.0078 (clean: the run kept no attack deltas; set saveImages)');
  assert.equal(clean.perturbations.length, 2);
  assert.match(configurationScene(base, spec, configurationAt(spec, [false], 1), rebase).name, /\(clean: the run stored no attack delta for it\)$/);

  // Epsilon 0, or steps 0: clean as the run had it, named plainly (a file given by mistake is not used).
  const zero = configurationScene(base, spec, configurationAt(spec, [false], 0), rebase, stored);
  assert.equal(zero.name, 'rc #0: attack.epsilon = 0');
  assert.equal(zero.perturbations.length, 2);
  const noSteps: SweepSpec = { ...spec, attack: { ...spec.attack!, steps: 0 } };
  assert.equal(configurationScene(base, noSteps, configurationAt(noSteps, [false], 2), rebase, missing).name, 'rc #2: attack.epsilon = 0.0157');
  // A sweep without an attack ignores a delta.
  const plain: SweepSpec = { name: 'p', parameters: [{ path: 'camera.azimuth', values: [10] }] };
  assert.equal(configurationScene(base, plain, configurationAt(plain, [false], 0), rebase, stored).perturbations.length, 2);

  // The name stays within the schema's 200 characters; a scene with 32 steps has no room for the delta's step.
  const long: SweepSpec = { ...spec, name: 'x'.repeat(180) };
  const longName = configurationScene(base, long, configurationAt(long, [false], 1), rebase, missing).name;
  assert.equal(longName.length, 200);
  assert.ok(longName.endsWith('… (clean: the run kept no attack deltas; set saveImages)'), longName);
  const full = { ...base, perturbations: Array.from({ length: 32 }, () => blur) };
  const fullScene = configurationScene(full, spec, configurationAt(spec, [false], 2), rebase, stored);
  assert.equal(fullScene.perturbations.length, 32);
  assert.match(fullScene.name, /\(clean: the scene has 32 perturbation steps, no room for the adversarial one\)$/);
});
