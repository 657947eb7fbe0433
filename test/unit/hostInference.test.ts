/**
 * The host's inference path without VS Code: loading a model (manifest, labels, layer probe), one run per frame
 * (predictions + watched activations), the model cache, and the latest-wins frame pipeline, on the fixture model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { layerChoices } from '../../core/layerNames';
import type { FrameImage } from '../../core/protocol';
import { Classifier } from '../../src/inference/classifier';
import { FramePipeline, type FrameMessage, type FrameResults } from '../../src/inference/framePipeline';
import { findLayer, loadModel, type LoadedModel, type ModelFiles } from '../../src/inference/loadModel';
import type { ModelLocator } from '../../src/inference/modelLocator';
import { ModelStore } from '../../src/inference/modelStore';
import { fitToModel, runModel } from '../../src/inference/runModel';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture');
const SETTINGS = { threads: 1, executionProviders: ['cpu'] };
const expected = JSON.parse(readFileSync(path.join(FIXTURE, 'fixture.expected.json'), 'utf8')) as {
  tolerance: { logits: number; conv1Mean: number };
  cases: { colour: [number, number, number]; logits: number[]; top1: string; conv1Mean: number[] }[];
};

function fixtureFiles(dir = FIXTURE): ModelFiles {
  return { onnxPath: path.join(dir, 'fixture.onnx'), manifestPath: path.join(dir, 'fixture.model.json'), allowedRoots: [dir] };
}

/** The formula image of fixture.expected.json: grey 64x64 with a disc of radius 18 at (32, 32). */
function disc([r, g, b]: [number, number, number], size = 64): FrameImage {
  const pixels = new Uint8Array(size * size * 4);
  const c = size / 2;
  const radius = (18 * size) / 64;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - c) ** 2 + (y - c) ** 2 <= radius ** 2;
      pixels.set(inside ? [r, g, b, 255] : [128, 128, 128, 255], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, pixels };
}

function tempCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'perturber-host-'));
  for (const f of ['fixture.onnx', 'fixture.model.json']) copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

test('loadModel probes the layers: 4-D candidates with their shapes and aliases, then the output', async () => {
  const model = await loadModel(fixtureFiles(), SETTINGS);
  try {
    assert.deepEqual(model.warnings, []);
    assert.equal(model.manifestProposed, false);
    assert.deepEqual(model.labels.slice(0, 2), ['red', 'orange']);
    const byTensor = new Map(model.layers.map((l) => [l.tensor, l]));
    assert.deepEqual(byTensor.get('conv1_relu'), { tensor: 'conv1_relu', opType: 'Relu', alias: 'conv1', channels: 16, height: 64, width: 64 });
    assert.deepEqual(byTensor.get('conv2_relu'), { tensor: 'conv2_relu', opType: 'Relu', alias: 'conv2', channels: 32, height: 32, width: 32 });
    assert.deepEqual(model.layers[model.layers.length - 1], { tensor: 'logits', opType: 'Output', channels: 8, height: 1, width: 1 });
    assert.ok(model.layers.slice(0, -1).every((l) => l.height !== undefined && l.height > 1), 'only 4-D maps besides the output');
    assert.equal(findLayer(model, 'conv3')?.tensor, 'conv3_relu');
    assert.equal(findLayer(model, 'pool1')?.tensor, 'pool1');
    assert.equal(findLayer(model, 'constructor'), undefined);
  } finally {
    await model.session.dispose();
  }
});

test('runModel reproduces the reference logits order, top-1 and conv1 means', async () => {
  const model = await loadModel(fixtureFiles(), SETTINGS);
  try {
    for (const c of expected.cases) {
      const run = await runModel({ id: 'f', model, watch: [{ layer: 'conv1', neurons: [0, 1, 2, 3] }], image: disc(c.colour), topK: 3 });
      assert.equal(run.predictions.error, undefined);
      assert.equal(run.activations.error, undefined);
      assert.equal(run.predictions.top.length, 3);
      assert.equal(run.predictions.top[0].label, c.top1);
      const best = c.logits.indexOf(Math.max(...c.logits));
      assert.equal(run.predictions.top[0].index, best);
      const [layer] = run.activations.layers;
      assert.deepEqual([layer.layer, layer.tensor, layer.channels, layer.height, layer.width], ['conv1', 'conv1_relu', 16, 64, 64]);
      layer.neurons.forEach((n, i) => {
        assert.ok(Math.abs(n.mean - c.conv1Mean[i]) <= expected.tolerance.conv1Mean, `${c.colour} conv1[${i}] ${n.mean} vs ${c.conv1Mean[i]}`);
        assert.equal(n.map.length, 64 * 64);
      });
      assert.ok(run.runMs >= 0 && run.preprocessMs >= 0 && run.extractMs >= 0);
    }
  } finally {
    await model.session.dispose();
  }
});

test('runModel reports a missing layer or neuron as error text and still predicts', async () => {
  const model = await loadModel(fixtureFiles(), SETTINGS);
  try {
    const run = await runModel({
      id: 'f',
      model,
      watch: [{ layer: 'mixed4a', neurons: [0] }, { layer: 'conv2', neurons: [1, 31, 32, 500] }],
      image: disc([220, 40, 40]),
      topK: 5,
    });
    assert.equal(run.predictions.top[0].label, 'red');
    assert.match(run.activations.error ?? '', /layer "mixed4a" not found \(layers: .*conv1/);
    assert.match(run.activations.error ?? '', /layer "conv2" has 32 neurons; no neuron 32, 500/);
    assert.deepEqual(run.activations.layers.map((l) => [l.layer, l.neurons.map((n) => n.index)]), [['conv2', [1, 31]]]);

    const wrongSize = await runModel({ id: 'f', model, watch: [], image: disc([0, 0, 0], 32), topK: 5 });
    assert.match(wrongSize.predictions.error ?? '', /32x32.*64x64/);
  } finally {
    await model.session.dispose();
  }
});

test('fitToModel centre-crops and resizes any image to the input size', async () => {
  const model = await loadModel(fixtureFiles(), SETTINGS);
  try {
    const big = disc([40, 60, 220], 256);
    // A wide image: the disc stays in the centre square.
    const wide: FrameImage = { width: 384, height: 256, pixels: new Uint8Array(384 * 256 * 4).fill(128) };
    for (let y = 0; y < 256; y++) wide.pixels.set(big.pixels.subarray(y * 256 * 4, (y + 1) * 256 * 4), (y * 384 + 64) * 4);
    const fitted = fitToModel(wide, model);
    assert.deepEqual([fitted.width, fitted.height, fitted.pixels.length], [64, 64, 64 * 64 * 4]);
    const run = await runModel({ id: 'f', model, watch: [], image: fitted, topK: 1 });
    assert.equal(run.predictions.top[0].label, 'blue');
    const same = disc([1, 2, 3]);
    assert.equal(fitToModel(same, model), same);
  } finally {
    await model.session.dispose();
  }
});

test('loadModel turns broken inputs into clear messages', async () => {
  const dir = tempCopy();
  try {
    const files = fixtureFiles(dir);
    await assert.rejects(loadModel({ ...files, onnxPath: path.join(dir, 'none.onnx') }, SETTINGS), /model file not found: .*none\.onnx/);
    writeFileSync(path.join(dir, 'junk.onnx'), 'this is not a protobuf');
    await assert.rejects(loadModel({ ...files, onnxPath: path.join(dir, 'junk.onnx') }, SETTINGS), /junk\.onnx is not a readable ONNX model/);
    writeFileSync(files.manifestPath, '{"version": 1, "displayName": 3}');
    await assert.rejects(loadModel(files, SETTINGS), /manifest fixture\.model\.json is invalid: /);
    const manifest = JSON.parse(readFileSync(path.join(FIXTURE, 'fixture.model.json'), 'utf8'));
    writeFileSync(files.manifestPath, JSON.stringify({ ...manifest, input: { ...manifest.input, width: 96, height: 96 } }));
    await assert.rejects(loadModel(files, SETTINGS), /input size mismatch: fixture\.onnx takes 64x64 .* says 96x96|does not accept a 96x96/);
    writeFileSync(files.manifestPath, JSON.stringify({ ...manifest, output: { name: 'nope', kind: 'logits' } }));
    await assert.rejects(loadModel(files, SETTINGS), /output "nope" is not an output of the graph \(outputs: .*logits/);
    writeFileSync(files.manifestPath, JSON.stringify({ ...manifest, labels: 'labels.txt' }));
    const noLabels = await loadModel(files, SETTINGS);
    assert.match(noLabels.warnings.join('\n'), /label file .*labels\.txt .* not found/);
    await noLabels.session.dispose();
    writeFileSync(path.join(dir, 'labels.txt'), 'a\nb\nc\n');
    const withLabels = await loadModel(files, SETTINGS);
    assert.deepEqual(withLabels.labels, ['a', 'b', 'c']);
    await withLabels.session.dispose();
    rmSync(files.manifestPath);
    const proposed = await loadModel(files, SETTINGS);
    assert.equal(proposed.manifestProposed, true);
    assert.match(proposed.warnings.join('\n'), /no manifest \(fixture\.model\.json\).*Perturber: Add Model/);
    assert.deepEqual([proposed.manifest.input.width, proposed.manifest.input.height, proposed.manifest.output.name], [64, 64, 'logits']);
    await proposed.session.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Classifier.listLayers (the API\'s) lists the named layers first, in the Add Model picker\'s order', async () => {
  const store = new ModelStore({ settings: () => SETTINGS, onWarnings: () => undefined, onError: assert.fail, idleMs: 30 });
  const locator = { locateExplicit: async () => fixtureFiles() } as unknown as ModelLocator;
  const lease = await store.acquire(fixtureFiles());
  try {
    const layers = await new Classifier(locator, store).listLayers('builtin:fixture');
    // The fixture's manifest names conv1..conv3 (the post-ReLU maps); the rest follow in graph order, output last.
    assert.deepEqual(layers.slice(0, 3).map((l) => [l.alias, l.tensor]), [['conv1', 'conv1_relu'], ['conv2', 'conv2_relu'], ['conv3', 'conv3_relu']]);
    assert.ok(layers.slice(3).every((l) => l.alias === undefined));
    assert.equal(layers[layers.length - 1].tensor, 'logits');
    assert.deepEqual(layers, layerChoices(lease.model.layers, lease.model.manifest.layerAliases).map((c) => c.layer));
    assert.notDeepEqual(layers, lease.model.layers, 'graph order differs: conv1 (the convolution) comes before conv1_relu');
  } finally {
    lease.release();
    store.dispose();
  }
});

test('ModelStore shares a model between leases, reloads when files change, unloads when idle', async () => {
  const dir = tempCopy();
  const loaded: LoadedModel[] = [];
  const store = new ModelStore({ settings: () => SETTINGS, onWarnings: () => undefined, onError: assert.fail, idleMs: 30 });
  try {
    const files = fixtureFiles(dir);
    const [a, b] = await Promise.all([store.acquire(files), store.acquire(files)]);
    assert.equal(a.model, b.model, 'one load for concurrent acquires');
    loaded.push(a.model);
    // The manifest changed on disk: the next acquire loads afresh, the old lease keeps working.
    utimesSync(files.manifestPath, new Date(), new Date(Date.now() + 5000));
    const c = await store.acquire(files);
    assert.notEqual(c.model, a.model);
    const image = disc([220, 40, 40]);
    assert.equal((await runModel({ id: 'a', model: a.model, watch: [], image, topK: 1 })).predictions.top[0].label, 'red');
    a.release();
    a.release(); // idempotent
    b.release();
    // The retired model is unloaded as soon as its last lease goes.
    await new Promise((r) => setTimeout(r, 10));
    assert.match((await runModel({ id: 'a', model: a.model, watch: [], image, topK: 1 })).predictions.error ?? '', /unloaded/);
    c.release();
    const again = await store.acquire(files);
    assert.equal(again.model, c.model, 'released but within the idle time: reused');
    again.release();
    await new Promise((r) => setTimeout(r, 80));
    assert.match((await runModel({ id: 'c', model: c.model, watch: [], image, topK: 1 })).predictions.error ?? '', /unloaded/);
    await assert.rejects(store.acquire({ ...files, onnxPath: path.join(dir, 'missing.onnx') }), /model file not found/);
  } finally {
    store.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FramePipeline: latest frame wins, per-model errors, timings and frameDone', async () => {
  const model = await loadModel(fixtureFiles(), SETTINGS);
  const results: FrameResults[] = [];
  const done: number[] = [];
  const errors: string[] = [];
  const pipeline = new FramePipeline(
    {
      models: () => [
        { id: 'ok', watch: [{ layer: 'conv2', neurons: [0, 1] }], model },
        { id: 'broken', watch: [], error: 'model file not found: x.onnx' },
      ],
      sceneName: () => 'Test scene',
      topK: () => 2,
    },
    (r) => results.push(r),
    (frameId) => done.push(frameId),
    (m) => errors.push(m),
  );
  const frame = (frameId: number, images: FrameImage[]): FrameMessage => ({
    type: 'frame',
    frameId,
    docVersion: 1,
    images,
    timing: { renderMs: 1, readbackMs: 1, postedAt: Date.now() - 5 },
  });
  try {
    for (let i = 1; i <= 5; i++) pipeline.submit(frame(i, [disc([40, 60, 220])]));
    await pipeline.idle();
    // Frame 1 started at once; 2-4 were replaced while it ran; 5 ran last.
    assert.deepEqual(results.map((r) => r.frameId), [1, 5]);
    assert.deepEqual(done, [1, 5]);
    const last = results[1];
    assert.equal(last.sceneName, 'Test scene');
    assert.deepEqual(last.predictions.map((p) => [p.id, p.top.length, p.error]), [['ok', 2, undefined], ['broken', 0, 'model file not found: x.onnx']]);
    assert.equal(last.predictions[0].top[0].label, 'blue');
    assert.deepEqual(last.activations[0].layers.map((l) => [l.layer, l.neurons.length, l.width]), [['conv2', 2, 32]]);
    assert.ok(last.timing.transferMs >= 5 && last.timing.runMs > 0 && last.timing.postedAt >= Date.now() - 10_000);

    pipeline.submit(frame(6, [disc([40, 60, 220], 32)]));
    await pipeline.idle();
    assert.match(results[2].predictions[0].error ?? '', /no 64x64 image in this frame/);
    assert.deepEqual(errors, []);
  } finally {
    pipeline.dispose();
    await model.session.dispose();
  }
});
