/**
 * ImageNet-C defocus blur: cv2.filter2D of each plane with the reference's anti-aliased disk (reflect-101
 * borders), computed fast from the kernel's structure rather than tap by tap.
 */
import { fourierFilterPlane } from '../fft';
import { borderIndex } from '../gaussian';
import type { FloatImage } from '../types';
import { blankLike, FieldCache, severityIndex } from './common';

/** (disk radius, alias blur sigma) per severity (defocus_blur). */
export const DEFOCUS_BLUR_SEVERITIES: readonly (readonly [number, number])[] = [
  [3, 0.1],
  [4, 0.5],
  [6, 0.5],
  [8, 0.5],
  [10, 0.5],
];

/** A square kernel of side `size` (row-major). */
export interface Kernel2d {
  size: number;
  data: Float64Array;
}

/** cv2.getGaussianKernel(ks, sigma, CV_32F): float32 weights exp(-x^2 / 2 sigma^2) normalised to sum 1. */
function cvGaussianKernel(ks: number, sigma: number): Float64Array {
  const g = new Float64Array(ks);
  const scale = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let i = 0; i < ks; i++) {
    const t = i - (ks - 1) * 0.5;
    g[i] = Math.fround(Math.exp(scale * t * t));
    sum += g[i];
  }
  for (let i = 0; i < ks; i++) g[i] = Math.fround(g[i] * (1 / sum));
  return g;
}

/** The disk's grid half-size, the alias blur's kernel, the disk value and its per-row half-widths. */
function diskGeometry(radius: number, aliasBlur: number): { half: number; g: Float64Array; value: number; rows: Int32Array } {
  const half = radius <= 8 ? 8 : radius;
  const g = cvGaussianKernel(radius <= 8 ? 3 : 5, aliasBlur);
  // rows[p + radius] = largest q with p^2 + q^2 <= r^2 (integer radii: exact in floating point)
  const rows = new Int32Array(2 * radius + 1);
  let count = 0;
  for (let p = -radius; p <= radius; p++) {
    let q = 0;
    while ((q + 1) * (q + 1) + p * p <= radius * radius) q++;
    rows[p + radius] = q;
    count += 2 * q + 1;
  }
  return { half, g, value: Math.fround(1 / count), rows };
}

/**
 * The reference's disk(radius, alias_blur): the pixels with x^2 + y^2 <= r^2 on a grid of -8..8 (r <= 8) or
 * -r..r, each 1 / count (float32), blurred by cv2.GaussianBlur with a 3x3 (r <= 8) or 5x5 kernel of sigma
 * alias_blur (reflect-101 borders, so mass blurred past the grid comes back in). `round` rounds each stage to
 * float32 as cv2 stores it.
 */
export function defocusKernel(radius: number, aliasBlur: number, round = true): Kernel2d {
  const { half, g, value, rows } = diskGeometry(radius, aliasBlur);
  const size = 2 * half + 1;
  const disk = new Float64Array(size * size);
  for (let p = -radius; p <= radius; p++) {
    const q = rows[p + radius];
    for (let x = -q; x <= q; x++) disk[(p + half) * size + x + half] = value;
  }
  const fr = round ? Math.fround : (v: number): number => v;
  const ks = g.length;
  const r = (ks - 1) >> 1;
  const tmp = new Float64Array(size * size);
  const data = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let i = 0; i < ks; i++) acc += g[i] * disk[y * size + borderIndex(x + i - r, size, 'mirror')];
      tmp[y * size + x] = fr(acc);
    }
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let i = 0; i < ks; i++) acc += g[i] * tmp[borderIndex(y + i - r, size, 'mirror') * size + x];
      data[y * size + x] = fr(acc);
    }
  }
  return { size, data };
}

/** The direct path's plan: disk rows, value and alias blur; padding = grid half-size + alias blur radius. */
interface DefocusPlan {
  radius: number;
  rows: Int32Array;
  value: number;
  g: Float64Array;
  pad: number;
}

const defocusPlans = new Map<number, DefocusPlan>();

function defocusPlan(severity: number): DefocusPlan {
  const s = severityIndex(severity);
  let plan = defocusPlans.get(s);
  if (!plan) {
    const [radius, aliasBlur] = DEFOCUS_BLUR_SEVERITIES[s];
    const { half, g, value, rows } = diskGeometry(radius, aliasBlur);
    plan = { radius, rows, value, g, pad: half + ((g.length - 1) >> 1) };
    defocusPlans.set(s, plan);
  }
  return plan;
}

/**
 * cv2.filter2D(plane, -1, disk) per channel (correlation with the reference's kernel, reflect-101 borders).
 * Small disks (severities 1-3): disk sums from row prefix sums and the separable alias blur. Disks that touch
 * their grid (radius 8 and 10) need 48 and 159 correction taps that way, so they go through the FFT instead.
 */
export function defocusBlur(image: FloatImage, severity: number): FloatImage {
  const [radius] = DEFOCUS_BLUR_SEVERITIES[severityIndex(severity)];
  return radius >= 8 ? defocusBlurFft(image, severity) : defocusBlurDirect(image, severity);
}

/** The smallest FFT length >= `need` of the form 2^a * m, m in {1, 3, 5} (fast paths of fft.ts). */
function fftLength(need: number): number {
  let best = Infinity;
  for (const m of [1, 3, 5]) {
    let n = m;
    while (n < need) n *= 2;
    best = Math.min(best, n);
  }
  return best;
}

/**
 * The real spectrum (NH x (NW / 2 + 1), fft.ts's mask layout) of the defocus kernel centred on (0, 0) and
 * wrapped: the kernel is symmetric in x and in y, so its DFT is real, sum K(y, x) cos(2 pi fy y / NH) cos(2 pi fx x / NW).
 */
const spectra = new FieldCache<Float64Array>(8);
function defocusSpectrum(severity: number, NW: number, NH: number): Float64Array {
  return spectra.get(`${severityIndex(severity)}|${NW}x${NH}`, () => {
    const { size, data: k } = defocusKernel(...DEFOCUS_BLUR_SEVERITIES[severityIndex(severity)]);
    const h = (size - 1) >> 1;
    const half = (NW >> 1) + 1;
    const cosTable = (n: number, count: number): Float64Array => {
      const t = new Float64Array(count * (h + 1));
      for (let f = 0; f < count; f++) for (let d = 0; d <= h; d++) t[f * (h + 1) + d] = Math.cos((2 * Math.PI * ((f * d) % n)) / n);
      return t;
    };
    const cy = cosTable(NH, NH);
    const cx = cosTable(NW, half);
    // a[fy * size + x] = sum_y K(y, x) cos(2 pi fy y / NH)
    const a = new Float64Array(NH * size);
    for (let fy = 0; fy < NH; fy++) {
      for (let y = -h; y <= h; y++) {
        const c = cy[fy * (h + 1) + Math.abs(y)];
        for (let x = 0; x < size; x++) a[fy * size + x] += k[(y + h) * size + x] * c;
      }
    }
    const mask = new Float64Array(NH * half);
    for (let fy = 0; fy < NH; fy++) {
      for (let fx = 0; fx < half; fx++) {
        let acc = 0;
        for (let x = -h; x <= h; x++) acc += a[fy * size + x + h] * cx[fx * (h + 1) + Math.abs(x)];
        mask[fy * half + fx] = acc;
      }
    }
    return mask;
  });
}

/** filter2D with the kernel as a product of spectra, on the plane padded reflect-101 by the kernel's half-size. */
function defocusBlurFft(image: FloatImage, severity: number): FloatImage {
  const [radius] = DEFOCUS_BLUR_SEVERITIES[severityIndex(severity)];
  const h = radius <= 8 ? 8 : radius;
  const { width: W, height: H } = image;
  const n = W * H;
  const NW = fftLength(W + 2 * h);
  const NH = fftLength(H + 2 * h);
  const mask = defocusSpectrum(severity, NW, NH);
  const xIndex = new Int32Array(W + 2 * h);
  for (let x = 0; x < xIndex.length; x++) xIndex[x] = borderIndex(x - h, W, 'mirror');
  const padded = new Float64Array(NW * NH);
  const result = new Float64Array(NW * NH);
  const out = blankLike(image);
  for (let c = 0; c < 3; c++) {
    const src = image.data.subarray(c * n, (c + 1) * n);
    for (let py = 0; py < H + 2 * h; py++) {
      const row = borderIndex(py - h, H, 'mirror') * W;
      for (let px = 0; px < xIndex.length; px++) padded[py * NW + px] = src[row + xIndex[px]];
    }
    fourierFilterPlane(padded, NW, NH, mask, result);
    const dst = out.data.subarray(c * n, (c + 1) * n);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) dst[y * W + x] = result[(y + h) * NW + x + h];
  }
  return out;
}

/**
 * K = (g x g) * D exactly when the blurred disk stays inside its grid (radius <= 6 on -8..8): disk sums D from
 * row prefix sums (2 reads per disk row), then the separable alias blur g.
 */
function defocusBlurDirect(image: FloatImage, severity: number): FloatImage {
  const { radius, rows, value, g, pad: P } = defocusPlan(severity);
  const gr = (g.length - 1) >> 1;
  const { width: W, height: H } = image;
  const n = W * H;
  const PW = W + 2 * P;
  const PH = H + 2 * P;
  // prefix[py * (PW + 1) + px] = sum of the padded row py's first px values
  const prefix = new Float64Array(PH * (PW + 1));
  const xIndex = new Int32Array(PW);
  for (let x = 0; x < PW; x++) xIndex[x] = borderIndex(x - P, W, 'mirror');
  // disk sums S over the image grown by gr (rows sy = y + gr, columns sx = x + gr), then the alias blur.
  const SW = W + 2 * gr;
  const SH = H + 2 * gr;
  const S = new Float64Array(SW * SH);
  const T = new Float64Array(SH * W);
  const out = blankLike(image);
  for (let c = 0; c < 3; c++) {
    const src = image.data.subarray(c * n, (c + 1) * n);
    for (let py = 0; py < PH; py++) {
      const sy = borderIndex(py - P, H, 'mirror') * W;
      const qrow = py * (PW + 1);
      let acc = 0;
      prefix[qrow] = 0;
      for (let px = 0; px < PW; px++) {
        const v = src[sy + xIndex[px]];
        acc += v;
        prefix[qrow + px + 1] = acc;
      }
    }
    S.fill(0);
    for (let p = -radius; p <= radius; p++) {
      const q = rows[p + radius];
      for (let sy = 0; sy < SH; sy++) {
        // padded row of image row (sy - gr) + p; padded column of image column (sx - gr) + offset
        const qrow = (sy - gr + p + P) * (PW + 1) + P - gr;
        const srow = sy * SW;
        for (let sx = 0; sx < SW; sx++) S[srow + sx] += prefix[qrow + sx + q + 1] - prefix[qrow + sx - q];
      }
    }
    for (let sy = 0; sy < SH; sy++) {
      const srow = sy * SW;
      const trow = sy * W;
      for (let x = 0; x < W; x++) {
        let acc = 0;
        for (let b = 0; b < g.length; b++) acc += g[b] * S[srow + x + b];
        T[trow + x] = acc * value;
      }
    }
    const dst = out.data.subarray(c * n, (c + 1) * n);
    const acc = new Float64Array(W);
    for (let y = 0; y < H; y++) {
      acc.fill(0);
      for (let a = 0; a < g.length; a++) {
        const ga = g[a];
        const trow = (y + a) * W;
        for (let x = 0; x < W; x++) acc[x] += ga * T[trow + x];
      }
      dst.set(acc, y * W);
    }
  }
  return out;
}

