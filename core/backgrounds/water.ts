/** Open water to the horizon: a pale sky, a far shore line, and ripples that widen towards the viewer, reflecting the sky. */
import type { FrameImage } from '../protocol';
import { skyBand } from './skyBand';
import { createImage, mix, rngFor, setPixel, smoothstep, TileNoise } from '../textures/raster';

export function waterBackground(seed: number, width: number, height: number): FrameImage {
  const rng = rngFor(seed, 205);
  const ripples = new TileNoise(rng, 6, 40, 3);
  const swell = new TileNoise(rng, 3, 6, 3);
  const shore = new TileNoise(rng, 10, 1, 3);
  const clouds = new TileNoise(rng, 3, 2, 4);
  const image = createImage(width, height);
  const { width: w, height: h } = image;
  const horizon = 0.42 + 0.06 * (rng() - 0.5);
  const aspect = w / h;
  for (let y = 0; y < h; y++) {
    const v = y / h;
    for (let x = 0; x < w; x++) {
      const u = x / w;
      let r: number;
      let g: number;
      let b: number;
      const land = horizon - 0.015 - 0.035 * shore.at(u * aspect * 0.4, 0);
      if (v < land) {
        [r, g, b] = skyBand(v / horizon, clouds.at(u * aspect * 0.5, v), [100, 150, 215], [200, 218, 236], [0.64, 0.86], [246, 246, 250]);
      } else if (v < horizon) {
        [r, g, b] = [70, 92, 82];
      } else {
        const t = (v - horizon) / (1 - horizon);
        const depth = 1 / (t + 0.03);
        const rip = ripples.at((u * aspect) / depth * 6, depth * 0.5);
        const sw = swell.at((u * aspect) / depth, depth * 0.1);
        // Fresnel: glancing water near the horizon reflects the bright sky; nearer, the deep colour shows.
        const reflect = Math.exp(-t * 3.5);
        const glint = smoothstep(0.62, 0.8, rip) * (0.4 + 0.6 * reflect);
        const k = 0.8 + 0.35 * sw;
        r = mix(22, 170, reflect) * k + 120 * glint;
        g = mix(74, 205, reflect) * k + 120 * glint;
        b = mix(110, 230, reflect) * k + 110 * glint;
        const trough = smoothstep(0.45, 0.2, rip) * 0.25;
        [r, g, b] = [r * (1 - trough), g * (1 - trough), b * (1 - trough)];
      }
      setPixel(image, y * w + x, r, g, b);
    }
  }
  return image;
}
