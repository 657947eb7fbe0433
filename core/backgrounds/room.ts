/** An indoor room in one-point perspective: back wall with a window, side walls, ceiling, wooden floor boards. */
import type { FrameImage } from '../protocol';
import { createImage, mix, rngFor, setPixel, smoothstep, TileNoise } from '../textures/raster';

export function roomBackground(seed: number, width: number, height: number): FrameImage {
  const rng = rngFor(seed, 202);
  const wallTone = new TileNoise(rng, 8, 8, 3);
  const boardNoise = new TileNoise(rng, 2, 40, 2);
  const boardTones = Array.from({ length: 64 }, () => rng());
  const hue = rng();
  const wall: [number, number, number] = [mix(214, 196, hue), mix(204, 206, hue), mix(182, 196, hue)];
  const image = createImage(width, height);
  const { width: w, height: h } = image;
  // Vanishing point and the back wall (in pixels), a window on its left half.
  const vx = w * (0.5 + 0.1 * (rng() - 0.5));
  const vy = h * 0.42;
  const halfW = w * 0.3;
  const halfH = h * 0.26;
  const win = { x0: -0.75, x1: -0.1, y0: -0.7, y1: 0.25 };
  const line = Math.max(1, w / 224);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = (x - vx) / halfW;
      const dy = (y - vy) / halfH;
      const u = x / w;
      const v = y / h;
      const n = wallTone.at(u, v);
      let r: number;
      let g: number;
      let b: number;
      if (Math.abs(dx) <= 1 && Math.abs(dy) <= 1) {
        // Back wall, lit evenly; the window shows sky and a frame with a cross bar.
        const k = 0.95 + 0.08 * n;
        [r, g, b] = [wall[0] * k, wall[1] * k, wall[2] * k];
        const inX = dx > win.x0 && dx < win.x1;
        const inY = dy > win.y0 && dy < win.y1;
        if (inX && inY) {
          const t = (dy - win.y0) / (win.y1 - win.y0);
          [r, g, b] = [mix(120, 200, t), mix(170, 220, t), mix(230, 240, t)];
          const mx = (win.x0 + win.x1) / 2;
          const my = (win.y0 + win.y1) / 2;
          if (Math.abs(dx - mx) * halfW < line * 1.5 || Math.abs(dy - my) * halfH < line * 1.5) [r, g, b] = [245, 245, 240];
        } else if (dx > win.x0 - 0.05 && dx < win.x1 + 0.05 && dy > win.y0 - 0.06 && dy < win.y1 + 0.06) {
          [r, g, b] = [245, 245, 240];
        }
      } else if (Math.abs(dy) >= Math.abs(dx)) {
        const depth = 1 / Math.abs(dy); // 1 at the back wall, smaller nearer the camera
        if (dy > 0) {
          // Floor boards run towards the vanishing point; their joints cross at depth steps.
          const across = dx / dy;
          const board = Math.floor(across * 5 + 100);
          const along = depth * 6 + boardTones[board % 64] * 3;
          const seam = Math.abs(across * 5 - Math.round(across * 5)) * (halfW / depth) / 5 < line * 0.8;
          const joint = Math.abs(along - Math.round(along)) < 0.02 / depth;
          const t = boardTones[board % 64];
          const grain = boardNoise.at(across, along * 0.2);
          const k = (0.75 + 0.25 * depth) * (0.85 + 0.3 * grain);
          [r, g, b] = [mix(150, 188, t) * k, mix(98, 128, t) * k, mix(58, 76, t) * k];
          if (seam || joint) [r, g, b] = [r * 0.55, g * 0.55, b * 0.55];
        } else {
          const k = 0.9 + 0.1 * depth;
          [r, g, b] = [236 * k, 234 * k, 228 * k];
        }
      } else {
        // Side walls, a little darker than the back wall, darker still near the camera.
        const depth = 1 / Math.abs(dx);
        const k = (0.72 + 0.16 * depth) * (0.96 + 0.06 * n);
        [r, g, b] = [wall[0] * k, wall[1] * k, wall[2] * k];
        // Skirting board along the floor.
        if (dy > 0 && dy / Math.abs(dx) > 0.88) [r, g, b] = [232 * k, 230 * k, 224 * k];
      }
      // Corner edges of the room catch a soft shadow.
      const edge = Math.abs(Math.abs(dy) - Math.abs(dx));
      const crease = Math.abs(dx) > 1 || Math.abs(dy) > 1 ? 1 - 0.2 * (1 - smoothstep(0, 0.04, edge)) : 1;
      setPixel(image, y * w + x, r * crease, g * crease, b * crease);
    }
  }
  return image;
}
