/**
 * The feature-visualisation cache key (src/featureVis/featureVisCache.ts) and Lucid's standard transforms
 * (core/featureVis/transforms.ts), checked against independent computations:
 *  - a key differs for every part that changes the image (layer, neuron, objective kind, unit position, each setting)
 *    and is the same for the same inputs whatever the object's key order;
 *  - the composed map of standardMap with scale != 1 and angle != 0 equals the individual steps (pad, jitter, scale,
 *    rotate, jitter, resize) applied one after another to sample points, each written out here by hand;
 *  - drawStandard's ranges and weights over many seeded draws (scales 0.90..1.10 step 0.02, angles -10..10 with 0
 *    six times as likely as each other angle: once in the range plus five extra zeros, README "Feature visualisation").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_VIS_DEFAULTS, type RenderSettings } from '../../core/featureVis/types';
import { drawStandard, standardMap, STANDARD_ANGLES, STANDARD_SCALES, type Affine, type TransformDraw } from '../../core/featureVis/transforms';
import { rngFor } from '../../core/perturbations/random';
import { cacheKey, cachePaths, canonicalSettings, type CacheTargetKey } from '../../src/featureVis/featureVisCache';

const SHA = 'ab'.repeat(32);
const base: CacheTargetKey = { sha256: SHA, tensor: 'mixed3b', neuron: 7 };
const settings: RenderSettings = canonicalSettings(FEATURE_VIS_DEFAULTS);

test('cache key: the same inputs give the same key; every part that changes the image gives another', () => {
  assert.equal(cacheKey(base, settings), cacheKey({ ...base }, { ...settings }));
  // Key order of the settings object does not matter.
  const reversed = Object.fromEntries(Object.entries(settings).reverse()) as unknown as RenderSettings;
  assert.equal(cacheKey(base, reversed), cacheKey(base, settings));
  const variants: [string, CacheTargetKey, RenderSettings][] = [
    ['layer', { ...base, tensor: 'mixed4a' }, settings],
    ['neuron', { ...base, neuron: 8 }, settings],
    ['negative', { ...base, negative: true }, settings],
    ['unit', { ...base, unit: { y: 8, x: 8 } }, settings],
    ['unit x', { ...base, unit: { y: 8, x: 9 } }, settings],
    ['unit y', { ...base, unit: { y: 9, x: 8 } }, settings],
    ['unit, transposed', { ...base, unit: { y: 9, x: 8 }, tensor: 'mixed3b' }, settings],
    ['size', base, { ...settings, size: 96 }],
    ['steps', base, { ...settings, steps: 511 }],
    ['learningRate', base, { ...settings, learningRate: 0.051 }],
    ['transforms', base, { ...settings, transforms: 'none' }],
    ['fourier', base, { ...settings, fourier: false }],
    ['decorrelate', base, { ...settings, decorrelate: false }],
    ['seed', base, { ...settings, seed: 1 }],
    // Deliberately part of the key: a batched run may differ from a single one in the last float bits (measured <= 1e-4
    // per pixel, featureVisKinds.test.ts), and an entry stores exactly what its run made.
    ['batch', base, { ...settings, batch: 2 }],
  ];
  const keys = new Map<string, string>([[cacheKey(base, settings), 'base']]);
  for (const [what, target, s] of variants) {
    const key = cacheKey(target, s);
    if (what === 'unit, transposed') {
      assert.notEqual(key, cacheKey({ ...base, unit: { y: 8, x: 9 } }, settings), 'x and y are not interchangeable');
      continue;
    }
    assert.ok(!keys.has(key), `${what}: the same key as ${keys.get(key)}`);
    keys.set(key, what);
  }
  // The objective kind reaches the key through the target (unit / negative), not through the settings: a scene's
  // `objective` field alone, with the same target, is the same image.
  const withKind = { ...settings, objective: 'negative', unit: { x: 1, y: 1 } } as unknown as RenderSettings;
  assert.equal(cacheKey(base, withKind), cacheKey(base, settings));
  // The model file's hash is the folder, not the key.
  const a = cachePaths('/cache', base, settings);
  const b = cachePaths('/cache', { ...base, sha256: 'cd'.repeat(32) }, settings);
  assert.equal(a.dir, `/cache/${SHA.slice(0, 16)}`);
  assert.notEqual(a.dir, b.dir);
  assert.equal(a.png.replace(a.dir, ''), b.png.replace(b.dir, ''));
  // Readable file names: layer, neuron, kind.
  assert.match(cacheKey({ ...base, unit: { y: 8, x: 9 } }, settings), /^mixed3b-7-u9_8-[0-9a-f]{24}$/);
  assert.match(cacheKey({ ...base, negative: true }, settings), /^mixed3b-7-neg-[0-9a-f]{24}$/);
});

// ---------------------------------------------------------------- transforms

/** Applies an affine map (output -> input) to a point. */
const apply = (m: Affine, x: number, y: number): [number, number] => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];

/**
 * The reference, step by step from the model's input pixel back to the image pixel (pixel centres at integers,
 * resizes with half-pixel centres), written without transforms.ts.
 */
function reference(draw: TransformDraw, size: number, outW: number, outH: number, x: number, y: number): [number, number] {
  const padded = size + 24;
  const cropped = padded - 8;
  const scaled = Math.floor(draw.scale * cropped);
  const final = scaled - 4;
  // resize final x final -> outW x outH
  let u = (x + 0.5) * (final / outW) - 0.5;
  let v = (y + 0.5) * (final / outH) - 0.5;
  // second jitter: a crop starting at jitter2
  u += draw.jitter2[0];
  v += draw.jitter2[1];
  // rotation about the centre of the scaled image: output (u, v) reads input centre + R(angle)^T (u - c, v - c)
  const c = (scaled - 1) / 2;
  const t = (draw.angle * Math.PI) / 180;
  const du = u - c;
  const dv = v - c;
  u = c + Math.cos(t) * du + Math.sin(t) * dv;
  v = c - Math.sin(t) * du + Math.cos(t) * dv;
  // scale: resize cropped x cropped -> scaled x scaled
  u = (u + 0.5) * (cropped / scaled) - 0.5;
  v = (v + 0.5) * (cropped / scaled) - 0.5;
  // first jitter, then the padding of 12 px
  return [u + draw.jitter1[0] - 12, v + draw.jitter1[1] - 12];
}

test('standardMap with scale != 1 and angle != 0 equals the steps applied one by one (sample points)', () => {
  const draws: TransformDraw[] = [
    { jitter1: [3, 5], scale: 0.9, angle: 7, jitter2: [1, 4] },
    { jitter1: [8, 0], scale: 1.1, angle: -10, jitter2: [4, 0] },
    { jitter1: [0, 8], scale: 1.04, angle: 3, jitter2: [2, 2] },
  ];
  for (const [size, outW, outH] of [[128, 224, 224], [64, 64, 64], [32, 40, 30]]) {
    for (const draw of draws) {
      const m = standardMap(draw, size, outW, outH);
      for (const [x, y] of [[0, 0], [outW - 1, 0], [0, outH - 1], [outW - 1, outH - 1], [Math.floor(outW / 3), Math.floor(outH / 2)], [17.5, 3.25]]) {
        const got = apply(m, x, y);
        const want = reference(draw, size, outW, outH, x, y);
        const err = Math.hypot(got[0] - want[0], got[1] - want[1]);
        assert.ok(err < 1e-9, `size ${size} -> ${outW}x${outH}, ${JSON.stringify(draw)}, (${x}, ${y}): ${got} vs ${want}`);
      }
    }
  }
  // The rotation really rotates: the corners of the output reach by the same distance from the centre as without it.
  const still = standardMap({ jitter1: [4, 4], scale: 1, angle: 0, jitter2: [2, 2] }, 64, 64, 64);
  const turned = standardMap({ jitter1: [4, 4], scale: 1, angle: 10, jitter2: [2, 2] }, 64, 64, 64);
  const [sx, sy] = apply(still, 0, 0);
  const [tx, ty] = apply(turned, 0, 0);
  const [cx, cy] = apply(still, 31.5, 31.5);
  assert.ok(Math.abs(Math.hypot(sx - cx, sy - cy) - Math.hypot(tx - cx, ty - cy)) < 1e-9);
  assert.ok(Math.hypot(sx - tx, sy - ty) > 5, 'a 10 degree turn moves the corner');
});

test('drawStandard: scales 0.90..1.10 step 0.02, angles -10..10 (0 six times as likely), jitters 0..8 and 0..4, over 52000 seeded draws', () => {
  assert.deepEqual(STANDARD_SCALES.map((s) => Math.round(s * 100)), [90, 92, 94, 96, 98, 100, 102, 104, 106, 108, 110]);
  assert.equal(STANDARD_ANGLES.length, 26);
  const N = 52000;
  const scales = new Map<number, number>();
  const angles = new Map<number, number>();
  const j1 = new Map<number, number>();
  const j2 = new Map<number, number>();
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  for (let i = 0; i < N; i++) {
    const d = drawStandard(rngFor(i % 7, i));
    bump(scales, Math.round(d.scale * 100));
    bump(angles, d.angle);
    bump(j1, d.jitter1[0]);
    bump(j1, d.jitter1[1]);
    bump(j2, d.jitter2[0]);
    bump(j2, d.jitter2[1]);
  }
  assert.deepEqual([...scales.keys()].sort((a, b) => a - b), [90, 92, 94, 96, 98, 100, 102, 104, 106, 108, 110]);
  assert.deepEqual([...angles.keys()].sort((a, b) => a - b), Array.from({ length: 21 }, (_, i) => i - 10));
  assert.deepEqual([...j1.keys()].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...j2.keys()].sort((a, b) => a - b), [0, 1, 2, 3, 4]);
  // Frequencies within 5 standard deviations of the expected ones.
  const near = (count: number, p: number, n: number, what: string) => {
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(count - n * p) <= 5 * sd, `${what}: ${count} of ${n}, expected ${(n * p).toFixed(0)} +- ${(5 * sd).toFixed(0)}`);
  };
  for (const [s, count] of scales) near(count, 1 / 11, N, `scale ${s / 100}`);
  for (const [a, count] of angles) near(count, a === 0 ? 6 / 26 : 1 / 26, N, `angle ${a}`);
  for (const [j, count] of j1) near(count, 1 / 9, 2 * N, `jitter ${j}`);
  for (const [j, count] of j2) near(count, 1 / 5, 2 * N, `final jitter ${j}`);
  console.log(`# angle 0 drawn ${(angles.get(0)! / N).toFixed(4)} of the time (6/26 = ${(6 / 26).toFixed(4)}), angle 10 ${(angles.get(10)! / N).toFixed(4)} (1/26 = ${(1 / 26).toFixed(4)})`);
});
