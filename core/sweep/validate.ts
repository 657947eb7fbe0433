/**
 * Checks of a scene's `sweep` section that the JSON schema cannot make, located in the text: each parameter path
 * names an existing numeric value of this scene, its values lie in that value's range (the schema's minimum/maximum,
 * the op registry's for perturbation parameters; attack.ts's for `attack.*`, which need a `sweep.attack` section), the
 * models exist (the attacked one too), the sweep is not absurdly large.
 */
import type { Node } from 'jsonc-parser';
import { diagnostic, displayPath, locate } from '../sceneText';
import type { Scene, SceneDiagnostic } from '../sceneTypes';
import { MAX_EPSILON } from './attack';
import { configurationCount, parameterValues } from './configurations';
import { parameterRange, parsePath, type ParameterRange } from './paths';
import { MAX_CONFIGURATIONS, type SweepSpec } from './types';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The range of each parameter of a valid sweep (undefined where the path is bad), for expandConfigurations. */
export function parameterRanges(scene: Scene, spec: SweepSpec): (ParameterRange | undefined)[] {
  return spec.parameters.map((p) => {
    const segments = parsePath(p.path);
    const range = segments ? parameterRange(scene, segments) : undefined;
    return range && !('error' in range) ? range : undefined;
  });
}

/** Diagnostics of `value.sweep` (value: the scene with defaults filled, possibly still invalid elsewhere). */
export function sweepDiagnostics(value: Json, root: Node): SceneDiagnostic[] {
  const sweep = value.sweep;
  if (!isObject(sweep)) return [];
  const out: SceneDiagnostic[] = [];
  const report = (segments: string[], message: string): void => {
    const { node, path } = locate(root, ['sweep', ...segments]);
    out.push(diagnostic(message, displayPath(path), node));
  };
  const scene = value as unknown as Scene;
  const parameters = Array.isArray(sweep.parameters) ? sweep.parameters : [];
  const seen = new Map<string, number>();
  parameters.forEach((raw: unknown, i: number) => {
    if (!isObject(raw) || typeof raw.path !== 'string') return; // the schema reports it
    const at = ['parameters', String(i)];
    const segments = parsePath(raw.path);
    if (!segments) return report([...at, 'path'], `"${raw.path}" is not a path like camera.azimuth or perturbations[0].params.sigma`);
    const first = seen.get(raw.path);
    if (first !== undefined) return report([...at, 'path'], `"${raw.path}" is already swept by parameters[${first}]`);
    seen.set(raw.path, i);
    let range: ParameterRange | { error: string };
    try {
      range = parameterRange(scene, segments);
    } catch {
      return; // the scene itself is invalid there: its own diagnostics say so
    }
    if ('error' in range) return report([...at, 'path'], `cannot sweep ${raw.path}: ${range.error}`);
    const hasValues = Array.isArray(raw.values);
    const hasRange = isObject(raw.range);
    if (hasValues === hasRange) return report(at, `give either "values" or "range" for ${raw.path}`);
    const check = (where: string[], v: unknown): void => {
      if (typeof v !== 'number') return;
      if (v < range.min || v > range.max) report(where, `${v} is outside ${raw.path}'s range ${range.min}..${range.max} (${range.source})`);
      else if (range.integer && !Number.isInteger(v)) report(where, `${raw.path} takes integers (${range.source}), not ${v}`);
    };
    if (hasValues) (raw.values as unknown[]).forEach((v, j) => check([...at, 'values', String(j)], v));
    else {
      const r = raw.range as Json;
      check([...at, 'range', 'from'], r.from);
      check([...at, 'range', 'to'], r.to);
      if (range.integer && typeof r.steps === 'number' && typeof r.from === 'number' && typeof r.to === 'number') {
        const values = parameterValues({ path: raw.path, range: { from: r.from, to: r.to, steps: r.steps } });
        if (values.some((v) => !Number.isInteger(v))) report([...at, 'range', 'steps'], `${raw.path} takes integers: ${r.steps} steps from ${r.from} to ${r.to} give fractions`);
      }
    }
  });
  const modelIds = Array.isArray(value.models) ? value.models.filter(isObject).map((m) => m.id) : [];
  if (Array.isArray(sweep.models)) {
    sweep.models.forEach((id: unknown, i: number) => {
      if (typeof id === 'string' && !modelIds.includes(id)) report(['models', String(i)], `the scene has no model "${id}" (models: ${modelIds.join(', ') || 'none'})`);
    });
  }
  const attack = sweep.attack;
  if (isObject(attack)) {
    if (typeof attack.model === 'string' && !modelIds.includes(attack.model)) {
      report(['attack', 'model'], `the scene has no model "${attack.model}" to attack (models: ${modelIds.join(', ') || 'none'})`);
    }
    if (typeof attack.epsilon === 'number' && attack.norm !== 'l2' && attack.epsilon > MAX_EPSILON.linf) {
      report(['attack', 'epsilon'], `a linf epsilon is at most ${MAX_EPSILON.linf} (pixel units of [0, 1]), not ${attack.epsilon}`);
    }
  }
  const pairs = Array.isArray(sweep.cueConflict) ? sweep.cueConflict.length : 0;
  if (sweep.analysis === 'shapeBias' && pairs === 0) report(['analysis'], 'the shape-bias analysis needs cue-conflict scenes in "cueConflict"');
  if (pairs > 0) {
    parameters.forEach((p: unknown, i: number) => {
      if (isObject(p) && typeof p.path === 'string' && /^object\.(params|morph)\b/.test(p.path)) {
        report(['parameters', String(i), 'path'], `cue-conflict pairs replace the object, so ${p.path} cannot be swept with them`);
      }
    });
  }
  if (out.length === 0) {
    try {
      const n = configurationCount(sweep as unknown as SweepSpec);
      if (n > MAX_CONFIGURATIONS) report(['parameters'], `the sweep has ${n} configurations; at most ${MAX_CONFIGURATIONS}`);
      if (n === 0) report(['parameters'], 'the sweep has no configuration');
    } catch {
      // malformed: the schema reports it
    }
  }
  return out;
}
