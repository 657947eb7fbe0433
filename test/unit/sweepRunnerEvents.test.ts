/**
 * What the sweep runner (src/sweep/runner.ts) promises beyond its rows (sweepRunner.test.ts has those), with the
 * fixture model and the disc stand-in renderer (discRender.ts):
 * - onProgress: once per configuration, done = 1..total, a finite ETA >= 0 from the first call that ends at 0; a
 *   resumed run counts on from where it resumed;
 * - overlap: configuration i+1 is requested from the renderer (and, with a fast renderer, rendered) before the models
 *   finish on configuration i, for every i (a clock of start/end events);
 * - cancel through isCancelled at a random configuration: rows = configurations done x models, summary "cancelled",
 *   and the resumed run's CSV equals an uninterrupted run's byte for byte;
 * - shape bias end to end: cue-conflict pairs fill shape_class/texture_class, each configuration's scene carries its
 *   pair's object and texture, and summary.shapeBias equals a count made here from the CSV rows;
 * - morph weights: material.textureMorph and object.morph.amount are sweepable 0..1 and applied per configuration;
 *   object.morph.amount in a scene without a morph is refused with a message naming the path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../core/noise';
import { defaultScene, parseScene } from '../../core/scene';
import { applyConfiguration, expandConfigurations } from '../../core/sweep/configurations';
import { parseCsv, csvRecords } from '../../core/sweep/results';
import type { SweepSpec } from '../../core/sweep/types';
import { parameterRanges } from '../../core/sweep/validate';
import type { Scene } from '../../core/sceneTypes';
import { discRender, discSweepOptions, sweepFixtureModel } from './discRender';
import type { FrameModel } from '../../src/inference/framePipeline';
import type { LoadedModel } from '../../src/inference/loadModel';
import { runSweep, type SweepOptions } from '../../src/sweep/runner';

const fixture = sweepFixtureModel;

const GRID: SweepSpec = {
  name: 'events',
  parameters: [
    { path: 'camera.azimuth', range: { from: -150, to: 150, steps: 4 } },
    { path: 'camera.elevation', values: [0, 20, 40] },
  ],
  record: { topK: 2 },
};

function sceneWith(spec: SweepSpec, ids: readonly string[]): Scene {
  return { ...defaultScene(), models: ids.map((id) => ({ id, path: 'fixture.onnx', watch: [] })), perturbations: [], sweep: spec };
}

async function setup(spec: SweepSpec, ids: readonly string[] = ['fix']): Promise<{ scene: Scene; models: FrameModel[] }> {
  const m = await fixture();
  return { scene: sceneWith(spec, ids), models: ids.map((id) => ({ id, watch: [], model: m })) };
}

function options(scene: Scene, models: FrameModel[], runsDir: string, extra: Partial<SweepOptions> = {}): SweepOptions {
  return discSweepOptions(scene, models, runsDir, 'events.perturber.json', extra);
}

const tmp = mkdtempSync(path.join(tmpdir(), 'perturber-sweep-events-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('onProgress: once per configuration, done 1..total, a finite ETA >= 0 that ends at 0; resume counts on', async () => {
  const { scene, models } = await setup(GRID);
  const total = expandConfigurations(GRID).length;
  assert.equal(total, 12);
  const calls: { done: number; total: number; eta: number | undefined }[] = [];
  const summary = await runSweep(options(scene, models, path.join(tmp, 'progress'), { onProgress: (done, t, eta) => calls.push({ done, total: t, eta }) }));
  assert.equal(summary.complete, true);
  assert.deepEqual(calls.map((c) => c.done), Array.from({ length: total }, (_, i) => i + 1));
  assert.ok(calls.every((c) => c.total === total));
  for (const [i, c] of calls.entries()) assert.ok(typeof c.eta === 'number' && Number.isFinite(c.eta) && c.eta >= 0, `call ${i}: eta ${c.eta}`);
  assert.equal(calls.at(-1)!.eta, 0);
  assert.ok(calls[0].eta! > 0, `the first ETA estimates the 11 configurations left: ${calls[0].eta}`);

  // Stopped after 5 configurations (the kill hook), then resumed: the second call reports 6..12 only.
  const runsDir = path.join(tmp, 'progress-resume');
  const first: number[] = [];
  const stopped = await runSweep(options(scene, models, runsDir, { stopAfter: 5, onProgress: (done) => first.push(done) }));
  assert.equal(stopped.done, 5);
  assert.deepEqual(first, [1, 2, 3, 4, 5]);
  const second: { done: number; eta: number | undefined }[] = [];
  const resumed = await runSweep(options(scene, models, runsDir, { onProgress: (done, _t, eta) => second.push({ done, eta }) }));
  assert.equal(resumed.resumedAt, 5);
  assert.deepEqual(second.map((c) => c.done), [6, 7, 8, 9, 10, 11, 12]);
  assert.ok(second.every((c) => typeof c.eta === 'number' && Number.isFinite(c.eta) && c.eta >= 0));
  assert.equal(second.at(-1)!.eta, 0);
});

test('overlap: configuration i+1 is requested and rendered before the models finish on configuration i', async () => {
  const { scene } = await setup(GRID);
  const m = await fixture();
  const events: string[] = [];
  let runs = 0;
  // The model's session logs when a run starts and ends (one model: the k-th run is configuration k) and is slow
  // enough (15 ms) that a 2 ms render finishes inside it.
  const session = Object.create(m.session, {
    run: {
      value: async (...args: Parameters<LoadedModel['session']['run']>) => {
        const k = runs++;
        events.push(`models-start ${k}`);
        await sleep(15);
        const out = await m.session.run(...args);
        events.push(`models-end ${k}`);
        return out;
      },
    },
  }) as LoadedModel['session'];
  const slow = Object.create(m, { session: { value: session } }) as LoadedModel;
  const configs = expandConfigurations(GRID);
  const summary = await runSweep(options(scene, [{ id: 'fix', watch: [], model: slow }], path.join(tmp, 'overlap'), {
    host: {
      models: () => [{ id: 'fix', watch: [], model: slow }],
      render: async (s, sizes) => {
        const i = configs.findIndex((c) => c.values[0] === s.camera.azimuth && c.values[1] === s.camera.elevation);
        events.push(`render-request ${i}`);
        await sleep(2);
        events.push(`render-done ${i}`);
        return sizes.map((size) => discRender(s, size));
      },
      resources: () => undefined,
    },
  }));
  assert.equal(summary.complete, true);
  assert.equal(runs, configs.length);
  const at = (e: string): number => {
    const i = events.indexOf(e);
    assert.ok(i >= 0, `no event "${e}"`);
    return i;
  };
  for (let i = 0; i + 1 < configs.length; i++) {
    assert.ok(at(`render-request ${i + 1}`) < at(`models-end ${i}`), `render ${i + 1} requested before the models finish on ${i}: ${events.join(', ')}`);
    assert.ok(at(`render-done ${i + 1}`) < at(`models-end ${i}`), `render ${i + 1} done while the models run on ${i}`);
    assert.ok(at(`models-end ${i}`) < at(`models-start ${i + 1}`), 'the models run one configuration at a time');
  }
  assert.equal(events.filter((e) => e.startsWith('render-request')).length, configs.length, 'each configuration rendered once');
});

test('cancel through isCancelled at a random configuration: rows = done x models, "cancelled", resume = uninterrupted', async () => {
  const { scene, models } = await setup(GRID, ['a', 'b']);
  const reference = readFileSync(path.join((await runSweep(options(scene, models, path.join(tmp, 'cancel-ref')))).folder, 'results.csv'));
  const rng = mulberry32(5);
  for (let trial = 0; trial < 3; trial++) {
    const cancelAt = 1 + Math.floor(rng() * 10);
    const runsDir = path.join(tmp, `cancel${trial}`);
    let done = 0;
    const s = await runSweep(options(scene, models, runsDir, { onProgress: (d) => (done = d), isCancelled: () => done >= cancelAt }));
    assert.equal(s.stopped, 'cancelled', `trial ${trial}`);
    assert.equal(s.complete, false);
    assert.equal(s.done, cancelAt);
    assert.equal(s.rows, cancelAt * 2);
    const csv = readFileSync(path.join(s.folder, 'results.csv'), 'utf8');
    assert.equal(csvRecords(csv).length, cancelAt * 2, `trial ${trial}: rows in the file`);
    assert.equal(JSON.parse(readFileSync(path.join(s.folder, 'summary.json'), 'utf8')).stopped, 'cancelled');
    const resumed = await runSweep(options(scene, models, runsDir));
    assert.equal(resumed.resumedAt, cancelAt);
    assert.equal(resumed.complete, true);
    assert.ok(reference.equals(readFileSync(path.join(s.folder, 'results.csv'))), `trial ${trial} (cancel at ${cancelAt}): the resumed CSV equals the uninterrupted one`);
  }
});

test('shape bias end to end: pair columns, each pair applied, summary.shapeBias = a count of the CSV rows', async () => {
  // The fixture's top-1 on the disc renderer: (-150, 0) cyan, (-150, 40) pink, (90, 0) orange, (90, 40) pink.
  const spec: SweepSpec = {
    name: 'shape-bias',
    parameters: [
      { path: 'camera.azimuth', values: [-150, 90] },
      { path: 'camera.elevation', values: [0, 40] },
    ],
    analysis: 'shapeBias',
    cueConflict: [
      { shape: 'dog', shapeClass: 'cyan', texture: { kind: 'builtin', name: 'fur', seed: 0 }, textureClass: 'pink' },
      { shape: 'cat', shapeClass: 'Orange', texture: null, color: '#ff0000', textureClass: 'cyan' },
      { shape: 'teapot', texture: { kind: 'builtin', name: 'wood', seed: 0 }, textureClass: 'pink' },
    ],
    record: { topK: 1 },
  };
  const { scene, models } = await setup(spec, ['a', 'b']);
  const rendered: Scene[] = [];
  const summary = await runSweep(options(scene, models, path.join(tmp, 'shape'), {
    host: { models: () => models, render: async (s, sizes) => (rendered.push(s), sizes.map((size) => discRender(s, size))), resources: () => undefined },
  }));
  assert.equal(summary.configurations, 12, '3 pairs x 2 x 2');
  const configs = expandConfigurations(spec);
  // Each configuration's scene carries its pair's shape and surface.
  assert.equal(rendered.length, 12);
  for (const c of configs) {
    const pair = spec.cueConflict![c.pair!];
    const s = rendered[c.index];
    assert.equal(s.object.kind === 'builtin' && s.object.name, pair.shape);
    assert.equal(s.material.texture?.kind === 'builtin' ? s.material.texture.name : null, pair.texture?.name ?? null);
    assert.equal(s.material.color, pair.color ?? '#ffffff');
    assert.deepEqual([s.camera.azimuth, s.camera.elevation], c.values);
  }
  const [header, ...lines] = parseCsv(readFileSync(path.join(summary.folder, 'results.csv'), 'utf8'));
  assert.deepEqual(header.slice(0, 6), ['config', 'camera.azimuth', 'camera.elevation', 'shape_class', 'texture_class', 'model']);
  assert.equal(lines.length, 24);
  // The count made here: top1 vs the row's shape/texture class, case-insensitively.
  const mine: Record<string, { shape: number; texture: number; other: number }> = {};
  for (const f of lines) {
    const [config, , , shapeClass, textureClass, model, top1] = f;
    const pair = spec.cueConflict![configs[Number(config)].pair!];
    assert.equal(shapeClass, pair.shapeClass ?? pair.shape);
    assert.equal(textureClass, pair.textureClass);
    const b = (mine[model] ??= { shape: 0, texture: 0, other: 0 });
    if (top1.toLowerCase() === shapeClass.toLowerCase()) b.shape++;
    else if (top1.toLowerCase() === textureClass.toLowerCase()) b.texture++;
    else b.other++;
  }
  // By hand from the four top-1s above: pair 1 cyan/pink -> 1 shape, 2 texture, 1 other; pair 2 orange/cyan -> 1, 1,
  // 2; pair 3 teapot/pink -> 0, 2, 2. Per model: 2 shape, 5 texture, 5 other.
  for (const id of ['a', 'b']) {
    assert.deepEqual(mine[id], { shape: 2, texture: 5, other: 5 }, `model ${id}`);
    assert.deepEqual(summary.shapeBias?.[id], { shapeDecisions: mine[id].shape, textureDecisions: mine[id].texture, otherDecisions: mine[id].other, shapeBias: mine[id].shape / (mine[id].shape + mine[id].texture) });
  }
  assert.equal(JSON.parse(readFileSync(path.join(summary.folder, 'summary.json'), 'utf8')).shapeBias.a.shapeBias, 2 / 7);
});

test('morph weights: textureMorph and object.morph.amount sweep 0..1 and are applied; without a morph the path is refused', async () => {
  const base = defaultScene();
  const morphing: Scene = {
    ...base,
    object: { ...base.object, kind: 'builtin', name: 'dog', seed: 0, params: {}, morph: { target: 'cat', amount: 0.25 } },
    material: { ...base.material, texture: { kind: 'builtin', name: 'fur', seed: 0 }, texture2: { kind: 'builtin', name: 'tabby', seed: 0 }, textureMorph: 0.5 },
  };
  const spec: SweepSpec = {
    name: 'morph',
    parameters: [
      { path: 'material.textureMorph', values: [0, 0.5, 1] },
      { path: 'object.morph.amount', range: { from: 0, to: 1, steps: 2 } },
    ],
  };
  const ranges = parameterRanges(morphing, spec);
  assert.deepEqual(ranges.map((r) => r && [r.min, r.max, r.integer]), [[0, 1, false], [0, 1, false]]);
  const configs = expandConfigurations(spec, ranges.map((r) => r?.integer ?? false));
  assert.deepEqual(configs.map((c) => c.values), [[0, 0], [0, 1], [0.5, 0], [0.5, 1], [1, 0], [1, 1]]);
  for (const c of configs) {
    const s = applyConfiguration({ ...morphing, sweep: spec }, spec, c);
    assert.equal(s.material.textureMorph, c.values[0]);
    assert.deepEqual(s.object.kind === 'builtin' && s.object.morph, { target: 'cat', amount: c.values[1] });
    assert.equal(s.sweep, undefined);
    assert.equal(morphing.material.textureMorph, 0.5, 'the base scene is not changed');
  }

  // A run over textureMorph [0, 0.5, 1]: the renderer gets each value, in order.
  const only: SweepSpec = { name: 'texture-morph', parameters: [{ path: 'material.textureMorph', values: [0, 0.5, 1] }], record: { topK: 1 } };
  const m = await fixture();
  const seen: number[] = [];
  const summary = await runSweep(options({ ...morphing, models: [{ id: 'fix', path: 'fixture.onnx', watch: [] }], sweep: only }, [{ id: 'fix', watch: [], model: m }], path.join(tmp, 'morph'), {
    host: { models: () => [{ id: 'fix', watch: [], model: m }], render: async (s, sizes) => (seen.push(s.material.textureMorph), sizes.map((size) => discRender(s, size))), resources: () => undefined },
  }));
  assert.equal(summary.rows, 3);
  assert.deepEqual(seen, [0, 0.5, 1]);
  assert.deepEqual(csvRecords(readFileSync(path.join(summary.folder, 'results.csv'), 'utf8')).map((r) => r['material.textureMorph']), ['0', '0.5', '1']);

  // The same sweep in a scene whose object has no morph: the file gets a diagnostic on the path, naming it.
  const text = JSON.stringify({ ...base, object: { ...base.object, kind: 'builtin', name: 'dog', morph: null }, sweep: spec });
  const parsed = parseScene(text);
  assert.equal(parsed.scene, null);
  const d = parsed.diagnostics.find((x) => x.path === 'sweep.parameters[1].path');
  assert.ok(d, `a diagnostic on the path: ${JSON.stringify(parsed.diagnostics)}`);
  assert.match(d.message, /object\.morph\.amount/);
  assert.match(d.message, /has no morph \(object\.morph is null\)/);
  assert.ok(text.slice(d.offset, d.offset + d.length).includes('object.morph.amount'), 'located on the path in the text');
  console.log(`# morph-less scene: ${d.message}`);
  // textureMorph needs no morph target: it stays valid there.
  assert.equal(parsed.diagnostics.filter((x) => x.path.startsWith('sweep.parameters[0]')).length, 0);
});
