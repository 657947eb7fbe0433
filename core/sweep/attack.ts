/**
 * The pure parts of a sweep's `attack` (types.ts SweepAttack): which `attack.*` paths a sweep may vary and their
 * ranges, the attack of one configuration (defaults filled, swept values applied), the PGD options it gives
 * (core/attacks/pgd.ts), and the classes a row records (the attack's class always among them). The host side that
 * runs PGD per configuration is src/sweep/sweepAttack.ts.
 */
import type { PgdOptions } from '../attacks/pgd';
import { ATTACK_DEFAULTS, type ResolvedSweepAttack, type SweepAttack, type SweepConfiguration, type SweepSpec } from './types';

/** The attack values a sweep parameter may name, as `attack.<name>`. */
export const ATTACK_PARAMETERS = ['epsilon', 'steps', 'relativeStepSize'] as const;
type AttackParameter = (typeof ATTACK_PARAMETERS)[number];

/** The CSV columns an attack sweep adds (log p(class) on the attacked model before and after PGD). */
export const ATTACK_COLUMNS = ['attack_objective_before', 'attack_objective_after'] as const;

/** Largest epsilon per norm: a whole pixel range for linf; the settings' limit (perturber.attack.l2Epsilon) for l2. */
export const MAX_EPSILON = { linf: 1, l2: 1000 } as const;
export const MAX_ATTACK_STEPS = 1000;
export const MAX_RELATIVE_STEP_SIZE = 10;

/** True for a sweep parameter path of the attack (`attack.epsilon`...), which is not a value of the scene. */
export function isAttackPath(path: string): boolean {
  return path.startsWith('attack.') || path === 'attack';
}

function isAttackParameter(name: unknown): name is AttackParameter {
  return typeof name === 'string' && (ATTACK_PARAMETERS as readonly string[]).includes(name);
}

/** The range of `attack.<name>` (segments as paths.ts parses them), or why it cannot be swept. */
export function attackParameterRange(
  attack: SweepAttack | undefined,
  segments: readonly (string | number)[],
): { min: number; max: number; integer: boolean; source: string } | { error: string } {
  if (typeof attack !== 'object' || attack === null) {
    return { error: 'attack.* values need a "sweep.attack" section (the PGD attack to run at each configuration)' };
  }
  const name = segments[1];
  if (segments.length !== 2 || !isAttackParameter(name)) {
    return { error: `the attack's values that can be swept are ${ATTACK_PARAMETERS.map((n) => `attack.${n}`).join(', ')}` };
  }
  const norm = attack.norm ?? ATTACK_DEFAULTS.norm;
  if (name === 'epsilon') return { min: 0, max: MAX_EPSILON[norm], integer: false, source: `the ${norm} attack` };
  if (name === 'steps') return { min: 0, max: MAX_ATTACK_STEPS, integer: true, source: 'the attack' };
  return { min: 0, max: MAX_RELATIVE_STEP_SIZE, integer: false, source: 'the attack' };
}

/** `attack` with every default filled. */
export function resolveAttack(attack: SweepAttack): ResolvedSweepAttack {
  return {
    model: attack.model,
    class: attack.class,
    mode: attack.mode ?? ATTACK_DEFAULTS.mode,
    norm: attack.norm ?? ATTACK_DEFAULTS.norm,
    epsilon: attack.epsilon,
    steps: attack.steps ?? ATTACK_DEFAULTS.steps,
    relativeStepSize: attack.relativeStepSize ?? ATTACK_DEFAULTS.relativeStepSize,
    randomStart: attack.randomStart ?? ATTACK_DEFAULTS.randomStart,
    seed: attack.seed ?? ATTACK_DEFAULTS.seed,
  };
}

/** The attack of one configuration: the spec's attack with the configuration's `attack.*` values (none: undefined). */
export function configurationAttack(spec: SweepSpec, config: SweepConfiguration): ResolvedSweepAttack | undefined {
  if (!spec.attack) return undefined;
  const out = resolveAttack(spec.attack);
  spec.parameters.forEach((p, i) => {
    const name = p.path.slice('attack.'.length);
    if (isAttackPath(p.path) && isAttackParameter(name)) out[name] = config.values[i];
  });
  return out;
}

/** PGD's options for an attack: step = relativeStepSize x epsilon, as the Attack Scene settings define it. */
export function attackPgdOptions(attack: ResolvedSweepAttack): PgdOptions {
  return {
    norm: attack.norm,
    epsilon: attack.epsilon,
    stepSize: attack.relativeStepSize * attack.epsilon,
    steps: attack.steps,
    randomStart: attack.randomStart,
    seed: attack.seed,
  };
}

/** The classes whose probability gets a column: `record.classes`, then the attack's class when not among them. */
export function recordedClasses(spec: SweepSpec): string[] {
  const classes = [...(spec.record?.classes ?? [])];
  const target = spec.attack?.class;
  if (target !== undefined && !classes.some((c) => c.toLowerCase() === target.toLowerCase())) classes.push(target);
  return classes;
}
