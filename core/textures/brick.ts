/** Brick wall: running bond (every other row offset by half a brick), red-brown bricks of varied tone, grey mortar, tileable. */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, setPixel, smoothstep, TileNoise } from './raster';

const ROWS = 8;
const COLS = 4;

export function brickTexture(seed: number, size: number): FrameImage {
  const rng = rngFor(seed, 107);
  const tones: [number, number, number][] = [];
  for (let i = 0; i < ROWS * COLS; i++) {
    const t = rng();
    const k = 0.8 + 0.35 * rng();
    tones.push([mix(160, 120, t) * k, mix(70, 52, t) * k, mix(48, 40, t) * k]);
  }
  const grain = new TileNoise(rng, 48, 48, 2);
  const blotch = new TileNoise(rng, 8, 8, 2);
  const image = createImage(size, size);
  const n = image.width;
  // Mortar joints about 2.5% of a brick row high, at least a pixel and a half.
  const joint = Math.max(1.5 / n, 0.0035);
  for (let y = 0; y < n; y++) {
    const v = y / n;
    const row = Math.floor(v * ROWS);
    const fy = v * ROWS - row;
    const dy = Math.min(fy, 1 - fy) / ROWS;
    for (let x = 0; x < n; x++) {
      const u = x / n;
      const shifted = u * COLS + (row % 2 ? 0.5 : 0);
      const col = Math.floor(shifted);
      const fx = shifted - col;
      const dx = Math.min(fx, 1 - fx) / COLS;
      const d = Math.min(dx, dy);
      const brick = smoothstep(joint, joint * 1.8, d);
      const tone = tones[row * COLS + (col % COLS)];
      const g = grain.at(u, v);
      const b = blotch.at(u, v);
      const k = 0.8 + 0.4 * g - 0.15 * b * b;
      // Bricks darken slightly at their edges (worn arrises).
      const edge = 0.88 + 0.12 * smoothstep(joint, joint * 5, d);
      const mortar = 168 + 40 * (g - 0.5);
      setPixel(
        image,
        y * n + x,
        mix(mortar, tone[0] * k * edge, brick),
        mix(mortar - 4, tone[1] * k * edge, brick),
        mix(mortar - 12, tone[2] * k * edge, brick),
      );
    }
  }
  return image;
}
