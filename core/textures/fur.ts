/** Dog-like fur: brown and tan patches of fine strands that flow in one direction (along v), tileable. */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, setPixel, smoothstep, TileNoise } from './raster';

export function furTexture(seed: number, size: number): FrameImage {
  const rng = rngFor(seed, 101);
  const patches = new TileNoise(rng, 3, 3, 3);
  const flow = new TileNoise(rng, 3, 3, 2);
  const strands = new TileNoise(rng, 96, 16, 2);
  const fine = new TileNoise(rng, 200, 32, 1);
  const image = createImage(size, size);
  const n = image.width;
  for (let y = 0; y < n; y++) {
    const v = y / n;
    for (let x = 0; x < n; x++) {
      const u = x / n;
      // Strands bend with a slow flow field, like fur combed in waves.
      const uw = u + 0.1 * (flow.at(u, v) - 0.5);
      const s = 0.65 * strands.at(uw, v) + 0.35 * fine.at(uw, v);
      const p = smoothstep(0.38, 0.62, patches.at(u, v));
      const shade = 0.45 + 1.05 * s;
      const r = mix(95, 196, p) * shade;
      const g = mix(58, 146, p) * shade;
      const b = mix(30, 92, p) * shade;
      setPixel(image, y * n + x, r, g, b);
    }
  }
  return image;
}
