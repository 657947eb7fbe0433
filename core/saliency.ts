/**
 * Input saliency maps from pixel-space gradients (pure; the caller runs the gradient model). Images are CHW float
 * arrays, channels first, one batch item each.
 *
 * - Gradient saliency (Simonyan, Vedaldi & Zisserman 2014): per pixel, the largest |d f / d x| over the channels.
 * - Integrated gradients (Sundararajan, Taly & Yan 2017): attribution_i = (x_i - x'_i) * integral over a in [0, 1]
 *   of d f / d x_i at x' + a (x - x'), with the baseline x' black (all zeros) by default. The integral is the
 *   midpoint rule with m steps (a_k = (k + 1/2) / m, each weight 1/m), which is exact for an integrand linear in a
 *   and, unlike a Riemann sum at a_k = k/m, evaluates neither end point. The trapezoid rule is available too.
 *   The map is the sum over the channels of |attribution|. Completeness: sum(attribution) = f(x) - f(x') up to the
 *   quadrature error; `completenessGap` measures what is left.
 */

export type QuadratureRule = 'midpoint' | 'trapezoid';

/** Path positions a_k in [0, 1] and their weights (summing to 1) for m steps. */
export function integrationPoints(steps: number, rule: QuadratureRule = 'midpoint'): { alphas: number[]; weights: number[] } {
  if (!Number.isInteger(steps) || steps < 1 || steps > 4096) throw new Error(`integrated gradients need 1..4096 steps (got ${steps})`);
  if (rule === 'midpoint') {
    return { alphas: Array.from({ length: steps }, (_, k) => (k + 0.5) / steps), weights: new Array<number>(steps).fill(1 / steps) };
  }
  // Trapezoid over m intervals: m + 1 points, the two ends weighted half.
  const alphas = Array.from({ length: steps + 1 }, (_, k) => k / steps);
  const weights = alphas.map((_, k) => (k === 0 || k === steps ? 0.5 : 1) / steps);
  return { alphas, weights };
}

/**
 * The path points x' + a (x - x') for `alphas`, concatenated into one batch (CHW each). `baseline` defaults to black.
 */
export function pathPoints(x: Float32Array, alphas: readonly number[], baseline?: Float32Array): Float32Array {
  if (baseline && baseline.length !== x.length) throw new Error(`the baseline holds ${baseline.length} values, the image ${x.length}`);
  const out = new Float32Array(alphas.length * x.length);
  alphas.forEach((a, k) => {
    const offset = k * x.length;
    for (let i = 0; i < x.length; i++) {
      const b = baseline ? baseline[i] : 0;
      out[offset + i] = b + a * (x[i] - b);
    }
  });
  return out;
}

/**
 * Accumulates the weighted gradients along the path, batch by batch, then gives the attribution. Feed every
 * path point exactly once (in any order), with the weight `integrationPoints` gave it.
 */
export class IntegratedGradients {
  private readonly sum: Float64Array;
  private weightSeen = 0;

  constructor(
    private readonly x: Float32Array,
    private readonly baseline?: Float32Array,
  ) {
    if (baseline && baseline.length !== x.length) throw new Error(`the baseline holds ${baseline.length} values, the image ${x.length}`);
    this.sum = new Float64Array(x.length);
  }

  /** `grads` holds weights.length gradients (CHW each, concatenated), one per path point. */
  add(grads: Float32Array, weights: readonly number[]): void {
    const n = this.x.length;
    if (grads.length !== weights.length * n) throw new Error(`expected ${weights.length} gradients of ${n} values, got ${grads.length} values`);
    weights.forEach((w, k) => {
      for (let i = 0, j = k * n; i < n; i++, j++) this.sum[i] += w * grads[j];
    });
    for (const w of weights) this.weightSeen += w;
  }

  /** (x - baseline) * the weighted mean gradient, CHW. */
  attribution(): Float32Array {
    if (Math.abs(this.weightSeen - 1) > 1e-6) throw new Error(`the path weights seen sum to ${this.weightSeen}, not 1: a path point is missing or repeated`);
    const out = new Float32Array(this.x.length);
    for (let i = 0; i < out.length; i++) out[i] = (this.x[i] - (this.baseline ? this.baseline[i] : 0)) * this.sum[i];
    return out;
  }
}

function planeOf(data: Float32Array, channels: number, height: number, width: number): number {
  const plane = height * width;
  if (!Number.isInteger(channels) || channels < 1 || data.length !== channels * plane) {
    throw new Error(`expected ${channels} x ${height} x ${width} values, got ${data.length}`);
  }
  return plane;
}

/** Gradient saliency: per pixel, max over the channels of |grad| (grad CHW). */
export function gradientSaliency(grad: Float32Array, channels: number, height: number, width: number): Float32Array {
  const plane = planeOf(grad, channels, height, width);
  const map = new Float32Array(plane);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < plane; i++) {
      const v = Math.abs(grad[c * plane + i]);
      if (v > map[i]) map[i] = v;
    }
  }
  return map;
}

/** An attribution map: per pixel, the sum over the channels of |attribution| (attribution CHW). */
export function attributionMap(attribution: Float32Array, channels: number, height: number, width: number): Float32Array {
  const plane = planeOf(attribution, channels, height, width);
  const map = new Float32Array(plane);
  for (let c = 0; c < channels; c++) for (let i = 0; i < plane; i++) map[i] += Math.abs(attribution[c * plane + i]);
  return map;
}

/** sum(attribution) - (f(x) - f(baseline)): zero for exact integrated gradients. */
export function completenessGap(attribution: Float32Array, fx: number, fBaseline: number): number {
  let sum = 0;
  for (const v of attribution) sum += v;
  return sum - (fx - fBaseline);
}

/**
 * A non-negative map scaled to [0, 1] by its `q` quantile (default the 99th percentile), values above clipped to 1,
 * so a few extreme pixels do not wash out the rest. Falls back to the maximum when the quantile is 0; an all-zero
 * (or empty) map stays zero. Non-finite values count as 0.
 */
export function normalizeMap(map: Float32Array, q = 0.99): Float32Array {
  if (!(q > 0 && q <= 1)) throw new Error(`the quantile must be in (0, 1] (got ${q})`);
  const clean = Float32Array.from(map, (v) => (Number.isFinite(v) ? Math.abs(v) : 0));
  if (clean.length === 0) return clean;
  const sorted = Float32Array.from(clean).sort();
  let scale = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  if (!(scale > 0)) scale = sorted[sorted.length - 1];
  if (!(scale > 0)) return new Float32Array(clean.length);
  return clean.map((v) => Math.min(1, v / scale));
}
