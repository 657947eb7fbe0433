/**
 * ImageNet-C noise, blur and snow ops (core/perturbations/imagenetC/) against reference values computed by
 * test/unit/fixtures/perturbations/imagenetc-noise-blur/make_reference.py (the reference formulas of
 * make_imagenet_c.py / imagecorruptions, with numpy, scipy, skimage, cv2 and ImageMagick through Wand) on the
 * shared 64x64 input: every op x severity 1..5, the random fields the script drew fed to our deterministic half.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import type { FloatImage } from '../../core/perturbations/types';
import { NOISE_BLUR_OPS } from '../../core/perturbations/imagenetC/noiseBlur';
import {
  drawImpulseMask,
  drawShotNoiseCounts,
  drawStandardNormals,
  gaussianNoiseWith,
  IMPULSE_NOISE_SEVERITIES,
  impulseNoiseWith,
  GAUSSIAN_NOISE_SEVERITIES,
  SHOT_NOISE_SEVERITIES,
  shotNoiseWith,
  SPECKLE_NOISE_SEVERITIES,
  speckleNoiseWith,
} from '../../core/perturbations/imagenetC/noise';
import {
  defocusBlur,
  defocusKernel,
  DEFOCUS_BLUR_SEVERITIES,
  drawGlassBlurOffsets,
  gaussianBlurC,
  glassBlurOffsetCount,
  glassBlurWith,
  zoomBlur,
  zoomBlurFactors,
} from '../../core/perturbations/imagenetC/blur';
import { drawMotionBlurAngle, motionBlurWith } from '../../core/perturbations/imagenetC/motionBlur';
import { drawSnowField, snowWith } from '../../core/perturbations/imagenetC/snow';
import { FieldCache, numpyArange, roundHalfEven } from '../../core/perturbations/imagenetC/common';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'perturbations');
const REF_DIR = path.join(FIXTURES, 'imagenetc-noise-blur');

interface Entry {
  dtype: 'uint8' | 'int8' | 'int16' | 'uint16' | 'float32';
  shape: number[];
  offset: number;
}
interface Index {
  width: number;
  height: number;
  ops: {
    motionBlur: Record<string, { angle: number }>;
    zoomBlur: Record<string, { factors: number[] }>;
    snow: Record<string, { angle: number }>;
  };
  entries: Record<string, Entry>;
}

const index = JSON.parse(readFileSync(path.join(REF_DIR, 'index.json'), 'utf8')) as Index;
const blob = gunzipSync(readFileSync(path.join(REF_DIR, 'data.bin.gz')));

function entry(name: string): number[] | Uint8Array | Int8Array | Int16Array | Uint16Array | Float32Array {
  const e = index.entries[name];
  assert.ok(e, `fixture entry ${name} missing`);
  const count = e.shape.reduce((a, b) => a * b, 1);
  const bytes = { uint8: 1, int8: 1, int16: 2, uint16: 2, float32: 4 }[e.dtype];
  const buf = blob.buffer.slice(blob.byteOffset + e.offset, blob.byteOffset + e.offset + count * bytes);
  switch (e.dtype) {
    case 'uint8':
      return new Uint8Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'uint16':
      return new Uint16Array(buf);
    case 'float32':
      return new Float32Array(buf);
  }
}

/** A reference output (CHW, stored as round(v * 65535)). */
function refOutput(name: string): Float64Array {
  return Float64Array.from(entry(name) as Uint16Array, (v) => v / 65535);
}

/** The quantised standard normals the script drew (int16 / 4096). */
function refNormals(name: string): Float32Array {
  return Float32Array.from(entry(name) as Int16Array, (v) => v / 4096);
}

function loadInput(): FloatImage {
  const png = PNG.sync.read(readFileSync(path.join(FIXTURES, 'input64.png')));
  const n = png.width * png.height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = png.data[4 * i + c] / 255;
  return { width: png.width, height: png.height, data };
}

const input = loadInput();
const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

function maxAbsError(ours: FloatImage, ref: ArrayLike<number>): number {
  assert.equal(ours.data.length, ref.length);
  let max = 0;
  for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(clamp01(ours.data[i]) - ref[i]));
  return max;
}

/** 0.5 / 65535: the fixtures' own rounding. */
const STORE = 0.5 / 65535;
const SEVERITIES = [1, 2, 3, 4, 5];

function checkAgainstReference(name: string, tolerance: number, run: (severity: number) => FloatImage): void {
  const errors: string[] = [];
  for (const s of SEVERITIES) {
    const err = maxAbsError(run(s), refOutput(`${name}/${s}/out`));
    errors.push(err.toExponential(2));
    assert.ok(err <= tolerance, `${name} severity ${s}: max abs error ${err} > ${tolerance}`);
  }
  // Shows the measured errors in the test output (node --test prints diagnostics).
  process.stdout.write(`# ${name}: max abs error per severity ${errors.join(' ')} (tolerance ${tolerance})\n`);
}

test('the ops are declared as the contract says', () => {
  const expected: [string, string, boolean][] = [
    ['gaussianNoise', 'imagenet-c noise', true],
    ['shotNoise', 'imagenet-c noise', true],
    ['impulseNoise', 'imagenet-c noise', true],
    ['defocusBlur', 'imagenet-c blur', false],
    ['glassBlur', 'imagenet-c blur', true],
    ['motionBlur', 'imagenet-c blur', true],
    ['zoomBlur', 'imagenet-c blur', false],
    ['snow', 'imagenet-c weather', true],
    ['speckleNoise', 'imagenet-c held-out', true],
    ['gaussianBlurC', 'imagenet-c held-out', false],
  ];
  assert.deepEqual(
    NOISE_BLUR_OPS.map((op) => [op.id, op.group, op.random]),
    expected,
  );
  assert.equal(NOISE_BLUR_OPS.find((op) => op.id === 'gaussianBlurC')?.label, 'Gaussian blur (ImageNet-C)');
  for (const op of NOISE_BLUR_OPS) {
    assert.deepEqual(
      op.params.map((p) => ({ name: p.name, kind: p.kind, ...(p.kind === 'integer' ? { min: p.min, max: p.max, step: p.step, default: p.default } : {}) })),
      [{ name: 'severity', kind: 'integer', min: 1, max: 5, step: 1, default: 3 }],
      op.id,
    );
    assert.ok(op.description.length > 20 && op.label.length > 0, op.id);
  }
});

// ---- reference values (deterministic halves, fed the reference's random fields) ----------------------------------

test('gaussian noise matches the reference (float32 arithmetic only)', () => {
  const z = refNormals('gaussianNoise/z');
  checkAgainstReference('gaussianNoise', 1e-6 + STORE, (s) => gaussianNoiseWith(input, s, z));
});

test('speckle noise matches the reference', () => {
  const z = refNormals('speckleNoise/z');
  checkAgainstReference('speckleNoise', 1e-6 + STORE, (s) => speckleNoiseWith(input, s, z));
});

test('shot noise matches the reference given its Poisson counts', () => {
  checkAgainstReference('shotNoise', 1e-6 + STORE, (s) => shotNoiseWith(input, s, entry(`shotNoise/${s}/counts`)));
});

test('impulse noise matches skimage random_noise(s&p) given its masks', () => {
  checkAgainstReference('impulseNoise', 1e-6 + STORE, (s) => impulseNoiseWith(input, entry(`impulseNoise/${s}/mask`)));
});

test('held-out Gaussian blur matches skimage.filters.gaussian', () => {
  checkAgainstReference('gaussianBlurC', 1e-6 + STORE, (s) => gaussianBlurC(input, s));
});

test('glass blur matches the reference given its offsets (including the uint8 step and the copy-not-swap)', () => {
  // The reference truncates a float64 blur to uint8; where the blur of an 8-bit region is an integer up to
  // rounding (121.99999999999999 or 122.00000000000001), the last bit of numpy's exp() (SIMD, not correctly
  // rounded; V8's differs in the last bit for some taps) decides the level. So a few values differ by one level
  // before the second blur; in a flat region the whole region flips, so the result is off by up to one level.
  const report: string[] = [];
  for (const s of SEVERITIES) {
    const offsets = entry(`glassBlur/${s}/offsets`);
    assert.equal(offsets.length, glassBlurOffsetCount(64, 64, s));
    const ours = glassBlurWith(input, s, offsets);
    const ref = refOutput(`glassBlur/${s}/out`);
    let max = 0;
    let sum = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(clamp01(ours.data[i]) - ref[i]);
      max = Math.max(max, d);
      sum += d;
    }
    const mean = sum / ref.length;
    report.push(`${max.toExponential(2)} (mean ${mean.toExponential(1)})`);
    assert.ok(max <= 1 / 255 + 1e-5, `severity ${s}: max abs error ${max}`);
    assert.ok(mean < 1.5e-4, `severity ${s}: mean abs error ${mean}`);
  }
  process.stdout.write(`# glassBlur: max abs error per severity ${report.join(' ')}\n`);
});

test('defocus kernels match cv2 (disk + GaussianBlur) and the blur matches cv2.filter2D', () => {
  for (const s of SEVERITIES) {
    const ref = entry(`defocusBlur/${s}/kernel`) as Float32Array;
    const k = defocusKernel(...DEFOCUS_BLUR_SEVERITIES[s - 1]);
    assert.equal(k.size * k.size, ref.length);
    let max = 0;
    for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(k.data[i] - ref[i]));
    assert.ok(max < 1e-8, `kernel ${s}: ${max}`);
  }
  checkAgainstReference('defocusBlur', 1e-6 + STORE, (s) => defocusBlur(input, s));
});

test('zoom factors are numpy.arange\'s and zoom blur matches scipy zoom (order 1) as imagecorruptions uses it', () => {
  for (const s of SEVERITIES) assert.deepEqual(zoomBlurFactors(s), index.ops.zoomBlur[String(s)].factors, `severity ${s}`);
  assert.equal(zoomBlurFactors(1).length, 12); // 1.00 .. 1.11: numpy's float arange includes 1.11
  checkAgainstReference('zoomBlur', 2e-6 + STORE, (s) => zoomBlur(input, s));
});

test('motion blur matches the numpy (imagecorruptions) kernel and ImageMagick through Wand', () => {
  checkAgainstReference('motionBlur', 1e-6 + STORE, (s) => motionBlurWith(input, s, index.ops.motionBlur[String(s)].angle));
  // ImageMagick blurred the 8-bit PNG in 16-bit quanta and wrote 8 bits by truncation: its output is floor(ours).
  const errors: string[] = [];
  for (const s of SEVERITIES) {
    const ours = motionBlurWith(input, s, index.ops.motionBlur[String(s)].angle);
    const wand = entry(`motionBlur/${s}/wand`) as Uint8Array;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < wand.length; i++) {
      const d = clamp01(ours.data[i]) * 255 - wand[i];
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    errors.push(`[${lo.toFixed(3)}, ${hi.toFixed(3)}]`);
    assert.ok(lo >= -2e-3 && hi < 1, `severity ${s}: ours - Wand in [${lo}, ${hi}] levels, expected [0, 1)`);
  }
  process.stdout.write(`# motionBlur: ours * 255 - Wand's 8-bit output per severity ${errors.join(' ')}\n`);
});

test('snow matches imagecorruptions given its normals and angle', () => {
  const z = refNormals('snow/z');
  checkAgainstReference('snow', 1e-6 + STORE, (s) => snowWith(input, s, z, index.ops.snow[String(s)].angle));
  const diffs: string[] = [];
  for (const s of SEVERITIES) {
    const ours = snowWith(input, s, z, index.ops.snow[String(s)].angle);
    const wand = entry(`snow/${s}/wandOriginal`) as Uint8Array;
    let sum = 0;
    let max = 0;
    for (let i = 0; i < wand.length; i++) {
      const d = Math.abs(clamp01(ours.data[i]) * 255 - wand[i]);
      sum += d;
      max = Math.max(max, d);
    }
    diffs.push(`${(sum / wand.length).toFixed(2)}/${max.toFixed(0)}`);
  }
  process.stdout.write(`# snow vs make_imagenet_c.py with Wand: mean/max abs difference in 8-bit levels ${diffs.join(' ')}\n`);
});

// ---- the random halves: seeds and distributions ------------------------------------------------------------------

function constantImage(width: number, height: number, value: number): FloatImage {
  return { width, height, data: new Float32Array(3 * width * height).fill(value) };
}

function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length) };
}

test('every op: same seed gives the same image, a different seed a different one for random ops, input untouched', () => {
  const image: FloatImage = { width: 48, height: 40, data: Float32Array.from(input.data.subarray(0, 3 * 48 * 40)) };
  const before = Float32Array.from(image.data);
  for (const op of NOISE_BLUR_OPS) {
    for (const severity of SEVERITIES) {
      const a = op.apply(image, { severity }, { seed: 7 });
      const b = op.apply(image, { severity }, { seed: 7 });
      const c = op.apply(image, { severity }, { seed: 8 });
      assert.equal(a.width, 48, op.id);
      assert.equal(a.height, 40, op.id);
      assert.equal(a.data.length, image.data.length, op.id);
      assert.notEqual(a.data, image.data, op.id);
      assert.deepEqual(a.data, b.data, `${op.id} ${severity}: not deterministic`);
      if (op.random) assert.notDeepEqual(a.data, c.data, `${op.id} ${severity}: seed ignored`);
      else assert.deepEqual(a.data, c.data, `${op.id} ${severity}: depends on the seed`);
      assert.ok(a.data.every(Number.isFinite), `${op.id} ${severity}: non-finite values`);
      let changed = 0;
      for (let i = 0; i < a.data.length; i++) if (Math.abs(a.data[i] - image.data[i]) > 1e-3) changed++;
      assert.ok(changed > a.data.length * 0.02, `${op.id} ${severity}: changes only ${changed} values`);
    }
  }
  assert.deepEqual(image.data, before);
});

test('every op works on odd, tiny and non-square sizes', () => {
  for (const [w, h] of [[1, 1], [2, 3], [9, 5], [5, 31], [33, 17]]) {
    const image = constantImage(w, h, 0.4);
    for (let i = 0; i < image.data.length; i++) image.data[i] = ((i * 37) % 101) / 100;
    for (const op of NOISE_BLUR_OPS) {
      for (const severity of SEVERITIES) {
        const out = op.apply(image, { severity }, { seed: 3 });
        assert.equal(out.data.length, image.data.length, `${op.id} ${w}x${h}`);
        assert.ok(out.data.every(Number.isFinite), `${op.id} ${w}x${h} severity ${severity}`);
      }
    }
  }
});

test('blurs keep a constant image constant', () => {
  const image = constantImage(40, 30, 0.6);
  for (const id of ['defocusBlur', 'zoomBlur', 'gaussianBlurC', 'motionBlur', 'glassBlur']) {
    const op = NOISE_BLUR_OPS.find((o) => o.id === id)!;
    for (const severity of SEVERITIES) {
      // The reference's defocus kernel does not sum to 1 where the disk touches its grid (radius 8 on -8..8,
      // radius 10 on -10..10): cv2's alias blur reflects mass back in, and the image brightens by that much.
      const k = defocusKernel(...DEFOCUS_BLUR_SEVERITIES[severity - 1]).data.reduce((a, b) => a + b, 0);
      const expected = id === 'defocusBlur' ? 0.6 * k : 0.6;
      const out = op.apply(image, { severity }, { seed: 1 });
      // glass blur quantises 0.6 * 255 = 153 exactly; the others only average.
      for (const v of out.data) assert.ok(Math.abs(v - expected) < 1e-5, `${id} ${severity}: ${v} vs ${expected}`);
    }
  }
});

test('gaussian and speckle noise fields are standard normal (mean and std within 4 standard errors)', () => {
  const n = 3 * 224 * 224;
  const z = drawStandardNormals(11, n);
  const { mean, std } = meanStd(z);
  assert.ok(Math.abs(mean) < 4 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 4 / Math.sqrt(2 * n), `std ${std}`);
  // Through the op: on mid-grey (no clamping at severity 1..3) the noise std is c.
  const grey = constantImage(224, 224, 0.5);
  for (const s of [1, 2, 3]) {
    const out = NOISE_BLUR_OPS[0].apply(grey, { severity: s }, { seed: 5 });
    const c = GAUSSIAN_NOISE_SEVERITIES[s - 1];
    const m = meanStd(Float64Array.from(out.data, (v) => v - 0.5));
    assert.ok(Math.abs(m.std - c) < (4 * c) / Math.sqrt(2 * n), `gaussian severity ${s}: std ${m.std} vs ${c}`);
    assert.ok(Math.abs(m.mean) < (4 * c) / Math.sqrt(n), `gaussian severity ${s}: mean ${m.mean}`);
  }
  const speckle = NOISE_BLUR_OPS.find((o) => o.id === 'speckleNoise')!;
  const out = speckle.apply(grey, { severity: 1 }, { seed: 5 });
  const c = SPECKLE_NOISE_SEVERITIES[0];
  const m = meanStd(Float64Array.from(out.data, (v) => (v - 0.5) / 0.5));
  assert.ok(Math.abs(m.std - c) < (4 * c) / Math.sqrt(2 * n), `speckle std ${m.std} vs ${c}`);
});

test('shot noise counts are Poisson(x * c): mean and variance x * c', () => {
  const n = 3 * 160 * 160;
  for (const [s, x] of [[1, 0.5], [3, 0.25], [5, 0.8]] as const) {
    const c = SHOT_NOISE_SEVERITIES[s - 1];
    const counts = drawShotNoiseCounts(constantImage(160, 160, x), s, 9);
    const lambda = x * c;
    const { mean, std } = meanStd(counts);
    assert.ok(counts.every((k) => Number.isInteger(k) && k >= 0));
    assert.ok(Math.abs(mean - lambda) < 4 * Math.sqrt(lambda / n), `severity ${s}: mean ${mean} vs ${lambda}`);
    // variance of the sample variance of a Poisson: (lambda + 2 lambda^2) / n
    assert.ok(Math.abs(std * std - lambda) < 4 * Math.sqrt((lambda + 2 * lambda * lambda) / n), `severity ${s}: var ${std * std} vs ${lambda}`);
  }
});

test('impulse noise flips a fraction c of the values, half to salt and half to pepper', () => {
  const n = 3 * 200 * 200;
  for (const s of SEVERITIES) {
    const c = IMPULSE_NOISE_SEVERITIES[s - 1];
    const mask = drawImpulseMask(s, 21, n);
    let flipped = 0;
    let salt = 0;
    for (const m of mask) {
      if (m !== 0) flipped++;
      if (m === 1) salt++;
    }
    assert.ok(Math.abs(flipped / n - c) < 4 * Math.sqrt((c * (1 - c)) / n), `severity ${s}: ${flipped / n} vs ${c}`);
    assert.ok(Math.abs(salt / flipped - 0.5) < 4 * Math.sqrt(0.25 / flipped), `severity ${s}: salt share ${salt / flipped}`);
  }
});

test('glass blur offsets are uniform integers in [-d, d); motion and snow angles uniform in their ranges', () => {
  for (const [s, d] of [[1, 1], [3, 2], [5, 4]] as const) {
    const offsets = drawGlassBlurOffsets(4, s, 100, 100);
    assert.equal(offsets.length, glassBlurOffsetCount(100, 100, s));
    const counts = new Map<number, number>();
    for (const o of offsets) counts.set(o, (counts.get(o) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort((a, b) => a - b), Array.from({ length: 2 * d }, (_, i) => i - d));
    const expected = offsets.length / (2 * d);
    for (const [v, k] of counts) assert.ok(Math.abs(k - expected) < 4 * Math.sqrt(expected), `severity ${s}: ${k} of ${v}`);
  }
  const motion = Array.from({ length: 4000 }, (_, i) => drawMotionBlurAngle(i));
  assert.ok(motion.every((a) => a >= -45 && a < 45));
  assert.ok(Math.abs(meanStd(motion).mean) < (4 * 90) / Math.sqrt(12 * 4000));
  const snow = Array.from({ length: 4000 }, (_, i) => drawSnowField(i, 2, 2).angle);
  assert.ok(snow.every((a) => a >= -135 && a < -45));
  assert.ok(Math.abs(meanStd(snow).mean + 90) < (4 * 90) / Math.sqrt(12 * 4000));
  const { z } = drawSnowField(3, 200, 150);
  const m = meanStd(z);
  assert.ok(Math.abs(m.mean) < 4 / Math.sqrt(z.length) && Math.abs(m.std - 1) < 4 / Math.sqrt(2 * z.length));
});

test('numpy helpers: arange lengths and round half to even', () => {
  assert.deepEqual(numpyArange(1, 1.26, 0.02).length, 13);
  assert.deepEqual(numpyArange(1, 1.16, 0.01).length, 16);
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(3.5), 4);
  assert.equal(roundHalfEven(-0.5), -0);
  assert.equal(roundHalfEven(2.4999), 2);
});

// ---- the field caches: the ops reuse a step's random fields across frames; results must not change ----------------

test('field cache: bounded, least recently used first, and values made once per key', () => {
  const cache = new FieldCache<number[]>(3);
  let made = 0;
  const get = (k: string): number[] => cache.get(k, () => [made++]);
  const a = get('a');
  assert.equal(get('a'), a);
  get('b');
  get('c');
  get('a'); // a is now the most recently used
  get('d'); // evicts b
  assert.equal(cache.size, 3);
  assert.equal(made, 4);
  assert.equal(get('a'), a);
  get('b');
  assert.equal(made, 5, 'b was evicted and made again');
  for (let i = 0; i < 20; i++) get(`x${i}`);
  assert.equal(cache.size, 3);
});

test('cached random ops give the uncached result: first call, repeat, other seeds, eviction, other pixels', () => {
  const image: FloatImage = { width: 40, height: 36, data: Float32Array.from(input.data.subarray(0, 3 * 40 * 36)) };
  const other: FloatImage = { width: 40, height: 36, data: image.data.map((v, i) => (i % 7 === 0 ? 1 - v : v)) };
  const len = image.data.length;
  // The ops' results computed from freshly drawn fields, without any cache.
  const uncached: Record<string, (img: FloatImage, s: number, seed: number) => FloatImage> = {
    gaussianNoise: (img, s, seed) => gaussianNoiseWith(img, s, drawStandardNormals(seed, len)),
    speckleNoise: (img, s, seed) => speckleNoiseWith(img, s, drawStandardNormals(seed, len)),
    shotNoise: (img, s, seed) => shotNoiseWith(img, s, drawShotNoiseCounts(img, s, seed)),
    impulseNoise: (img, s, seed) => impulseNoiseWith(img, drawImpulseMask(s, seed, len)),
    glassBlur: (img, s, seed) => glassBlurWith(img, s, drawGlassBlurOffsets(seed, s, img.width, img.height)),
    motionBlur: (img, s, seed) => motionBlurWith(img, s, drawMotionBlurAngle(seed)),
    snow: (img, s, seed) => {
      const { z, angle } = drawSnowField(seed, img.width, img.height);
      return snowWith(img, s, z, angle);
    },
  };
  for (const [id, reference] of Object.entries(uncached)) {
    const op = NOISE_BLUR_OPS.find((o) => o.id === id)!;
    for (const s of [1, 4]) {
      const seed = 1000 + s; // not used by any other test: the first call draws the fields
      const first = op.apply(image, { severity: s }, { seed });
      assert.deepEqual(first.data, reference(image, s, seed).data, `${id} ${s}: first call`);
      assert.deepEqual(op.apply(image, { severity: s }, { seed }).data, first.data, `${id} ${s}: cached call`);
      // Same seed, other pixels: the cache holds only what does not depend on them.
      assert.deepEqual(op.apply(other, { severity: s }, { seed }).data, reference(other, s, seed).data, `${id} ${s}: other pixels`);
      const next = op.apply(image, { severity: s }, { seed: seed + 1 });
      assert.deepEqual(next.data, reference(image, s, seed + 1).data, `${id} ${s}: another seed`);
      assert.notDeepEqual(next.data, first.data, `${id} ${s}: another seed, same image`);
      // More seeds than any cache holds, then the first seed again (evicted, drawn again).
      for (let k = 2; k < 12; k++) op.apply(image, { severity: s }, { seed: seed + 10 * k });
      assert.deepEqual(op.apply(image, { severity: s }, { seed }).data, first.data, `${id} ${s}: after eviction`);
    }
  }
});
