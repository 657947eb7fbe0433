/**
 * Thumbnails of dataset examples: the model-input crop scaled to `size` px (Pillow-exact bilinear, core/preprocess),
 * with a neuron's activation map over it: the map (bilinearly upsampled, pixel centres aligned) divided by its own
 * maximum and clamped to [0, 1] gives a per pixel; each channel becomes
 *   round(p * (DIM + (1 - DIM) a) * (1 - TINT a) + 255 * TINT a * hot(a))
 * with hot(a) = (min(1, 3a), clamp(3a - 1), clamp(3a - 2)) (black, red, yellow, white): where the neuron is silent
 * (a = 0) the crop is at 35 % brightness, where it fires most it is at full brightness blended 40 % with the heat
 * colour. PNG data: URLs.
 */
import { PNG } from 'pngjs';
import { resizeRgba } from '../../core/preprocess';
import type { FrameImage } from '../../core/protocol';

export const THUMBNAIL_SIZE = 64;
/** Brightness kept where the neuron is silent. */
export const DIM = 0.35;
/** Share of the heat colour where the neuron fires most. */
export const TINT = 0.4;

export function pngDataUrl(image: FrameImage): string {
  const png = new PNG({ width: image.width, height: image.height });
  png.data.set(image.pixels.subarray(0, image.width * image.height * 4));
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Bilinear sample (pixel centres aligned) of a h x w map at output pixel (x, y) of an out x out grid. */
function sample(map: Float32Array, w: number, h: number, x: number, y: number, out: number): number {
  const fx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / out - 0.5));
  const fy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / out - 0.5));
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const tx = fx - x0;
  const ty = fy - y0;
  const top = map[y0 * w + x0] * (1 - tx) + map[y0 * w + x1] * tx;
  const bottom = map[y1 * w + x0] * (1 - tx) + map[y1 * w + x1] * tx;
  return top * (1 - ty) + bottom * ty;
}

/** The crop at thumbnail size, with `map` (h x w, rows top to bottom) over it when given. */
export function thumbnailImage(crop: FrameImage, map?: { data: Float32Array; width: number; height: number }, size = THUMBNAIL_SIZE): FrameImage {
  const small = crop.width === size && crop.height === size ? { ...crop, pixels: crop.pixels.slice() } : resizeRgba(crop, size, size);
  if (!map || map.data.length === 0) return small;
  let max = 0;
  for (const v of map.data) if (v > max) max = v;
  const px = small.pixels;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = max > 0 ? Math.min(1, Math.max(0, sample(map.data, map.width, map.height, x, y, size) / max)) : 0;
      const hot = [Math.min(1, 3 * a), Math.min(1, Math.max(0, 3 * a - 1)), Math.min(1, Math.max(0, 3 * a - 2))];
      const o = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) {
        const dimmed = px[o + c] * (DIM + (1 - DIM) * a);
        px[o + c] = Math.round(dimmed * (1 - TINT * a) + hot[c] * 255 * TINT * a);
      }
      px[o + 3] = 255;
    }
  }
  return small;
}
