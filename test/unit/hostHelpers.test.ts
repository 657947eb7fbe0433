/** Host helpers that need no VS Code: the samples, what the commands write, image file decoding. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { parseScene } from '../../core/scene';
import { newSceneContent, uniqueModelId, watchFor } from '../../src/commands/sceneTemplates';
import { readImageFile } from '../../src/imageFiles';

const REPO = path.resolve(__dirname, '..', '..', '..');

test('every sample scene parses without diagnostics and uses built-in models (the fixture, or the lab trio)', () => {
  const samples = readdirSync(path.join(REPO, 'samples')).filter((f) => f.endsWith('.perturber.json'));
  assert.deepEqual(samples.sort(), [
    // One per scenario of the seed (issue 3), beside the skeleton's samples.
    'background-swap.perturber.json',
    'car-orbit.perturber.json',
    // The lab trio (issue 5): standard, texture-randomised and adversarial models on a cue-conflict cat.
    'lab-trio.perturber.json',
    'mug-on-sky.perturber.json',
    // Image perturbations (issue 4): a blur, ImageNet-C noise, and two disabled steps.
    'perturbations.perturber.json',
    // Attack sweeps (issue 8): untargeted PGD over epsilon on the lab trio's standard model.
    'robustness-curve.perturber.json',
    'roll-background.perturber.json',
    // Sweeps (issue 8): a cue-conflict sweep over the lab trio with the shape-bias analysis.
    'shape-bias.perturber.json',
    'silhouette.perturber.json',
    'teapot.perturber.json',
    'texture-morph-dog-cat.perturber.json',
    'two-views.perturber.json',
  ]);
  for (const file of samples) {
    const { scene, diagnostics, migratedFrom } = parseScene(readFileSync(path.join(REPO, 'samples', file), 'utf8'));
    assert.deepEqual(diagnostics, [], file);
    assert.equal(migratedFrom, undefined, `${file} is at the current version`);
    assert.ok(scene && scene.models.length > 0, file);
    if (['lab-trio.perturber.json', 'shape-bias.perturber.json', 'robustness-curve.perturber.json'].includes(file)) {
      assert.deepEqual(scene.models.map((m) => m.path), ['builtin:lab/standard', 'builtin:lab/texture-randomised', 'builtin:lab/adversarial']);
      for (const m of scene.models) assert.ok(existsSync(path.join(REPO, 'models', 'lab', `${m.path.split('/')[1]}.onnx`)), m.path);
    } else assert.ok(scene.models.every((m) => m.path === 'builtin:fixture'), file);
    if (file === 'perturbations.perturber.json') assert.deepEqual(scene.perturbations.map((s) => [s.op, s.enabled]), [['gaussianBlur', true], ['gaussianNoise', true], ['patchShuffle', false], ['alphaColor', false]]);
  }
  const two = parseScene(readFileSync(path.join(REPO, 'samples', 'two-views.perturber.json'), 'utf8')).scene;
  assert.deepEqual(two?.models.map((m) => m.id), ['early', 'late']);
});

test('a new scene is valid, named, and watches conv1 and conv2 of the fixture model', () => {
  const { scene, diagnostics } = parseScene(newSceneContent('my scene'));
  assert.deepEqual(diagnostics, []);
  assert.equal(scene?.name, 'my scene');
  assert.deepEqual(scene?.models, [
    {
      id: 'fixture',
      path: 'builtin:fixture',
      watch: [
        { layer: 'conv1', neurons: [0, 1, 2, 3, 4, 5, 6, 7] },
        { layer: 'conv2', neurons: [0, 1, 2, 3, 4, 5, 6, 7] },
      ],
    },
  ]);
});

test('uniqueModelId and watchFor build a valid model entry', () => {
  const scene = parseScene(newSceneContent('s')).scene;
  assert.ok(scene);
  assert.equal(uniqueModelId('fixture.onnx', scene), 'fixture-2');
  assert.equal(uniqueModelId('mobile net v2.onnx', scene), 'mobile-net-v2');
  const watch = watchFor([
    { tensor: 'conv1_relu', alias: 'conv1', opType: 'Relu', channels: 16, height: 64, width: 64 },
    { tensor: 'tiny', opType: 'Conv', channels: 3, height: 8, width: 8 },
  ]);
  assert.deepEqual(watch, [
    { layer: 'conv1', neurons: [0, 1, 2, 3, 4, 5, 6, 7] },
    { layer: 'tiny', neurons: [0, 1, 2] },
  ]);
  const edited = { ...scene, models: [...scene.models, { id: 'x', path: 'models/x.onnx', watch }] };
  assert.deepEqual(parseScene(JSON.stringify(edited)).diagnostics, []);
});

test('readImageFile decodes PNG and JPEG to RGBA by content, and refuses anything else', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'perturber-img-'));
  try {
    const png = new PNG({ width: 3, height: 2 });
    for (let i = 0; i < 6; i++) png.data.set([i * 40, 255 - i * 40, 7, 255], i * 4);
    writeFileSync(path.join(dir, 'a.png'), PNG.sync.write(png));
    const a = await readImageFile(path.join(dir, 'a.png'));
    assert.deepEqual([a.width, a.height], [3, 2]);
    assert.deepEqual(Array.from(a.pixels.subarray(4, 8)), [40, 215, 7, 255]);

    const rgba = new Uint8Array(16 * 8 * 4).fill(200);
    // Saved under a misleading name: the content decides.
    writeFileSync(path.join(dir, 'b.png'), encodeJpeg({ width: 16, height: 8, data: rgba }, 95).data);
    const b = await readImageFile(path.join(dir, 'b.png'));
    assert.deepEqual([b.width, b.height, b.pixels.length], [16, 8, 16 * 8 * 4]);
    assert.ok(Math.abs(b.pixels[0] - 200) <= 2 && b.pixels[3] === 255);

    writeFileSync(path.join(dir, 'c.jpg'), 'GIF89a...');
    await assert.rejects(readImageFile(path.join(dir, 'c.jpg')), /c\.jpg is neither a PNG nor a JPEG/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
