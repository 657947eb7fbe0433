/**
 * Sweep parameter paths: `camera.azimuth`, `perturbations[1].params.sigma` -> segments, the allowed range of the
 * value they name (schema minimum/maximum for scene values, the op registry for perturbation parameters, the
 * built-in object's parameter list for `object.params.*`), and reading/writing the value in a scene.
 */
import schema from '../../schemas/scene.schema.json';
import { attackParameterRange } from './attack';
import { builtinObjectInfo } from '../builtinObjects';
import { findOp } from '../perturbations/registry';
import type { BuiltinObjectName, Scene } from '../sceneTypes';

export type Segment = string | number;

export interface ParameterRange {
  min: number;
  max: number;
  integer: boolean;
  /** Where the range comes from, for messages ("the schema", "op gaussianBlur"). */
  source: string;
}

const SEGMENT = /^(?:([A-Za-z_$][\w$]*)|\[(\d+)\])/;

/** `a.b[2].c` -> ['a', 'b', 2, 'c'], or null when it is not such a path. */
export function parsePath(path: string): Segment[] | null {
  const out: Segment[] = [];
  let rest = path;
  while (rest.length > 0) {
    if (out.length > 0 && rest.startsWith('.')) rest = rest.slice(1);
    else if (out.length > 0 && !rest.startsWith('[')) return null;
    const m = SEGMENT.exec(rest);
    if (!m) return null;
    out.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  return out.length > 0 ? out : null;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at `segments` in `value` (undefined when a step is missing). */
export function getAt(value: unknown, segments: readonly Segment[]): unknown {
  let v = value;
  for (const s of segments) {
    if (typeof s === 'number') v = Array.isArray(v) ? v[s] : undefined;
    else v = isObject(v) && Object.prototype.hasOwnProperty.call(v, s) ? v[s] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

/** A copy of `value` with `next` at `segments` (copies only along the path; the rest is shared). */
export function setAt<T>(value: T, segments: readonly Segment[], next: unknown): T {
  if (segments.length === 0) return next as T;
  const [head, ...rest] = segments;
  if (typeof head === 'number') {
    const copy = Array.isArray(value) ? [...value] : [];
    copy[head] = setAt(copy[head], rest, next);
    return copy as T;
  }
  const base: Json = isObject(value) ? value : {};
  return { ...base, [head]: setAt(base[head], rest, next) } as T;
}

/** The schema node of a scene path (following `properties` and `items`), or undefined. */
function schemaNode(segments: readonly Segment[]): Json | undefined {
  let node: unknown = schema;
  for (const s of segments) {
    if (!isObject(node)) return undefined;
    if (typeof s === 'number') node = node.items;
    else node = property(node, s);
  }
  return isObject(node) ? node : undefined;
}

/** A property's schema in a node or in one of its branches (`oneOf`, `anyOf`, `allOf`, `then`). */
function property(node: Json, name: string): unknown {
  if (isObject(node.properties) && isObject(node.properties[name])) return node.properties[name];
  for (const key of ['oneOf', 'anyOf', 'allOf']) {
    const branches = node[key];
    if (!Array.isArray(branches)) continue;
    for (const b of branches) {
      const found = isObject(b) ? property(b, name) : undefined;
      if (found !== undefined) return found;
    }
  }
  return isObject(node.then) ? property(node.then, name) : undefined;
}

/**
 * The range of the numeric value `segments` names in `scene`, or why it cannot be swept. Perturbation parameters
 * need an existing step whose op has that number parameter (absent params take the op's default); object parameters
 * a built-in object with that parameter; `attack.*` the sweep's `attack` section (attack.ts); anything else a number
 * in the schema with a minimum and a maximum.
 */
export function parameterRange(scene: Scene, segments: readonly Segment[]): ParameterRange | { error: string } {
  const [top] = segments;
  if (top === 'attack') return attackParameterRange(scene.sweep?.attack, segments);
  if (top === 'perturbations') {
    const [, index, params, name] = segments;
    if (typeof index !== 'number' || params !== 'params' || typeof name !== 'string' || segments.length !== 4) {
      return { error: 'a perturbation parameter is written perturbations[i].params.NAME' };
    }
    const step = scene.perturbations[index];
    if (!step) return { error: `the scene has no perturbations[${index}] (it has ${scene.perturbations.length} steps)` };
    const op = findOp(step.op);
    if (!op) return { error: `perturbations[${index}] has the unknown op "${step.op}"` };
    const param = op.params.find((p) => p.name === name);
    if (!param || (param.kind !== 'number' && param.kind !== 'integer')) {
      const numeric = op.params.filter((p) => p.kind === 'number' || p.kind === 'integer').map((p) => p.name);
      return { error: `op ${op.id} has no numeric parameter "${name}" (numeric: ${numeric.join(', ') || 'none'})` };
    }
    return { min: param.min, max: param.max, integer: param.kind === 'integer', source: `op ${op.id}` };
  }
  if (top === 'object' && segments[1] === 'params') {
    if (scene.object.kind !== 'builtin') return { error: 'object.params.* needs a built-in object' };
    const name = segments[2];
    const info = builtinObjectInfo(scene.object.name as BuiltinObjectName);
    const param = typeof name === 'string' && segments.length === 3 ? info.params.find((p) => p.name === name) : undefined;
    if (!param) return { error: `the built-in ${scene.object.name} has no parameter "${String(name)}" (parameters: ${info.params.map((p) => p.name).join(', ') || 'none'})` };
    return { min: param.min, max: param.max, integer: false, source: `the built-in ${scene.object.name}` };
  }
  if (top === 'models' || top === 'version' || top === 'sweep' || top === 'featureVis') {
    return { error: `${String(top)} cannot be swept: sweep values of the scene (camera, light, object, material, background, perturbations)` };
  }
  if (top === 'object' && segments[1] === 'morph' && scene.object.kind === 'builtin' && !scene.object.morph) {
    return { error: 'the object has no morph (object.morph is null): give it one, e.g. "morph": { "target": "cat", "amount": 0 }, to sweep its amount' };
  }
  const value = getAt(scene, segments);
  if (typeof value !== 'number') {
    return { error: value === undefined ? 'the scene has no value there' : `the value there is not a number (${JSON.stringify(value)})` };
  }
  const node = schemaNode(segments);
  const min = node?.minimum;
  const max = node?.maximum;
  if (typeof min !== 'number' || typeof max !== 'number') return { error: 'the schema gives that value no range, so it cannot be swept' };
  return { min, max, integer: node?.type === 'integer', source: 'the schema' };
}
