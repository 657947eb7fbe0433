/** Zebra: bold, wavy black and white stripes that fork here and there, tileable. */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, setPixel, smoothstep, TileNoise } from './raster';

const STRIPES = 7;

export function zebraTexture(seed: number, size: number): FrameImage {
  const rng = rngFor(seed, 104);
  const warp = new TileNoise(rng, 2, 2, 3);
  const forks = new TileNoise(rng, 5, 5, 2);
  const image = createImage(size, size);
  const n = image.width;
  // Edges about 1.5 px wide whatever the size, so the stripes stay crisp.
  const edge = Math.min(0.2, 3 / n * STRIPES);
  for (let y = 0; y < n; y++) {
    const v = y / n;
    for (let x = 0; x < n; x++) {
      const u = x / n;
      const phase = u * STRIPES + v + 1.8 * (warp.at(u, v) - 0.5);
      const wave = Math.sin(2 * Math.PI * phase) + 0.7 * (forks.at(u, v) - 0.5);
      const black = smoothstep(-edge, edge, wave);
      setPixel(image, y * n + x, mix(238, 22, black), mix(234, 20, black), mix(226, 22, black));
    }
  }
  return image;
}
