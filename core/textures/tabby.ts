/** Tabby cat fur: grey-brown with dark, wavy, broken mackerel stripes across it, tileable. */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, setPixel, smoothstep, TileNoise } from './raster';

/** Stripes per tile (an integer keeps the texture tileable). */
const STRIPES = 9;

export function tabbyTexture(seed: number, size: number): FrameImage {
  const rng = rngFor(seed, 102);
  const warp = new TileNoise(rng, 2, 3, 3);
  const breakup = new TileNoise(rng, 10, 14, 2);
  const ticking = new TileNoise(rng, 160, 160, 1);
  const tone = new TileNoise(rng, 3, 3, 2);
  const strands = new TileNoise(rng, 140, 18, 2);
  const image = createImage(size, size);
  const n = image.width;
  for (let y = 0; y < n; y++) {
    const v = y / n;
    for (let x = 0; x < n; x++) {
      const u = x / n;
      const phase = u * STRIPES + 1.6 * (warp.at(u, v) - 0.5);
      const wave = 0.5 + 0.5 * Math.cos(2 * Math.PI * phase);
      const dark = smoothstep(0.6, 0.8, wave + 0.7 * (breakup.at(u, v) - 0.5));
      const s = strands.at(u, v);
      const light = tone.at(u, v);
      // Between the stripes: warm grey-brown ("agouti"); in them: near-black brown.
      const baseR = mix(128, 176, light);
      const baseG = mix(112, 152, light);
      const baseB = mix(92, 120, light);
      // Agouti ticking: each hair banded light and dark, a fine salt-and-pepper over the strands.
      const shade = (0.72 + 0.5 * s) * (0.82 + 0.36 * ticking.at(u, v));
      setPixel(image, y * n + x, mix(baseR, 52, dark) * shade, mix(baseG, 44, dark) * shade, mix(baseB, 36, dark) * shade);
    }
  }
  return image;
}
