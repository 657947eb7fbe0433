/**
 * ImageNet-C motion blur: ImageMagick's MotionBlurImage (which make_imagenet_c.py calls through Wand) as
 * imagecorruptions re-implements it in numpy: a one-sided Gaussian line kernel of width 2 * radius + 1,
 * k[i] ~ exp(-i^2 / 2 sigma^2), sampling the pixel at (x + round(i cos a), y + round(i sin a)) (rounding as
 * ceil(t - 0.5)), edge pixels repeated beyond the border.
 */
import { numpySum } from '../gaussian';
import { rngFor } from '../random';
import type { FloatImage, PerturbationOp } from '../types';
import { blankLike, FieldCache, fieldKey, severityIndex, severityOp } from './common';

/** (radius, sigma) per severity, in pixels (not scaled with the image size). */
export const MOTION_BLUR_SEVERITIES: readonly (readonly [number, number])[] = [
  [10, 3],
  [15, 5],
  [15, 8],
  [15, 12],
  [20, 15],
];

/** The taps of a motion blur: weight and (dy, dx) sample offset of each, in the reference's order. */
export interface MotionTaps {
  weights: Float64Array;
  dy: Int32Array;
  dx: Int32Array;
}

/**
 * The kernel of MotionBlurImage(radius, sigma, angle) for a srcW x srcH plane: width 2 * radius + 1, weights
 * exp(-i^2 / (2 sigma^2)) / (sqrt(2 pi) sigma) normalised to sum 1, offsets ceil(i * p / |p| - 0.5) for
 * p = width * (sin a, cos a). Like imagecorruptions, stops at the first offset as large as the plane.
 */
export function motionBlurTaps(radius: number, sigma: number, angleDeg: number, srcW: number, srcH: number): MotionTaps {
  const width = 2 * radius + 1;
  const k = new Float64Array(width);
  for (let i = 0; i < width; i++) k[i] = Math.exp(-(i * i) / (2 * (sigma * sigma))) / (Math.sqrt(2 * Math.PI) * sigma);
  const z = numpySum(k);
  const rad = angleDeg * (Math.PI / 180);
  const p0 = width * Math.sin(rad);
  const p1 = width * Math.cos(rad);
  const hyp = Math.hypot(p0, p1);
  const weights: number[] = [];
  const dy: number[] = [];
  const dx: number[] = [];
  for (let i = 0; i < width; i++) {
    const oy = Math.ceil((i * p0) / hyp - 0.5);
    const ox = Math.ceil((i * p1) / hyp - 0.5);
    if (Math.abs(oy) >= srcH || Math.abs(ox) >= srcW) break;
    weights.push(k[i] / z);
    dy.push(oy);
    dx.push(ox);
  }
  return { weights: Float64Array.from(weights), dy: Int32Array.from(dy), dx: Int32Array.from(dx) };
}

/**
 * dst[y * outW + x] = sum_i w[i] * src[clamp(y + dy[i]), clamp(x + dx[i])] for the top-left outW x outH window
 * of a srcW x srcH plane (float64, taps added in order from 0).
 */
export function motionBlurPlane(
  src: ArrayLike<number>,
  srcW: number,
  srcH: number,
  taps: MotionTaps,
  dst: Float64Array,
  outW: number,
  outH: number,
): void {
  const { weights, dy, dx } = taps;
  const n = weights.length;
  dst.fill(0, 0, outW * outH);
  for (let y = 0; y < outH; y++) {
    const row = y * outW;
    for (let t = 0; t < n; t++) {
      const w = weights[t];
      const ox = dx[t];
      let sy = y + dy[t];
      sy = sy < 0 ? 0 : sy >= srcH ? srcH - 1 : sy;
      const srow = sy * srcW;
      // x + ox < 0 for x < xa; x + ox > srcW - 1 for x >= xb
      const xa = Math.min(outW, Math.max(0, -ox));
      const xb = Math.max(xa, Math.min(outW, srcW - ox));
      const left = src[srow];
      const right = src[srow + srcW - 1];
      let x = 0;
      for (; x < xa; x++) dst[row + x] += w * left;
      const base = srow + ox;
      for (; x < xb; x++) dst[row + x] += w * src[base + x];
      for (; x < outW; x++) dst[row + x] += w * right;
    }
  }
}

/** Motion blur of `image` at `severity` (1..5) along `angleDeg` (the reference draws it uniformly in [-45, 45)). */
export function motionBlurWith(image: FloatImage, severity: number, angleDeg: number): FloatImage {
  const [radius, sigma] = MOTION_BLUR_SEVERITIES[severityIndex(severity)];
  return motionBlurTapsWith(image, motionBlurTaps(radius, sigma, angleDeg, image.width, image.height));
}

/** Motion blur of every plane with precomputed taps. */
function motionBlurTapsWith(image: FloatImage, taps: MotionTaps): FloatImage {
  const { width, height } = image;
  const n = width * height;
  const out = blankLike(image);
  const acc = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    motionBlurPlane(image.data.subarray(c * n, (c + 1) * n), width, height, taps, acc, width, height);
    out.data.set(acc, c * n);
  }
  return out;
}

/** The angle motionBlur draws for `seed`: uniform in [-45, 45) degrees. */
export function drawMotionBlurAngle(seed: number): number {
  return rngFor(seed, 0).range(-45, 45);
}

/** The taps of a step (its angle comes from the seed), computed once per (seed, size, severity). */
const tapsCache = new FieldCache<MotionTaps>();

export const MOTION_BLUR_OP: PerturbationOp = severityOp(
  {
    id: 'motionBlur',
    label: 'Motion blur',
    group: 'imagenet-c blur',
    random: true,
    description:
      'ImageNet-C motion blur: ImageMagick\'s motion blur (a one-sided Gaussian line kernel, radius/sigma 10/3 to 20/15 px) ' +
      'along a random angle in [-45, 45) degrees, computed in float as imagecorruptions does; pixel sizes as given, not scaled with the image.',
  },
  (image, severity, seed) => {
    const { width, height } = image;
    const taps = tapsCache.get(fieldKey(seed, width, height, severity), () => {
      const [radius, sigma] = MOTION_BLUR_SEVERITIES[severityIndex(severity)];
      return motionBlurTaps(radius, sigma, drawMotionBlurAngle(seed), width, height);
    });
    return motionBlurTapsWith(image, taps);
  },
);
