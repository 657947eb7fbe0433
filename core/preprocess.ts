/** Image -> model input tensor, plus the resize/crop steps that get an arbitrary image to the model's size. */
import type { ModelInputSpec } from './manifestTypes';
import type { FloatImage } from './perturbations/types';
import type { FrameImage } from './protocol';

/** The size check and the folded normalisation both input paths share: per model channel c, its source channel
 * (0 = R, 2 = B) and value = byte * scale[c] + offset[c]; `count` pixels. */
function normalisation(width: number, height: number, input: ModelInputSpec): { count: number; source: number[]; scale: number[]; offset: number[] } {
  if (width !== input.width || height !== input.height) {
    throw new Error(
      `image is ${width}x${height} but model input "${input.name}" expects ${input.width}x${input.height}; resize it first`,
    );
  }
  const [r0, r1] = input.range;
  const scale = [0, 1, 2].map((c) => (r1 - r0) / 255 / input.std[c]);
  const offset = [0, 1, 2].map((c) => (r0 - input.mean[c]) / input.std[c]);
  const bgr = input.channelOrder === 'BGR';
  return { count: width * height, source: [bgr ? 2 : 0, 1, bgr ? 0 : 2], scale, offset };
}

/**
 * RGBA 8-bit rows (top to bottom) -> the model's float input, batch 1, in its layout and channel order:
 * value = ((p / 255) * (range[1] - range[0]) + range[0] - mean[c]) / std[c], where c counts the model's own
 * channels (so a BGR model lists mean/std in BGR order, as Caffe-style recipes do). Alpha is ignored.
 * Runs every frame, so the formula is folded into one multiply-add per value and the image is read once.
 */
export function toModelInput(image: FrameImage, input: ModelInputSpec): Float32Array {
  const { count, source, scale, offset } = normalisation(image.width, image.height, input);
  if (image.pixels.length < count * 4) {
    throw new Error(`image data holds ${image.pixels.length} bytes, expected ${count * 4} for ${image.width}x${image.height} RGBA`);
  }
  const [s0, , s2] = source;
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

/** Pillow's fixed-point precision for 8-bit images (libImaging/Resample.c: 32 - 8 - 2 bits). */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Integer taps of every output sample `o` along one axis: `size[o]` weights for the sources from `start[o]` on. */
interface Taps {
  start: Int32Array;
  size: Int32Array;
  /** Output `o`'s weights start at `o * stride`. */
  weights: Int32Array;
  stride: number;
}

/**
 * Pillow's BILINEAR taps for one axis (libImaging/Resample.c precompute_coeffs + normalize_coeffs_8bpc): half-pixel
 * centres, a triangle kernel widened by the scale factor when shrinking (so downscaling averages instead of
 * aliasing, like torchvision on PIL images; when enlarging it is TF's half_pixel_centers bilinear), weights
 * renormalised at the borders, then rounded to 22-bit fixed point.
 */
function axisTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the bilinear kernel's support is 1
  const ss = 1 / filterScale; // Pillow multiplies by the reciprocal; dividing can differ in the last bit
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const size = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const w = new Float64Array(stride);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    // C's (int) cast truncates; both bounds are >= -0.5 + 0.5 here, so Math.trunc matches.
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const n = Math.min(inSize, Math.trunc(centre + support + 0.5)) - lo;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const x = Math.abs((lo + j - centre + 0.5) * ss);
      w[j] = x < 1 ? 1 - x : 0;
      sum += w[j];
    }
    for (let j = 0; j < n; j++) weights[o * stride + j] = Math.trunc(0.5 + (sum !== 0 ? w[j] / sum : w[j]) * ONE);
    start[o] = lo;
    size[o] = n;
  }
  return { start, size, weights, stride };
}

/** Pillow's clip8: a fixed-point sum (with its rounding half already added) back to a byte. */
function clip8(v: number): number {
  if (v >= ONE * 256) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/** One separable pass over RGBA bytes: `horizontal` resamples rows (x), else columns (y). */
function resamplePass(src: Uint8Array, srcWidth: number, outWidth: number, outHeight: number, taps: Taps, horizontal: boolean): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight * 4);
  const { start, size, weights, stride } = taps;
  // Bytes between the source samples of successive taps.
  const step = horizontal ? 4 : srcWidth * 4;
  for (let y = 0, d = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++, d += 4) {
      const o = horizontal ? x : y;
      const k0 = o * stride;
      const n = size[o];
      let s = horizontal ? (y * srcWidth + start[o]) * 4 : (start[o] * srcWidth + x) * 4;
      let r = HALF, g = HALF, b = HALF, a = HALF;
      for (let j = 0; j < n; j++, s += step) {
        const k = weights[k0 + j];
        r += src[s] * k;
        g += src[s + 1] * k;
        b += src[s + 2] * k;
        a += src[s + 3] * k;
      }
      out[d] = clip8(r);
      out[d + 1] = clip8(g);
      out[d + 2] = clip8(b);
      out[d + 3] = clip8(a);
    }
  }
  return out;
}

/**
 * Bilinear resize of an RGBA image, bit for bit Pillow's `Image.resize(size, BILINEAR)` on 8-bit bands (Pillow
 * 9.x, libImaging/Resample.c): separable, rows first (rounded to bytes), then columns, with 22-bit fixed-point
 * taps; an axis whose size does not change is not resampled. All four channels are filtered alike (frames are
 * opaque; Pillow would premultiply a translucent RGBA image's alpha). This is the resize the torchvision/PIL
 * recipes, and the reference numbers of ../shared/models/README.md, were made with.
 */
export function resizeRgba(image: FrameImage, width: number, height: number): FrameImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`cannot resize to ${width}x${height}`);
  }
  const { width: sw, height: sh, pixels } = image;
  if (sw === width && sh === height) return { width, height, pixels: pixels.slice(0, width * height * 4) };
  const rows = sw === width ? pixels.subarray(0, sw * sh * 4) : resamplePass(pixels, sw, width, sh, axisTaps(sw, width), true);
  const out = sh === height ? rows.slice() : resamplePass(rows, width, width, height, axisTaps(sh, height), false);
  return { width, height, pixels: out };
}

/**
 * A CHW float image in [0, 1] (a perturbed frame, core/perturbations) -> the model's input, with exactly
 * toModelInput's normalisation: value = (v * (range[1] - range[0]) + range[0] - mean[c]) / std[c], in the model's
 * layout and channel order. For v = p / 255 it gives what toModelInput gives for the byte p.
 */
export function floatToModelInput(image: FloatImage, input: ModelInputSpec): Float32Array {
  const { count, source, scale: byteScale, offset } = normalisation(image.width, image.height, input);
  if (image.data.length < count * 3) {
    throw new Error(`image data holds ${image.data.length} values, expected ${count * 3} for ${image.width}x${image.height}x3`);
  }
  // The byte path folds 1/255 into the scale; multiplying it back by 255 keeps the two paths equal for v = p / 255.
  const scale = byteScale.map((v) => v * 255);
  const planes = source.map((p) => image.data.subarray(p * count, (p + 1) * count));
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
