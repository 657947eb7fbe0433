/**
 * The scene's perturbation files (src/inference/perturbationFiles.ts): path rules (relative, inside the workspace,
 * .npy only), decoding ([3, H, W], finite), the synchronous cache with its 'loading' answer and change callback,
 * revalidation by mtime + size, and FramePipeline.refresh() re-running the last frame with the new contents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeNpy } from '../../core/attacks/npy';
import type { FrameImage } from '../../core/protocol';
import type { PerturbationStep } from '../../core/sceneTypes';
import { imageBeforeStep } from '../../src/inference/framePerturbation';
import { FramePipeline, type FrameMessage, type FrameResults } from '../../src/inference/framePipeline';
import {
  PerturbationFiles,
  perturbationFileRefs,
  perturbationFromNpy,
  resolvePerturbationFile,
} from '../../src/inference/perturbationFiles';

const step = (file: string, enabled = true): PerturbationStep => ({ op: 'adversarial', enabled, seed: 0, params: { file, strength: 1 } });

function tempWorkspace(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'perturber-files-'));
}

function delta(value: number, width = 4, height = 4): Uint8Array {
  return encodeNpy(new Float32Array(3 * width * height).fill(value), [3, height, width]);
}

const waitUntil = async (what: string, probe: () => boolean): Promise<void> => {
  for (let i = 0; i < 200; i++) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
};

test('file refs: the enabled steps with file parameters, each once', () => {
  const steps: PerturbationStep[] = [step('a.npy'), step('b.npy', false), step('a.npy'), step(''), { op: 'gaussianBlur', enabled: true, seed: 0, params: {} }];
  assert.deepEqual(perturbationFileRefs(steps), ['a.npy']);
});

test('paths: relative to the scene, inside the workspace folder, .npy only', () => {
  const root = path.resolve('/ws');
  const sceneDir = path.join(root, 'scenes');
  assert.deepEqual(resolvePerturbationFile('../.perturber/attacks/x.npy', sceneDir, root), { fsPath: path.join(root, '.perturber', 'attacks', 'x.npy') });
  assert.match((resolvePerturbationFile('/etc/x.npy', sceneDir, root) as { error: string }).error, /relative to the scene file/);
  assert.match((resolvePerturbationFile('C:\\x.npy', sceneDir, root) as { error: string }).error, /relative to the scene file/);
  assert.match((resolvePerturbationFile('file:///x.npy', sceneDir, root) as { error: string }).error, /relative to the scene file/);
  assert.match((resolvePerturbationFile('../../x.npy', sceneDir, root) as { error: string }).error, /outside the workspace folder/);
  assert.match((resolvePerturbationFile('x.png', sceneDir, root) as { error: string }).error, /not a \.npy file/);
});

test('decoding: [3, H, W] of finite values; anything else says what is wrong', () => {
  const image = perturbationFromNpy(encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 1, 2]));
  assert.deepEqual({ width: image.width, height: image.height, data: [...image.data] }, { width: 2, height: 1, data: [1, 2, 3, 4, 5, 6] });
  assert.throws(() => perturbationFromNpy(encodeNpy(new Float32Array(8), [2, 2, 2])), /shape \[2, 2, 2\]/);
  assert.throws(() => perturbationFromNpy(encodeNpy(new Float32Array(12), [3, 4])), /shape \[3, 4\]/);
  assert.throws(() => perturbationFromNpy(encodeNpy(new Float32Array([0, NaN, 0]), [3, 1, 1])), /value 1 is NaN/);
  assert.throws(() => perturbationFromNpy(new Uint8Array([1, 2, 3])), /npy/);
});

test('cache: loading first, then the contents and a change callback; a changed file is reloaded', async () => {
  const root = tempWorkspace();
  const scene = path.join(root, 'a.perturber.json');
  fs.mkdirSync(path.join(root, 'd'));
  fs.writeFileSync(path.join(root, 'd', 'x.npy'), delta(0.25));
  let changes = 0;
  const files = new PerturbationFiles(scene, root, () => changes++);
  const resources = files.prepare([step('d/x.npy')]);
  assert.deepEqual(resources.perturbation('d/x.npy'), { error: 'loading d/x.npy…' });
  await waitUntil('the first load', () => changes === 1);
  const first = resources.perturbation('d/x.npy');
  assert.ok('data' in first && first.width === 4 && first.data[0] === 0.25);

  // Same stamp: no reload, no callback.
  await files.load('d/x.npy');
  assert.equal(changes, 2, 'load() always re-reads and reports');
  fs.writeFileSync(path.join(root, 'd', 'x.npy'), delta(-0.5, 4, 2));
  const stamp = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(root, 'd', 'x.npy'), stamp, stamp);
  files.changed(path.join(root, 'd', 'x.npy'));
  await waitUntil('the reload', () => changes === 3);
  const second = files.perturbation('d/x.npy');
  assert.ok('data' in second && second.height === 2 && second.data[0] === -0.5);
  files.dispose();
});

test('cache: a malformed or missing file is an error naming it, a refused path its reason', async () => {
  const root = tempWorkspace();
  fs.writeFileSync(path.join(root, 'bad.npy'), 'not numpy');
  const files = new PerturbationFiles(path.join(root, 's.perturber.json'), root, () => undefined);
  assert.match((await files.load('bad.npy') as { error: string }).error, /bad\.npy is not a usable perturbation: npy: not a \.npy file/);
  assert.match((await files.load('gone.npy') as { error: string }).error, /does not exist/);
  assert.match((files.perturbation('../out.npy') as { error: string }).error, /outside the workspace folder/);
  files.dispose();
});

test('imageBeforeStep: only the enabled steps before the index are applied', () => {
  const image: FrameImage = { width: 2, height: 2, pixels: new Uint8Array(16).fill(255) };
  const steps: PerturbationStep[] = [
    { op: 'alphaColor', enabled: true, seed: 0, params: { alpha: 0, color: '#000000' } },
    step('x.npy'),
  ];
  assert.equal(imageBeforeStep(image, steps, 0).image.data[0], 1);
  assert.equal(imageBeforeStep(image, steps, 1).image.data[0], 0);
});

test('FramePipeline.refresh re-runs the last frame with the current steps and resources', async () => {
  const results: FrameResults[] = [];
  const done: number[] = [];
  let strength = 0;
  const pipeline = new FramePipeline(
    {
      models: () => [],
      sceneName: () => 'scene',
      topK: () => 5,
      perturbations: () => [{ op: 'adversarial', enabled: true, seed: 0, params: { file: 'x.npy', strength } }],
      resources: () => ({ perturbation: () => ({ width: 1, height: 1, data: new Float32Array([0.5, 0.5, 0.5]) }) }),
    },
    (r) => results.push(r),
    (frameId) => done.push(frameId),
    (message) => assert.fail(message),
    { onModelInput: (frameId, images) => inputs.push([frameId, images()[0].pixels[0]]) },
  );
  const inputs: [number, number][] = [];
  assert.equal(pipeline.refresh(), false, 'nothing to refresh before the first frame');
  const frame: FrameMessage = {
    type: 'frame',
    frameId: 7,
    docVersion: 1,
    images: [{ width: 1, height: 1, pixels: new Uint8Array([0, 0, 0, 255]) }],
    timing: { renderMs: 0, readbackMs: 0, postedAt: Date.now() },
  };
  pipeline.submit(frame);
  await pipeline.idle();
  strength = 1;
  assert.equal(pipeline.refresh(), true);
  await pipeline.idle();
  assert.deepEqual(results.map((r) => [r.frameId, r.refresh ?? false]), [[7, false], [7, true]]);
  assert.deepEqual(done, [7], 'a refresh is not reported to the webview as a finished frame');
  assert.deepEqual(inputs, [[7, 0], [7, 128]]);
  assert.equal(pipeline.lastImage(1, 1)?.frameId, 7);
  assert.equal(pipeline.lastImage(2, 2), undefined);
  pipeline.dispose();
});

test('cache: prepare() per frame notices a changed file by its stat, at most every 250 ms', async () => {
  const root = tempWorkspace();
  const file = path.join(root, 'x.npy');
  fs.writeFileSync(file, delta(0.1));
  let clock = 1000;
  let changes = 0;
  const files = new PerturbationFiles(path.join(root, 's.perturber.json'), root, () => changes++, undefined, () => clock);
  const steps = [step('x.npy')];
  files.prepare(steps);
  await waitUntil('the first load', () => changes === 1);
  fs.writeFileSync(file, delta(0.2, 2, 2));
  clock += 100;
  files.prepare(steps);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(changes, 1, 'checked again too soon: not re-stat');
  clock += 200;
  files.prepare(steps);
  await waitUntil('the reload', () => changes === 2);
  const loaded = files.perturbation('x.npy');
  assert.ok('data' in loaded && loaded.width === 2 && Math.abs(loaded.data[0] - 0.2) < 1e-7);
  clock += 300;
  files.prepare(steps);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(changes, 2, 'an unchanged file is not reported again');
  files.dispose();
});
