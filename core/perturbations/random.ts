/**
 * Seeded random numbers for the perturbations: the same seed gives the same noise on every platform, so a
 * scene file reproduces the exact image and a sweep can be resumed. Built on core/noise.ts's mulberry32.
 */
import { hashInts, mulberry32 } from '../noise';

export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Integer uniform in [min, max) (numpy's randint convention: high exclusive). */
  int(min: number, max: number): number;
  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number;
  /** Poisson with mean `lambda` >= 0 (exact: multiplication for small means, PTRS for large ones). */
  poisson(lambda: number): number;
}

/** A generator for a perturbation step; `stream` separates independent uses inside one op (0, 1, 2 ...). */
export function rngFor(seed: number, stream = 0): Rng {
  const next = mulberry32(hashInts(seed, stream, 0x5eed));
  let spare: number | undefined;
  const uniform = (): number => next();
  const rng: Rng = {
    uniform,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min)),
    normal: () => {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      let u = 0;
      while (u <= Number.MIN_VALUE) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    poisson: (lambda) => poisson(uniform, lambda),
  };
  return rng;
}

const LOG_FACTORIAL_TABLE = (() => {
  const table = new Float64Array(10);
  for (let k = 1; k < 10; k++) table[k] = table[k - 1] + Math.log(k);
  return table;
})();

function logFactorial(k: number): number {
  if (k < 10) return LOG_FACTORIAL_TABLE[k];
  // Stirling series, accurate to double precision for k >= 10.
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}

function poisson(uniform: () => number, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    // Knuth: multiply uniforms until the product drops below e^-lambda.
    const limit = Math.exp(-lambda);
    let k = 0;
    let product = uniform();
    while (product > limit) {
      k++;
      product *= uniform();
    }
    return k;
  }
  // Hörmann's PTRS (transformed rejection with squeeze), the method numpy uses for lambda >= 10.
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = uniform() - 0.5;
    const v = uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}
