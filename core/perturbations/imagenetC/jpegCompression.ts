/**
 * ImageNet-C JPEG compression: PIL's `save(..., 'JPEG', quality=q)` + decode at the reference's quality per
 * severity, reproduced by jpegLibjpeg.ts (libjpeg's islow DCTs, quality-scaled standard tables, 4:2:0 chroma with
 * fancy upsampling, as PIL's defaults). Bit-exact with PIL 9.4 / libjpeg-turbo on the test image.
 */
import type { FloatImage } from '../types';
import { libjpegRoundTrip } from './jpegLibjpeg';

export const JPEG_QUALITY = [25, 18, 15, 10, 7] as const;

/** Quantises to 8 bits (round), JPEG round trip at `quality` (4:2:0 unless `subsample420` is false). */
export function jpegRoundTrip(image: FloatImage, quality: number, subsample420 = true): FloatImage {
  const { width, height } = image;
  const n = width * height;
  const src = image.data;
  const rgb = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = src[c * n + i];
      rgb[3 * i + c] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    }
  }
  const d = libjpegRoundTrip(rgb, width, height, quality, subsample420);
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[i] = d[3 * i] / 255;
    out[i + n] = d[3 * i + 1] / 255;
    out[i + 2 * n] = d[3 * i + 2] / 255;
  }
  return { width, height, data: out };
}
