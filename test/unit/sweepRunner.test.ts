/**
 * The sweep runner (src/sweep/runner.ts) with a fake renderer and the fixture model: the rows match running each
 * configuration's image through runModel; interrupted runs (cancel at a random point, a render that throws, a torn
 * trailing line, the stopAfter kill hook) resume to a CSV byte-identical to an uninterrupted run; a changed spec goes
 * to a new folder. With `sweep.attack`: epsilon 0 and steps 0 give the clean rows, a row equals PGD + the model run
 * by hand, the attack moves p(class) the way it should, a killed attack sweep resumes to identical bytes, and an
 * unknown class stops the run before it writes. With saveImages an attack sweep stores each non-zero delta
 * (attacks/<config>.npy) equal to PGD by hand, keeps exactly the committed ones across a kill, and the configuration
 * scene naming it (core/sweepConfigScene.ts) gives the row's numbers. The extension-host test (test/suite/sweep.test.ts) does the same
 * with the real webview.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../core/noise';
import { defaultScene } from '../../core/scene';
import { applyConfiguration, expandConfigurations } from '../../core/sweep/configurations';
import { csvRecords, formatNumber } from '../../core/sweep/results';
import type { SweepSpec } from '../../core/sweep/types';
import type { Scene } from '../../core/sceneTypes';
import { discRender, discSweepOptions, sweepFixtureModel } from './discRender';
import type { FrameModel } from '../../src/inference/framePipeline';
import type { LoadedModel } from '../../src/inference/loadModel';
import { runModel } from '../../src/inference/runModel';
import { runSweep, type SweepOptions } from '../../src/sweep/runner';
import { pgd } from '../../core/attacks/pgd';
import { applyPipeline, rgbaToFloat } from '../../core/perturbations/pipeline';
import { decodeNpy, encodeNpy } from '../../core/attacks/npy';
import { configurationScene } from '../../core/sweepConfigScene';
import { perturbationFromNpy } from '../../src/inference/perturbationFiles';

const fixture = sweepFixtureModel;

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
  return discSweepOptions(scene, models, runsDir, 'unit.perturber.json', extra);
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

/** The fixture's clean prediction at azimuth a (elevation 0, blur 0.5): what the attack tests aim at or away from. */
const AZIMUTHS = [-60, 60];
const EPSILONS = [0, 2 / 255, 0.1];

function attackSpec(mode: 'targeted' | 'untargeted', target: string, name = `attack-${mode}`): SweepSpec {
  return {
    name,
    parameters: [
      { path: 'camera.azimuth', values: AZIMUTHS },
      { path: 'attack.steps', values: [0, 10] },
      { path: 'attack.epsilon', values: EPSILONS },
    ],
    record: { topK: 2 },
    attack: { model: 'fix', class: target, mode, epsilon: 0.01 },
  };
}

/** log p(label) of the fixture and its gradient (Attack Scene's objective). */
function logP(m: LoadedModel, labelIndex: number) {
  const objective = { kind: 'logSoftmax' as const, weights: { [labelIndex + m.manifest.labelOffset]: 1 } };
  return async (x: Float32Array) => {
    const run = await m.gradients.run(x, 1, objective);
    return { objective: run.objective[0], grad: run.gradInput };
  };
}

const FIELDS = ['model', 'top1_label', 'top1_prob', 'top2_label', 'top2_prob', 'error'];

test('attack sweep: epsilon 0 and steps 0 rows are the clean rows; a row equals PGD and the model run by hand', async () => {
  const m = await fixture();
  const clean = await setup({ name: 'clean', parameters: [{ path: 'camera.azimuth', values: AZIMUTHS }], record: { topK: 2, classes: ['yellow'] } });
  const cleanRows = csvRecords(readFileSync(path.join((await runSweep(options(clean.scene, clean.models, path.join(tmp, 'clean')))).folder, 'results.csv'), 'utf8'));
  const target = 'yellow';
  assert.notEqual(cleanRows[0].top1_label, target, 'the targeted class is not what the model sees already');
  const spec = attackSpec('targeted', target);
  const { scene, models } = await setup(spec);
  const summary = await runSweep(options(scene, models, path.join(tmp, 'attack')));
  assert.equal(summary.complete, true);
  assert.equal(summary.configurations, 12);
  assert.deepEqual(summary.attack && [summary.attack.label, summary.attack.outputIndex, summary.attack.mode, summary.attack.sweptValues], [target, m.labels.indexOf(target), 'targeted', ['attack.steps', 'attack.epsilon']]);
  const rows = csvRecords(readFileSync(path.join(summary.folder, 'results.csv'), 'utf8'));
  assert.equal(rows.length, 12);
  assert.deepEqual(Object.keys(rows[0]).slice(-4), ['p:yellow', 'attack_objective_before', 'attack_objective_after', 'error']);
  for (const config of expandConfigurations(spec, [false, true, false])) {
    const row = rows[config.index];
    const [azimuth, steps, epsilon] = config.values;
    const reference = cleanRows[AZIMUTHS.indexOf(azimuth)];
    if (steps === 0 || epsilon === 0) {
      // The clean row to the byte (the same fields as printed), and before = after.
      assert.deepEqual([...FIELDS, 'p:yellow'].map((f) => row[f]), [...FIELDS, 'p:yellow'].map((f) => reference[f]), `config ${config.index}`);
      assert.equal(row.attack_objective_before, row.attack_objective_after);
      continue;
    }
    // By hand: x0 -> pgd -> clamp(x0 + delta) -> the model.
    const s = applyConfiguration(scene, spec, config);
    const x0 = applyPipeline(rgbaToFloat(discRender(s, { width: 64, height: 64 })), s.perturbations, () => 0).image;
    const result = await pgd(x0.data, logP(m, m.labels.indexOf(target)), { norm: 'linf', epsilon, stepSize: 0.25 * epsilon, steps, randomStart: false, seed: 0 });
    const attacked = { width: 64, height: 64, data: x0.data.map((v, i) => Math.min(1, Math.max(0, v + result.delta[i]))) };
    const run = await runModel({ id: 'fix', model: m, watch: [], image: discRender(s, { width: 64, height: 64 }), perturbed: attacked, topK: 10 });
    const p = run.predictions.top.find((t) => t.label === target)!.probability;
    // Relative: the CSV keeps 7 significant digits, and a probability of 1e-8 must match as closely as one of 0.5.
    const close = (a: string, b: number, what: string): void => assert.ok(Math.abs(Number(a) - b) <= 1e-6 * Math.abs(b), `config ${config.index} ${what}: ${a} vs ${b}`);
    close(row['p:yellow'], p, 'p(target)');
    close(row.top1_prob, run.predictions.top[0].probability, 'top1');
    assert.equal(row.top1_label, run.predictions.top[0].label);
    close(row.attack_objective_before, result.objectives[0], 'objective before');
    close(row.attack_objective_after, result.objectives[result.objectives.length - 1], 'objective after');
    assert.ok(Math.abs(Math.log(Number(row['p:yellow'])) - Number(row.attack_objective_after)) < 1e-4, 'the objective is log p(class)');
  }
});

test('attack sweep: targeted raises p(class) at the largest epsilon, untargeted lowers it', async () => {
  const measured: Record<string, number[]> = {};
  for (const mode of ['targeted', 'untargeted'] as const) {
    // Untargeted pushes away from what the model sees at azimuth -60 (the clean top-1 there).
    const clean = await setup({ name: 'c', parameters: [{ path: 'camera.azimuth', values: [-60] }], record: { topK: 1 } });
    const seen = csvRecords(readFileSync(path.join((await runSweep(options(clean.scene, clean.models, path.join(tmp, `seen-${mode}`)))).folder, 'results.csv'), 'utf8'))[0].top1_label;
    const target = mode === 'targeted' ? 'yellow' : seen;
    const { scene, models } = await setup(attackSpec(mode, target));
    const summary = await runSweep(options(scene, models, path.join(tmp, `direction-${mode}`)));
    const rows = csvRecords(readFileSync(path.join(summary.folder, 'results.csv'), 'utf8'));
    // Azimuth -60, 10 steps: epsilon 0, 2/255, 0.1 are configurations 3, 4, 5.
    const p = [3, 4, 5].map((i) => Number(rows[i][`p:${target}`]));
    measured[`${mode} ${target}`] = p;
    if (mode === 'targeted') {
      assert.ok(p[2] > 0.5 && p[2] > 10 * p[0], `targeted: ${p}`);
      assert.ok(p[1] >= p[0], `targeted: ${p}`);
    } else {
      assert.ok(p[0] > 0.5 && p[2] < p[0] / 10, `untargeted: ${p}`);
      assert.ok(p[1] <= p[0], `untargeted: ${p}`);
      assert.notEqual(rows[5].top1_label, seen, 'the attack changes the decision');
    }
    assert.ok(Number(rows[5].attack_objective_after) !== Number(rows[5].attack_objective_before));
  }
  console.log('attack sweep p(class) at epsilon 0, 2/255, 0.1:', JSON.stringify(measured));
});

test('attack sweep: a kill mid-way resumes to a byte-identical CSV; an unknown class stops before writing', async () => {
  const spec = attackSpec('untargeted', 'red', 'attack-kill');
  const { scene, models } = await setup(spec);
  const reference = readFileSync(path.join((await runSweep(options(scene, models, path.join(tmp, 'attack-ref')))).folder, 'results.csv'));
  for (const stopAfter of [1, 4, 8]) {
    const runsDir = path.join(tmp, `attack-kill-${stopAfter}`);
    const first = await runSweep(options(scene, models, runsDir, { stopAfter }));
    assert.equal(first.stopped, 'stopAfter');
    assert.equal(first.done, stopAfter);
    const csv = path.join(runsDir, 'attack-kill', 'results.csv');
    appendFileSync(csv, '9,60,10,0.0');
    const resumed = await runSweep(options(scene, models, runsDir));
    assert.equal(resumed.resumedAt, stopAfter);
    assert.ok(reference.equals(readFileSync(csv)), `stopAfter ${stopAfter}`);
  }
  const header = reference.toString('utf8').split('\n')[0];
  assert.ok(header.endsWith(',p:red,attack_objective_before,attack_objective_after,error'), header);

  const bad = await setup({ ...spec, name: 'bad-class', attack: { ...spec.attack!, class: 'zebra' } });
  const runsDir = path.join(tmp, 'bad-class');
  await assert.rejects(runSweep(options(bad.scene, bad.models, runsDir)), /sweep\.attack\.class "zebra" is not a label of fix \(Fixture hue classifier \(64 px\), 8 labels: "red", "orange"/);
  assert.ok(!existsSync(path.join(runsDir, 'bad-class', 'results.csv')), 'nothing is written');
  const noModel = await setup({ ...spec, name: 'no-model', attack: { ...spec.attack!, model: 'ghost' } });
  await assert.rejects(runSweep(options(noModel.scene, noModel.models, runsDir)), /the scene has no model "ghost" \(models: fix\)/);
  assert.ok(!existsSync(path.join(runsDir, 'no-model')));
});

test('attack sweep with saveImages: each non-zero delta stored bitwise, exactly the committed ones across a kill', async () => {
  const m = await fixture();
  const spec: SweepSpec = { ...attackSpec('targeted', 'yellow', 'attack-deltas'), saveImages: true };
  const { scene, models } = await setup(spec);
  const summary = await runSweep(options(scene, models, path.join(tmp, 'deltas')));
  const rows = csvRecords(readFileSync(path.join(summary.folder, 'results.csv'), 'utf8'));
  const configs = expandConfigurations(spec, [false, true, false]);
  // Steps 10 and epsilon > 0: configurations 4, 5, 10, 11; epsilon 0 and steps 0 store nothing.
  const attacked = configs.filter((c) => c.values[1] > 0 && c.values[2] > 0).map((c) => c.index);
  assert.deepEqual(attacked, [4, 5, 10, 11]);
  const stored = (folder: string): string[] => readdirSync(path.join(folder, 'attacks')).sort((a, b) => parseInt(a) - parseInt(b));
  assert.deepEqual(stored(summary.folder), attacked.map((i) => `${i}.npy`));
  const reference = new Map<number, Buffer>();
  for (const i of attacked) {
    const [, steps, epsilon] = configs[i].values;
    const s = applyConfiguration(scene, spec, configs[i]);
    const image = discRender(s, { width: 64, height: 64 });
    const x0 = applyPipeline(rgbaToFloat(image), s.perturbations, () => 0).image;
    const byHand = await pgd(x0.data, logP(m, m.labels.indexOf('yellow')), { norm: 'linf', epsilon, stepSize: 0.25 * epsilon, steps, randomStart: false, seed: 0 });
    const bytes = readFileSync(path.join(summary.folder, 'attacks', `${i}.npy`));
    reference.set(i, bytes);
    const { data, shape } = decodeNpy(bytes);
    assert.deepEqual(shape, [3, 64, 64]);
    assert.ok(Buffer.from(data.buffer).equals(Buffer.from(byHand.delta.buffer, byHand.delta.byteOffset, byHand.delta.byteLength)), `config ${i}: the stored delta is PGD's, bit for bit`);
    assert.ok(Buffer.from(encodeNpy(byHand.delta, [3, 64, 64])).equals(bytes));
    assert.equal(bytes.length, 128 + 3 * 64 * 64 * 4);
    const peak = data.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    assert.ok(peak > 0.5 * epsilon && peak <= epsilon * (1 + 1e-6), `config ${i}: |delta| max ${peak}, epsilon ${epsilon}`);
    // The configuration scene that names the file (as Show Sweep Results writes it) gives the row's p(yellow).
    const opened = configurationScene(scene, spec, configs[i], (p) => p, { file: `attacks/${i}.npy` });
    const resources = { perturbation: (file: string) => perturbationFromNpy(readFileSync(path.join(summary.folder, file))) };
    const perturbed = applyPipeline(rgbaToFloat(image), opened.perturbations, () => 0, resources).image;
    const run = await runModel({ id: 'fix', model: m, watch: [], image, perturbed, topK: 10 });
    const p = run.predictions.top.find((t) => t.label === 'yellow')!.probability;
    const row = rows.find((r) => r.config === String(i))!;
    assert.ok(Math.abs(Number(row['p:yellow']) - p) <= 1e-6 * p, `config ${i}: opened scene p(yellow) ${p}, row ${row['p:yellow']}`);
  }
  // A kill keeps exactly the committed configurations' deltas; a torn delta of the one in flight is rewritten.
  for (const stopAfter of [5, 10]) {
    const runsDir = path.join(tmp, `deltas-kill-${stopAfter}`);
    const killed = await runSweep(options(scene, models, runsDir, { stopAfter }));
    assert.equal(killed.done, stopAfter);
    assert.deepEqual(stored(killed.folder), attacked.filter((i) => i < stopAfter).map((i) => `${i}.npy`));
    for (const name of stored(killed.folder)) assert.ok(reference.get(parseInt(name))!.equals(readFileSync(path.join(killed.folder, 'attacks', name))), name);
    writeFileSync(path.join(killed.folder, 'attacks', `${stopAfter}.npy`), reference.get(stopAfter)!.subarray(0, 1000));
    writeFileSync(path.join(killed.folder, 'attacks', `${stopAfter}.npy.tmp`), 'torn');
    const resumed = await runSweep(options(scene, models, runsDir));
    assert.equal(resumed.resumedAt, stopAfter);
    assert.deepEqual(stored(resumed.folder), attacked.map((i) => `${i}.npy`));
    for (const i of attacked) assert.ok(reference.get(i)!.equals(readFileSync(path.join(resumed.folder, 'attacks', `${i}.npy`))), `resumed ${stopAfter}: ${i}.npy`);
  }
  // Without saveImages no delta is kept.
  const plain = await setup({ ...spec, name: 'attack-no-deltas', saveImages: false });
  assert.ok(!existsSync(path.join((await runSweep(options(plain.scene, plain.models, path.join(tmp, 'no-deltas')))).folder, 'attacks')));
});
