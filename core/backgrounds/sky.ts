/** Open sky over a distant ground: a blue gradient paling towards the horizon, soft clouds, green-brown land below. */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, setPixel, smoothstep, TileNoise } from '../textures/raster';

export function skyBackground(seed: number, width: number, height: number): FrameImage {
  const rng = rngFor(seed, 201);
  const clouds = new TileNoise(rng, 3, 6, 5);
  const cover = new TileNoise(rng, 2, 2, 1);
  const land = new TileNoise(rng, 6, 24, 4);
  const image = createImage(width, height);
  const { width: w, height: h } = image;
  const horizon = 0.68 + 0.06 * (rng() - 0.5);
  const aspect = w / h;
  for (let y = 0; y < h; y++) {
    const v = y / h;
    for (let x = 0; x < w; x++) {
      const u = x / w;
      let r: number;
      let g: number;
      let b: number;
      if (v < horizon) {
        const t = v / horizon;
        r = mix(52, 178, t * t);
        g = mix(110, 208, t * t);
        b = mix(196, 236, t);
        // Clouds flatten towards the horizon (perspective): squash the noise vertically there.
        const depth = 1 / (horizon - v + 0.12);
        const c = clouds.at(u * aspect * 0.5, v * 0.5 + depth * 0.05);
        const amount = smoothstep(0.56 - 0.1 * cover.at(u, v), 0.8, c) * smoothstep(0, 0.25, horizon - v + 0.1);
        const lit = 0.86 + 0.14 * (1 - t);
        r = mix(r, 250 * lit, amount);
        g = mix(g, 250 * lit, amount);
        b = mix(b, 252 * lit, amount);
      } else {
        const t = (v - horizon) / (1 - horizon);
        const depth = 1 / (t + 0.08);
        const n = land.at((u - 0.5) * aspect * depth * 0.3, depth * 0.1);
        // Hazy blue-grey at the horizon, greener and darker nearer the viewer.
        const haze = Math.exp(-t * 6);
        r = mix(mix(70, 120, n), 150, haze);
        g = mix(mix(100, 150, n), 172, haze);
        b = mix(mix(42, 70, n), 180, haze);
      }
      setPixel(image, y * w + x, r, g, b);
    }
  }
  return image;
}
