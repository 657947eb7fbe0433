/**
 * Pixel helpers shared by the procedural textures and backgrounds: an RGBA image writer and tileable value noise.
 * The noise here is periodic (its lattice wraps) so textures repeat without seams; its random lattice values come
 * from the project's seeded RNG (core/noise.ts).
 */
import type { FrameImage } from '../protocol';
import { hashInts, mulberry32 } from '../noise';

export type Rgb = readonly [number, number, number];

/** A new opaque image (alpha 255 everywhere). */
export function createImage(width: number, height: number): FrameImage {
  const w = Math.max(1, Math.floor(width));
  const h = Math.max(1, Math.floor(height));
  const pixels = new Uint8Array(w * h * 4);
  for (let i = 3; i < pixels.length; i += 4) pixels[i] = 255;
  return { width: w, height: h, pixels };
}

/** Writes a colour (0..255 floats, clamped and rounded) at pixel index `i` (x + y * width). */
export function setPixel(image: FrameImage, i: number, r: number, g: number, b: number): void {
  const o = i * 4;
  image.pixels[o] = clampByte(r);
  image.pixels[o + 1] = clampByte(g);
  image.pixels[o + 2] = clampByte(b);
}

export function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

export function clamp01(v: number): number {
  return v <= 0 ? 0 : v >= 1 ? 1 : v;
}

export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = clamp01((x - edge0) / (edge1 - edge0));
  return t * t * (3 - 2 * t);
}

export function mix(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/** Linear blend of two colours into `out`-style tuple. */
export function mixRgb(a: Rgb, b: Rgb, t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Positive modulo (wraps negative indices into 0..n-1). */
export function wrap(i: number, n: number): number {
  const m = i % n;
  return m < 0 ? m + n : m;
}

/** A seeded random function returning [0, 1); each generator derives its own streams from (seed, salt). */
export function rngFor(seed: number, salt: number): () => number {
  return mulberry32(hashInts(Math.floor(seed), salt));
}

/**
 * Value noise on a wrapping lattice: `at(u, v)` for u, v in tile units ([0, 1) covers one period, any value
 * wraps), octaves doubling the lattice each time so every octave has the same period. Values in [0, 1].
 */
export class TileNoise {
  private readonly lattices: Float32Array[] = [];
  private readonly sizesX: number[] = [];
  private readonly sizesY: number[] = [];
  private readonly norm: number;

  /** `cellsX`/`cellsY`: lattice cells per tile at the first octave (different values stretch the noise). */
  constructor(rng: () => number, cellsX: number, cellsY: number, private readonly octaves = 1, private readonly gain = 0.5) {
    let amplitude = 1;
    let total = 0;
    for (let o = 0; o < octaves; o++) {
      const nx = Math.max(1, Math.round(cellsX * 2 ** o));
      const ny = Math.max(1, Math.round(cellsY * 2 ** o));
      const lattice = new Float32Array(nx * ny);
      for (let i = 0; i < lattice.length; i++) lattice[i] = rng();
      this.lattices.push(lattice);
      this.sizesX.push(nx);
      this.sizesY.push(ny);
      total += amplitude;
      amplitude *= gain;
    }
    this.norm = 1 / total;
  }

  at(u: number, v: number): number {
    let sum = 0;
    let amplitude = 1;
    for (let o = 0; o < this.octaves; o++) {
      sum += amplitude * latticeAt(this.lattices[o], this.sizesX[o], this.sizesY[o], u * this.sizesX[o], v * this.sizesY[o]);
      amplitude *= this.gain;
    }
    return sum * this.norm;
  }
}

function latticeAt(lattice: Float32Array, nx: number, ny: number, x: number, y: number): number {
  const fx = Math.floor(x);
  const fy = Math.floor(y);
  let tx = x - fx;
  let ty = y - fy;
  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  const x0 = wrap(fx, nx);
  const y0 = wrap(fy, ny);
  const x1 = x0 + 1 === nx ? 0 : x0 + 1;
  const y1 = y0 + 1 === ny ? 0 : y0 + 1;
  const a = lattice[y0 * nx + x0];
  const b = lattice[y0 * nx + x1];
  const c = lattice[y1 * nx + x0];
  const d = lattice[y1 * nx + x1];
  const top = a + (b - a) * tx;
  const bottom = c + (d - c) * tx;
  return top + (bottom - top) * ty;
}

/** Parses "#rrggbb" to a colour (used by generators' palettes). */
export function hex(value: string): Rgb {
  const n = parseInt(value.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
