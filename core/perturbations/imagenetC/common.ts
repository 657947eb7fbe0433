/**
 * Helpers shared by the ImageNet-C corruptions (Hendrycks & Dietterich 2019, make_imagenet_c.py, as generalised
 * to any image size by the `imagecorruptions` package): the severity parameter, numpy's arange and rounding,
 * a float64 Gaussian filter with scipy's exact arithmetic, scipy.ndimage.zoom (order 1) for the "clipped zoom",
 * and cv2's RGB -> gray. Pure TypeScript, typed arrays, no per-pixel allocation.
 */
import type { BorderMode } from '../gaussian';
import type { FloatImage, NumberParam, OpParams } from '../types';

/** The one parameter of every ImageNet-C op: severity 1..5 as in the paper (default 3). */
export const SEVERITY_PARAM: NumberParam = {
  name: 'severity',
  label: 'Severity',
  help: 'ImageNet-C severity level, 1 (mild) to 5 (strong), with the reference implementation\'s constants.',
  kind: 'integer',
  min: 1,
  max: 5,
  step: 1,
  default: 3,
};

/** The severity in `params` as a 0-based index into a 5-entry constant table (rounded and clamped, default 3). */
export function severityIndex(params: OpParams | number): number {
  const raw = typeof params === 'number' ? params : params.severity;
  const s = typeof raw === 'number' && Number.isFinite(raw) ? Math.round(raw) : 3;
  return Math.min(5, Math.max(1, s)) - 1;
}

/** numpy.arange(start, stop, step) for floats: length ceil((stop - start) / step), values start + i * delta with
 * delta = (start + step) - start, exactly as numpy fills it. */
export function numpyArange(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i === 0 ? start : i === 1 ? start + step : start + i * delta);
  return out;
}

/** Python's / numpy's round(): to nearest, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A new image with the same size (values filled by the caller). */
export function blankLike(image: FloatImage): FloatImage {
  return { width: image.width, height: image.height, data: new Float32Array(image.data.length) };
}

/**
 * Snaps values that lie within 1e-4 of the 8-bit grid (k / 255) onto it, in float64. Frames reach the ops as
 * float32 copies of 8-bit pixels, while the reference works on uint8 / 255 in float64; ops that quantise an
 * intermediate (glass blur's uint8 step) need the float64 values to truncate the same way. Moves a value by at
 * most 4e-7, and only values that are 8-bit pixels up to float32 rounding.
 */
export function snapTo8Bit(src: Float32Array): Float64Array {
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i] * 255;
    const r = Math.round(v);
    out[i] = Math.abs(v - r) < 1e-4 ? r / 255 : src[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Gaussian filter, float64, with scipy.ndimage's arithmetic (kernel formula, numpy's pairwise sum, and the order in
// which correlate1d adds the symmetric taps), so a quantisation right after it truncates like the reference.

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

const lineBuffers = new Map<number, Float64Array>();
function lineBuffer(n: number): Float64Array {
  let b = lineBuffers.get(n);
  if (!b) {
    b = new Float64Array(n);
    lineBuffers.set(n, b);
  }
  return b;
}

function extendIndex(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'constant':
      return -1;
    case 'reflect': {
      const p = 2 * n;
      let j = ((i % p) + p) % p;
      if (j >= n) j = p - 1 - j;
      return j;
    }
    case 'mirror': {
      if (n === 1) return 0;
      const p = 2 * n - 2;
      let j = ((i % p) + p) % p;
      if (j >= n) j = p - j;
      return j;
    }
  }
}

/** scipy's correlate1d with a symmetric kernel along lines of `n` samples `stride` apart, `count` lines. */
function correlateLines(
  src: ArrayLike<number>,
  dst: Float64Array | Float32Array,
  n: number,
  stride: number,
  lineStarts: Int32Array,
  kernel: Float64Array,
  mode: BorderMode,
): void {
  const r = (kernel.length - 1) >> 1;
  const line = lineBuffer(n + 2 * r);
  const ext = new Int32Array(2 * r);
  for (let i = 0; i < r; i++) {
    ext[i] = extendIndex(i - r, n, mode);
    ext[r + i] = extendIndex(n + i, n, mode);
  }
  const w0 = kernel[r];
  for (const start of lineStarts) {
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

const startsCache = new Map<string, Int32Array>();
function lineStartsFor(count: number, step: number): Int32Array {
  const key = `${count}:${step}`;
  let s = startsCache.get(key);
  if (!s) {
    s = new Int32Array(count);
    for (let i = 0; i < count; i++) s[i] = i * step;
    startsCache.set(key, s);
  }
  return s;
}

/**
 * scipy.ndimage.gaussian_filter(plane, sigma, mode, truncate=4) of one height x width plane in float64 (axis 0,
 * the rows, first). `out` may be given to reuse memory; returns it.
 */
export function gaussianFilterPlane64(
  plane: ArrayLike<number>,
  width: number,
  height: number,
  sigma: number,
  mode: BorderMode = 'nearest',
  out: Float64Array = new Float64Array(width * height),
): Float64Array {
  const kernel = scipyGaussianKernel(sigma);
  if (kernel.length === 1) {
    for (let i = 0; i < width * height; i++) out[i] = plane[i];
    return out;
  }
  const tmp = new Float64Array(width * height);
  correlateLines(plane, tmp, height, width, lineStartsFor(width, 1), kernel, mode);
  correlateLines(tmp, out, width, 1, lineStartsFor(height, width), kernel, mode);
  return out;
}

/**
 * skimage.filters.gaussian(image, sigma, multichannel=True) (mode 'nearest', truncate 4) as a new float image;
 * `source` (default image.data) holds the CHW values to blur, e.g. in float64.
 */
export function gaussianBlurImage(
  image: FloatImage,
  sigma: number,
  source: Float32Array | Float64Array = image.data,
): FloatImage {
  const { width, height } = image;
  const n = width * height;
  const out = blankLike(image);
  const plane = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    gaussianFilterPlane64(source.subarray(c * n, (c + 1) * n), width, height, sigma, 'nearest', plane);
    out.data.set(plane, c * n);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Clipped zoom: imagecorruptions' clipped_zoom(img, z) = scipy.ndimage.zoom(central crop of ceil(n / z), z, order=1)
// (not trimmed back: callers take the top-left window they need).

/** Per output index along one axis: the two source indices and weights scipy's order-1 zoom uses. */
export interface ZoomAxis {
  /** Size of the whole zoomed axis (scipy's output shape: round(crop * z)). */
  fullSize: number;
  i0: Int32Array;
  i1: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

/**
 * The sampling of `count` output positions of clipped_zoom along an axis of `n` pixels: the central crop of
 * ceil(n / z) pixels starting at (n - crop) // 2, zoomed by scipy with output size round(crop * z) and source
 * coordinate o * (crop - 1) / (size - 1); a coordinate past the last pixel (rounding) reads 0 as scipy's
 * mode 'constant' does.
 */
export function clippedZoomAxis(n: number, z: number, count: number): ZoomAxis {
  const crop = Math.ceil(n / z);
  const top = Math.floor((n - crop) / 2);
  const fullSize = roundHalfEven(crop * z);
  const ratio = fullSize - 1 !== 0 ? (crop - 1) / (fullSize - 1) : 1;
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const w0 = new Float64Array(count);
  const w1 = new Float64Array(count);
  for (let o = 0; o < count; o++) {
    const cc = o * ratio;
    if (o >= fullSize || cc > crop - 1) {
      // outside the zoomed image (only when count > fullSize) or past its last pixel: 0
      i0[o] = top;
      i1[o] = top;
      continue;
    }
    const f = Math.floor(cc);
    const t = cc - f;
    i0[o] = top + f;
    i1[o] = top + Math.min(f + 1, crop - 1);
    w0[o] = 1 - t;
    w1[o] = t;
  }
  return { fullSize, i0, i1, w0, w1 };
}

/**
 * Adds (or writes, when `accumulate` is false) the top-left outW x outH window of the clipped zoom of `src`
 * (a srcW x srcH plane) to `dst`, with scipy's order of operations ((v * wy) * wx, corners in C order).
 */
export function clippedZoomPlane(
  src: ArrayLike<number>,
  srcW: number,
  ys: ZoomAxis,
  xs: ZoomAxis,
  dst: Float64Array | Float32Array,
  outW: number,
  outH: number,
  accumulate: boolean,
): void {
  const { i0: xi0, i1: xi1, w0: xw0, w1: xw1 } = xs;
  for (let y = 0; y < outH; y++) {
    const r0 = ys.i0[y] * srcW;
    const r1 = ys.i1[y] * srcW;
    const wy0 = ys.w0[y];
    const wy1 = ys.w1[y];
    const row = y * outW;
    for (let x = 0; x < outW; x++) {
      const a = xi0[x];
      const b = xi1[x];
      const wx0 = xw0[x];
      const wx1 = xw1[x];
      let v = src[r0 + a] * wy0 * wx0;
      v += src[r0 + b] * wy0 * wx1;
      v += src[r1 + a] * wy1 * wx0;
      v += src[r1 + b] * wy1 * wx1;
      if (accumulate) dst[row + x] += v;
      else dst[row + x] = v;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** cv2.cvtColor(RGB2GRAY) of a float image: 0.299 R + 0.587 G + 0.114 B per pixel. */
export function rgbToGray(image: FloatImage): Float32Array {
  const n = image.width * image.height;
  const d = image.data;
  const gray = new Float32Array(n);
  for (let i = 0; i < n; i++) gray[i] = 0.299 * d[i] + 0.587 * d[n + i] + 0.114 * d[2 * n + i];
  return gray;
}
