/**
 * src/featureVis/featureVisService.ts in plain Node, on the real lab model (models/lab/standard.onnx) with a few
 * steps at 32 px: states answer at once (queued, then ready after the work), the PNG and .json land in the cache under
 * the model's sha256 folder, a fresh service (an extension restart) finds them at once, a model with another sha256
 * gets another entry, cancel drops the queue, bad settings/neurons and the switched-off setting give clear states.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { FEATURE_VIS_DEFAULTS } from '../../core/featureVis/types';
import { UnsupportedOpError } from '../../core/gradients';
import { parseManifest } from '../../core/manifest';
import type { FeatureVisState } from '../../core/protocol';
import type { LoadedModel } from '../../src/inference/loadModel';
import { ModelGradients } from '../../src/inference/modelGradients';
import { FeatureVisService, type FeatureVisTarget } from '../../src/featureVis/featureVisService';

const LAB = path.resolve(__dirname, '..', '..', '..', 'models', 'lab');
const manifest = parseManifest(readFileSync(path.join(LAB, 'standard.model.json'), 'utf8')).manifest!;
const gradients = new ModelGradients(new Uint8Array(readFileSync(path.join(LAB, 'standard.onnx'))), manifest, { threads: 0, executionProviders: [] });
const layers = [{ tensor: 'mixed3b', opType: 'Concat', alias: 'mixed3b', channels: 112, height: 16, width: 16 }];
const fakeModel = (sha256: string) => ({ onnxPath: 'standard.onnx', manifest, layers, gradients, sha256 }) as unknown as LoadedModel;
const settings = { ...FEATURE_VIS_DEFAULTS, size: 32, steps: 4 };

function setup(enabled = true) {
  const root = mkdtempSync(path.join(tmpdir(), 'fv-cache-'));
  const progress: string[] = [];
  let changes = 0;
  const make = () => {
    const s = new FeatureVisService({ cacheRoot: () => root, enabled: () => enabled, throttleMs: 0, noiseImages: 2, onProgress: (p) => progress.push(p ? `${p.done}/${p.total}` : 'end') });
    s.onDidChange(() => changes++);
    return s;
  };
  return { root, progress, make, changes: () => changes };
}
const target = (model: LoadedModel, neuron: number): FeatureVisTarget => ({ model, modelId: 'standard', layer: 'mixed3b', tensor: 'mixed3b', neuron });

test('queued -> ready, cached as PNG + JSON under the sha256 folder; a fresh service reads the cache at once; another model file, another entry', async () => {
  const { root, progress, make, changes } = setup();
  try {
    const a = fakeModel('a'.repeat(64));
    const service = make();
    const first = service.states([target(a, 3), target(a, 7)], settings);
    assert.deepEqual(first.map((s) => s.state), ['queued', 'queued']);
    // Asking again while pending (the first batch has started) does not queue twice (2 PNGs below).
    assert.ok(['queued', 'running'].includes(service.states([target(a, 3)], settings)[0].state));
    await service.idle();
    const done = service.states([target(a, 3), target(a, 7)], settings);
    for (const s of done) {
      assert.equal(s.state, 'ready');
      const r = s as Extract<FeatureVisState, { state: 'ready' }>;
      assert.match(r.png, /^data:image\/png;base64,/);
      const png = PNG.sync.read(Buffer.from(r.png.split(',')[1], 'base64'));
      assert.equal(png.width, 32);
      assert.ok(Number.isFinite(r.activation) && Number.isFinite(r.randomActivation));
    }
    assert.ok(changes() > 0, 'listeners heard about the changes');
    assert.deepEqual(progress.slice(-1), ['end']);
    assert.ok(progress.includes('0/2') && progress.includes('1/2'), `progress ${progress.join(' ')}`);
    const folder = path.join(root, 'a'.repeat(16));
    const files = readdirSync(folder).sort();
    assert.equal(files.filter((f) => f.endsWith('.png')).length, 2);
    assert.equal(files.filter((f) => f.endsWith('.json')).length, 2);
    assert.equal(files.filter((f) => f.endsWith('.tmp')).length, 0);
    const record = JSON.parse(readFileSync(path.join(folder, files.find((f) => f.endsWith('.json'))!), 'utf8'));
    assert.equal(record.tensor, 'mixed3b');
    // The objective kind is recorded beside the settings (it is hashed through the target's unit / sign).
    assert.deepEqual({ ...record.settings, objective: 'channel' }, settings);
    assert.equal(record.settings.objective, undefined);
    assert.equal(record.objective, 'channel');
    // Restart: a new service (empty memory) answers from disk at once.
    const again = make();
    const cached = again.states([target(a, 3)], settings);
    assert.equal(cached[0].state, 'ready');
    assert.equal((cached[0] as { png: string }).png, (done[0] as { png: string }).png);
    // A changed setting or another model file (another sha256): not the cached image.
    assert.equal(again.states([target(a, 3)], { ...settings, seed: 5 })[0].state, 'queued');
    const b = fakeModel('b'.repeat(64));
    assert.equal(again.states([target(b, 3)], settings)[0].state, 'queued');
    await again.idle();
    assert.ok(existsSync(path.join(root, 'b'.repeat(16))));
    assert.equal(again.states([target(b, 3)], settings)[0].state, 'ready');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('cancel drops queued and running work; asking again restarts it', async () => {
  const { root, make } = setup();
  try {
    const service = make();
    const m = fakeModel('c'.repeat(64));
    service.states([target(m, 1), target(m, 2), target(m, 4)], { ...settings, steps: 50 });
    service.cancel();
    await service.idle();
    assert.equal(existsSync(path.join(root, 'c'.repeat(16))), false, 'nothing cached after cancel');
    assert.equal(service.states([target(m, 1)], { ...settings, steps: 2 })[0].state, 'queued');
    await service.idle();
    assert.equal(service.states([target(m, 1)], { ...settings, steps: 2 })[0].state, 'ready');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('clear states for bad settings, a neuron outside the layer, an unknown layer, and the setting off', () => {
  const { root, make } = setup();
  const off = setup(false);
  try {
    const service = make();
    const m = fakeModel('d'.repeat(64));
    const [bad] = service.states([target(m, 1)], { ...settings, size: 3 });
    assert.equal(bad.state, 'error');
    assert.match((bad as { message: string }).message, /featureVis.size/);
    const [outside] = service.states([target(m, 112)], settings);
    assert.match((outside as { message: string }).message, /outside mixed3b \(112 channels\)/);
    const [unknown] = service.states([{ ...target(m, 1), layer: 'nope' }], settings);
    assert.match((unknown as { message: string }).message, /no layer "nope"/);
    const [disabled] = off.make().states([target(m, 1)], settings);
    assert.equal(disabled.state, 'off');
    assert.match((disabled as { reason: string }).reason, /perturber.featureVis.enabled/);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(off.root, { recursive: true, force: true });
  }
});

test('a model the gradient engine cannot differentiate is off, naming the op; a failed run is retried with a newly loaded model', async () => {
  const { root, make } = setup();
  try {
    const service = make();
    const failing = (error: Error) => ({ ...fakeModel('e'.repeat(64)), gradients: { maxBatch: 1, run: async () => Promise.reject(error) } }) as unknown as LoadedModel;
    const unsupported = failing(new UnsupportedOpError('Erf', 'gelu_1'));
    service.states([target(unsupported, 1)], settings);
    await service.idle();
    const [off] = service.states([target(unsupported, 1)], settings);
    assert.equal(off.state, 'off');
    assert.match((off as { reason: string }).reason, /operator Erf \(node "gelu_1"\)/);
    const unloaded = failing(new Error('the model was unloaded'));
    service.states([target(unloaded, 2)], settings);
    await service.idle();
    const [error] = service.states([target(unloaded, 2)], settings);
    assert.deepEqual(error, { state: 'error', message: 'the model was unloaded' });
    // The same file loaded again (a new LoadedModel with the same sha256) tries again and succeeds.
    const reloaded = fakeModel('e'.repeat(64));
    assert.equal(service.states([target(reloaded, 2)], settings)[0].state, 'queued');
    await service.idle();
    assert.equal(service.states([target(reloaded, 2)], settings)[0].state, 'ready');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('waitForIdle holds every model run until the interactive loop is quiet', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'fv-idle-'));
  let busy = true;
  let waits = 0;
  const service = new FeatureVisService({
    cacheRoot: () => root, enabled: () => true, throttleMs: 0, noiseImages: 1,
    waitForIdle: async () => {
      waits++;
      while (busy) await new Promise((r) => setTimeout(r, 10));
    },
  });
  try {
    const a = fakeModel('c'.repeat(64));
    service.states([target(a, 5)], settings);
    await new Promise((r) => setTimeout(r, 300));
    // Still busy: not one step has run.
    const held = service.states([target(a, 5)], settings)[0];
    assert.ok(held.state === 'queued' || (held.state === 'running' && held.progress === 0), `ran while busy: ${JSON.stringify(held)}`);
    busy = false;
    await service.idle();
    assert.equal(service.states([target(a, 5)], settings)[0].state, 'ready');
    // One wait per model run: the steps plus the final scoring and the noise images.
    assert.ok(waits >= settings.steps, `waitForIdle was awaited ${waits} times for ${settings.steps} steps`);
  } finally {
    service.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
