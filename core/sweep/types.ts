/**
 * The `sweep` section of a scene file (issue 8): which numeric values of the scene to vary, how to sample them,
 * which models to run and what to record. `Perturber: Run Sweep` (src/sweep/) turns it into
 * `.perturber/runs/<name>/results.csv` + `summary.json`. README "Sweeps" documents the format.
 */
import type { BuiltinObjectName, TextureRef } from '../sceneTypes';

/** One varied value of the scene. */
export interface SweepParameter {
  /**
   * A numeric value of the scene in dotted form: `camera.azimuth`, `material.textureMorph`,
   * `perturbations[1].params.sigma`, `object.params.legLength`, `object.morph.amount`, `light.intensity`...
   */
  path: string;
  /** Explicit values (in this order). Exactly one of `values` and `range`. */
  values?: number[];
  /** `steps` evenly spaced values from `from` to `to`, both included (`steps` = 1: just `from`). */
  range?: { from: number; to: number; steps: number };
}

/**
 * A cue-conflict scene (Geirhos et al. 2019): the shape of one class with the surface of another. The sweep renders
 * each pair at every parameter configuration; `analysis: 'shapeBias'` counts shape and texture decisions.
 */
export interface CueConflictPair {
  /** The built-in object that gives the shape. */
  shape: BuiltinObjectName;
  /** The label of the shape's class (default: `shape`). */
  shapeClass?: string;
  /** The surface: a built-in texture (base colour `color`), or null for a plain `color`. */
  texture: Extract<TextureRef, { kind: 'builtin' }> | null;
  /** Base colour of the surface (default "#ffffff"). */
  color?: string;
  /** The label of the class the surface belongs to. */
  textureClass: string;
}

export interface SweepRecord {
  /** Top-k labels and probabilities per row (1..20, default 5). */
  topK: number;
  /** Labels whose probability gets a column of its own. */
  classes?: string[];
  /** Record the mean activation of each watched neuron of the model (default false). */
  neurons?: boolean;
}

/**
 * A PGD attack run afresh at every configuration (src/sweep/sweepAttack.ts): x0 is what `model` sees after the
 * configuration's perturbations, the delta is added like the `adversarial` step, and every model of the sweep runs on
 * the attacked frame. Sweep paths `attack.epsilon`, `attack.steps`, `attack.relativeStepSize` vary it.
 */
export interface SweepAttack {
  /** The scene model id to attack (its gradients drive PGD). */
  model: string;
  /** A label of that model: targeted maximises log p(class), untargeted minimises it. */
  class: string;
  mode?: 'targeted' | 'untargeted';
  norm?: 'linf' | 'l2';
  /** Radius of the ball in [0, 1] pixel units (at most 1 for linf). */
  epsilon: number;
  steps?: number;
  /** Step length as a fraction of epsilon (as the Attack Scene settings). */
  relativeStepSize?: number;
  randomStart?: boolean;
  seed?: number;
}

/** A SweepAttack with its defaults filled (and, per configuration, its swept values applied). */
export type ResolvedSweepAttack = Required<SweepAttack>;

export const ATTACK_DEFAULTS = { mode: 'targeted' as const, norm: 'linf' as const, steps: 10, relativeStepSize: 0.25, randomStart: false, seed: 0 };

export interface SweepSpec {
  /** The run's folder under `.perturber/runs/` (letters, digits, `-`, `_`, `.`). */
  name: string;
  parameters: SweepParameter[];
  /** 'grid': every combination (cartesian product); 'random': `samples` draws with `seed`. Default 'grid'. */
  sampling?: 'grid' | 'random';
  /** Random sampling: how many configurations (default 16). */
  samples?: number;
  /** Random sampling: the seed (integer >= 0, default 0); the same seed gives the same configurations. */
  seed?: number;
  /** Scene model ids to run (default: every model of the scene). */
  models?: string[];
  record?: Partial<SweepRecord>;
  /** Also write what each model saw as `images/<config>-<width>x<height>.png` (default false). */
  saveImages?: boolean;
  /** A built-in analysis reported in summary.json. */
  analysis?: 'shapeBias';
  /** The cue-conflict scenes of the shape-bias analysis (each one multiplies the configurations). */
  cueConflict?: CueConflictPair[];
  /** Attack every configuration afresh with PGD before the models run. */
  attack?: SweepAttack;
}

/** One configuration of a sweep: the index (row order), the pair (cue conflict) and one value per parameter. */
export interface SweepConfiguration {
  index: number;
  /** Index into `cueConflict`, when the sweep has pairs. */
  pair?: number;
  values: number[];
}

export const SWEEP_DEFAULTS = { sampling: 'grid' as const, samples: 16, seed: 0, topK: 5 };
/** Above this many configurations the sweep is refused (a typo in `steps` should not start a week-long run). */
export const MAX_CONFIGURATIONS = 100_000;
