/**
 * Projected gradient ascent (Madry et al. 2018) in pixel space: maximises `objective(clamp(x0 + delta, 0, 1))` over
 * delta in the epsilon ball of the threat model (L-infinity or L2), keeping x0 + delta in [0, 1]. The caller's
 * objective for a targeted attack is the log-softmax of the target class. Pure: the gradient comes from a function
 * (ONNX Runtime in the host, core/gradients' model), randomness from the seed.
 */

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
