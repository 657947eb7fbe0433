/**
 * Separable Gaussian filtering with the semantics of scipy.ndimage.gaussian_filter (which skimage.filters.gaussian
 * and the ImageNet-C reference call): kernel radius round(truncate * sigma), weights exp(-x^2 / 2 sigma^2)
 * normalised to sum 1, and scipy's border modes. The one Gaussian module of the perturbations, in two flavours:
 *  - gaussianFilterPlane / gaussianFilter: float64 sums, float32 storage between and after the passes (the
 *    filters and the procedural textures, where the last bit does not matter);
 *  - gaussianFilterPlane64 / gaussianFilter64: float64 throughout with scipy's own arithmetic (kernel formula,
 *    numpy's pairwise sum, the order in which correlate1d adds the symmetric taps), for the ImageNet-C ops whose
 *    reference quantises or thresholds right after the blur.
 */
import type { FloatImage } from './types';

/** scipy.ndimage border modes: reflect = (d c b a | a b c d), mirror = (d c b | a b c d), nearest, wrap, constant 0. */
export type BorderMode = 'reflect' | 'mirror' | 'nearest' | 'wrap' | 'constant';

/** The normalised 1-D kernel scipy uses for `sigma` (length 2 * radius + 1); [1] for sigma <= 0. */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 0)) return Float64Array.of(1);
  const radius = Math.floor(truncate * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp((-0.5 * i * i) / (sigma * sigma));
    kernel[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/** Index into [0, n) for a position outside it under `mode`; -1 means "use 0" (constant mode). */
export function borderIndex(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'constant':
      return -1;
    case 'reflect': {
      if (n === 1) return 0;
      const period = 2 * n;
      let j = ((i % period) + period) % period;
      if (j >= n) j = period - 1 - j;
      return j;
    }
    case 'mirror': {
      if (n === 1) return 0;
      const period = 2 * n - 2;
      let j = ((i % period) + period) % period;
      if (j >= n) j = period - j;
      return j;
    }
  }
}

/** For every position -radius..n+radius-1 of a padded line, the source index under `mode` (-1 = zero). */
function paddedIndices(n: number, radius: number, mode: BorderMode): Int32Array {
  const idx = new Int32Array(n + 2 * radius);
  for (let i = -radius; i < n + radius; i++) idx[i + radius] = borderIndex(i, n, mode);
  return idx;
}

/**
 * Gaussian blur of one plane (height x width, row-major) with separate sigmas per axis, like
 * scipy.ndimage.gaussian_filter(plane, (sigmaY, sigmaX), mode=mode, truncate=truncate). Returns a new array.
 * The kernel is symmetric, so each output sums pairs of taps; the vertical pass works on whole rows so its
 * inner loop runs along memory. Sums are accumulated in float64 and stored as float32.
 */
export function gaussianFilterPlane(
  plane: Float32Array,
  width: number,
  height: number,
  sigmaY: number,
  sigmaX: number,
  mode: BorderMode = 'nearest',
  truncate = 4,
): Float32Array {
  // scipy filters axis 0 (y) first, then axis 1 (x).
  const ky = gaussianKernel1d(sigmaY, truncate);
  const ry = (ky.length - 1) >> 1;
  const tmp = new Float32Array(plane.length);
  if (ry === 0) tmp.set(plane);
  else {
    const rows = paddedIndices(height, ry, mode);
    const acc = new Float64Array(width);
    for (let y = 0; y < height; y++) {
      const centre = y * width;
      const k0 = ky[ry];
      for (let x = 0; x < width; x++) acc[x] = plane[centre + x] * k0;
      for (let j = 1; j <= ry; j++) {
        const k = ky[ry + j];
        const above = rows[y + ry - j];
        const below = rows[y + ry + j];
        const a = above < 0 ? -1 : above * width;
        const b = below < 0 ? -1 : below * width;
        if (a >= 0 && b >= 0) for (let x = 0; x < width; x++) acc[x] += (plane[a + x] + plane[b + x]) * k;
        else if (a >= 0) for (let x = 0; x < width; x++) acc[x] += plane[a + x] * k;
        else if (b >= 0) for (let x = 0; x < width; x++) acc[x] += plane[b + x] * k;
      }
      for (let x = 0; x < width; x++) tmp[centre + x] = acc[x];
    }
  }
  const kx = gaussianKernel1d(sigmaX, truncate);
  const rx = (kx.length - 1) >> 1;
  if (rx === 0) return tmp;
  const out = new Float32Array(plane.length);
  const cols = paddedIndices(width, rx, mode);
  const line = new Float64Array(width + 2 * rx);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let i = 0; i < line.length; i++) {
      const j = cols[i];
      line[i] = j < 0 ? 0 : tmp[row + j];
    }
    const k0 = kx[rx];
    for (let x = 0; x < width; x++) {
      const c = x + rx;
      let sum = line[c] * k0;
      for (let j = 1; j <= rx; j++) sum += (line[c - j] + line[c + j]) * kx[rx + j];
      out[row + x] = sum;
    }
  }
  return out;
}

/** Blurs each colour plane with the same sigma (skimage.filters.gaussian(..., multichannel=True)). */
export function gaussianFilter(image: FloatImage, sigma: number, mode: BorderMode = 'nearest', truncate = 4): FloatImage {
  const { width, height } = image;
  const planeSize = width * height;
  const data = new Float32Array(image.data.length);
  for (let c = 0; c < 3; c++) {
    const plane = image.data.subarray(c * planeSize, (c + 1) * planeSize);
    data.set(gaussianFilterPlane(plane, width, height, sigma, sigma, mode, truncate), c * planeSize);
  }
  return { width, height, data };
}

// ---------------------------------------------------------------------------------------------------------------
// float64 with scipy.ndimage's exact arithmetic.

/** numpy's pairwise sum of a contiguous float64 array (8 accumulators, blocks of 128). */
export function numpySum(a: Float64Array, start = 0, n = a.length): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = n >> 1;
  n2 -= n2 % 8;
  return numpySum(a, start, n2) + numpySum(a, start + n2, n - n2);
}

/** scipy.ndimage._gaussian_kernel1d(sigma, 0, radius) with radius = int(truncate * sigma + 0.5). */
export function scipyGaussianKernel(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 1e-15)) return Float64Array.of(1);
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  const a = -0.5 / (sigma * sigma);
  for (let i = -radius; i <= radius; i++) k[i + radius] = Math.exp(a * (i * i));
  const sum = numpySum(k);
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * scipy's correlate1d with a symmetric kernel along `starts.length` lines of `n` samples `stride` apart. With
 * `fold` and a kernel longer than the line, the taps are first folded onto the line's n samples (cost n, not
 * 2r + 1, per output; same sum up to rounding).
 */
function correlateLines64(
  src: ArrayLike<number>,
  dst: Float64Array,
  n: number,
  stride: number,
  starts: Int32Array,
  kernel: Float64Array,
  mode: BorderMode,
  fold: boolean,
): void {
  const r = (kernel.length - 1) >> 1;
  if (fold && 2 * r + 1 > n) {
    // weights[i * n + j]: total weight of source sample j in output i.
    const weights = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = -r; k <= r; k++) {
        const j = borderIndex(i + k, n, mode);
        if (j >= 0) weights[i * n + j] += kernel[k + r];
      }
    }
    const line = new Float64Array(n);
    for (const start of starts) {
      for (let j = 0; j < n; j++) line[j] = src[start + j * stride];
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += weights[i * n + j] * line[j];
        dst[start + i * stride] = acc;
      }
    }
    return;
  }
  const line = new Float64Array(n + 2 * r);
  const ext = new Int32Array(2 * r);
  for (let i = 0; i < r; i++) {
    ext[i] = borderIndex(i - r, n, mode);
    ext[r + i] = borderIndex(n + i, n, mode);
  }
  const w0 = kernel[r];
  for (const start of starts) {
    for (let i = 0; i < n; i++) line[r + i] = src[start + i * stride];
    for (let i = 0; i < r; i++) {
      line[i] = ext[i] < 0 ? 0 : line[r + ext[i]];
      line[r + n + i] = ext[r + i] < 0 ? 0 : line[r + ext[r + i]];
    }
    for (let i = 0; i < n; i++) {
      const c = i + r;
      let acc = line[c] * w0;
      for (let j = r; j > 0; j--) acc += (line[c - j] + line[c + j]) * kernel[r - j];
      dst[start + i * stride] = acc;
    }
  }
}

function lineStarts(count: number, step: number): Int32Array {
  const s = new Int32Array(count);
  for (let i = 0; i < count; i++) s[i] = i * step;
  return s;
}

export interface Filter64Options {
  /** Kernel radius round(truncate * sigma) (default 4, skimage's and scipy's). */
  truncate?: number;
  /** Fold kernels longer than the image side onto it (faster for huge sigmas; rounding differs slightly). */
  fold?: boolean;
  /** Output array to reuse (length width * height). */
  out?: Float64Array;
}

/**
 * scipy.ndimage.gaussian_filter(plane, sigma, mode, truncate) of one height x width plane in float64, axis 0
 * (the rows) first, with scipy's arithmetic. Returns a new array (or `out`).
 */
export function gaussianFilterPlane64(
  plane: ArrayLike<number>,
  width: number,
  height: number,
  sigma: number,
  mode: BorderMode = 'nearest',
  options: Filter64Options = {},
): Float64Array {
  const { truncate = 4, fold = false, out = new Float64Array(width * height) } = options;
  const kernel = scipyGaussianKernel(sigma, truncate);
  if (kernel.length === 1) {
    for (let i = 0; i < width * height; i++) out[i] = plane[i];
    return out;
  }
  const tmp = new Float64Array(width * height);
  correlateLines64(plane, tmp, height, width, lineStarts(width, 1), kernel, mode, fold);
  correlateLines64(tmp, out, width, 1, lineStarts(height, width), kernel, mode, fold);
  return out;
}

/**
 * skimage.filters.gaussian(image, sigma, multichannel=True) (mode 'nearest', truncate 4) in float64 as a new
 * float image; `source` (default image.data) holds the CHW values to blur, e.g. in float64.
 */
export function gaussianFilter64(image: FloatImage, sigma: number, source: Float32Array | Float64Array = image.data): FloatImage {
  const { width, height } = image;
  const n = width * height;
  const data = new Float32Array(3 * n);
  const plane = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    gaussianFilterPlane64(source.subarray(c * n, (c + 1) * n), width, height, sigma, 'nearest', { out: plane });
    data.set(plane, c * n);
  }
  return { width, height, data };
}
