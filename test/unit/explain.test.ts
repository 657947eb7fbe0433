/**
 * src/inference/explain.ts (the host's glue between a loaded model, the gradient engine and core/attribution.ts +
 * core/saliency.ts) on the real lab model with a LoadedModel made of its parts: class and layer checks are clear
 * errors, an unsupported operator becomes a message naming it, the saliency maps have the model's size and
 * integrated gradients report their completeness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { UnsupportedOpError } from '../../core/gradients';
import { parseManifest } from '../../core/manifest';
import type { LayerInfo } from '../../core/manifestTypes';
import { classObjective, gradientError, rankLayer, saliencyMap } from '../../src/inference/explain';
import type { LoadedModel } from '../../src/inference/loadModel';
import { ModelGradients } from '../../src/inference/modelGradients';

const LAB = path.resolve(__dirname, '..', '..', '..', 'models', 'lab');
const MIXED3B: LayerInfo = { tensor: 'mixed3b', opType: 'Concat', alias: 'mixed3b', channels: 112, height: 16, width: 16 };
const OUTPUT: LayerInfo = { tensor: 'logits', opType: 'Output', channels: 10, height: 1, width: 1 };

function labModel(): LoadedModel {
  const bytes = new Uint8Array(readFileSync(path.join(LAB, 'standard.onnx')));
  const manifest = parseManifest(readFileSync(path.join(LAB, 'standard.model.json'), 'utf8')).manifest!;
  const parts = {
    onnxPath: 'standard.onnx',
    manifestPath: 'standard.model.json',
    manifest,
    manifestProposed: false,
    labels: manifest.labels as string[],
    layers: [MIXED3B, OUTPUT],
    gradients: new ModelGradients(bytes, manifest, { threads: 0, executionProviders: [] }),
    warnings: [],
  };
  return parts as unknown as LoadedModel; // `session` is not used by explain.ts
}

function sample(file: string) {
  const png = PNG.sync.read(readFileSync(path.join(LAB, 'samples', file)));
  return { width: png.width, height: png.height, pixels: new Uint8Array(png.data) };
}

test('explain: classes and layers out of range, wrong image sizes and unsupported ops are clear errors', async () => {
  const model = labModel();
  assert.deepEqual(classObjective(model, 3), { kind: 'logits', weights: { 3: 1 } });
  assert.throws(() => classObjective(model, 10), /class 10 is not a class of Lab standard .* \(it has 10\)/);
  assert.throws(() => classObjective(model, -1), /class -1 is not a class/);
  const error = gradientError(new UnsupportedOpError('GridSample', 'warp_1'), model);
  assert.match(error.message, /Lab standard .* uses the ONNX operator GridSample \(node "warp_1"\), which the gradient engine has no rule for; it cannot be explained with gradients/);
  await assert.rejects(rankLayer(model, sample('00000-dog.png'), 0, OUTPUT, 'attribution'), /layer logits is not a 4-D feature map/);
  await assert.rejects(saliencyMap(model, { width: 8, height: 8, pixels: new Uint8Array(256) }, 0, 'gradient', 4), /the image is 8x8, Lab standard .* takes 64x64/);
  await model.gradients.dispose();
});

test('explain: rankLayer and saliencyMap on a lab sample', async () => {
  const model = labModel();
  const image = sample('00001-cat.png');
  const cat = model.labels.indexOf('cat');
  const ranking = await rankLayer(model, image, cat, MIXED3B, 'meanActivation');
  assert.equal(ranking.label, 'cat');
  assert.equal(ranking.scores.length, 112);
  for (let i = 1; i < ranking.scores.length; i++) assert.ok(ranking.scores[i - 1].meanActivation >= ranking.scores[i].meanActivation);

  const gradient = await saliencyMap(model, image, cat, 'gradient', 8);
  assert.equal(gradient.map.length, 64 * 64);
  assert.equal(gradient.completeness, undefined);
  assert.ok(Math.abs(gradient.objective - ranking.objective) < 1e-4, 'the same class logit');
  const ig = await saliencyMap(model, image, cat, 'integratedGradients', 32);
  assert.equal(ig.map.length, 64 * 64);
  assert.ok(ig.map.every((v) => v >= 0 && v <= 1) && ig.map.some((v) => v === 1));
  const { gap, delta } = ig.completeness!;
  console.log(`# cat sample, IG 32 midpoint steps: gap ${gap.toFixed(4)} of f(x) - f(black) = ${delta.toFixed(3)}`);
  assert.ok(Math.abs(gap) <= 0.05 * Math.abs(delta), `gap ${gap} vs ${delta}`);
  await model.gradients.dispose();
});
