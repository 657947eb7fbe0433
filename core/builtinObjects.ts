/**
 * The built-in objects' metadata (label, family, shape parameters) and the pure part of their generators:
 * resolving a scene object's parameters from defaults, overrides, seed variation and shape morph.
 * The geometry itself is built in webview/scene/builtins/ (three.js); see docs/SCENE_V2.md.
 */
import { hashInts, mulberry32 } from './noise';
import type { BuiltinObjectName, BuiltinSceneObject } from './sceneTypes';

export interface BuiltinParam {
  name: string;
  label: string;
  min: number;
  max: number;
  default: number;
  description: string;
  /** Set for integer-valued parameters (e.g. a torus knot's windings); those get no seed variation. */
  step?: number;
}

export type BuiltinFamily = 'quadruped' | 'rigid';

export interface BuiltinObjectInfo {
  name: BuiltinObjectName;
  label: string;
  family: BuiltinFamily;
  params: BuiltinParam[];
}

type ParamSpec = Omit<BuiltinParam, 'default'>;

/** The shared parameter set of the four-legged animals (lengths relative to a body of height ~0.5). */
const QUADRUPED_SPECS: readonly ParamSpec[] = [
  { name: 'bodyLength', label: 'Body length', min: 0.7, max: 2.2, description: 'Length of the torso, shoulder to hip.' },
  { name: 'bodyHeight', label: 'Body height', min: 0.25, max: 0.8, description: 'Thickness of the torso.' },
  { name: 'legLength', label: 'Leg length', min: 0.25, max: 1.3, description: 'Length of the legs below the torso.' },
  { name: 'legThickness', label: 'Leg thickness', min: 0.05, max: 0.25, description: 'Diameter of the legs.' },
  { name: 'neckLength', label: 'Neck length', min: 0, max: 0.7, description: 'Length of the neck between shoulders and head.' },
  { name: 'headSize', label: 'Head size', min: 0.2, max: 0.6, description: 'Diameter of the skull.' },
  { name: 'snoutLength', label: 'Snout length', min: 0, max: 0.5, description: 'How far the muzzle sticks out of the head.' },
  { name: 'earSize', label: 'Ear size', min: 0.05, max: 0.4, description: 'Length of the ears.' },
  {
    name: 'earPointiness', label: 'Ear pointiness', min: 0, max: 1,
    description: '0: floppy ears hanging down (dog), 1: pointed upright triangular ears (cat).',
  },
  { name: 'tailLength', label: 'Tail length', min: 0, max: 1.6, description: 'Length of the tail.' },
  { name: 'tailCurl', label: 'Tail curl', min: 0, max: 1, description: '0: tail hangs down, 1: tail curves up and forward.' },
];

/** Species defaults for the shared parameter set. */
const SPECIES: Record<'dog' | 'cat', Record<string, number>> = {
  dog: {
    bodyLength: 1.25, bodyHeight: 0.5, legLength: 0.7, legThickness: 0.14, neckLength: 0.4, headSize: 0.36,
    snoutLength: 0.3, earSize: 0.3, earPointiness: 0, tailLength: 0.6, tailCurl: 0.45,
  },
  cat: {
    bodyLength: 1.0, bodyHeight: 0.38, legLength: 0.32, legThickness: 0.09, neckLength: 0.1, headSize: 0.34,
    snoutLength: 0.05, earSize: 0.17, earPointiness: 1, tailLength: 0.95, tailCurl: 0.8,
  },
};

function quadruped(name: 'dog' | 'cat', label: string): BuiltinObjectInfo {
  return { name, label, family: 'quadruped', params: QUADRUPED_SPECS.map((s) => ({ ...s, default: SPECIES[name][s.name] })) };
}

function p(name: string, label: string, min: number, max: number, def: number, description: string, step?: number): BuiltinParam {
  return step === undefined ? { name, label, min, max, default: def, description } : { name, label, min, max, default: def, description, step };
}

function rigid(name: BuiltinObjectName, label: string, params: BuiltinParam[] = []): BuiltinObjectInfo {
  return { name, label, family: 'rigid', params };
}

/** Every built-in object, in the order the UI lists them. Must agree with the schema's enum (a unit test checks). */
export const BUILTIN_OBJECTS: readonly BuiltinObjectInfo[] = [
  quadruped('dog', 'Dog'),
  quadruped('cat', 'Cat'),
  rigid('car', 'Car', [
    p('length', 'Length', 1.6, 3.2, 2.3, 'Length of the car relative to its width.'),
    p('roofHeight', 'Roof height', 0.15, 0.6, 0.34, 'Height of the cabin above the bonnet.'),
    p('wheelSize', 'Wheel size', 0.2, 0.5, 0.33, 'Diameter of the wheels.'),
  ]),
  rigid('mug', 'Mug', [p('height', 'Height', 0.6, 1.6, 1, 'Height of the mug relative to its diameter.')]),
  rigid('bottle', 'Bottle', [
    p('neckLength', 'Neck length', 0.1, 0.9, 0.45, 'Length of the neck relative to the body.'),
    p('bodyWidth', 'Body width', 0.2, 0.55, 0.32, 'Diameter of the body relative to its height.'),
  ]),
  rigid('chair', 'Chair', [
    p('backHeight', 'Back height', 0.3, 1.3, 0.8, 'Height of the backrest above the seat.'),
    p('legLength', 'Leg length', 0.3, 0.9, 0.6, 'Height of the seat above the floor.'),
  ]),
  rigid('table', 'Table', [
    p('length', 'Length', 0.8, 2.5, 1.6, 'Length of the table top relative to its depth.'),
    p('legLength', 'Leg length', 0.3, 1.2, 0.75, 'Height of the table top.'),
  ]),
  rigid('airplane', 'Airplane', [
    p('wingSpan', 'Wing span', 1.2, 4, 2.6, 'Wing span relative to the fuselage length.'),
    p('wingSweep', 'Wing sweep', 0, 45, 20, 'Sweep of the wings in degrees.'),
  ]),
  rigid('boat', 'Boat', [
    p('length', 'Length', 1.5, 4, 2.6, 'Length of the hull relative to its beam.'),
    p('mastHeight', 'Mast height', 0, 2.5, 1.4, 'Height of the mast (0: no mast).'),
  ]),
  rigid('house', 'House', [
    p('width', 'Width', 0.8, 2.5, 1.5, 'Width of the house relative to its depth.'),
    p('roofHeight', 'Roof height', 0.2, 1.4, 0.7, 'Height of the pitched roof.'),
  ]),
  rigid('teapot', 'Teapot', [p('height', 'Height', 0.6, 1.5, 1, 'Vertical stretch of the teapot.')]),
  rigid('tree', 'Tree', [
    p('crownSize', 'Crown size', 0.4, 1.6, 1, 'Size of the crown relative to the trunk.'),
    p('trunkHeight', 'Trunk height', 0.2, 1.5, 0.7, 'Height of the bare trunk below the crown.'),
    p('crownPointiness', 'Crown pointiness', 0, 1, 0, '0: round broadleaf crown, 1: pointed conifer.'),
  ]),
  rigid('cube', 'Cube'),
  rigid('sphere', 'Sphere'),
  rigid('torusKnot', 'Torus knot', [
    p('tube', 'Tube', 0.1, 0.5, 0.3, 'Thickness of the tube.'),
    p('p', 'Windings p', 1, 7, 2, 'How often the knot winds around its axis of symmetry.', 1),
    p('q', 'Windings q', 1, 7, 3, 'How often the knot winds around the interior circle.', 1),
  ]),
];

const BY_NAME = new Map(BUILTIN_OBJECTS.map((o) => [o.name, o]));

/** Metadata of a built-in object. */
export function builtinObjectInfo(name: BuiltinObjectName): BuiltinObjectInfo {
  const info = BY_NAME.get(name);
  if (!info) throw new Error(`unknown built-in object "${name}"`);
  return info;
}

/** Whether a shape morph from `a` to `b` is possible: both are four-legged animals built by one generator. */
export function morphCompatible(a: BuiltinObjectName, b: BuiltinObjectName): boolean {
  return builtinObjectInfo(a).family === 'quadruped' && builtinObjectInfo(b).family === 'quadruped';
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Defaults of `name` with the finite, known overrides applied and clamped to each parameter's range. */
function withOverrides(info: BuiltinObjectInfo, overrides: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const param of info.params) {
    const v = overrides[param.name];
    const value = typeof v === 'number' && Number.isFinite(v) ? clamp(v, param.min, param.max) : param.default;
    out[param.name] = param.step ? clamp(Math.round(value / param.step) * param.step, param.min, param.max) : value;
  }
  return out;
}

/** A four-legged animal's parameters: the species' defaults with `overrides` applied (clamped to the ranges). */
export function quadrupedParams(name: BuiltinObjectName, overrides: Record<string, number> = {}): Record<string, number> {
  const info = builtinObjectInfo(name);
  if (info.family !== 'quadruped') throw new Error(`${name} is not a four-legged animal`);
  return withOverrides(info, overrides);
}

/** Seed variation: each continuous parameter moves by up to this fraction of its range. */
const SEED_JITTER = 0.04;

/**
 * Small seeded variation of the proportions. The offsets depend only on the seed and the parameter's name, so the
 * dog and the cat with the same seed vary alike and a morph between them stays a blend of two varied animals.
 */
function jittered(info: BuiltinObjectInfo, values: Record<string, number>, seed: number): Record<string, number> {
  if (seed === 0) return values; // seed 0 is the canonical object, exactly its parameters
  const out: Record<string, number> = { ...values };
  for (const param of info.params) {
    if (param.step) continue;
    const rng = mulberry32(hashInts(seed, ...Array.from(param.name, (c) => c.charCodeAt(0))));
    const offset = (rng() * 2 - 1) * SEED_JITTER * (param.max - param.min);
    out[param.name] = clamp(values[param.name] + offset, param.min, param.max);
  }
  return out;
}

/** The error a scene gets for a shape morph between objects that cannot be blended. */
export function morphError(a: BuiltinObjectName, b: BuiltinObjectName): string {
  const animals = BUILTIN_OBJECTS.filter((o) => o.family === 'quadruped').map((o) => o.name).join(', ');
  return `shape morph needs two four-legged animals (${animals}); ${a} -> ${b} is not supported`;
}

/**
 * The parameters a built-in object is generated from: defaults, the scene's overrides, the seed's variation and, for
 * a shape morph, the blend `(1 - amount) * own + amount * target`, which is exactly the object itself at 0 and exactly
 * the target (same overrides and seed) at 1. Throws for a morph between incompatible objects.
 */
export function resolveBuiltinParams(object: Pick<BuiltinSceneObject, 'name' | 'seed' | 'params' | 'morph'>): Record<string, number> {
  const info = builtinObjectInfo(object.name);
  const seed = Math.max(0, Math.floor(object.seed)) || 0;
  const own = jittered(info, withOverrides(info, object.params), seed);
  const morph = object.morph;
  if (!morph || morph.target === object.name) return own;
  if (!morphCompatible(object.name, morph.target)) throw new Error(morphError(object.name, morph.target));
  const t = clamp(Number.isFinite(morph.amount) ? morph.amount : 0, 0, 1);
  const targetInfo = builtinObjectInfo(morph.target);
  const target = jittered(targetInfo, withOverrides(targetInfo, object.params), seed);
  const out: Record<string, number> = {};
  for (const param of info.params) out[param.name] = (1 - t) * own[param.name] + t * target[param.name];
  return out;
}
