/**
 * Helpers shared by the ImageNet-C corruptions (Hendrycks & Dietterich 2019, make_imagenet_c.py, as generalised
 * to any image size by the `imagecorruptions` package): the severity parameter and the op declaration, the cache
 * of random fields, numpy's arange and rounding, scipy.ndimage.zoom (order 1) for the "clipped zoom", and cv2's
 * RGB -> gray. The Gaussian filters live in ../gaussian.ts. Pure TypeScript, typed arrays.
 */
import type { FloatImage, NumberParam, OpGroup, OpParams, PerturbationOp } from '../types';

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

/** The severity in `params` (or a number) as an integer 1..5: rounded and clamped, 3 when missing, so apply never throws. */
export function severityOf(params: OpParams | number): number {
  const v = Number(typeof params === 'number' ? params : params.severity);
  if (!Number.isFinite(v)) return 3;
  return Math.min(5, Math.max(1, Math.round(v)));
}

/** The severity as a 0-based index into a 5-entry constant table. */
export function severityIndex(params: OpParams | number): number {
  return severityOf(params) - 1;
}

/** An ImageNet-C op: its one parameter is the severity, `run` gets it as 1..5 with the step's seed. */
export function severityOp(
  info: { id: string; label: string; group: OpGroup; random: boolean; description: string },
  run: (image: FloatImage, severity: number, seed: number) => FloatImage,
): PerturbationOp {
  return {
    ...info,
    params: [SEVERITY_PARAM],
    apply: (image: FloatImage, params: OpParams, ctx): FloatImage => run(image, severityOf(params), ctx.seed),
  };
}

/**
 * Remembers the last few values of a pure function of a string key: the random fields of a step depend only on
 * its seed, the frame size and (for some) the severity, not on the pixels, and the interactive loop applies the
 * same step to every frame, so the fields are drawn once. Least recently used entries go first. Callers must not
 * modify what `get` returns.
 */
export class FieldCache<T> {
  private readonly entries = new Map<string, T>();
  constructor(readonly capacity = 4) {}

  get(key: string, make: () => T): T {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = make();
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The cache key of a random field: seed, frame size and, where the field depends on it, the severity. */
export function fieldKey(seed: number, width: number, height: number, severity?: number): string {
  return severity === undefined ? `${seed}|${width}x${height}` : `${seed}|${width}x${height}|${severity}`;
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
