/** A street: a row of building facades with window grids under a sky, a sidewalk with a kerb, and the road in front. */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, setPixel, TileNoise } from '../textures/raster';

interface Facade {
  x0: number;
  x1: number;
  top: number;
  colour: [number, number, number];
  cols: number;
  rows: number;
}

export function streetBackground(seed: number, width: number, height: number): FrameImage {
  const rng = rngFor(seed, 203);
  const grit = new TileNoise(rng, 40, 40, 2);
  const image = createImage(width, height);
  const { width: w, height: h } = image;
  const base = 0.7; // where the facades meet the sidewalk
  const kerb = 0.78;
  const facades: Facade[] = [];
  const palette: [number, number, number][] = [
    [176, 96, 72], [200, 180, 150], [150, 150, 160], [214, 200, 170], [120, 88, 70], [188, 160, 120], [110, 120, 135],
  ];
  for (let x = 0; x < 1; ) {
    const wide = 0.18 + 0.22 * rng();
    facades.push({
      x0: x,
      x1: x + wide,
      top: 0.08 + 0.3 * rng(),
      colour: palette[Math.floor(rng() * palette.length)],
      cols: 2 + Math.floor(rng() * 3),
      rows: 3 + Math.floor(rng() * 3),
    });
    x += wide;
  }
  const line = Math.max(1, w / 224);
  for (let y = 0; y < h; y++) {
    const v = y / h;
    for (let x = 0; x < w; x++) {
      const u = x / w;
      const n = grit.at(u, v);
      let r: number;
      let g: number;
      let b: number;
      if (v < base) {
        const f = facades.find((c) => u < c.x1) ?? facades[facades.length - 1];
        if (v < f.top) {
          const t = v / base;
          [r, g, b] = [mix(110, 190, t), mix(160, 210, t), mix(220, 235, t)];
        } else {
          const k = 0.92 + 0.12 * n;
          [r, g, b] = [f.colour[0] * k, f.colour[1] * k, f.colour[2] * k];
          // Windows: a grid inside the facade, dark glass with a light frame; a door on the ground floor.
          const fu = (u - f.x0) / (f.x1 - f.x0);
          const fv = (v - f.top) / (base - f.top);
          const cx = fu * f.cols;
          const cy = fv * (f.rows + 0.6);
          const inWindow = cx - Math.floor(cx) > 0.25 && cx - Math.floor(cx) < 0.75 && cy - Math.floor(cy) > 0.25 && cy - Math.floor(cy) < 0.8;
          if (Math.floor(cy) < f.rows && inWindow && fv > 0.03) {
            const glass = 0.5 + 0.5 * Math.sin((cx + cy) * 3);
            [r, g, b] = [mix(40, 90, glass), mix(55, 110, glass), mix(70, 140, glass)];
          }
          if (Math.abs(u - f.x0) * w < line) [r, g, b] = [r * 0.6, g * 0.6, b * 0.6];
        }
      } else if (v < kerb) {
        // Sidewalk slabs.
        const t = (v - base) / (kerb - base);
        const k = 0.9 + 0.15 * n;
        [r, g, b] = [176 * k, 172 * k, 166 * k];
        const slab = (u * 12) % 1;
        if (slab < 0.015 * (1 + t) || Math.abs(t - 0.5) < 0.03) [r, g, b] = [r * 0.75, g * 0.75, b * 0.75];
        if (t > 0.9) [r, g, b] = [200, 198, 192];
      } else {
        // Asphalt with a dashed centre line.
        const k = 0.85 + 0.3 * n;
        [r, g, b] = [66 * k, 68 * k, 72 * k];
        const t = (v - kerb) / (1 - kerb);
        if (Math.abs(t - 0.55) < 0.04 && (u * 6) % 1 < 0.55) [r, g, b] = [230, 226, 210];
      }
      setPixel(image, y * w + x, r, g, b);
    }
  }
  return image;
}
