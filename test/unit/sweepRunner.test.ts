/**
 * The sweep runner (src/sweep/runner.ts) with a fake renderer and the fixture model: the rows match running each
 * configuration's image through runModel; interrupted runs (cancel at a random point, a render that throws, a torn
 * trailing line, the stopAfter kill hook) resume to a CSV byte-identical to an uninterrupted run; a changed spec goes
 * to a new folder. The extension-host test (test/suite/sweep.test.ts) does the same with the real webview.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../core/noise';
import type { RenderSize } from '../../core/protocol';
import { defaultScene } from '../../core/scene';
import { applyConfiguration, expandConfigurations } from '../../core/sweep/configurations';
import { csvRecords, formatNumber } from '../../core/sweep/results';
import type { SweepSpec } from '../../core/sweep/types';
import type { Scene } from '../../core/sceneTypes';
import { discRender } from './discRender';
import type { FrameModel } from '../../src/inference/framePipeline';
import { loadModel, type LoadedModel } from '../../src/inference/loadModel';
import { runModel } from '../../src/inference/runModel';
import { runSweep, type SweepOptions } from '../../src/sweep/runner';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture');
let model: LoadedModel | undefined;

async function fixture(): Promise<LoadedModel> {
  model ??= await loadModel(
    { onnxPath: path.join(FIXTURE, 'fixture.onnx'), manifestPath: path.join(FIXTURE, 'fixture.model.json'), allowedRoots: [FIXTURE] },
    { threads: 1, executionProviders: ['cpu'] },
  );
  return model;
}

const SPEC: SweepSpec = {
  name: 'unit',
  parameters: [
    { path: 'camera.azimuth', range: { from: -150, to: 150, steps: 5 } },
    { path: 'camera.elevation', values: [0, 20, 40] },
    { path: 'perturbations[0].params.sigma', values: [0, 1.5] },
  ],
  record: { topK: 2, classes: ['class 3'], neurons: true },
};

async function setup(spec: SweepSpec = SPEC): Promise<{ scene: Scene; models: FrameModel[] }> {
  const m = await fixture();
  const scene: Scene = {
    ...defaultScene(),
    models: [{ id: 'fix', path: 'fixture.onnx', watch: [{ layer: m.layers[0].alias ?? m.layers[0].tensor, neurons: [0, 1] }] }],
    perturbations: [{ op: 'gaussianBlur', enabled: true, seed: 0, params: { sigma: 0.5 } }],
    sweep: spec,
  };
  return { scene, models: [{ id: 'fix', watch: scene.models[0].watch, model: m }] };
}

function options(scene: Scene, models: FrameModel[], runsDir: string, extra: Partial<SweepOptions> = {}): SweepOptions {
  return {
    scene,
    sceneFile: 'unit.perturber.json',
    runsDir,
    host: {
      models: () => models,
      render: async (s: Scene, sizes: readonly RenderSize[]) => sizes.map((size) => discRender(s, size)),
      resources: () => undefined,
    },
    isCancelled: () => false,
    ...extra,
  };
}

const tmp = mkdtempSync(path.join(tmpdir(), 'perturber-sweep-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('rows equal each configuration run one by one through runModel', async () => {
  const { scene, models } = await setup();
  const summary = await runSweep(options(scene, models, path.join(tmp, 'a')));
  assert.equal(summary.complete, true);
  assert.equal(summary.configurations, 30);
  const rows = csvRecords(readFileSync(path.join(summary.folder, 'results.csv'), 'utf8'));
  assert.equal(rows.length, 30);
  const { applyPipeline, rgbaToFloat } = await import('../../core/perturbations/pipeline');
  for (const config of expandConfigurations(SPEC)) {
    const s = applyConfiguration(scene, SPEC, config);
    const image = discRender(s, { width: 64, height: 64 });
    const perturbed = applyPipeline(rgbaToFloat(image), s.perturbations, () => 0).image;
    const run = await runModel({ id: 'fix', model: models[0].model!, watch: models[0].watch, image, perturbed, topK: 10 });
    const row = rows[config.index];
    assert.equal(row.config, String(config.index));
    assert.deepEqual([row['camera.azimuth'], row['camera.elevation'], row['perturbations[0].params.sigma']], config.values.map(String));
    assert.equal(row.top1_label, run.predictions.top[0].label);
    assert.equal(row.top1_prob, formatNumber(run.predictions.top[0].probability));
    assert.equal(row.top2_prob, formatNumber(run.predictions.top[1].probability));
    const c3 = run.predictions.top.find((p) => p.label === 'class 3');
    assert.equal(row['p:class 3'], formatNumber(c3?.probability ?? null));
    const layer = run.activations.layers[0];
    assert.equal(row[`n:${layer.layer}:1`], formatNumber(layer.neurons[1].mean));
  }
  assert.ok(new Set(rows.map((r) => r.top1_prob)).size > 5, 'the configurations give different numbers');
  assert.equal(summary.perModel.fix.rows, 30);
});

test('interrupted runs (cancel, a failing render, a torn line, a kill) resume to an identical CSV', async () => {
  const { scene, models } = await setup();
  const reference = readFileSync(path.join((await runSweep(options(scene, models, path.join(tmp, 'ref')))).folder, 'results.csv'));
  const rng = mulberry32(11);
  for (let trial = 0; trial < 6; trial++) {
    const runsDir = path.join(tmp, `trial${trial}`);
    const cancelAt = 1 + Math.floor(rng() * 28);
    let renders = 0;
    const kind = trial % 3;
    const first = runSweep(options(scene, models, runsDir, {
      // cancel: the token flips while a render is in flight (a real cancellation, not at a configuration boundary)
      isCancelled: () => kind === 0 && renders > cancelAt,
      host: {
        models: () => models,
        render: async (s, sizes) => {
          renders++;
          await new Promise((r) => setTimeout(r, rng() * 3));
          if (kind === 1 && renders === cancelAt) throw new Error('renderer crashed');
          return sizes.map((size) => discRender(s, size));
        },
        resources: () => undefined,
      },
      commitEveryMs: rng() * 20,
      ...(kind === 2 ? { stopAfter: cancelAt } : {}),
    }));
    if (kind === 1) await assert.rejects(first, /renderer crashed/);
    else {
      const s = await first;
      assert.equal(s.complete, false, `trial ${trial}`);
    }
    const csv = path.join(runsDir, 'unit', 'results.csv');
    // Whatever the interruption left, add a torn trailing line as a kill during a write would.
    appendFileSync(csv, '17,-150,0,1.5,fix,class');
    const resumed = await runSweep(options(scene, models, runsDir));
    assert.equal(resumed.complete, true);
    assert.ok(resumed.resumedAt > 0 || kind === 1, `trial ${trial} resumed at ${resumed.resumedAt}`);
    assert.ok(reference.equals(readFileSync(csv)), `trial ${trial} (${['cancel', 'render error', 'stopAfter'][kind]} at ${cancelAt})`);
    const again = await runSweep(options(scene, models, runsDir));
    assert.equal(again.alreadyComplete, true);
    assert.ok(reference.equals(readFileSync(csv)));
  }
});

test('a changed spec under the same name goes to a new folder and leaves the old run alone', async () => {
  const runsDir = path.join(tmp, 'spec');
  const { scene, models } = await setup();
  const first = await runSweep(options(scene, models, runsDir));
  const before = readFileSync(path.join(first.folder, 'results.csv'));
  const other = await setup({ ...SPEC, parameters: [SPEC.parameters[0]] });
  const second = await runSweep(options(other.scene, other.models, runsDir));
  assert.equal(path.basename(second.folder), 'unit-2');
  assert.equal(second.rows, 5);
  assert.ok(before.equals(readFileSync(path.join(first.folder, 'results.csv'))));
  assert.deepEqual(readdirSync(runsDir).sort(), ['unit', 'unit-2']);
  const summary = JSON.parse(readFileSync(path.join(second.folder, 'summary.json'), 'utf8'));
  assert.equal(summary.rows, 5);
  assert.equal(summary.models[0].sha256, models[0].model!.sha256);
});
