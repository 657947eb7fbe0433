/**
 * Seeded randomness shared by the procedural textures, backgrounds and object generators: a tiny PRNG and
 * gradient (Perlin) noise whose permutation comes from a seed, so the same seed always gives the same image or shape.
 */

/** Mulberry32: a fast 32-bit PRNG, uniform in [0, 1). The same seed gives the same sequence on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of several integers (e.g. a seed and a purpose), for seeding independent streams. */
export function hashInts(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    h = Math.imul(h ^ (v | 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** Uniform in [min, max) from a PRNG. */
export function randRange(rng: () => number, min: number, max: number): number {
  return min + (max - min) * rng();
}

const smooth = (t: number): number => t * t * t * (t * (t * 6 - 15) + 10);
const lerp = (a: number, b: number, t: number): number => a + (b - a) * t;

/** A seeded permutation of 0..255, doubled so lookups need no wrap. */
function permutation(seed: number): Uint8Array {
  const rng = mulberry32(seed);
  const p = new Uint8Array(256);
  for (let i = 0; i < 256; i++) p[i] = i;
  for (let i = 255; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  const doubled = new Uint8Array(512);
  doubled.set(p);
  doubled.set(p, 256);
  return doubled;
}

function grad2(hash: number, x: number, y: number): number {
  switch (hash & 7) {
    case 0: return x + y;
    case 1: return -x + y;
    case 2: return x - y;
    case 3: return -x - y;
    case 4: return x;
    case 5: return -x;
    case 6: return y;
    default: return -y;
  }
}

function grad3(hash: number, x: number, y: number, z: number): number {
  const h = hash & 15;
  const u = h < 8 ? x : y;
  const v = h < 4 ? y : h === 12 || h === 14 ? x : z;
  return ((h & 1) === 0 ? u : -u) + ((h & 2) === 0 ? v : -v);
}

/** 2-D noise in roughly [-1, 1]; `period` (integer >= 1, optional) makes it tile every `period` units in x and y. */
export type Noise2D = (x: number, y: number, period?: number) => number;
/** 3-D noise in roughly [-1, 1]. */
export type Noise3D = (x: number, y: number, z: number) => number;

/** Seeded 2-D Perlin (gradient) noise, 0 at integer lattice points, clamped to [-1, 1]. */
export function perlin2(seed: number): Noise2D {
  const p = permutation(seed);
  return (x, y, period) => {
    const fx = Math.floor(x);
    const fy = Math.floor(y);
    const dx = x - fx;
    const dy = y - fy;
    let x0 = fx;
    let y0 = fy;
    let x1 = fx + 1;
    let y1 = fy + 1;
    if (period !== undefined && period >= 1) {
      const m = Math.floor(period);
      x0 = ((x0 % m) + m) % m;
      y0 = ((y0 % m) + m) % m;
      x1 = ((x1 % m) + m) % m;
      y1 = ((y1 % m) + m) % m;
    }
    x0 &= 255; x1 &= 255; y0 &= 255; y1 &= 255;
    const u = smooth(dx);
    const v = smooth(dy);
    const n00 = grad2(p[p[x0] + y0], dx, dy);
    const n10 = grad2(p[p[x1] + y0], dx - 1, dy);
    const n01 = grad2(p[p[x0] + y1], dx, dy - 1);
    const n11 = grad2(p[p[x1] + y1], dx - 1, dy - 1);
    // Gradients of length up to sqrt(2) keep the raw value within about +-1; clamp to be sure.
    const n = lerp(lerp(n00, n10, u), lerp(n01, n11, u), v);
    return Math.max(-1, Math.min(1, n));
  };
}

/** Seeded 3-D Perlin (gradient) noise, clamped to [-1, 1]. */
export function perlin3(seed: number): Noise3D {
  const p = permutation(seed);
  return (x, y, z) => {
    const fx = Math.floor(x);
    const fy = Math.floor(y);
    const fz = Math.floor(z);
    const dx = x - fx;
    const dy = y - fy;
    const dz = z - fz;
    const X = fx & 255;
    const Y = fy & 255;
    const Z = fz & 255;
    const u = smooth(dx);
    const v = smooth(dy);
    const w = smooth(dz);
    const A = p[X] + Y;
    const AA = p[A] + Z;
    const AB = p[A + 1] + Z;
    const B = p[X + 1] + Y;
    const BA = p[B] + Z;
    const BB = p[B + 1] + Z;
    const n = lerp(
      lerp(
        lerp(grad3(p[AA], dx, dy, dz), grad3(p[BA], dx - 1, dy, dz), u),
        lerp(grad3(p[AB], dx, dy - 1, dz), grad3(p[BB], dx - 1, dy - 1, dz), u),
        v,
      ),
      lerp(
        lerp(grad3(p[AA + 1], dx, dy, dz - 1), grad3(p[BA + 1], dx - 1, dy, dz - 1), u),
        lerp(grad3(p[AB + 1], dx, dy - 1, dz - 1), grad3(p[BB + 1], dx - 1, dy - 1, dz - 1), u),
        v,
      ),
      w,
    );
    return Math.max(-1, Math.min(1, n));
  };
}

/** Seeded 2-D value noise in [0, 1] (smoothly interpolated random lattice values); `period` tiles as in perlin2. */
export function valueNoise2(seed: number): Noise2D {
  const p = permutation(seed);
  return (x, y, period) => {
    const fx = Math.floor(x);
    const fy = Math.floor(y);
    let x0 = fx;
    let y0 = fy;
    let x1 = fx + 1;
    let y1 = fy + 1;
    if (period !== undefined && period >= 1) {
      const m = Math.floor(period);
      x0 = ((x0 % m) + m) % m;
      y0 = ((y0 % m) + m) % m;
      x1 = ((x1 % m) + m) % m;
      y1 = ((y1 % m) + m) % m;
    }
    x0 &= 255; x1 &= 255; y0 &= 255; y1 &= 255;
    const u = smooth(x - fx);
    const v = smooth(y - fy);
    const at = (ix: number, iy: number): number => p[p[ix] + iy] / 255;
    return lerp(lerp(at(x0, y0), at(x1, y0), u), lerp(at(x0, y1), at(x1, y1), u), v);
  };
}

export interface FbmOptions {
  /** Number of layers (default 5). */
  octaves?: number;
  /** Frequency factor between octaves (default 2; keep it an integer for tileable results). */
  lacunarity?: number;
  /** Amplitude factor between octaves (default 0.5). */
  gain?: number;
  /** Tiling period of the first octave (integer); later octaves tile at period * lacunarity^i. */
  period?: number;
}

/**
 * Fractal Brownian motion: octaves of a 2-D noise summed and normalised by the total amplitude, so the result stays
 * in the noise's own range ([-1, 1] for perlin2, [0, 1] for valueNoise2).
 */
export function fbm(noise: Noise2D, x: number, y: number, options: FbmOptions = {}): number {
  const octaves = options.octaves ?? 5;
  const lacunarity = options.lacunarity ?? 2;
  const gain = options.gain ?? 0.5;
  let amplitude = 1;
  let frequency = 1;
  let sum = 0;
  let norm = 0;
  for (let i = 0; i < octaves; i++) {
    const period = options.period !== undefined ? options.period * frequency : undefined;
    sum += amplitude * noise(x * frequency, y * frequency, period);
    norm += amplitude;
    amplitude *= gain;
    frequency *= lacunarity;
  }
  return norm > 0 ? sum / norm : 0;
}

/** fbm over a 3-D noise, normalised like fbm. */
export function fbm3(noise: Noise3D, x: number, y: number, z: number, options: Omit<FbmOptions, 'period'> = {}): number {
  const octaves = options.octaves ?? 5;
  const lacunarity = options.lacunarity ?? 2;
  const gain = options.gain ?? 0.5;
  let amplitude = 1;
  let frequency = 1;
  let sum = 0;
  let norm = 0;
  for (let i = 0; i < octaves; i++) {
    sum += amplitude * noise(x * frequency, y * frequency, z * frequency);
    norm += amplitude;
    amplitude *= gain;
    frequency *= lacunarity;
  }
  return norm > 0 ? sum / norm : 0;
}
