/**
 * ImageNet-C blurs computed without randoms or with few: defocus, glass and zoom blur, and the held-out Gaussian
 * blur. Glass blur is split into drawing its pixel offsets and a deterministic glassBlurWith (for the tests).
 */
import { borderIndex } from '../gaussian';
import { rngFor } from '../random';
import type { FloatImage, OpContext, OpParams, PerturbationOp } from '../types';
import {
  blankLike,
  clippedZoomAxis,
  clippedZoomPlane,
  gaussianBlurImage,
  gaussianFilterPlane64,
  numpyArange,
  SEVERITY_PARAM,
  severityIndex,
  snapTo8Bit,
} from './common';

// ---- Gaussian blur (held out) ----------------------------------------------------------------------------------

/** Sigma in pixels per severity (gaussian_blur). */
export const GAUSSIAN_BLUR_C_SEVERITIES = [1, 2, 3, 4, 6] as const;

export function gaussianBlurC(image: FloatImage, severity: number): FloatImage {
  return gaussianBlurImage(image, GAUSSIAN_BLUR_C_SEVERITIES[severityIndex(severity)]);
}

// ---- Glass blur ------------------------------------------------------------------------------------------------

/** (sigma, max_delta, iterations) per severity (glass_blur). */
export const GLASS_BLUR_SEVERITIES: readonly (readonly [number, number, number])[] = [
  [0.7, 1, 2],
  [0.9, 2, 1],
  [1, 2, 3],
  [1.1, 3, 2],
  [1.5, 4, 2],
];

/** How many offsets (dx and dy counted separately) glass blur draws for a width x height image. */
export function glassBlurOffsetCount(width: number, height: number, severity: number): number {
  const [, d, iterations] = GLASS_BLUR_SEVERITIES[severityIndex(severity)];
  return iterations * Math.max(0, height - 2 * d) * Math.max(0, width - 2 * d) * 2;
}

/** The reference's draws: per iteration, per pixel (rows and columns from the far end), dx then dy in [-d, d). */
export function drawGlassBlurOffsets(seed: number, severity: number, width: number, height: number): Int8Array {
  const d = GLASS_BLUR_SEVERITIES[severityIndex(severity)][1];
  const rng = rngFor(seed, 0);
  const offsets = new Int8Array(glassBlurOffsetCount(width, height, severity));
  for (let i = 0; i < offsets.length; i++) offsets[i] = rng.int(-d, d);
  return offsets;
}

/**
 * Glass blur given the offsets: Gaussian blur (sigma), quantise to uint8 by truncation, then for each iteration
 * and each pixel (h, w) from (H - d, W - d) down to (d + 1, d + 1), row by row, copy the pixel at
 * (h + dy, w + dx) into (h, w), and blur again. The reference writes this as a tuple swap of numpy views, which
 * only copies (the second pixel keeps its value); we reproduce that.
 */
export function glassBlurWith(image: FloatImage, severity: number, offsets: ArrayLike<number>): FloatImage {
  const [sigma, d, iterations] = GLASS_BLUR_SEVERITIES[severityIndex(severity)];
  const { width: W, height: H } = image;
  const n = W * H;
  const x64 = snapTo8Bit(image.data);
  const q = new Uint8Array(3 * n);
  const plane = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    gaussianFilterPlane64(x64.subarray(c * n, (c + 1) * n), W, H, sigma, 'nearest', plane);
    for (let i = 0; i < n; i++) {
      const v = plane[i] * 255;
      q[c * n + i] = v >= 255 ? 255 : v > 0 ? v : 0; // Uint8Array truncates
    }
  }
  let k = 0;
  const needed = glassBlurOffsetCount(W, H, severity);
  if (offsets.length < needed) throw new Error(`glass blur needs ${needed} offsets, got ${offsets.length}`);
  for (let it = 0; it < iterations; it++) {
    for (let h = H - d; h > d; h--) {
      for (let w = W - d; w > d; w--) {
        const dx = offsets[k++];
        const dy = offsets[k++];
        const to = h * W + w;
        const from = (h + dy) * W + (w + dx);
        q[to] = q[from];
        q[n + to] = q[n + from];
        q[2 * n + to] = q[2 * n + from];
      }
    }
  }
  const q64 = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) q64[i] = q[i] / 255;
  return gaussianBlurImage(image, sigma, q64);
}

// ---- Defocus blur ----------------------------------------------------------------------------------------------

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

/**
 * How defocusBlur correlates with the kernel K fast: K = (g x g) * D + C, where D is the disk (summed per row
 * from prefix sums), g the alias blur (separable), and C a few correction taps: the blurred disk's mass past
 * the grid, which cv2's reflect-101 border folded back in (radius 8 and 10 only).
 */
interface DefocusPlan {
  radius: number;
  rows: Int32Array;
  value: number;
  g: Float64Array;
  /** Padding the image needs on every side: the grid's half-size plus the alias blur's radius. */
  pad: number;
  corr: { dy: Int32Array; dx: Int32Array; w: Float64Array };
}

const defocusPlans = new Map<number, DefocusPlan>();

function defocusPlan(severity: number): DefocusPlan {
  const s = severityIndex(severity);
  const cached = defocusPlans.get(s);
  if (cached) return cached;
  const [radius, aliasBlur] = DEFOCUS_BLUR_SEVERITIES[s];
  const { half, g, value, rows } = diskGeometry(radius, aliasBlur);
  const gr = (g.length - 1) >> 1;
  const k = defocusKernel(radius, aliasBlur, false);
  // (g x g) * D on the grid grown by gr, minus K there: the correction taps.
  const ext = half + gr;
  const dy: number[] = [];
  const dx: number[] = [];
  const w: number[] = [];
  for (let y = -ext; y <= ext; y++) {
    for (let x = -ext; x <= ext; x++) {
      let blurred = 0;
      for (let a = -gr; a <= gr; a++) {
        const p = y + a;
        if (p < -radius || p > radius) continue;
        const q = rows[p + radius];
        for (let b = -gr; b <= gr; b++) if (Math.abs(x + b) <= q) blurred += g[a + gr] * g[b + gr] * value;
      }
      const onGrid = Math.abs(y) <= half && Math.abs(x) <= half;
      const c = (onGrid ? k.data[(y + half) * k.size + x + half] : 0) - blurred;
      if (Math.abs(c) > 1e-12) {
        dy.push(y);
        dx.push(x);
        w.push(c);
      }
    }
  }
  // Drop the smallest correction taps while their total weight stays below 1e-7 (so the result moves by less
  // than 1e-7 for values in [0, 1]): 192 taps become about 70 at severity 5.
  const order = w.map((_, i) => i).sort((a, b) => Math.abs(w[a]) - Math.abs(w[b]));
  let dropped = 0;
  const keep = new Set(order);
  for (const i of order) {
    if (dropped + Math.abs(w[i]) >= 1e-7) break;
    dropped += Math.abs(w[i]);
    keep.delete(i);
  }
  const kept = [...keep].sort((a, b) => a - b);
  const plan: DefocusPlan = {
    radius,
    rows,
    value,
    g,
    pad: ext,
    corr: { dy: Int32Array.from(kept, (i) => dy[i]), dx: Int32Array.from(kept, (i) => dx[i]), w: Float64Array.from(kept, (i) => w[i]) },
  };
  defocusPlans.set(s, plan);
  return plan;
}

/**
 * cv2.filter2D(plane, -1, disk) per channel (correlation with the reference's kernel, reflect-101 borders),
 * computed as disk sums from row prefix sums, the separable alias blur and a few correction taps.
 */
export function defocusBlur(image: FloatImage, severity: number): FloatImage {
  const { radius, rows, value, g, pad: P, corr } = defocusPlan(severity);
  const gr = (g.length - 1) >> 1;
  const { width: W, height: H } = image;
  const n = W * H;
  const PW = W + 2 * P;
  const PH = H + 2 * P;
  // prefix[py * (PW + 1) + px] = sum of the padded row py's first px values
  const prefix = new Float64Array(PH * (PW + 1));
  const pad = new Float64Array(PW * PH);
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
      const prow = py * PW;
      const qrow = py * (PW + 1);
      let acc = 0;
      prefix[qrow] = 0;
      for (let px = 0; px < PW; px++) {
        const v = src[sy + xIndex[px]];
        pad[prow + px] = v;
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
      for (let t = 0; t < corr.w.length; t++) {
        const wt = corr.w[t];
        const base = (y + P + corr.dy[t]) * PW + P + corr.dx[t];
        for (let x = 0; x < W; x++) acc[x] += wt * pad[base + x];
      }
      dst.set(acc, y * W);
    }
  }
  return out;
}

// ---- Zoom blur -------------------------------------------------------------------------------------------------

/** numpy.arange(start, stop, step) of zoom factors per severity (zoom_blur). */
export const ZOOM_BLUR_SEVERITIES: readonly (readonly [number, number, number])[] = [
  [1, 1.11, 0.01],
  [1, 1.16, 0.01],
  [1, 1.21, 0.02],
  [1, 1.26, 0.02],
  [1, 1.31, 0.03],
];

/** The zoom factors of a severity, as numpy.arange makes them (e.g. 1.00 to 1.11 for severity 1). */
export function zoomBlurFactors(severity: number): number[] {
  return numpyArange(...ZOOM_BLUR_SEVERITIES[severityIndex(severity)]);
}

/**
 * (x + sum_z clipped_zoom(x, z)) / (count + 1): each zoom magnifies the centre of the image by z (scipy zoom,
 * order 1) and keeps the top-left width x height of the result, as imagecorruptions does.
 */
export function zoomBlur(image: FloatImage, severity: number): FloatImage {
  const factors = zoomBlurFactors(severity);
  const { width: W, height: H } = image;
  const n = W * H;
  const acc = new Float64Array(3 * n);
  for (const z of factors) {
    const ys = clippedZoomAxis(H, z, H);
    const xs = clippedZoomAxis(W, z, W);
    for (let c = 0; c < 3; c++) {
      clippedZoomPlane(image.data.subarray(c * n, (c + 1) * n), W, ys, xs, acc.subarray(c * n, (c + 1) * n), W, H, true);
    }
  }
  const out = blankLike(image);
  const k = factors.length + 1;
  for (let i = 0; i < 3 * n; i++) out.data[i] = (image.data[i] + acc[i]) / k;
  return out;
}

// ---- Ops ---------------------------------------------------------------------------------------------------------

const AS_GIVEN = 'pixel sizes as given, not scaled with the image size';

export const BLUR_OPS: readonly PerturbationOp[] = [
  {
    id: 'defocusBlur',
    label: 'Defocus blur',
    group: 'imagenet-c blur',
    description: `ImageNet-C defocus blur: convolution with an anti-aliased disk of radius 3 to 10 px (cv2.filter2D, reflect-101 borders) as in make_imagenet_c.py; ${AS_GIVEN}.`,
    params: [SEVERITY_PARAM],
    random: false,
    apply: (image: FloatImage, params: OpParams): FloatImage => defocusBlur(image, severityIndex(params) + 1),
  },
  {
    id: 'glassBlur',
    label: 'Glass blur',
    group: 'imagenet-c blur',
    description: `ImageNet-C glass blur: Gaussian blur (sigma 0.7 to 1.5 px), 8-bit quantisation, 1 to 3 passes of local pixel shuffling (up to 1 to 4 px) and blur again, over the whole image as imagecorruptions does; ${AS_GIVEN}.`,
    params: [SEVERITY_PARAM],
    random: true,
    apply(image: FloatImage, params: OpParams, ctx: OpContext): FloatImage {
      const severity = severityIndex(params) + 1;
      return glassBlurWith(image, severity, drawGlassBlurOffsets(ctx.seed, severity, image.width, image.height));
    },
  },
  {
    id: 'zoomBlur',
    label: 'Zoom blur',
    group: 'imagenet-c blur',
    description: `ImageNet-C zoom blur: the mean of the image and 11 to 16 copies magnified about the centre by up to 1.11 to 1.30 (bilinear, scipy zoom order 1), windowed as imagecorruptions does for any size.`,
    params: [SEVERITY_PARAM],
    random: false,
    apply: (image: FloatImage, params: OpParams): FloatImage => zoomBlur(image, severityIndex(params) + 1),
  },
  {
    id: 'gaussianBlurC',
    label: 'Gaussian blur (ImageNet-C)',
    group: 'imagenet-c held-out',
    description: `ImageNet-C held-out Gaussian blur: skimage gaussian with sigma 1, 2, 3, 4 or 6 px (edge pixels repeated, truncated at 4 sigma); ${AS_GIVEN}.`,
    params: [SEVERITY_PARAM],
    random: false,
    apply: (image: FloatImage, params: OpParams): FloatImage => gaussianBlurC(image, severityIndex(params) + 1),
  },
];
