/**
 * The objective kinds of feature visualisation (issue 7) and the batching, on REAL models through ONNX Runtime:
 *  - `unit` on the lab model (models/lab/standard.onnx, mixed3b): the optimised image raises the centre unit far above
 *    its mean on noise, and above the other units of its own channel (the layer's map read back from the model).
 *  - batching on the GoogLeNet-shaped gradient fixture (test/unit/fixtures/gradients/googlenet.onnx, free batch
 *    dimension): 3 neurons (channel, negative, unit) in one batch give the images of 3 single-neuron runs, and the
 *    service makes ONE gradient run per step for them; each .json sidecar records its objective kind.
 *  - the `featureVis.objective` / `featureVis.unit` resolution and the panel's message guard.
 * The cache key and the transforms are in featureVisKeys.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { objectiveCaption, objectiveParts } from '../../core/featureVis/objectiveKind';
import { channelsObjective, randomActivation, renderFeatureVis, resolveSettings } from '../../core/featureVis/render';
import { sampleAffine, standardMap } from '../../core/featureVis/transforms';
import { FEATURE_VIS_DEFAULTS, type BatchGradientFn, type NeuronObjective } from '../../core/featureVis/types';
import { parseManifest } from '../../core/manifest';
import { isAccepted, parsePanelMessage } from '../../core/messageGuards';
import type { FeatureVisState } from '../../core/protocol';
import { encodePng } from '../../src/featureVis/featureVisCache';
import { FeatureVisService, type FeatureVisTarget } from '../../src/featureVis/featureVisService';
import type { LoadedModel } from '../../src/inference/loadModel';
import { ModelGradients } from '../../src/inference/modelGradients';

const LAB = path.resolve(__dirname, '..', '..', '..', 'models', 'lab');
const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'gradients', 'googlenet.onnx');
const manifest = parseManifest(readFileSync(path.join(LAB, 'standard.model.json'), 'utf8')).manifest!;
const session = { threads: 0, executionProviders: [] };
const REDIRECTED = { reluGradient: 'redirected' as const };

const fnFor = (gradients: ModelGradients, objectives: readonly NeuronObjective[]): BatchGradientFn => {
  const objective = channelsObjective(objectives);
  return async (pixels, batch) => {
    const r = await gradients.run(pixels, batch, objective, [], REDIRECTED); // as the service runs it
    return { objective: r.objective, grad: r.gradInput };
  };
};

test('objectiveParts: channel, negative, the centre unit (Lucid: floor(size / 2)), an explicit unit, and clear errors', () => {
  const map = { width: 16, height: 12 };
  assert.deepEqual(objectiveParts({ objective: 'channel' }, 'mixed3b', map), {});
  assert.deepEqual(objectiveParts({ objective: 'negative' }, 'mixed3b', map), { negative: true });
  assert.deepEqual(objectiveParts({ objective: 'unit' }, 'mixed3b', map), { unit: { y: 6, x: 8 } });
  assert.deepEqual(objectiveParts({ objective: 'unit' }, 'l', { width: 7, height: 7 }), { unit: { y: 3, x: 3 } });
  assert.deepEqual(objectiveParts({ objective: 'unit', unit: { x: 15, y: 0 } }, 'mixed3b', map), { unit: { y: 0, x: 15 } });
  // The unit only counts for the unit objective.
  assert.deepEqual(objectiveParts({ objective: 'negative', unit: { x: 99, y: 99 } }, 'mixed3b', map), { negative: true });
  assert.throws(() => objectiveParts({ objective: 'unit', unit: { x: 16, y: 0 } }, 'mixed3b', map), /featureVis\.unit \(x 16, y 0\) is outside the 16 x 12 map of mixed3b \(x 0\.\.15, y 0\.\.11\)/);
  assert.throws(() => objectiveParts({ objective: 'unit', unit: { x: 0, y: 12 } }, 'mixed3b', map), /outside the 16 x 12 map/);
  assert.throws(() => objectiveParts({ objective: 'unit' }, 'fc', {}), /map of fc has no known centre: give featureVis\.unit/);
  assert.deepEqual(objectiveParts({ objective: 'unit', unit: { x: 2, y: 3 } }, 'fc', {}), { unit: { y: 3, x: 2 } });
  assert.equal(objectiveCaption('unit', { x: 7, y: 5 }), 'unit (7,5)');
  assert.equal(objectiveCaption('negative', undefined), 'negative');
  // resolveSettings (the service's check) refuses a bad kind or unit.
  assert.throws(() => resolveSettings({ objective: 'units' as never }), /featureVis\.objective must be "channel", "negative" or "unit", got "units"/);
  assert.throws(() => resolveSettings({ unit: { x: -1, y: 0 } }), /featureVis\.unit must be/);
  assert.equal(resolveSettings({}).objective, 'channel');
});

test('the panel message featureVisObjective: the three kinds pass, garbage is refused', () => {
  for (const objective of ['channel', 'negative', 'unit']) {
    assert.deepEqual(parsePanelMessage({ type: 'featureVisObjective', objective, extra: 1 }), { type: 'featureVisObjective', objective });
  }
  for (const objective of [undefined, null, '', 'Channel', 'units', 3, ['unit'], { kind: 'unit' }]) {
    const parsed = parsePanelMessage({ type: 'featureVisObjective', objective });
    assert.ok(!isAccepted(parsed), `${JSON.stringify(objective)} accepted`);
    assert.match(parsed.error, /featureVisObjective\.objective must be "channel", "negative" or "unit"/);
  }
});

test('a target with a problem (a featureVis.unit outside the map) is an error state with that message; nothing is queued', () => {
  const layers = [{ tensor: 'mixed3b', opType: 'Concat', alias: 'mixed3b', channels: 112, height: 16, width: 16 }];
  const model = { onnxPath: 'standard.onnx', manifest, layers, gradients: { maxBatch: 1, run: () => Promise.reject(new Error('not expected')) }, sha256: 'c'.repeat(64) } as unknown as LoadedModel;
  const service = new FeatureVisService({ cacheRoot: () => undefined, enabled: () => true, throttleMs: 0 });
  let problem = '';
  try {
    objectiveParts({ objective: 'unit', unit: { x: 20, y: 3 } }, 'mixed3b', layers[0]);
  } catch (error) {
    problem = (error as Error).message;
  }
  const base = { model, modelId: 'standard', layer: 'mixed3b', tensor: 'mixed3b', neuron: 1 };
  const [bad, outside] = service.states([{ ...base, problem }, { ...base, unit: { y: 16, x: 0 } }], FEATURE_VIS_DEFAULTS);
  assert.deepEqual(bad, { state: 'error', message: 'featureVis.unit (x 20, y 3) is outside the 16 x 16 map of mixed3b (x 0..15, y 0..15)' });
  assert.deepEqual(outside, { state: 'error', message: 'unit (x 0, y 16) is outside the 16 x 16 map of mixed3b' });
  service.dispose();
});

// ---------------------------------------------------------------- the unit objective on the lab model

const UNIT_CHANNELS = [5, 40, 90];
const UNIT_STEPS = 128;

test(`unit objective, lab mixed3b channels ${UNIT_CHANNELS.join(', ')} (${UNIT_STEPS} steps, 64 px): the centre unit >= 2x its noise mean and above the rest of its channel`, async () => {
  const gradients = new ModelGradients(new Uint8Array(readFileSync(path.join(LAB, 'standard.onnx'))), manifest, session);
  const inputSize = { width: manifest.input.width, height: manifest.input.height };
  const settings = { ...FEATURE_VIS_DEFAULTS, size: 64, steps: UNIT_STEPS };
  /** The channel's whole map on an image (the layer's value, read back from the model itself). */
  const mapOf = async (pixels: Float32Array, channel: number) => {
    const r = await gradients.run(pixels, 1, channelsObjective([{ tensor: 'mixed3b', channel }]), ['mixed3b'], REDIRECTED);
    const value = r.layers.get('mixed3b')!.value;
    const [, , h, w] = value.dims;
    return { width: w, height: h, map: value.data.slice(channel * h * w, (channel + 1) * h * w) };
  };
  const lines: string[] = [];
  let positiveNoise = 0;
  try {
    for (const channel of UNIT_CHANNELS) {
      const grey = new Float32Array(3 * inputSize.width * inputSize.height).fill(0.5);
      const { width, height } = await mapOf(grey, channel);
      const { unit } = objectiveParts({ objective: 'unit' }, 'mixed3b', { width, height });
      assert.deepEqual(unit, { y: Math.floor(height / 2), x: Math.floor(width / 2) });
      const o: NeuronObjective = { tensor: 'mixed3b', channel, unit };
      const result = await renderFeatureVis({ objectives: [o], settings, gradient: fnFor(gradients, [o]), inputSize });
      assert.equal(result.stepsDone, UNIT_STEPS);
      const noise = (await randomActivation({ objectives: [o], gradient: fnFor(gradients, [o]), inputSize, seed: 0 }))[0];
      // The final image as the model sees it (only resized), and the channel's map there.
      const input = new Float32Array(3 * inputSize.width * inputSize.height);
      sampleAffine(result.images[0], 3, 64, 64, standardMap(undefined, 64, inputSize.width, inputSize.height), inputSize.width, inputSize.height, 0.5, input);
      const { map } = await mapOf(input, channel);
      const at = map[unit!.y * width + unit!.x];
      const others = (map.reduce((s, v) => s + v, 0) - at) / (map.length - 1);
      assert.ok(Math.abs(at - result.activation[0]) <= 1e-4 * Math.max(1, Math.abs(at)), `the render's activation ${result.activation[0]} is the unit's ${at}`);
      lines.push(`channel ${channel} unit (${unit!.x},${unit!.y}): ${at.toFixed(3)}, noise ${noise.toFixed(3)} (${(at / noise).toFixed(1)}x), other units' mean ${others.toFixed(3)}`);
      assert.ok(at > 0 && at >= 2 * noise, `channel ${channel}: the unit reaches ${at}, noise ${noise}`);
      if (noise > 0.01) positiveNoise++;
      assert.ok(at > others, `channel ${channel}: the unit ${at} is not above the mean ${others} of the other units`);
    }
    // Measured: channel 5's centre unit is 0 on noise (a ratio says nothing there); 40 and 90 answer noise.
    assert.ok(positiveNoise >= 2, 'at least two of the units answer noise, so the ratio means something');
  } finally {
    console.log(`# unit objective: ${lines.join('; ')}`);
    await gradients.dispose();
  }
});

// ---------------------------------------------------------------- batching on a model with a free batch dimension

const BATCH_STEPS = 12;

test(`batching (GoogLeNet fixture, inception3a, ${BATCH_STEPS} steps, 32 px): one batch of 3 = 3 single runs; the service runs the model once per step for them`, async () => {
  const fixtureManifest = { ...manifest, layerAliases: {} };
  const gradients = new ModelGradients(new Uint8Array(readFileSync(FIXTURE)), fixtureManifest, session);
  assert.ok(gradients.maxBatch > 1, `the fixture's batch dimension is free (maxBatch ${gradients.maxBatch})`);
  const inputSize = { width: 64, height: 64 };
  const settings = { ...FEATURE_VIS_DEFAULTS, size: 32, steps: BATCH_STEPS };
  const objectives: NeuronObjective[] = [
    { tensor: 'inception3a', channel: 0 },
    { tensor: 'inception3a', channel: 1, negative: true },
    { tensor: 'inception3a', channel: 2, unit: { y: 3, x: 4 } },
  ];
  const root = mkdtempSync(path.join(tmpdir(), 'fv-batch-'));
  try {
    const batched = await renderFeatureVis({ objectives, settings, gradient: fnFor(gradients, objectives), inputSize });
    const singles = [];
    for (const o of objectives) singles.push(await renderFeatureVis({ objectives: [o], settings, gradient: fnFor(gradients, [o]), inputSize }));
    let worst = 0;
    for (let b = 0; b < objectives.length; b++) {
      for (let i = 0; i < batched.images[b].length; i++) worst = Math.max(worst, Math.abs(batched.images[b][i] - singles[b].images[0][i]));
      assert.ok(Math.abs(batched.activation[b] - singles[b].activation[0]) <= 1e-4 * Math.max(1, Math.abs(singles[b].activation[0])));
    }
    console.log(`# batch of 3 vs 3 single runs: max abs pixel difference ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-4, `batched images differ from single runs by ${worst}`);
    // The three objectives are different images (the batch did not just repeat one).
    let spread = 0;
    for (let i = 0; i < batched.images[0].length; i++) spread = Math.max(spread, Math.abs(batched.images[0][i] - batched.images[1][i]));
    assert.ok(spread > 1e-2, `channel 0 and negative channel 1 give nearly the same image (${spread})`);

    // The service: ONE gradient run per step for the batch (+ the final score + the noise images), each with 3 images.
    const calls: number[] = [];
    const counting = {
      maxBatch: gradients.maxBatch,
      run: (...args: Parameters<ModelGradients['run']>) => {
        calls.push(args[1]);
        return gradients.run(...args);
      },
    };
    const layers = [{ tensor: 'inception3a', opType: 'Concat', alias: 'inception3a', channels: 40, height: 8, width: 8 }];
    const model = { onnxPath: 'googlenet.onnx', manifest: { ...fixtureManifest, displayName: 'fixture' }, layers, gradients: counting, sha256: 'f'.repeat(64) } as unknown as LoadedModel;
    const service = new FeatureVisService({ cacheRoot: () => root, enabled: () => true, throttleMs: 0, noiseImages: 2 });
    const targets: FeatureVisTarget[] = objectives.map((o) => ({ model, modelId: 'fixture', layer: 'inception3a', tensor: 'inception3a', neuron: o.channel, unit: o.unit, negative: o.negative }));
    assert.deepEqual(service.states(targets, settings).map((s) => s.state), ['queued', 'queued', 'queued']);
    await service.idle();
    assert.deepEqual(calls, new Array(BATCH_STEPS + 1 + 2).fill(3), `gradient runs (images each): ${calls.join(' ')}`);
    const done = service.states(targets, settings);
    const folder = path.join(root, 'f'.repeat(16));
    const records = readdirSync(folder).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(path.join(folder, f), 'utf8')));
    assert.deepEqual(records.map((r) => `${r.neuron} ${r.objective} ${JSON.stringify(r.unit ?? null)} ${r.negative}`).sort(), [
      '0 channel null false', '1 negative null true', '2 unit {"y":3,"x":4} false',
    ]);
    for (let b = 0; b < objectives.length; b++) {
      const state = done[b] as Extract<FeatureVisState, { state: 'ready' }>;
      assert.equal(state.state, 'ready');
      const png = PNG.sync.read(Buffer.from(state.png.split(',')[1], 'base64'));
      const single = PNG.sync.read(encodePng(singles[b].images[0], 32));
      let diff = 0;
      for (let i = 0; i < png.data.length; i++) diff = Math.max(diff, Math.abs(png.data[i] - single.data[i]));
      assert.ok(diff <= 1, `the service's batched PNG of neuron ${b} differs from the single run by ${diff} / 255`);
    }
    service.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
    await gradients.dispose();
  }
});
