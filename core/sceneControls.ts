/**
 * The numeric scene controls the scene editor builds its sliders from.
 * Range, label and help text come from the scene JSON schema, so the sliders can never offer a value the
 * schema rejects, and the hover help matches the JSON editor's. Only step and unit are UI choices made here.
 * This file imports the schema JSON only (no ajv), so the webview can bundle it without `eval`.
 */
import schema from '../schemas/scene.schema.json';
import type { BackgroundExtras, ObjectPose, SceneCamera, SceneLight, SceneMaterial, ShapeMorph } from './sceneTypes';

export interface ControlSpec {
  /** Path into the scene, e.g. ["camera", "azimuth"]; its dotted form is the control's `data-path`. */
  path: string[];
  label: string;
  min: number;
  max: number;
  step: number;
  unit?: string;
  description: string;
}

export interface ControlGroup {
  group: string;
  controls: ControlSpec[];
}

type NumericKeys<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T] & string;

/** Every numeric scene value a slider can drive; a typo is a compile error, a schema mismatch a load-time error. */
export type NumericControlPath =
  | ['object', NumericKeys<ObjectPose>]
  | ['object', 'morph', NumericKeys<ShapeMorph>]
  | ['material', NumericKeys<SceneMaterial>]
  | ['background', NumericKeys<BackgroundExtras>]
  | ['camera', NumericKeys<SceneCamera>]
  | ['light', NumericKeys<SceneLight>];

const DEGREES = '°';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The schema of the property `key` of an object described by `node`: its own `properties`, else a union branch's
 * (`oneOf`, `then`). Union branches list shared properties as `{}`, so a non-empty schema wins.
 */
function propertySchema(node: unknown, key: string): Record<string, unknown> | undefined {
  if (!isRecord(node)) return undefined;
  const own = isRecord(node.properties) ? node.properties[key] : undefined;
  if (isRecord(own) && Object.keys(own).length > 0) return own;
  const nested = [node.then, ...(Array.isArray(node.oneOf) ? node.oneOf : [])];
  for (const branch of nested) {
    const found = propertySchema(branch, key);
    if (found) return found;
  }
  return undefined;
}

/** The schema of the value at `path` (exported for the webview's non-numeric controls and for tests). */
export function schemaAt(path: readonly string[]): Record<string, unknown> | undefined {
  let node: Record<string, unknown> | undefined = schema as unknown as Record<string, unknown>;
  for (const key of path) {
    node = propertySchema(node, key);
    if (!node) return undefined;
  }
  return node;
}

/** Reads one numeric property's schema; throws at load time if the schema lost a field the UI relies on. */
function control(path: NumericControlPath, step: number, unit?: string): ControlSpec {
  const dotted = path.join('.');
  const property = schemaAt(path);
  if (!property) throw new Error(`scene schema has no property ${dotted}`);
  const { title, description, minimum, maximum } = property;
  if (typeof title !== 'string' || typeof description !== 'string' || typeof minimum !== 'number' || typeof maximum !== 'number') {
    throw new Error(`scene schema property ${dotted} needs title, description, minimum and maximum`);
  }
  const spec: ControlSpec = { path: [...path], label: title, min: minimum, max: maximum, step, description };
  if (unit !== undefined) spec.unit = unit;
  return spec;
}

export const SCENE_CONTROL_GROUPS: ControlGroup[] = [
  {
    group: 'Object',
    controls: [
      control(['object', 'yaw'], 1, DEGREES),
      control(['object', 'pitch'], 1, DEGREES),
      control(['object', 'roll'], 1, DEGREES),
      control(['object', 'scale'], 0.01),
      control(['object', 'x'], 0.01),
      control(['object', 'y'], 0.01),
      control(['object', 'z'], 0.01),
    ],
  },
  {
    group: 'Shape',
    controls: [control(['object', 'morph', 'amount'], 0.01)],
  },
  {
    group: 'Material',
    controls: [
      control(['material', 'textureMorph'], 0.01),
      control(['material', 'textureScale'], 0.05),
      control(['material', 'roughness'], 0.01),
      control(['material', 'metalness'], 0.01),
    ],
  },
  {
    group: 'Background',
    controls: [
      control(['background', 'blur'], 0.1),
      control(['background', 'rotation'], 1, DEGREES),
      control(['background', 'brightness'], 0.01),
    ],
  },
  {
    group: 'Camera',
    controls: [
      control(['camera', 'azimuth'], 1, DEGREES),
      control(['camera', 'elevation'], 1, DEGREES),
      control(['camera', 'distance'], 0.05),
      control(['camera', 'translateX'], 0.01),
      control(['camera', 'translateY'], 0.01),
      control(['camera', 'roll'], 1, DEGREES),
      control(['camera', 'fov'], 1, DEGREES),
    ],
  },
  {
    group: 'Light',
    controls: [
      control(['light', 'azimuth'], 1, DEGREES),
      control(['light', 'elevation'], 1, DEGREES),
      control(['light', 'intensity'], 0.05),
      control(['light', 'ambient'], 0.05),
    ],
  },
];
