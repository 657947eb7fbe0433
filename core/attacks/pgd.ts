/**
 * Projected gradient ascent (Madry et al. 2018) in pixel space: maximises `objective(clamp(x0 + delta, 0, 1))` over
 * delta in the epsilon ball of the threat model (L-infinity or L2), keeping x0 + delta in [0, 1]. The caller's
 * objective for a targeted attack is the log-softmax of the target class. Pure: the gradient comes from a function
 * (ONNX Runtime in the host, core/gradients' model), randomness from the seed.
 */
import { rngFor } from '../perturbations/random';

export type ThreatModel = 'linf' | 'l2';

export interface PgdOptions {
  norm: ThreatModel;
  /** Radius of the ball, in [0, 1] pixel units (e.g. 8/255 for Linf, 1.0 for L2 at 224 px). */
  epsilon: number;
  /** Step length: per pixel for Linf (sign steps), of the whole step vector for L2 (normalised gradient). */
  stepSize: number;
  steps: number;
  /** Start from a uniformly random point of the ball instead of delta = 0. */
  randomStart: boolean;
  /** Seeds the random start (core/perturbations/random.ts rngFor). */
  seed: number;
}

/** The objective at x (one image, CHW) and its gradient with respect to x. */
export type GradientFn = (x: Float32Array) => Promise<{ objective: number; grad: Float32Array }>;

export interface PgdHooks {
  /** After each step (1-based), with the objective before the step and the delta after it (do not keep the array). */
  onStep?(step: number, objective: number, delta: Float32Array): void | Promise<void>;
  /** Polled before each step: true stops the attack, which then returns the delta so far. */
  isCancelled?(): boolean;
}

export interface PgdResult {
  /** The final perturbation (same length as x0); x0 + delta is in [0, 1] and delta is in the ball. */
  delta: Float32Array;
  /** Objective at each evaluated point: objectives[i] before step i + 1, and the last one at the final delta. */
  objectives: number[];
  stepsDone: number;
  cancelled: boolean;
}

function validate(x0: Float32Array, options: PgdOptions): void {
  const o = options as Partial<PgdOptions> | undefined;
  if (!o || typeof o !== 'object') throw new Error('PGD options are missing');
  if (o.norm !== 'linf' && o.norm !== 'l2') throw new Error(`PGD norm must be 'linf' or 'l2', not ${JSON.stringify(o.norm)}`);
  const finiteAtLeast0 = (name: keyof PgdOptions, value: unknown): void => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`PGD ${name} must be a finite number >= 0, not ${String(value)}`);
    }
  };
  finiteAtLeast0('epsilon', o.epsilon);
  finiteAtLeast0('stepSize', o.stepSize);
  if (typeof o.steps !== 'number' || !Number.isInteger(o.steps) || o.steps < 0) {
    throw new Error(`PGD steps must be an integer >= 0, not ${String(o.steps)}`);
  }
  if (typeof o.randomStart !== 'boolean') throw new Error(`PGD randomStart must be true or false, not ${String(o.randomStart)}`);
  if (typeof o.seed !== 'number' || !Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
    throw new Error(`PGD seed must be an integer in 0..4294967295, not ${String(o.seed)}`);
  }
  if (!(x0 instanceof Float32Array) || x0.length === 0) throw new Error('PGD needs a non-empty Float32Array image');
  for (let i = 0; i < x0.length; i++) {
    const v = x0[i];
    if (!(v >= 0 && v <= 1)) throw new Error(`PGD image value ${v} at index ${i} is outside [0, 1]`);
  }
}

function l2Norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  return Math.sqrt(sum);
}

/** delta := the ball's projection of delta, then clamp(x0 + delta, 0, 1) - x0 (in place, float64). */
function project(delta: Float64Array, x0: Float32Array, norm: ThreatModel, epsilon: number): void {
  if (norm === 'linf') {
    for (let i = 0; i < delta.length; i++) delta[i] = Math.min(epsilon, Math.max(-epsilon, delta[i]));
  } else {
    const n = l2Norm(delta);
    if (n > epsilon) {
      const scale = epsilon / n;
      for (let i = 0; i < delta.length; i++) delta[i] *= scale;
    }
  }
  // Clamping only moves each coordinate towards 0, so delta stays in the ball.
  for (let i = 0; i < delta.length; i++) {
    const x = x0[i] + delta[i];
    delta[i] = (x > 0 ? (x < 1 ? x : 1) : 0) - x0[i];
  }
}

/** The random start (before projection): see the module comment of `pgd`. */
function randomStart(delta: Float64Array, norm: ThreatModel, epsilon: number, seed: number): void {
  const rng = rngFor(seed);
  if (norm === 'linf') {
    for (let i = 0; i < delta.length; i++) delta[i] = rng.range(-epsilon, epsilon);
    return;
  }
  for (let i = 0; i < delta.length; i++) delta[i] = rng.normal();
  const n = l2Norm(delta);
  if (n === 0) return; // all zeros: start at x0
  const radius = epsilon * Math.pow(rng.uniform(), 1 / delta.length);
  for (let i = 0; i < delta.length; i++) delta[i] *= radius / n;
}

/**
 * Targeted/untargeted PGD: maximises the objective `gradient` reports (Madry et al. 2018; the step rules of the
 * `robustness` library's LinfStep / L2Step, without its 1e-10 in the L2 step's denominator: a zero gradient makes no
 * step):
 * - Linf: delta += stepSize * sign(g), then delta is clamped to [-epsilon, epsilon];
 * - L2: delta += stepSize * g / ||g|| (no step where ||g|| = 0), then delta is scaled by min(1, epsilon / ||delta||);
 * after either projection delta := clamp(x0 + delta, 0, 1) - x0, so the attacked image is a valid image.
 * Random start (seeded by `rngFor(seed)`): Linf uniform in [-epsilon, epsilon] per pixel (as the library); L2
 * uniform in the ball (gaussian direction, radius epsilon * u^(1/d), d = x0.length), where the library puts the
 * start on the sphere of radius epsilon; both are then projected like a step.
 *
 * Each iteration evaluates `gradient` once at clamp(x0 + delta): the objective there is recorded, then (unless the
 * attack is over) `hooks.isCancelled` is polled and the step is taken, and `hooks.onStep` is awaited. So
 * `objectives` has stepsDone + 1 entries (the last at the returned delta) and a cancel is noticed after at most one
 * gradient evaluation. Arithmetic is in float64; the delta passed to onStep and returned is float32.
 * Throws on invalid options or image values outside [0, 1], and when `gradient` returns a gradient of the wrong
 * length or a non-finite objective or gradient.
 */
export async function pgd(x0: Float32Array, gradient: GradientFn, options: PgdOptions, hooks: PgdHooks = {}): Promise<PgdResult> {
  validate(x0, options);
  const { norm, epsilon, stepSize, steps } = options;
  const n = x0.length;
  const delta = new Float64Array(n);
  if (options.randomStart && epsilon > 0) {
    randomStart(delta, norm, epsilon, options.seed);
    project(delta, x0, norm, epsilon);
  }
  const x = new Float32Array(n);
  const shown = new Float32Array(n);
  const objectives: number[] = [];
  let stepsDone = 0;
  let cancelled = false;
  for (;;) {
    for (let i = 0; i < n; i++) {
      const v = x0[i] + delta[i];
      x[i] = v > 0 ? (v < 1 ? v : 1) : 0;
    }
    const { objective, grad } = await gradient(x);
    if (typeof objective !== 'number' || !Number.isFinite(objective)) {
      throw new Error(`PGD: the objective is ${String(objective)} after ${stepsDone} steps`);
    }
    if (!grad || grad.length !== n) throw new Error(`PGD: the gradient holds ${grad?.length} values, expected ${n}`);
    objectives.push(objective);
    if (stepsDone === steps) break;
    if (hooks.isCancelled?.()) {
      cancelled = true;
      break;
    }
    if (norm === 'linf') {
      for (let i = 0; i < n; i++) {
        const g = grad[i];
        if (Number.isNaN(g)) throw new Error(`PGD: the gradient is NaN at index ${i} (step ${stepsDone + 1})`);
        delta[i] += stepSize * Math.sign(g);
      }
    } else {
      const gn = l2Norm(grad);
      if (!Number.isFinite(gn)) throw new Error(`PGD: the gradient is not finite (step ${stepsDone + 1})`);
      if (gn > 0) for (let i = 0; i < n; i++) delta[i] += (stepSize * grad[i]) / gn;
    }
    project(delta, x0, norm, epsilon);
    stepsDone++;
    if (hooks.onStep) {
      shown.set(delta);
      await hooks.onStep(stepsDone, objective, shown);
    }
  }
  return { delta: Float32Array.from(delta), objectives, stepsDone, cancelled };
}
