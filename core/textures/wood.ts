/** Wood: flat-sawn growth rings (dark late wood, light early wood) bent by the grain, with fine fibres, tileable. */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, setPixel, TileNoise } from './raster';

const RINGS = 7;

export function woodTexture(seed: number, size: number): FrameImage {
  const rng = rngFor(seed, 105);
  const warp = new TileNoise(rng, 1, 2, 4, 0.45);
  const fibres = new TileNoise(rng, 6, 180, 2);
  const tone = new TileNoise(rng, 2, 2, 2);
  const image = createImage(size, size);
  const n = image.width;
  for (let y = 0; y < n; y++) {
    const v = y / n;
    for (let x = 0; x < n; x++) {
      const u = x / n;
      const phase = v * RINGS + 2.2 * warp.at(u, v);
      const ring = phase - Math.floor(phase);
      // Early wood fades slowly into a thin band of dark late wood.
      const late = ring ** 5;
      const f = fibres.at(u, v);
      const t = tone.at(u, v);
      const dark = Math.min(1, late * 0.85 + (f - 0.5) * 0.35 + 0.15);
      setPixel(image, y * n + x, mix(mix(206, 222, t), 128, dark), mix(mix(154, 170, t), 78, dark), mix(mix(98, 112, t), 42, dark));
    }
  }
  return image;
}
