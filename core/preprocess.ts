/** Image -> model input tensor, plus the resize/crop steps that get an arbitrary image to the model's size. */
import type { ModelInputSpec } from './manifestTypes';
import type { FloatImage } from './perturbations/types';
import type { FrameImage } from './protocol';

/**
 * RGBA 8-bit rows (top to bottom) -> the model's float input, batch 1, in its layout and channel order:
 * value = ((p / 255) * (range[1] - range[0]) + range[0] - mean[c]) / std[c], where c counts the model's own
 * channels (so a BGR model lists mean/std in BGR order, as Caffe-style recipes do). Alpha is ignored.
 * Runs every frame, so the formula is folded into one multiply-add per value and the image is read once.
 */
export function toModelInput(image: FrameImage, input: ModelInputSpec): Float32Array {
  const { width, height } = input;
  if (image.width !== width || image.height !== height) {
    throw new Error(
      `image is ${image.width}x${image.height} but model input "${input.name}" expects ${width}x${height}; resize it first`,
    );
  }
  const count = width * height;
  if (image.pixels.length < count * 4) {
    throw new Error(`image data holds ${image.pixels.length} bytes, expected ${count * 4} for ${width}x${height} RGBA`);
  }
  const [r0, r1] = input.range;
  const scale = new Float64Array(3);
  const offset = new Float64Array(3);
  for (let c = 0; c < 3; c++) {
    scale[c] = (r1 - r0) / 255 / input.std[c];
    offset[c] = (r0 - input.mean[c]) / input.std[c];
  }
  // Source byte (0 = R, 2 = B) of each model channel.
  const bgr = input.channelOrder === 'BGR';
  const s0 = bgr ? 2 : 0;
  const s2 = bgr ? 0 : 2;
  const sc0 = scale[0], sc1 = scale[1], sc2 = scale[2];
  const of0 = offset[0], of1 = offset[1], of2 = offset[2];
  const px = image.pixels;
  const out = new Float32Array(count * 3);
  if (input.layout === 'NCHW') {
    const plane1 = count;
    const plane2 = count * 2;
    for (let i = 0, p = 0; i < count; i++, p += 4) {
      out[i] = px[p + s0] * sc0 + of0;
      out[plane1 + i] = px[p + 1] * sc1 + of1;
      out[plane2 + i] = px[p + s2] * sc2 + of2;
    }
  } else {
    for (let i = 0, p = 0, o = 0; i < count; i++, p += 4, o += 3) {
      out[o] = px[p + s0] * sc0 + of0;
      out[o + 1] = px[p + 1] * sc1 + of1;
      out[o + 2] = px[p + s2] * sc2 + of2;
    }
  }
  return out;
}

/** Contributions of source samples to one output sample along one axis. */
interface Taps {
  start: number;
  weights: Float64Array;
}

/**
 * Resampling taps for one axis, as PIL's bilinear filter computes them: half-pixel centres, a triangle kernel,
 * widened by the scale factor when shrinking (so downscaling averages instead of aliasing, like PIL and
 * torchvision on PIL images; when enlarging it is exactly TF's half_pixel_centers bilinear), and weights
 * renormalised at the borders (the same as clamping the coordinate).
 */
function axisTaps(inSize: number, outSize: number): Taps[] {
  const scale = inSize / outSize;
  const support = Math.max(scale, 1);
  const taps: Taps[] = [];
  for (let x = 0; x < outSize; x++) {
    const centre = (x + 0.5) * scale;
    const start = Math.max(0, Math.floor(centre - support + 0.5));
    const end = Math.min(inSize, Math.floor(centre + support + 0.5));
    const weights = new Float64Array(Math.max(0, end - start));
    let sum = 0;
    for (let j = 0; j < weights.length; j++) {
      const w = Math.max(0, 1 - Math.abs((start + j - centre + 0.5) / support));
      weights[j] = w;
      sum += w;
    }
    if (sum > 0) for (let j = 0; j < weights.length; j++) weights[j] /= sum;
    taps.push({ start, weights });
  }
  return taps;
}

/**
 * Bilinear resize of an RGBA image (all four channels filtered alike; frames are opaque). Separable: rows first
 * into a float buffer, then columns, rounding once at the end.
 */
export function resizeRgba(image: FrameImage, width: number, height: number): FrameImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`cannot resize to ${width}x${height}`);
  }
  const { width: sw, height: sh, pixels } = image;
  if (sw === width && sh === height) return { width, height, pixels: pixels.slice(0, width * height * 4) };
  const xTaps = axisTaps(sw, width);
  const yTaps = axisTaps(sh, height);
  const rows = new Float32Array(width * sh * 4);
  for (let y = 0; y < sh; y++) {
    const srcRow = y * sw * 4;
    const dstRow = y * width * 4;
    for (let x = 0; x < width; x++) {
      const { start, weights } = xTaps[x];
      let r = 0, g = 0, b = 0, a = 0;
      for (let j = 0, s = srcRow + start * 4; j < weights.length; j++, s += 4) {
        const w = weights[j];
        r += pixels[s] * w;
        g += pixels[s + 1] * w;
        b += pixels[s + 2] * w;
        a += pixels[s + 3] * w;
      }
      const d = dstRow + x * 4;
      rows[d] = r;
      rows[d + 1] = g;
      rows[d + 2] = b;
      rows[d + 3] = a;
    }
  }
  // Uint8ClampedArray rounds half to even and clamps; plain Uint8Array would truncate.
  const out = new Uint8ClampedArray(width * height * 4);
  const stride = width * 4;
  for (let y = 0; y < height; y++) {
    const { start, weights } = yTaps[y];
    const dstRow = y * stride;
    for (let i = 0; i < stride; i++) {
      let v = 0;
      for (let j = 0, s = (start * width * 4) + i; j < weights.length; j++, s += stride) v += rows[s] * weights[j];
      out[dstRow + i] = v;
    }
  }
  return { width, height, pixels: new Uint8Array(out.buffer) };
}

/** The largest centred square (odd leftovers go to the right/bottom), as the usual centre-crop recipes take it. */
export function centerCropSquare(image: FrameImage): FrameImage {
  const side = Math.min(image.width, image.height);
  const x0 = Math.floor((image.width - side) / 2);
  const y0 = Math.floor((image.height - side) / 2);
  if (side === image.width && side === image.height) {
    return { width: side, height: side, pixels: image.pixels.slice(0, side * side * 4) };
  }
  const pixels = new Uint8Array(side * side * 4);
  for (let y = 0; y < side; y++) {
    const src = ((y0 + y) * image.width + x0) * 4;
    pixels.set(image.pixels.subarray(src, src + side * 4), y * side * 4);
  }
  return { width: side, height: side, pixels };
}

/**
 * A CHW float image in [0, 1] (a perturbed frame, core/perturbations) -> the model's input, with exactly
 * toModelInput's normalisation: value = (v * (range[1] - range[0]) + range[0] - mean[c]) / std[c], in the model's
 * layout and channel order. For v = p / 255 it gives what toModelInput gives for the byte p.
 */
export function floatToModelInput(image: FloatImage, input: ModelInputSpec): Float32Array {
  const { width, height } = input;
  if (image.width !== width || image.height !== height) {
    throw new Error(
      `image is ${image.width}x${image.height} but model input "${input.name}" expects ${width}x${height}; resize it first`,
    );
  }
  const count = width * height;
  if (image.data.length < count * 3) {
    throw new Error(`image data holds ${image.data.length} values, expected ${count * 3} for ${width}x${height}x3`);
  }
  const [r0, r1] = input.range;
  // toModelInput folds 1/255 into the scale; folding the same way (then multiplying by 255) keeps the two equal.
  const scale = new Float64Array(3);
  const offset = new Float64Array(3);
  for (let c = 0; c < 3; c++) {
    scale[c] = ((r1 - r0) / 255 / input.std[c]) * 255;
    offset[c] = (r0 - input.mean[c]) / input.std[c];
  }
  const bgr = input.channelOrder === 'BGR';
  // Source plane (0 = R, 2 = B) of each model channel.
  const planes = [bgr ? 2 : 0, 1, bgr ? 0 : 2].map((p) => image.data.subarray(p * count, (p + 1) * count));
  const out = new Float32Array(count * 3);
  for (let c = 0; c < 3; c++) {
    const src = planes[c];
    const sc = scale[c];
    const of = offset[c];
    if (input.layout === 'NCHW') {
      const base = c * count;
      for (let i = 0; i < count; i++) out[base + i] = src[i] * sc + of;
    } else {
      for (let i = 0, o = c; i < count; i++, o += 3) out[o] = src[i] * sc + of;
    }
  }
  return out;
}
