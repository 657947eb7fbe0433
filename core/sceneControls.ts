/**
 * The numeric scene controls the scene editor builds its sliders from.
 * Range, label and help text come from the scene JSON schema, so the sliders can never offer a value the
 * schema rejects, and the hover help matches the JSON editor's. Only step and unit are UI choices made here.
 * This file imports the schema JSON only (no ajv), so the webview can bundle it without `eval`.
 */
import schema from '../schemas/scene.schema.json';
import type { SceneCamera, SceneLight, SceneObject } from './sceneTypes';

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

interface SectionKeys {
  object: NumericKeys<SceneObject>;
  camera: NumericKeys<SceneCamera>;
  light: NumericKeys<SceneLight>;
}

const DEGREES = '°';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one numeric property's schema; throws at load time if the schema lost a field the UI relies on. */
function control<S extends keyof SectionKeys>(section: S, key: SectionKeys[S], step: number, unit?: string): ControlSpec {
  const sectionSchema: unknown = (schema.properties as Record<string, unknown>)[section];
  const properties = isRecord(sectionSchema) ? sectionSchema.properties : undefined;
  const property = isRecord(properties) ? properties[key] : undefined;
  if (!isRecord(property)) throw new Error(`scene schema has no property ${section}.${key}`);
  const { title, description, minimum, maximum } = property;
  if (typeof title !== 'string' || typeof description !== 'string' || typeof minimum !== 'number' || typeof maximum !== 'number') {
    throw new Error(`scene schema property ${section}.${key} needs title, description, minimum and maximum`);
  }
  const spec: ControlSpec = { path: [section, key], label: title, min: minimum, max: maximum, step, description };
  if (unit !== undefined) spec.unit = unit;
  return spec;
}

export const SCENE_CONTROL_GROUPS: ControlGroup[] = [
  {
    group: 'Object',
    controls: [
      control('object', 'yaw', 1, DEGREES),
      control('object', 'pitch', 1, DEGREES),
      control('object', 'roll', 1, DEGREES),
      control('object', 'scale', 0.01),
    ],
  },
  {
    group: 'Camera',
    controls: [
      control('camera', 'azimuth', 1, DEGREES),
      control('camera', 'elevation', 1, DEGREES),
      control('camera', 'distance', 0.05),
      control('camera', 'translateX', 0.01),
      control('camera', 'translateY', 0.01),
      control('camera', 'roll', 1, DEGREES),
      control('camera', 'fov', 1, DEGREES),
    ],
  },
  {
    group: 'Light',
    controls: [
      control('light', 'azimuth', 1, DEGREES),
      control('light', 'elevation', 1, DEGREES),
      control('light', 'intensity', 0.05),
      control('light', 'ambient', 0.05),
    ],
  },
];
