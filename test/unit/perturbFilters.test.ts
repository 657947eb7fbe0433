import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { fftPlan, fourierFilterPlane } from '../../core/perturbations/fft';
import { FILTER_OPS, lowPassMask, parseHexColor, patchPermutation } from '../../core/perturbations/filters';
import { gaussianFilter, gaussianFilterPlane, gaussianKernel1d, type BorderMode } from '../../core/perturbations/gaussian';
import { rgbaToFloat, resolveParams } from '../../core/perturbations/pipeline';
import type { FloatImage, OpParams, PerturbationOp } from '../../core/perturbations/types';

// Compiled to out/test/unit; fixtures stay in the source tree.
const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'perturbations');
const REF = join(FIXTURES, 'filters');

function op(id: string): PerturbationOp {
  const found = FILTER_OPS.find((o) => o.id === id);
  assert.ok(found, `op ${id}`);
  return found;
}

/** Applies `id` with its defaults overridden by `given` (resolved at the image's width like the pipeline does). */
function run(id: string, image: FloatImage, given: Record<string, number | string> = {}, seed = 0): FloatImage {
  const o = op(id);
  const { params, problems } = resolveParams(o, given, image.width);
  assert.deepEqual(problems, []);
  const before = image.data.slice();
  const out = o.apply(image, params as OpParams, { seed });
  assert.deepEqual(image.data, before, `${id} modified its input`);
  assert.notEqual(out.data, image.data);
  assert.equal(out.width, image.width);
  assert.equal(out.height, image.height);
  assert.equal(out.data.length, image.data.length);
  return out;
}

const input64 = ((): FloatImage => {
  const png = PNG.sync.read(readFileSync(join(FIXTURES, 'input64.png')));
  return rgbaToFloat({ width: png.width, height: png.height, pixels: new Uint8Array(png.data) });
})();

function crop(image: FloatImage, c: { top: number; left: number; height: number; width: number }): FloatImage {
  const data = new Float32Array(3 * c.width * c.height);
  const size = image.width * image.height;
  for (let ch = 0; ch < 3; ch++)
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++)
        data[ch * c.width * c.height + y * c.width + x] = image.data[ch * size + (c.top + y) * image.width + c.left + x];
  return { width: c.width, height: c.height, data };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function readBin(file: string): Float32Array {
  const buf = readFileSync(join(REF, file));
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(4 * i);
  return out;
}

interface RefEntry {
  name: string;
  file: string;
  kind: 'gaussian' | 'gaussianPlane' | 'lowPass';
  crop: { top: number; left: number; height: number; width: number };
  sigma?: number;
  sigmaY?: number;
  sigmaX?: number;
  mode?: BorderMode;
  channel?: number;
  threshold?: number;
  mask?: 'hard' | 'gaussian';
}
const reference = JSON.parse(readFileSync(join(REF, 'reference.json'), 'utf8')) as { entries: RefEntry[] };

/** A deterministic pseudo-image (smooth plus texture) of any size. */
function synthetic(width: number, height: number): FloatImage {
  const data = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const v = 0.5 + 0.3 * Math.sin(0.05 * x * (c + 1) + 0.11 * y) + 0.2 * Math.sin(1.7 * x * y + c);
        data[c * width * height + y * width + x] = Math.min(1, Math.max(0, v));
      }
  return { width, height, data };
}

test('the filter ops are declared as the contract says', () => {
  assert.deepEqual(
    FILTER_OPS.map((o) => o.id),
    ['gaussianBlur', 'lowPass', 'highPass', 'patchShuffle', 'alphaBlack', 'alphaColor'],
  );
  for (const o of FILTER_OPS) {
    assert.equal(o.group, 'filter');
    assert.ok(o.label && o.description);
    for (const p of o.params) {
      assert.ok(p.help.length > 10, `${o.id}.${p.name} help`);
      if (p.kind === 'number' || p.kind === 'integer') assert.ok(p.min <= p.default && p.default <= p.max);
      if (p.kind === 'choice') assert.ok(p.options.includes(p.default));
    }
  }
  assert.equal(op('patchShuffle').random, true);
  assert.equal(FILTER_OPS.filter((o) => o.random).length, 1);
  const sigma = op('gaussianBlur').params[0];
  assert.ok(sigma.kind === 'number' && sigma.scalesWithSize && sigma.default === 2 && sigma.max === 20);
});

test('gaussianBlur of an impulse is the outer product of the 1-D kernel', () => {
  for (const sigma of [0.6, 2, 3.7]) {
    const n = 41;
    const image: FloatImage = { width: n, height: n, data: new Float32Array(3 * n * n) };
    const mid = (n - 1) / 2;
    for (let c = 0; c < 3; c++) image.data[c * n * n + mid * n + mid] = 1;
    const out = op('gaussianBlur').apply(image, { sigma }, { seed: 0 }); // params as resolved (already in px)
    const k = gaussianKernel1d(sigma);
    const r = (k.length - 1) / 2;
    let worst = 0;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < n; y++)
        for (let x = 0; x < n; x++) {
          const dy = y - mid;
          const dx = x - mid;
          const want = Math.abs(dy) <= r && Math.abs(dx) <= r ? k[dy + r] * k[dx + r] : 0;
          worst = Math.max(worst, Math.abs(out.data[c * n * n + y * n + x] - want));
        }
    assert.ok(worst < 1e-7, `sigma ${sigma}: ${worst}`);
  }
});

test('gaussianBlur sigma 0 is an identity copy', () => {
  const out = run('gaussianBlur', input64, { sigma: 0 });
  assert.deepEqual(out.data, input64.data);
});

test('gaussian.ts matches scipy.ndimage.gaussian_filter for every mode (fixtures from make_reference.py)', () => {
  const entries = reference.entries.filter((e) => e.kind === 'gaussian');
  assert.equal(entries.length, 15);
  for (const e of entries) {
    const out = gaussianFilter(crop(input64, e.crop), e.sigma!, e.mode!);
    const d = maxDiff(out.data, readBin(e.file));
    assert.ok(d < 1e-6, `${e.name}: max difference ${d}`);
  }
  const [plane] = reference.entries.filter((e) => e.kind === 'gaussianPlane');
  const c = crop(input64, plane.crop);
  const size = c.width * c.height;
  const green = c.data.subarray(plane.channel! * size, (plane.channel! + 1) * size);
  const out = gaussianFilterPlane(green, c.width, c.height, plane.sigmaY!, plane.sigmaX!, plane.mode!);
  const d = maxDiff(out, readBin(plane.file));
  assert.ok(d < 1e-6, `${plane.name}: ${d}`);
});

test('gaussianBlur uses reflect mode', () => {
  const out = run('gaussianBlur', input64, { sigma: (2.5 * 224) / 64 });
  const want = gaussianFilter(input64, 2.5, 'reflect');
  assert.ok(maxDiff(out.data, want.data) === 0);
});

test('the FFT of every length matches a direct DFT', () => {
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 16, 29, 37, 41, 60, 64, 96, 99, 192, 224, 299]) {
    const plan = fftPlan(n);
    const x = new Float64Array(2 * n).map((_, i) => Math.sin(i * 1.37 + 0.2) + (i % 5) * 0.1);
    const got = new Float64Array(2 * n);
    plan.forward(got, x);
    let worst = 0;
    for (let k = 0; k < n; k++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < n; j++) {
        const a = (-2 * Math.PI * ((j * k) % n)) / n;
        re += x[2 * j] * Math.cos(a) - x[2 * j + 1] * Math.sin(a);
        im += x[2 * j] * Math.sin(a) + x[2 * j + 1] * Math.cos(a);
      }
      worst = Math.max(worst, Math.abs(re - got[2 * k]), Math.abs(im - got[2 * k + 1]));
    }
    assert.ok(worst < 1e-9 * n, `n ${n}: ${worst}`);
    const back = new Float64Array(2 * n);
    plan.inverse(back, got);
    assert.ok(maxDiff(back, x) < 1e-12 * n, `inverse n ${n}`);
    assert.equal(fftPlan(n), plan, 'plans are cached');
  }
});

test('lowPass matches numpy.fft (fixtures from make_reference.py)', () => {
  const entries = reference.entries.filter((e) => e.kind === 'lowPass');
  assert.equal(entries.length, 3);
  for (const e of entries) {
    const image = crop(input64, e.crop);
    const out = op('lowPass').apply(image, { threshold: e.threshold!, mask: e.mask! }, { seed: 0 });
    const d = maxDiff(out.data, readBin(e.file));
    assert.ok(d < 1e-6, `${e.name}: max difference ${d}`);
  }
});

test('fourierFilterPlane with an all-pass mask is the identity for odd and even sizes', () => {
  for (const [w, h] of [
    [64, 64],
    [7, 5],
    [224, 224],
    [30, 17],
  ]) {
    const image = synthetic(w, h);
    const plane = image.data.subarray(0, w * h);
    const out = new Float64Array(w * h);
    fourierFilterPlane(plane, w, h, new Float64Array(h * ((w >> 1) + 1)).fill(1), out);
    assert.ok(maxDiff(out, plane) < 1e-12, `${w}x${h}`);
  }
});

test('lowPass + highPass(offset 0) is the input, at model sizes and odd sizes, for both masks', () => {
  for (const [w, h] of [
    [224, 224],
    [192, 192],
    [299, 299],
    [64, 64],
    [33, 20],
  ]) {
    const image = synthetic(w, h);
    for (const mask of ['hard', 'gaussian'])
      for (const threshold of [0, 3.5, 16, 112]) {
        const low = op('lowPass').apply(image, { threshold, mask }, { seed: 0 });
        const high = op('highPass').apply(image, { threshold, mask, offset: 0 }, { seed: 0 });
        let worst = 0;
        for (let i = 0; i < image.data.length; i++) worst = Math.max(worst, Math.abs(low.data[i] + high.data[i] - image.data[i]));
        assert.ok(worst < 1e-5, `${w}x${h} ${mask} ${threshold}: ${worst}`);
      }
  }
});

test('lowPass threshold 0 gives the mean colour; highPass threshold 0 is the input minus its mean plus the offset', () => {
  const low = run('lowPass', input64, { threshold: 0 });
  const high = run('highPass', input64, { threshold: 0, offset: 0.25 });
  const size = 64 * 64;
  for (let c = 0; c < 3; c++) {
    let mean = 0;
    for (let i = 0; i < size; i++) mean += input64.data[c * size + i];
    mean /= size;
    for (let i = 0; i < size; i++) {
      assert.ok(Math.abs(low.data[c * size + i] - mean) < 1e-6);
      assert.ok(Math.abs(high.data[c * size + i] - (input64.data[c * size + i] - mean + 0.25)) < 1e-6);
    }
  }
  for (const mask of ['hard', 'gaussian']) {
    const dc = lowPassMask(10, 9, 0, mask as 'hard');
    assert.equal(dc[0], 1);
    assert.equal(dc.reduce((a, b) => a + b, 0), 1);
  }
});

test('lowPass with the largest threshold keeps everything up to the corner frequency of a 64 px image', () => {
  // The corner frequency of 64 px is 32 * sqrt 2 < 112: nothing is removed.
  const low = run('lowPass', input64, { threshold: 112 });
  assert.ok(maxDiff(low.data, input64.data) < 1e-6);
  const mask = lowPassMask(224, 224, 112, 'hard');
  assert.equal(mask[0 * 113 + 112], 1, 'the radius is inclusive');
  assert.equal(mask[1 * 113 + 112], 0);
  const g = lowPassMask(224, 224, 10, 'gaussian');
  assert.ok(Math.abs(g[6 * 113 + 8] - 0.5) < 1e-12, 'gaussian gain 1/2 at the threshold (radius 10 = (6, 8))');
  assert.ok(Math.abs(g[(224 - 6) * 113 + 8] - 0.5) < 1e-12, 'negative vertical frequencies');
});

test('highPass defaults: grey offset 0.5, same cut-off as lowPass', () => {
  const flat: FloatImage = { width: 16, height: 16, data: new Float32Array(3 * 256).fill(0.8) };
  const high = run('highPass', flat);
  assert.ok(maxDiff(high.data, new Float32Array(3 * 256).fill(0.5)) < 1e-6);
  const low = run('lowPass', flat);
  assert.ok(maxDiff(low.data, flat.data) < 1e-6);
});

/** The patches of `image` for grid k, as strings, in raster order. */
function patches(image: FloatImage, k: number): string[] {
  const pw = Math.floor(image.width / k);
  const ph = Math.floor(image.height / k);
  const size = image.width * image.height;
  const out: string[] = [];
  for (let py = 0; py < k; py++)
    for (let px = 0; px < k; px++) {
      const values: number[] = [];
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < ph; y++)
          for (let x = 0; x < pw; x++) values.push(image.data[c * size + (py * ph + y) * image.width + px * pw + x]);
      out.push(values.join(','));
    }
  return out;
}

test('patchShuffle permutes the patches (same multiset), k = 1 is the identity, seeded', () => {
  const image = synthetic(64, 64);
  const out = run('patchShuffle', image, { grid: 4 }, 7);
  assert.deepEqual([...patches(out, 4)].sort(), [...patches(image, 4)].sort());
  assert.notDeepEqual(patches(out, 4), patches(image, 4));
  assert.deepEqual(run('patchShuffle', image, { grid: 4 }, 7).data, out.data, 'same seed, same output');
  assert.notDeepEqual(run('patchShuffle', image, { grid: 4 }, 8).data, out.data, 'different seed differs');
  assert.deepEqual(run('patchShuffle', image, { grid: 1 }, 7).data, image.data);
  // The permutation itself is a Fisher-Yates permutation from rngFor(seed).
  const perm = patchPermutation(16, 7);
  assert.deepEqual([...perm].sort((a, b) => a - b), [...Array(16).keys()]);
  const want = patches(image, 4);
  assert.deepEqual(
    patches(out, 4),
    [...perm].map((s) => want[s]),
  );
});

test('patchShuffle on a size not divisible by k shuffles the top-left k*floor(W/k) region and leaves the rest', () => {
  const image = synthetic(224, 224);
  const k = 3; // patches of 74 px, 2 px left over on the right and at the bottom
  const out = run('patchShuffle', image, { grid: k }, 3);
  assert.deepEqual([...patches(out, k)].sort(), [...patches(image, k)].sort());
  assert.notDeepEqual(patches(out, k), patches(image, k));
  const size = 224 * 224;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < 224; y++)
      for (let x = 0; x < 224; x++) {
        if (x < 222 && y < 222) continue;
        const i = c * size + y * 224 + x;
        assert.equal(out.data[i], image.data[i]);
      }
  // More patches per side than pixels: nothing to cut, the image is unchanged.
  const tiny = synthetic(8, 8);
  assert.deepEqual(run('patchShuffle', tiny, { grid: 16 }, 1).data, tiny.data);
});

test('alphaBlack: 1 identity, 0 black, else scaled', () => {
  assert.deepEqual(run('alphaBlack', input64, { alpha: 1 }).data, input64.data);
  assert.deepEqual(run('alphaBlack', input64, { alpha: 0 }).data, new Float32Array(input64.data.length));
  const half = run('alphaBlack', input64);
  assert.ok(maxDiff(half.data, input64.data.map((v) => 0.5 * v)) < 1e-7);
});

test('alphaColor: 1 identity, 0 the colour, default mid grey', () => {
  assert.deepEqual(run('alphaColor', input64, { alpha: 1, color: '#ff8000' }).data, input64.data);
  const flat = run('alphaColor', input64, { alpha: 0, color: '#ff8000' });
  const size = 64 * 64;
  for (let i = 0; i < size; i++) {
    assert.equal(flat.data[i], 1);
    assert.equal(flat.data[size + i], Math.fround(128 / 255));
    assert.equal(flat.data[2 * size + i], 0);
  }
  const grey = run('alphaColor', input64);
  assert.ok(maxDiff(grey.data, input64.data.map((v) => 0.5 * v + 0.5 * (128 / 255))) < 1e-7);
  assert.deepEqual(parseHexColor('#0a141e'), [10 / 255, 20 / 255, 30 / 255]);
});
