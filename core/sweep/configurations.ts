/**
 * The configurations of a sweep, and one configuration applied to a scene.
 *
 * Order (the CSV's `config` column): cue-conflict pairs outermost (when the sweep has some), then the grid with the
 * LAST parameter varying fastest (like nested for-loops in the order the parameters are listed). Random sampling
 * draws `samples` configurations from mulberry32(seed): for each configuration, each parameter in order takes a
 * uniform value of its range (rounded to 6 significant digits; integers rounded) or a uniform pick of its values;
 * with pairs, every pair gets the same `samples` draws.
 */
import { mulberry32 } from '../noise';
import type { Scene } from '../sceneTypes';
import { isAttackPath } from './attack';
import { parsePath, setAt } from './paths';
import { SWEEP_DEFAULTS, type SweepConfiguration, type SweepParameter, type SweepSpec } from './types';

/** Rounds to 6 significant digits so a value prints the same as it was applied. */
export function roundValue(x: number, integer = false): number {
  if (integer) return Math.round(x);
  return x === 0 ? 0 : Number(x.toPrecision(6));
}

/** The values a grid takes for a parameter: its `values`, or `steps` evenly spaced values of its `range`. */
export function parameterValues(parameter: SweepParameter, integer = false): number[] {
  if (parameter.values) return parameter.values.map((v) => roundValue(v, integer));
  const range = parameter.range;
  if (!range) return [];
  const { from, to, steps } = range;
  if (steps <= 1) return [roundValue(from, integer)];
  return Array.from({ length: steps }, (_, i) => roundValue(from + ((to - from) * i) / (steps - 1), integer));
}

/** How many configurations `spec` has (before expanding them). */
export function configurationCount(spec: SweepSpec): number {
  const pairs = Math.max(1, spec.cueConflict?.length ?? 0);
  if ((spec.sampling ?? SWEEP_DEFAULTS.sampling) === 'random') return pairs * (spec.samples ?? SWEEP_DEFAULTS.samples);
  return pairs * spec.parameters.reduce((n, p) => n * parameterValues(p).length, 1);
}

/**
 * Every configuration of `spec`, in row order. `integer[i]` says whether parameter i is an integer (its values are
 * rounded); the caller knows it from the parameter's range (paths.ts `parameterRange`).
 */
export function expandConfigurations(spec: SweepSpec, integer: readonly boolean[] = []): SweepConfiguration[] {
  const pairs = spec.cueConflict && spec.cueConflict.length > 0 ? spec.cueConflict.map((_, i) => i) : [undefined];
  let combos: number[][];
  if ((spec.sampling ?? SWEEP_DEFAULTS.sampling) === 'random') {
    const rng = mulberry32(spec.seed ?? SWEEP_DEFAULTS.seed);
    combos = Array.from({ length: spec.samples ?? SWEEP_DEFAULTS.samples }, () =>
      spec.parameters.map((p, i) => {
        const int = integer[i] ?? false;
        if (p.values) return roundValue(p.values[Math.min(p.values.length - 1, Math.floor(rng() * p.values.length))], int);
        const { from, to } = p.range ?? { from: 0, to: 0 };
        return roundValue(from + (to - from) * rng(), int);
      }),
    );
  } else {
    combos = [[]];
    spec.parameters.forEach((p, i) => {
      const values = parameterValues(p, integer[i] ?? false);
      combos = combos.flatMap((combo) => values.map((v) => [...combo, v]));
    });
  }
  const out: SweepConfiguration[] = [];
  for (const pair of pairs) {
    for (const values of combos) out.push(pair === undefined ? { index: out.length, values } : { index: out.length, pair, values });
  }
  return out;
}

/**
 * The scene of one configuration (a new object; `scene` is not changed): the cue-conflict pair's shape and surface,
 * then each parameter's value (`attack.*` values excepted: they belong to the sweep's attack). Perturbation parameters
 * absent from a step's params are added. The result has no
 * `sweep` section (it is what gets rendered and run, like a scene the user edited by hand).
 */
export function applyConfiguration(scene: Scene, spec: SweepSpec, config: SweepConfiguration): Scene {
  const { sweep: _sweep, ...base } = scene;
  let out = base as Scene;
  const pair = config.pair !== undefined ? spec.cueConflict?.[config.pair] : undefined;
  if (pair) {
    const { yaw, pitch, roll, scale, x, y, z } = out.object;
    const seed = out.object.kind === 'builtin' ? out.object.seed : 0;
    out = {
      ...out,
      object: { kind: 'builtin', name: pair.shape, seed, params: {}, morph: null, yaw, pitch, roll, scale, x, y, z },
      material: { ...out.material, texture: pair.texture ? { kind: 'builtin', name: pair.texture.name, seed: pair.texture.seed ?? 0 } : null, texture2: null, textureMorph: 0, color: pair.color ?? '#ffffff' },
    };
  }
  spec.parameters.forEach((p, i) => {
    if (isAttackPath(p.path)) return; // a value of the sweep's attack (attack.ts configurationAttack), not of the scene
    const segments = parsePath(p.path);
    if (!segments) throw new Error(`sweep.parameters[${i}].path "${p.path}" is not a path`);
    out = setAt(out, segments, config.values[i]);
  });
  return out;
}
