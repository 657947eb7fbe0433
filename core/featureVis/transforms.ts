/**
 * Transformation robustness (Lucid's `transform.standard_transforms`): every step the image is padded by 12 px of
 * grey (0.5), jittered (a random crop 8 px smaller), scaled by a random factor from 0.9 ... 1.1 (11 values),
 * rotated by a random angle from -10 ... 10 degrees (0 five times more likely), jittered again by 4 px, and resized
 * to the model's input size. The draws are seeded per step and shared by the batch (like Lucid's, which transform
 * the batch tensor as one).
 *
 * Each transform is an affine map from output pixel coordinates to input pixel coordinates (pixel centres at
 * integers; resizes use half-pixel centres); they are composed into ONE bilinear resampling of the image, with grey
 * wherever the sample falls outside it. Lucid resamples after each transform (TF1's resize_bilinear, nearest-
 * neighbour rotation with black corners); one resampling blurs less, and all the grey regions are the pad colour.
 * The adjoint of bilinear sampling scatters the gradient back with the same weights.
 */
import type { Rng } from '../perturbations/random';

/** x' = a x + b y + c, y' = d x + e y + f: [a, b, c, d, e, f] (output -> input coordinates). */
export type Affine = readonly [number, number, number, number, number, number];

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** p ∘ q: first q (output -> intermediate), then p (intermediate -> input). */
export function compose(p: Affine, q: Affine): Affine {
  const [a, b, c, d, e, f] = p;
  const [A, B, C, D, E, F] = q;
  return [a * A + b * D, a * B + b * E, a * C + b * F + c, d * A + e * D, d * B + e * E, d * C + e * F + f];
}

export const translate = (dx: number, dy: number): Affine => [1, 0, dx, 0, 1, dy];

/** Resize (half-pixel centres) from an input of inW x inH to an output of outW x outH. */
export function resizeMap(inW: number, inH: number, outW: number, outH: number): Affine {
  const sx = inW / outW;
  const sy = inH / outH;
  return [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5];
}

/** Rotation by `degrees` about the centre of a size x size image (same size in and out). */
export function rotateMap(degrees: number, size: number): Affine {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const c = (size - 1) / 2;
  return [cos, sin, c - cos * c - sin * c, -sin, cos, c + sin * c - cos * c];
}

/** Lucid's lists: scales 1 + (i - 5) / 50, i = 0..10; angles -10..10 and five more zeros. */
export const STANDARD_SCALES: readonly number[] = Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50);
export const STANDARD_ANGLES: readonly number[] = [...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0];
export const STANDARD_PAD = 12;
export const STANDARD_JITTER = 8;
export const STANDARD_FINAL_JITTER = 4;

export interface TransformDraw {
  /** Offsets of the first and second crops (0..jitter). */
  jitter1: [number, number];
  scale: number;
  angle: number;
  jitter2: [number, number];
}

/** One step's random draws. */
export function drawStandard(rng: Rng): TransformDraw {
  const pick = <T>(list: readonly T[]): T => list[rng.int(0, list.length)];
  return {
    jitter1: [rng.int(0, STANDARD_JITTER + 1), rng.int(0, STANDARD_JITTER + 1)],
    scale: pick(STANDARD_SCALES),
    angle: pick(STANDARD_ANGLES),
    jitter2: [rng.int(0, STANDARD_FINAL_JITTER + 1), rng.int(0, STANDARD_FINAL_JITTER + 1)],
  };
}

/**
 * The composed map (model-input pixel -> image pixel) for a size x size image: pad, crop, scale (to
 * floor(scale x side), like Lucid), rotate, crop, resize to outW x outH. Without a draw: just the resize.
 */
export function standardMap(draw: TransformDraw | undefined, size: number, outW: number, outH: number): Affine {
  if (!draw) return resizeMap(size, size, outW, outH);
  const padded = size + 2 * STANDARD_PAD;
  const cropped = padded - STANDARD_JITTER;
  const scaled = Math.max(STANDARD_FINAL_JITTER + 1, Math.floor(draw.scale * cropped));
  const final = scaled - STANDARD_FINAL_JITTER;
  // Output -> input, innermost (the last transform) first.
  let m = resizeMap(final, final, outW, outH);
  m = compose(translate(draw.jitter2[0], draw.jitter2[1]), m);
  m = compose(rotateMap(draw.angle, scaled), m);
  m = compose(resizeMap(cropped, cropped, scaled, scaled), m);
  m = compose(translate(draw.jitter1[0], draw.jitter1[1]), m);
  return compose(translate(-STANDARD_PAD, -STANDARD_PAD), m);
}

/**
 * Bilinear sampling of `channels` planes (src: channels x inH x inW) at the points `m` maps the output pixels to;
 * neighbours outside the input read `fill`. out: channels x outH x outW.
 */
export function sampleAffine(
  src: ArrayLike<number>, channels: number, inW: number, inH: number,
  m: Affine, outW: number, outH: number, fill: number, out: Float32Array | Float64Array,
): void {
  const inPlane = inW * inH;
  const outPlane = outW * outH;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const sx = m[0] * x + m[1] * y + m[2];
      const sy = m[3] * x + m[4] * y + m[5];
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const inX0 = x0 >= 0 && x0 < inW;
      const inX1 = x0 + 1 >= 0 && x0 + 1 < inW;
      const inY0 = y0 >= 0 && y0 < inH;
      const inY1 = y0 + 1 >= 0 && y0 + 1 < inH;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const o = y * outW + x;
      for (let c = 0; c < channels; c++) {
        const base = c * inPlane + y0 * inW + x0;
        const v00 = inY0 && inX0 ? src[base] : fill;
        const v01 = inY0 && inX1 ? src[base + 1] : fill;
        const v10 = inY1 && inX0 ? src[base + inW] : fill;
        const v11 = inY1 && inX1 ? src[base + inW + 1] : fill;
        out[c * outPlane + o] = w00 * v00 + w01 * v01 + w10 * v10 + w11 * v11;
      }
    }
  }
}

/** The adjoint of sampleAffine in `src` (the fill gets no gradient): scatters `g` (channels x outH x outW), adding into `out`. */
export function sampleAffineBackward(
  g: ArrayLike<number>, channels: number, inW: number, inH: number,
  m: Affine, outW: number, outH: number, out: Float32Array | Float64Array,
): void {
  const inPlane = inW * inH;
  const outPlane = outW * outH;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const sx = m[0] * x + m[1] * y + m[2];
      const sy = m[3] * x + m[4] * y + m[5];
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const inX0 = x0 >= 0 && x0 < inW;
      const inX1 = x0 + 1 >= 0 && x0 + 1 < inW;
      const inY0 = y0 >= 0 && y0 < inH;
      const inY1 = y0 + 1 >= 0 && y0 + 1 < inH;
      const o = y * outW + x;
      for (let c = 0; c < channels; c++) {
        const v = g[c * outPlane + o];
        if (v === 0) continue;
        const base = c * inPlane + y0 * inW + x0;
        if (inY0 && inX0) out[base] += (1 - fx) * (1 - fy) * v;
        if (inY0 && inX1) out[base + 1] += fx * (1 - fy) * v;
        if (inY1 && inX0) out[base + inW] += (1 - fx) * fy * v;
        if (inY1 && inX1) out[base + inW + 1] += fx * fy * v;
      }
    }
  }
}
