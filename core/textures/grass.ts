/** Grass seen from above: many thin blades of varied greens over dark soil, drawn with wrap-around (tileable). */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, TileNoise, wrap } from './raster';

export function grassTexture(seed: number, size: number): FrameImage {
  const rng = rngFor(seed, 108);
  const image = createImage(size, size);
  const n = image.width;
  const px = image.pixels;
  const soil = new TileNoise(rng, 16, 16, 2);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const s = soil.at(x / n, y / n);
      const o = (y * n + x) * 4;
      px[o] = 34 + 30 * s;
      px[o + 1] = 52 + 40 * s;
      px[o + 2] = 20 + 16 * s;
    }
  }
  const patch = new TileNoise(rng, 4, 4, 2);
  // Blades in random order: seen from above no blade is nearer, and any order by position would leave a seam
  // where the tile wraps.
  const count = Math.round((n * n) / 9);
  for (let i = 0; i < count; i++) {
    const by = rng() * n;
    const bx = rng() * n;
    const length = n * (0.035 + 0.055 * rng());
    const lean = (rng() - 0.5) * 0.7;
    const bend = (rng() - 0.5) * 0.6;
    const width = Math.max(1, n * (0.004 + 0.006 * rng()));
    const dry = patch.at(bx / n, by / n);
    const lightness = rng();
    const r0 = mix(mix(40, 110, lightness), 150, dry * 0.5);
    const g0 = mix(95, 175, lightness);
    const b0 = mix(28, 60, lightness);
    const steps = Math.ceil(length);
    for (let s = 0; s < steps; s++) {
      const t = s / steps;
      const angle = lean + bend * t;
      const cx = bx + Math.sin(angle) * s;
      const cy = Math.round(by - Math.cos(angle) * s);
      const half = (width * (1 - t)) / 2;
      const shade = 0.6 + 0.55 * t;
      const row = wrap(cy, n) * n;
      for (let x = Math.round(cx - half); x <= Math.round(cx + half); x++) {
        const o = (row + wrap(x, n)) * 4;
        px[o] = Math.min(255, r0 * shade);
        px[o + 1] = Math.min(255, g0 * shade);
        px[o + 2] = Math.min(255, b0 * shade);
      }
    }
  }
  return image;
}
