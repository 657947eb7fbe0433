/**
 * The pieces of core/featureVis, each forward/backward (adjoint) pair against central finite differences in float64:
 * the inverse real FFT (even and odd sizes), the colour decorrelation, the sigmoid, the whole image parameterisation
 * (Fourier and pixel, with and without decorrelation), bilinear affine sampling (resize, rotation, with the grey fill);
 * the composed transform against doing pad and crop by hand; Lucid's spectrum scale and colour matrix; Adam's TF
 * update and its convergence on a quadratic; settings validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam } from '../../core/featureVis/adam';
import { COLOR_MATRIX, decorrelate, decorrelateBackward, sigmoid, sigmoidBackward } from '../../core/featureVis/color';
import { halfWidth, irfft2, irfft2Backward, spectrumScale } from '../../core/featureVis/fourier';
import { ImageParam } from '../../core/featureVis/imageParam';
import { resolveSettings } from '../../core/featureVis/render';
import {
  compose, drawStandard, resizeMap, rotateMap, sampleAffine, sampleAffineBackward, standardMap, STANDARD_PAD, translate,
} from '../../core/featureVis/transforms';
import { rngFor } from '../../core/perturbations/random';

const randoms = (n: number, seed: number): Float64Array => {
  const rng = rngFor(seed, 7);
  return Float64Array.from({ length: n }, () => rng.range(-1, 1));
};
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/**
 * For f: R^n -> R^m and its backward (upstream u -> d(u . f)/dx), checks the backward at x against the central
 * difference of u . f along each of `count` coordinates (all when count >= n).
 */
function checkBackward(label: string, n: number, m: number, f: (x: Float64Array) => ArrayLike<number>, backward: (x: Float64Array, u: Float64Array) => ArrayLike<number>, opts: { h?: number; count?: number; seed?: number; x?: Float64Array } = {}) {
  const x = opts.x ?? randoms(n, opts.seed ?? 1);
  const u = randoms(m, (opts.seed ?? 1) + 100);
  const g = Float64Array.from(backward(Float64Array.from(x), u));
  assert.equal(g.length, n, `${label}: gradient length`);
  const h = opts.h ?? 1e-5;
  const count = Math.min(opts.count ?? n, n);
  let maxErr = 0;
  let maxFd = 0;
  for (let j = 0; j < count; j++) {
    const i = count === n ? j : Math.floor((j * n) / count) + (j % 5);
    if (i >= n) continue;
    const p = Float64Array.from(x);
    const q = Float64Array.from(x);
    p[i] += h;
    q[i] -= h;
    const fd = (dot(u, f(p)) - dot(u, f(q))) / (2 * h);
    maxFd = Math.max(maxFd, Math.abs(fd));
    maxErr = Math.max(maxErr, Math.abs(fd - g[i]));
  }
  assert.ok(maxFd > 0, `${label}: no dependence on the input`);
  assert.ok(maxErr <= 1e-6 * Math.max(1, maxFd), `${label}: max |backward - finite difference| = ${maxErr} (max |fd| ${maxFd})`);
}

test('irfft2: matches the direct sum, and its backward is its adjoint (even and odd sizes)', () => {
  for (const [w, h] of [[8, 6], [7, 5], [6, 9]]) {
    const wf = halfWidth(w);
    const re = randoms(h * wf, 3);
    const im = randoms(h * wf, 4);
    const out = new Float64Array(w * h);
    irfft2(re, im, w, h, out);
    // Direct: numpy.fft.irfft2 of the half spectrum, written as a sum.
    for (const [y, x] of [[0, 0], [1, 2], [h - 1, w - 1]]) {
      let s = 0;
      for (let ky = 0; ky < h; ky++) {
        for (let kx = 0; kx < wf; kx++) {
          const c = kx === 0 || (w % 2 === 0 && kx === w / 2) ? 1 : 2;
          const t = 2 * Math.PI * ((ky * y) / h + (kx * x) / w);
          s += c * (re[ky * wf + kx] * Math.cos(t) - im[ky * wf + kx] * Math.sin(t));
        }
      }
      assert.ok(Math.abs(out[y * w + x] - s / (w * h)) < 1e-12, `${w}x${h} at ${y},${x}: ${out[y * w + x]} vs ${s / (w * h)}`);
    }
    const n = h * wf;
    checkBackward(`irfft2 ${w}x${h}`, 2 * n, w * h, (p) => {
      const o = new Float64Array(w * h);
      irfft2(p.subarray(0, n), p.subarray(n), w, h, o);
      return o;
    }, (_p, u) => {
      const g = new Float64Array(2 * n);
      irfft2Backward(u, w, h, g.subarray(0, n), g.subarray(n));
      return g;
    });
  }
});

test('a real plane round-trips: the half spectrum of a plane (numpy rfft2 layout) inverts back to it', () => {
  // rfft2 by the direct sum, then irfft2.
  const w = 6;
  const h = 5;
  const wf = halfWidth(w);
  const plane = randoms(w * h, 9);
  const re = new Float64Array(h * wf);
  const im = new Float64Array(h * wf);
  for (let ky = 0; ky < h; ky++) {
    for (let kx = 0; kx < wf; kx++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const t = -2 * Math.PI * ((ky * y) / h + (kx * x) / w);
          re[ky * wf + kx] += plane[y * w + x] * Math.cos(t);
          im[ky * wf + kx] += plane[y * w + x] * Math.sin(t);
        }
      }
    }
  }
  const out = new Float64Array(w * h);
  irfft2(re, im, w, h, out);
  for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - plane[i]) < 1e-12);
});

test("Lucid's spectrum scale and colour matrix", () => {
  const s = spectrumScale(8, 8);
  const wf = halfWidth(8);
  // DC: 1 / (1 / max(w, h)) x sqrt(64) / 4 = 8 x 8 / 4; (ky 0, kx 1): f = 1/8 -> the same; (ky 4, kx 4): f = sqrt(0.5).
  assert.ok(Math.abs(s[0] - 16) < 1e-12);
  assert.ok(Math.abs(s[1] - 16) < 1e-12);
  assert.ok(Math.abs(s[4 * wf + 4] - 2 / Math.sqrt(0.5)) < 1e-12);
  assert.equal(s[1 * wf + 0], s[7 * wf + 0], 'fy = +-1/8 scale alike');
  const norms = [0, 1, 2].map((j) => Math.hypot(COLOR_MATRIX[0][j], COLOR_MATRIX[1][j], COLOR_MATRIX[2][j]));
  assert.ok(Math.abs(Math.max(...norms) - 1) < 1e-12, 'columns normalised by the largest norm');
  assert.ok(Math.abs(COLOR_MATRIX[0][0] / COLOR_MATRIX[1][0] - 0.26 / 0.27) < 1e-12);
});

test('colour decorrelation and sigmoid backward', () => {
  const px = 5;
  checkBackward('decorrelate', 3 * px, 3 * px, (t) => {
    const o = new Float64Array(3 * px);
    decorrelate(t, px, o);
    return o;
  }, (_t, u) => {
    const o = new Float64Array(3 * px);
    decorrelateBackward(u, px, o);
    return o;
  });
  checkBackward('sigmoid', 12, 12, (t) => {
    const o = new Float64Array(12);
    sigmoid(t, o);
    return o;
  }, (t, u) => {
    const s = new Float64Array(12);
    sigmoid(t, s);
    const o = new Float64Array(12);
    sigmoidBackward(u, s, o);
    return o;
  });
});

test('image parameterisation: Fourier / pixels x decorrelated / not, batch of 2, backward against finite differences', () => {
  for (const fourier of [true, false]) {
    for (const decorrelated of [true, false]) {
      const opts = { size: 10, batch: 2, fourier, decorrelate: decorrelated, seed: 3 };
      const param = new ImageParam(opts);
      const n = param.params.length;
      const m = 2 * 3 * 100;
      // Larger parameters than the 0.01 init, so the sigmoid is away from its linear middle.
      const x = randoms(n, 5).map((v) => v * (fourier ? 0.05 : 1));
      checkBackward(`image fourier=${fourier} decorrelate=${decorrelated}`, n, m, (p) => {
        param.params.set(p);
        return Float64Array.from(param.forward());
      }, (p, u) => {
        param.params.set(p);
        param.forward();
        return param.backward(u);
      }, { x, count: 60, h: 1e-4 });
    }
  }
});

test('image parameterisation: sd 0.01 seeded init, the same for every item; images in (0, 1)', () => {
  const a = new ImageParam({ size: 16, batch: 3, fourier: true, decorrelate: true, seed: 0 });
  const b = new ImageParam({ size: 16, batch: 1, fourier: true, decorrelate: true, seed: 0 });
  const c = new ImageParam({ size: 16, batch: 1, fourier: true, decorrelate: true, seed: 1 });
  assert.deepEqual(a.params.subarray(2 * a.perItem), b.params);
  assert.notDeepEqual(b.params, c.params);
  const sd = Math.sqrt(dot(b.params, b.params) / b.params.length);
  assert.ok(sd > 0.008 && sd < 0.012, `init sd ${sd}`);
  for (const v of a.forward()) assert.ok(v > 0 && v < 1);
});

test('bilinear affine sampling: backward against finite differences (resize down/up, rotation with grey fill)', () => {
  const [inW, inH] = [9, 7];
  const cases: [string, ReturnType<typeof resizeMap>, number, number][] = [
    ['resize down', resizeMap(inW, inH, 5, 4), 5, 4],
    ['resize up', resizeMap(inW, inH, 13, 11), 13, 11],
    ['rotate + translate', compose(rotateMap(17, 9), translate(-1.5, 0.7)), 9, 8],
  ];
  for (const [label, m, outW, outH] of cases) {
    checkBackward(label, 3 * inW * inH, 3 * outW * outH, (x) => {
      const o = new Float64Array(3 * outW * outH);
      sampleAffine(x, 3, inW, inH, m, outW, outH, 0.5, o);
      return o;
    }, (_x, u) => {
      const o = new Float64Array(3 * inW * inH);
      sampleAffineBackward(u, 3, inW, inH, m, outW, outH, o);
      return o;
    });
  }
});

test('the composed standard transform: without scale and rotation it is pad (grey) + two crops, exactly', () => {
  const S = 20;
  const img = randoms(3 * S * S, 11);
  const draw = { jitter1: [3, 5] as [number, number], scale: 1, angle: 0, jitter2: [2, 1] as [number, number] };
  const out = S + 2 * STANDARD_PAD - 8 - 4;
  // Resizing to the final crop's own size is the identity, so the sample is a pure integer shift.
  const m = standardMap(draw, S, out, out);
  const got = new Float64Array(3 * out * out);
  sampleAffine(img, 3, S, S, m, out, out, 0.5, got);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < out; y++) {
      for (let x = 0; x < out; x++) {
        const sx = x + 2 + 3 - STANDARD_PAD;
        const sy = y + 1 + 5 - STANDARD_PAD;
        const want = sx >= 0 && sx < S && sy >= 0 && sy < S ? img[c * S * S + sy * S + sx] : 0.5;
        assert.ok(Math.abs(got[c * out * out + y * out + x] - want) < 1e-12, `c${c} y${y} x${x}`);
      }
    }
  }
  // Draws are seeded: the same stream gives the same draw.
  assert.deepEqual(drawStandard(rngFor(4, 9)), drawStandard(rngFor(4, 9)));
});

test("Adam: TensorFlow's first step, and convergence on a quadratic", () => {
  const adam = new Adam(2, { learningRate: 0.1 });
  const x = Float64Array.from([1, -2]);
  adam.step(x, [4, -0.5]);
  // Step 1: m = 0.1 g, v = 0.001 g^2, lr_t = 0.1 sqrt(0.001) / 0.1 -> x -= 0.1 sign(g) (up to eps).
  assert.ok(Math.abs(x[0] - 0.9) < 1e-6 && Math.abs(x[1] + 1.9) < 1e-6, `${x}`);
  // f(x) = sum a_i (x_i - c_i)^2.
  const a = [1, 10, 0.1];
  const c = [3, -1, 0.5];
  const y = Float64Array.from([0, 0, 0]);
  const opt = new Adam(3, { learningRate: 0.05 });
  for (let t = 0; t < 2000; t++) opt.step(y, y.map((v, i) => 2 * a[i] * (v - c[i])));
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(y[i] - c[i]) < 1e-2, `x${i} = ${y[i]}, want ${c[i]}`);
  assert.equal(opt.steps, 2000);
  assert.throws(() => new Adam(1, { learningRate: 0 }), /learning rate/);
});

test('settings: defaults are Lucid\'s, overrides are checked with a message', () => {
  const s = resolveSettings({ steps: 64 });
  assert.equal(s.steps, 64);
  assert.equal(s.size, 128);
  assert.equal(s.learningRate, 0.05);
  assert.throws(() => resolveSettings({ size: 4 }), /featureVis.size/);
  assert.throws(() => resolveSettings({ steps: 1.5 }), /featureVis.steps/);
  assert.throws(() => resolveSettings({ learningRate: -1 }), /featureVis.learningRate/);
  assert.throws(() => resolveSettings({ transforms: 'many' as 'none' }), /featureVis.transforms/);
  assert.throws(() => resolveSettings({ fourier: 'yes' as unknown as boolean }), /featureVis.fourier/);
});
