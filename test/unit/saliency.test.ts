/**
 * core/saliency.ts: exact checks on hand-made arrays (path points, quadrature, maps, normalisation), integrated
 * gradients on a function whose integral is known in closed form, and IG completeness on the real lab model through
 * ModelGradients (64 midpoint steps from a black baseline).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { parseManifest } from '../../core/manifest';
import { rgbaToFloat } from '../../core/perturbations/pipeline';
import {
  attributionMap,
  completenessGap,
  gradientSaliency,
  integrationPoints,
  IntegratedGradients,
  normalizeMap,
  pathPoints,
} from '../../core/saliency';
import { ModelGradients } from '../../src/inference/modelGradients';

const LAB = path.resolve(__dirname, '..', '..', '..', 'models', 'lab');

test('integrationPoints: midpoint and trapezoid positions and weights', () => {
  assert.deepEqual(integrationPoints(4), { alphas: [0.125, 0.375, 0.625, 0.875], weights: [0.25, 0.25, 0.25, 0.25] });
  assert.deepEqual(integrationPoints(2, 'trapezoid'), { alphas: [0, 0.5, 1], weights: [0.25, 0.5, 0.25] });
  assert.throws(() => integrationPoints(0), /1\.\.4096 steps/);
  assert.throws(() => integrationPoints(2.5), /1\.\.4096 steps/);
});

test('pathPoints: x\' + a (x - x\'), black baseline by default', () => {
  const x = Float32Array.from([1, 0.5]);
  assert.deepEqual(Array.from(pathPoints(x, [0, 0.5, 1])), [0, 0, 0.5, 0.25, 1, 0.5]);
  assert.deepEqual(Array.from(pathPoints(x, [0.5], Float32Array.from([1, 1]))), [1, 0.75]);
  assert.throws(() => pathPoints(x, [0.5], new Float32Array(3)), /baseline holds 3/);
});

test('integrated gradients of f(x) = sum x^3 are exact up to the quadrature error, and complete', () => {
  // d f / d x_i = 3 x_i^2; along the path from 0: 3 a^2 x_i^2, integral 1/3 -> attribution x_i^3 exactly.
  const x = Float32Array.from([0.2, -0.7, 1, 0.5]);
  for (const rule of ['midpoint', 'trapezoid'] as const) {
    const steps = 50;
    const { alphas, weights } = integrationPoints(steps, rule);
    const points = pathPoints(x, alphas);
    const grads = points.map((v) => 3 * v * v);
    const ig = new IntegratedGradients(x);
    // In two uneven batches, as the service feeds them.
    const split = 17;
    ig.add(grads.subarray(0, split * x.length), weights.slice(0, split));
    ig.add(grads.subarray(split * x.length), weights.slice(split));
    const attr = ig.attribution();
    // Midpoint error for a^2: 1/(12 m^2); trapezoid: 1/(6 m^2), times 3 x^3.
    const bound = (rule === 'midpoint' ? 1 / 12 : 1 / 6) / steps ** 2 * 3 + 1e-6;
    attr.forEach((a, i) => assert.ok(Math.abs(a - x[i] ** 3) <= bound, `${rule}: ${a} vs ${x[i] ** 3}`));
    const f = (v: Float32Array) => v.reduce((s, t) => s + t ** 3, 0);
    assert.ok(Math.abs(completenessGap(attr, f(x), 0)) <= 4 * bound);
  }
  const ig = new IntegratedGradients(x);
  ig.add(new Float32Array(x.length), [0.5]);
  assert.throws(() => ig.attribution(), /weights seen sum to 0.5/);
  assert.throws(() => ig.add(new Float32Array(3), [1]), /expected 1 gradients of 4 values/);
});

test('gradientSaliency is the max |grad| over channels; attributionMap the sum of |attr|', () => {
  // 2 channels, 1 x 3 pixels
  const grad = Float32Array.from([1, -4, 0, -2, 3, 0.5]);
  assert.deepEqual(Array.from(gradientSaliency(grad, 2, 1, 3)), [2, 4, 0.5]);
  assert.deepEqual(Array.from(attributionMap(grad, 2, 1, 3)), [3, 7, 0.5]);
  assert.throws(() => gradientSaliency(grad, 3, 1, 3), /expected 3 x 1 x 3 values, got 6/);
});

test('normalizeMap scales by the 99th percentile, clips, and survives zeros and NaN', () => {
  const map = Float32Array.from({ length: 200 }, (_, i) => i + 1); // 1..200; 99th percentile: 198
  const n = normalizeMap(map);
  assert.equal(n[197], 1);
  assert.equal(n[199], 1, 'above the percentile clips to 1');
  assert.ok(Math.abs(n[98] - 99 / 198) < 1e-6);
  assert.deepEqual(Array.from(normalizeMap(Float32Array.from([0, 0, 0]))), [0, 0, 0]);
  // A sparse map whose 99th percentile is 0 falls back to the max.
  const sparse = new Float32Array(1000);
  sparse[3] = 8;
  assert.equal(normalizeMap(sparse)[3], 1);
  assert.deepEqual(Array.from(normalizeMap(Float32Array.from([NaN, 2, Infinity]), 1)), [0, 1, 0]);
  assert.throws(() => normalizeMap(map, 0), /quantile/);
});

// ---------------------------------------------------------------- the lab model

/**
 * Measured on models/lab/standard.onnx with 64 midpoint steps: 0.43% (dog), 0.65% (car), 0.24% (house) of
 * f(x) - f(black); the bound leaves room for other CPUs' float summation order.
 */
const COMPLETENESS_BOUND = 0.02;

test('lab model: integrated gradients are complete to within 2% of f(x) - f(black) with 64 steps', async () => {
  const bytes = new Uint8Array(readFileSync(path.join(LAB, 'standard.onnx')));
  const manifest = parseManifest(readFileSync(path.join(LAB, 'standard.model.json'), 'utf8')).manifest!;
  const gradients = new ModelGradients(bytes, manifest, { threads: 0, executionProviders: [] });
  const results: string[] = [];
  for (const [file, label] of [['00000-dog.png', 'dog'], ['00002-car.png', 'car'], ['00006-house.png', 'house']]) {
    const png = PNG.sync.read(readFileSync(path.join(LAB, 'samples', file)));
    const x = rgbaToFloat({ width: png.width, height: png.height, pixels: new Uint8Array(png.data) }).data;
    const objective = { kind: 'logits' as const, weights: { [manifest.labels.indexOf(label) + manifest.labelOffset]: 1 } };
    const fBlack = (await gradients.run(new Float32Array(x.length), 1, objective)).objective[0];
    const fx = (await gradients.run(x, 1, objective)).objective[0];
    const { alphas, weights } = integrationPoints(64);
    const ig = new IntegratedGradients(x);
    const batch = Math.min(16, gradients.maxBatch);
    for (let k = 0; k < alphas.length; k += batch) {
      const run = await gradients.run(pathPoints(x, alphas.slice(k, k + batch)), Math.min(batch, alphas.length - k), objective);
      ig.add(run.gradInput, weights.slice(k, k + batch));
    }
    const attr = ig.attribution();
    const gap = completenessGap(attr, fx, fBlack);
    const relative = Math.abs(gap) / Math.abs(fx - fBlack);
    results.push(`${file} (${label}): f(x) - f(black) = ${(fx - fBlack).toFixed(3)}, gap ${gap.toFixed(4)} (${(100 * relative).toFixed(2)}%)`);
    assert.ok(Math.abs(fx - fBlack) > 1, 'the image and black differ in the class logit');
    assert.ok(relative <= COMPLETENESS_BOUND, `${file}: completeness gap ${gap} is ${(100 * relative).toFixed(2)}% of ${fx - fBlack}`);
    const map = normalizeMap(attributionMap(attr, 3, 64, 64));
    assert.equal(map.length, 64 * 64);
    assert.ok(map.some((v) => v === 1) && map.every((v) => v >= 0 && v <= 1));
  }
  console.log(`# IG completeness, 64 midpoint steps: ${results.join('; ')}`);
  await gradients.dispose();
});
