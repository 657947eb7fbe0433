/**
 * Checkpoint families on the host without VS Code, on the committed family of test/fixtures/checkpoints (made by its
 * make_checkpoints.py from the fixture model): resolving the files, loading a checkpoint through the ModelStore,
 * the known differences between checkpoints, the trend over the whole family, a missing file, and the store's bound
 * on idle models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FrameImage } from '../../core/protocol';
import { CheckpointIndexError, checkpointFiles, readCheckpointFamily } from '../../src/inference/checkpointFamily';
import { runCheckpointTrend, trendCsv, type TrendRequest } from '../../src/inference/checkpointTrend';
import type { ModelFiles } from '../../src/inference/loadModel';
import { ModelStore } from '../../src/inference/modelStore';
import { runModel } from '../../src/inference/runModel';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FAMILY = path.join(REPO, 'test', 'fixtures', 'checkpoints');
const SETTINGS = { threads: 1, executionProviders: ['cpu'] };
/** conv1 of checkpoint k is the fixture's times 0.25 + 0.75 k/3 (make_checkpoints.py). */
const CONV1_SCALE = [0.25, 0.5, 0.75, 1];

/** The family in a temporary folder: the committed files plus the fixture as its own (final) hue.onnx. */
function familyDir(): { dir: string; files: ModelFiles } {
  const dir = mkdtempSync(path.join(tmpdir(), 'perturber-family-'));
  for (const name of readdirSync(FAMILY)) if (/\.(onnx|json)$/.test(name)) copyFileSync(path.join(FAMILY, name), path.join(dir, name));
  copyFileSync(path.join(REPO, 'models', 'fixture', 'fixture.onnx'), path.join(dir, 'hue.onnx'));
  return { dir, files: { onnxPath: path.join(dir, 'hue.onnx'), manifestPath: path.join(dir, 'hue.model.json'), allowedRoots: [dir] } };
}

function disc([r, g, b]: [number, number, number]): FrameImage {
  const pixels = new Uint8Array(64 * 64 * 4);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) pixels.set((x - 32) ** 2 + (y - 32) ** 2 <= 18 ** 2 ? [r, g, b, 255] : [128, 128, 128, 255], (y * 64 + x) * 4);
  }
  return { width: 64, height: 64, pixels };
}

function store(maxIdle?: number): ModelStore {
  return new ModelStore({ settings: () => SETTINGS, onWarnings: () => undefined, onError: (m) => assert.fail(m), idleMs: 60_000, maxIdle });
}

test('the family resolves to one stop per checkpoint plus "final", each with its file and the family manifest', async () => {
  const { dir, files } = familyDir();
  try {
    const family = await readCheckpointFamily(files);
    assert.ok(family);
    assert.deepEqual(family.stops.map((s) => [s.value, s.label, s.step]), [[0, 'step 0', 0], [1, 'step 1', 100], [2, 'step 2', 200], [null, 'final', undefined]]);
    assert.deepEqual(family.members.map((m) => path.basename(m.onnxPath)), ['hue-step0.onnx', 'hue-step1.onnx', 'hue-step2.onnx', 'hue.onnx']);
    assert.ok(family.members.every((m) => m.manifestPath === files.manifestPath));
    assert.equal(checkpointFiles(files, family, 1).onnxPath, path.join(dir, 'hue-step1.onnx'));
    assert.equal(checkpointFiles(files, family, null), files);
    assert.throws(() => checkpointFiles(files, family, 4), (e: unknown) => e instanceof CheckpointIndexError && /checkpoint 4 is beyond the checkpoint family of hue.model.json \(3 checkpoints: 0..2\)/.test(e.message));
    // A model without checkpoints is no family; a checkpoint index on it is an error.
    const plain = { onnxPath: path.join(REPO, 'models', 'fixture', 'fixture.onnx'), manifestPath: path.join(REPO, 'models', 'fixture', 'fixture.model.json'), allowedRoots: [] };
    assert.equal(await readCheckpointFamily(plain), undefined);
    assert.throws(() => checkpointFiles(plain, undefined, 0), /fixture.model.json lists no checkpoints/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint that is a link out of the manifest folder is refused', async () => {
  const { dir, files } = familyDir();
  const outside = mkdtempSync(path.join(tmpdir(), 'perturber-outside-'));
  try {
    copyFileSync(path.join(dir, 'hue-step1.onnx'), path.join(outside, 'x.onnx'));
    rmSync(path.join(dir, 'hue-step1.onnx'));
    symlinkSync(path.join(outside, 'x.onnx'), path.join(dir, 'hue-step1.onnx'));
    await assert.rejects(readCheckpointFamily(files), /checkpoint 1 \("step 1"\) of hue.model.json: hue-step1.onnx leads outside the manifest's folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('checkpoints differ as made: step 0 answers green, the final answers red, conv1 scales exactly', async () => {
  const { dir, files } = familyDir();
  const models = store();
  try {
    const family = (await readCheckpointFamily(files))!;
    const image = disc([220, 40, 40]);
    const runs = [];
    for (const member of family.members) {
      const lease = await models.acquire(member);
      runs.push(await runModel({ id: 'hue', model: lease.model, watch: [{ layer: 'conv1', neurons: [0, 1, 2, 3] }], image, topK: 8 }));
      lease.release();
    }
    assert.deepEqual(runs.map((r) => r.predictions.top[0].label), ['green', runs[1].predictions.top[0].label, runs[2].predictions.top[0].label, 'red']);
    const red = runs.map((r) => r.predictions.top.find((p) => p.label === 'red')!.probability);
    assert.ok(red[0] < red[3], `red probability ${red.join(', ')}`);
    const final = runs[3].activations.layers[0].neurons.map((n) => n.mean);
    runs.forEach((run, k) => {
      run.activations.layers[0].neurons.forEach((n, i) => {
        assert.ok(Math.abs(n.mean - CONV1_SCALE[k] * final[i]) <= 1e-4 * Math.max(1, Math.abs(final[i])), `checkpoint ${k} neuron ${i}: ${n.mean} vs ${CONV1_SCALE[k]} x ${final[i]}`);
      });
    });
  } finally {
    models.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

function request(family: NonNullable<Awaited<ReturnType<typeof readCheckpointFamily>>>, current: number, image: FrameImage): TrendRequest {
  return {
    frameId: 7,
    sceneName: 'trend',
    modelId: 'hue',
    displayName: 'Hue family',
    watch: [{ layer: 'conv1', neurons: [0, 2] }],
    family,
    current,
    topK: 3,
    input: (w, h) => (w === image.width && h === image.height ? { image } : undefined),
  };
}

test('the trend runs every checkpoint: top-k classes of the current one, every watched neuron, CSV tables', async () => {
  const { dir, files } = familyDir();
  const models = store();
  try {
    const family = (await readCheckpointFamily(files))!;
    const trend = await runCheckpointTrend(models, request(family, 3, disc([220, 40, 40])));
    assert.equal(trend.error, undefined);
    assert.deepEqual(trend.checkpoints.map((c) => [c.label, c.current, c.error]), [['step 0', false, undefined], ['step 1', false, undefined], ['step 2', false, undefined], ['final', true, undefined]]);
    assert.equal(trend.classes.length, 3);
    assert.equal(trend.classes[0].label, 'red', 'the current (final) checkpoint ranks red first');
    assert.ok(trend.classes[0].probabilities.every((p) => typeof p === 'number'));
    assert.ok(trend.classes[0].probabilities[0]! < trend.classes[0].probabilities[3]!);
    assert.deepEqual(trend.neurons.map((n) => [n.layer, n.neuron]), [['conv1', 0], ['conv1', 2]]);
    for (const n of trend.neurons) {
      n.means.forEach((m, k) => assert.ok(Math.abs(m! - CONV1_SCALE[k] * n.means[3]!) <= 1e-4 * Math.max(1, Math.abs(n.means[3]!))));
    }
    // From step 0's point of view (it answers green for everything), green leads the classes.
    const early = await runCheckpointTrend(models, request(family, 0, disc([220, 40, 40])));
    assert.equal(early.classes[0].label, 'green');
    const csv = trendCsv(trend);
    const lines = csv.predictions.trim().split('\n');
    assert.equal(lines[0], 'checkpoint,step,class_index,class,probability');
    assert.equal(lines.length, 1 + 4 * 3);
    assert.match(lines[1], /^step 0,0,0,red,0\.\d+/);
    assert.match(csv.activations.split('\n')[1], /^step 0,0,conv1,0,/);
    assert.equal(csv.activations.trim().split('\n').length, 1 + 4 * 2);
  } finally {
    models.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing checkpoint file fails only its point, naming the checkpoint', async () => {
  const { dir, files } = familyDir();
  const models = store();
  try {
    const family = (await readCheckpointFamily(files))!;
    rmSync(path.join(dir, 'hue-step1.onnx'));
    const trend = await runCheckpointTrend(models, request(family, 3, disc([40, 60, 220])));
    assert.match(trend.checkpoints[1].error ?? '', /^checkpoint 1 \("step 1"\) of hue.model.json: model file not found: .*hue-step1.onnx/);
    assert.equal(trend.classes[0].label, 'blue');
    assert.equal(trend.classes[0].probabilities[1], null);
    assert.equal(trend.neurons[0].means[1], null);
    assert.ok(trend.checkpoints.filter((c) => c.error === undefined).length === 3);
  } finally {
    models.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the model store keeps at most maxIdle unleased models loaded (least recently released goes first)', async () => {
  const { dir, files } = familyDir();
  const models = store(1);
  try {
    const family = (await readCheckpointFamily(files))!;
    const a = await models.acquire(family.members[0]);
    const b = await models.acquire(family.members[1]);
    const feeds = { input: { data: new Float32Array(3 * 64 * 64), dims: [1, 3, 64, 64] } };
    a.release();
    b.release(); // two idle with room for one: a is unloaded, b stays
    await new Promise((resolve) => setImmediate(resolve)); // the unload runs once the load promise settles
    await assert.rejects(a.model.session.run(feeds, ['logits']), /unloaded/);
    assert.equal((await b.model.session.run(feeds, ['logits'])).get('logits')?.data.length, 8);
    const again = await models.acquire(family.members[1]);
    assert.equal(again.model, b.model, 'the idle checkpoint is reused, not reloaded');
    again.release();
  } finally {
    models.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
