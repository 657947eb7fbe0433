/**
 * ImageNet-C frost. The reference blends a random crop of one of six photographs of frost (frost1.png ...
 * frost6.jpg) that we cannot ship; we blend a procedural frost texture instead, drawn from the step's seed:
 * a faint hazy layer (two octaves of value noise), branching ice-crystal dendrites (recursive side branches
 * at 35-65 degrees, sharp core plus a soft glow) and sparkles, bright with a blue tint. Lengths are in pixels as
 * at 224 px and are not scaled with the image size. The blend keeps the reference's constants per severity.
 */
import { gaussianFilterPlane } from '../gaussian';
import type { Rng } from '../random';
import type { FloatImage } from '../types';

/** (image weight, frost weight) per severity, as in both reference implementations. */
export const FROST_PARAMS: readonly (readonly [number, number])[] = [[1, 0.4], [0.8, 0.6], [0.7, 0.7], [0.65, 0.7], [0.6, 0.75]];

/** The deterministic part: x' = a * x + b * frost (frost in [0, 1], CHW, same size as the image). */
export function frostBlend(image: FloatImage, frost: Float32Array, severity: number): FloatImage {
  const [a, b] = FROST_PARAMS[severity - 1];
  const src = image.data;
  if (frost.length !== src.length) throw new Error('frostBlend: texture size differs from the image');
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = a * src[i] + b * frost[i];
  return { width: image.width, height: image.height, data: out };
}

/** Value noise: bilinear interpolation (smoothstep) of a random lattice with `cell` px spacing, in [0, 1). */
function valueNoise(width: number, height: number, cell: number, rng: Rng, out: Float32Array, weight: number): void {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.uniform();
  const ox = rng.uniform() * cell;
  const oy = rng.uniform() * cell;
  for (let y = 0; y < height; y++) {
    const gy = (y + oy) / cell;
    const iy = Math.floor(gy);
    let fy = gy - iy;
    fy = fy * fy * (3 - 2 * fy);
    for (let x = 0; x < width; x++) {
      const gx = (x + ox) / cell;
      const ix = Math.floor(gx);
      let fx = gx - ix;
      fx = fx * fx * (3 - 2 * fx);
      const a = grid[iy * gw + ix];
      const b = grid[iy * gw + ix + 1];
      const c = grid[(iy + 1) * gw + ix];
      const d = grid[(iy + 1) * gw + ix + 1];
      out[y * width + x] += weight * (a + (b - a) * fx + (c - a + (a - b + d - c) * fx) * fy);
    }
  }
}

/**
 * A frost texture (CHW, values in [0, 1]) for a width x height image, deterministic in `rng`'s sequence.
 */
export function frostTexture(width: number, height: number, rng: Rng): Float32Array {
  const n = width * height;
  // Hazy base.
  const haze = new Float32Array(n);
  valueNoise(width, height, 28, rng, haze, 0.65);
  valueNoise(width, height, 9, rng, haze, 0.35);
  // Crystals: each seed grows a dendrite; deposits are max-blended into `lines`.
  const lines = new Float32Array(n);
  const deposit = (x: number, y: number, v: number): void => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
    const i = yi * width + xi;
    if (lines[i] < v) lines[i] = v;
  };
  const branch = (x: number, y: number, angle: number, length: number, depth: number, intensity: number): void => {
    const steps = Math.max(1, Math.ceil(length / 0.7));
    const dx = (Math.cos(angle) * length) / steps;
    const dy = (Math.sin(angle) * length) / steps;
    const children = depth > 0 ? Math.max(1, Math.round(length / 7)) : 0;
    const at: number[] = [];
    for (let c = 0; c < children; c++) at.push(Math.floor(steps * (0.2 + 0.75 * rng.uniform())));
    let px = x;
    let py = y;
    for (let s = 0; s <= steps; s++) {
      deposit(px, py, intensity * (1 - (0.4 * s) / steps));
      for (const a of at) {
        if (a !== s) continue;
        const side = rng.uniform() < 0.5 ? -1 : 1;
        const turn = side * ((35 + 30 * rng.uniform()) * Math.PI) / 180;
        branch(px, py, angle + turn, length * (0.35 + 0.3 * rng.uniform()), depth - 1, intensity * 0.85);
      }
      px += dx;
      py += dy;
    }
  };
  const seeds = Math.max(1, Math.round(n / 700));
  for (let k = 0; k < seeds; k++) {
    const x = -8 + (width + 16) * rng.uniform();
    const y = -8 + (height + 16) * rng.uniform();
    const angle = 2 * Math.PI * rng.uniform();
    const length = 10 + 22 * rng.uniform();
    const arms = 1 + rng.int(0, 3);
    for (let a = 0; a < arms; a++) branch(x, y, angle + (a * 2 * Math.PI) / arms, length, 3, 0.7 + 0.3 * rng.uniform());
  }
  const core = gaussianFilterPlane(lines, width, height, 0.55, 0.55, 'nearest', 3);
  const glow = gaussianFilterPlane(lines, width, height, 2.2, 2.2, 'nearest', 3);
  // Sparkles.
  const sparkle = new Float32Array(n);
  const specks = Math.round(n / 120);
  for (let k = 0; k < specks; k++) sparkle[rng.int(0, n)] = 0.25 + 0.5 * rng.uniform();
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    let v = 0.08 + 0.3 * haze[i] + 1.6 * core[i] + 0.9 * glow[i] + sparkle[i];
    v = v > 1 ? 1 : v;
    out[i] = 0.86 * v + 0.02;
    out[i + n] = 0.93 * v + 0.03;
    out[i + 2 * n] = Math.min(1, v + 0.08);
  }
  return out;
}
