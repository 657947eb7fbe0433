/** A grass field stretching to a line of distant trees under a sky band; blades get larger nearer the viewer. */
import type { FrameImage } from '../protocol';
import { skyBand } from './skyBand';
import { createImage, mix, rngFor, setPixel, smoothstep, TileNoise } from '../textures/raster';

export function grassBackground(seed: number, width: number, height: number): FrameImage {
  const rng = rngFor(seed, 204);
  const blades = new TileNoise(rng, 64, 8, 2);
  const tufts = new TileNoise(rng, 6, 6, 3);
  const trees = new TileNoise(rng, 12, 1, 3);
  const clouds = new TileNoise(rng, 4, 2, 4);
  const image = createImage(width, height);
  const { width: w, height: h } = image;
  const horizon = 0.3 + 0.05 * rng();
  const aspect = w / h;
  for (let y = 0; y < h; y++) {
    const v = y / h;
    for (let x = 0; x < w; x++) {
      const u = x / w;
      let r: number;
      let g: number;
      let b: number;
      const treeTop = horizon - 0.03 - 0.06 * trees.at(u * aspect * 0.5, 0);
      if (v < treeTop) {
        [r, g, b] = skyBand(v / horizon, clouds.at(u * aspect * 0.5, v), [90, 150, 220], [170, 200, 235], [0.6, 0.84], [245, 245, 248]);
      } else if (v < horizon) {
        const k = 0.8 + 0.3 * tufts.at(u * 8, v * 8);
        [r, g, b] = [44 * k, 70 * k, 44 * k];
      } else {
        // Perspective: the depth of a ground row is 1 / distance below the horizon; blades scale with it.
        const t = (v - horizon) / (1 - horizon);
        const depth = 1 / (t + 0.04);
        // Ground-plane coordinates of the pixel: across (x) and away (z); blades are strands along z.
        const gx = (u - 0.5) * aspect * depth;
        const s = 0.6 * blades.at(gx * 1.5, depth * 0.6) + 0.4 * blades.at(gx * 3.1 + 0.37, depth * 1.3);
        const m = tufts.at(gx * 0.2, depth * 0.12);
        // Far away the blades are finer than a pixel: fade them to their mean instead of aliasing.
        const detail = smoothstep(0, 0.6, t);
        const k = 0.7 + 0.6 * ((s - 0.5) * detail + 0.5) * 0.75 + 0.1 * detail;
        [r, g, b] = [mix(58, 110, m) * k, mix(118, 160, m) * k, mix(36, 52, m) * k];
      }
      setPixel(image, y * w + x, r, g, b);
    }
  }
  return image;
}
