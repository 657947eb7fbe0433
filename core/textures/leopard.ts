/** Leopard coat: golden fur with dark rosettes (broken rings around a darker orange centre) and small spots, tileable. */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, setPixel, smoothstep, TileNoise, wrap } from './raster';

/** Rosette cells per tile side (integer: tileable). */
const CELLS = 5;

export function leopardTexture(seed: number, size: number): FrameImage {
  const rng = rngFor(seed, 103);
  const px = new Float32Array(CELLS * CELLS);
  const py = new Float32Array(CELLS * CELLS);
  const radius = new Float32Array(CELLS * CELLS);
  const solid = new Uint8Array(CELLS * CELLS);
  for (let i = 0; i < px.length; i++) {
    px[i] = 0.2 + 0.6 * rng();
    py[i] = 0.2 + 0.6 * rng();
    radius[i] = 0.2 + 0.1 * rng();
    solid[i] = rng() < 0.15 ? 1 : 0;
  }
  const warp = new TileNoise(rng, 8, 8, 2);
  const gaps = new TileNoise(rng, 24, 24, 1);
  const tone = new TileNoise(rng, 3, 3, 2);
  const hair = new TileNoise(rng, 160, 12, 1);
  const image = createImage(size, size);
  const n = image.width;
  for (let y = 0; y < n; y++) {
    const v = y / n;
    for (let x = 0; x < n; x++) {
      const u = x / n;
      // Irregular outlines: look up the cells at a warped position.
      const cx = (u + 0.035 * (warp.at(u, v) - 0.5)) * CELLS;
      const cy = (v + 0.035 * (warp.at(v, u) - 0.5)) * CELLS;
      const ix = Math.floor(cx);
      const iy = Math.floor(cy);
      let best = 9;
      let bestCell = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const cell = wrap(iy + dy, CELLS) * CELLS + wrap(ix + dx, CELLS);
          const ddx = ix + dx + px[cell] - cx;
          const ddy = iy + dy + py[cell] - cy;
          const d = ddx * ddx + ddy * ddy;
          if (d < best) {
            best = d;
            bestCell = cell;
          }
        }
      }
      const d = Math.sqrt(best);
      const r = radius[bestCell];
      let ink: number;
      let centre = 0;
      if (solid[bestCell]) {
        ink = 1 - smoothstep(r * 0.5, r * 0.62, d);
      } else {
        const ring = 1 - smoothstep(0.045, 0.075, Math.abs(d - r));
        ink = ring * smoothstep(0.3, 0.42, gaps.at(u, v));
        centre = 1 - smoothstep(r - 0.06, r - 0.02, d);
      }
      const t = tone.at(u, v);
      const shade = 0.85 + 0.3 * hair.at(u, v);
      let red = mix(200, 228, t);
      let green = mix(146, 176, t);
      let blue = mix(62, 96, t);
      red = mix(red, 172, centre);
      green = mix(green, 104, centre);
      blue = mix(blue, 40, centre);
      setPixel(image, y * n + x, mix(red, 36, ink) * shade, mix(green, 26, ink) * shade, mix(blue, 18, ink) * shade);
    }
  }
  return image;
}
