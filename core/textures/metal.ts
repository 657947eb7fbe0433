/** Brushed metal: cool grey with fine streaks along one direction and a faint mottling, tileable. */
import type { FrameImage } from '../protocol';
import { createImage, rngFor, setPixel, TileNoise } from './raster';

export function metalTexture(seed: number, size: number): FrameImage {
  const rng = rngFor(seed, 106);
  const streaks = new TileNoise(rng, 3, 300, 2);
  const long = new TileNoise(rng, 1, 60, 2);
  const mottle = new TileNoise(rng, 2, 2, 3);
  const image = createImage(size, size);
  const n = image.width;
  for (let y = 0; y < n; y++) {
    const v = y / n;
    for (let x = 0; x < n; x++) {
      const u = x / n;
      const k = 0.78 + 0.22 * streaks.at(u, v) + 0.12 * long.at(u, v) + 0.12 * mottle.at(u, v);
      setPixel(image, y * n + x, 150 * k, 156 * k, 164 * k);
    }
  }
  return image;
}
