/**
 * Upgrades scene files written by older versions of the extension, one version step at a time. Each step takes
 * the raw JSON value of version N (possibly partial or invalid: validation runs after migration) and returns
 * version N + 1, leaving anything it does not understand in place so validation can report it.
 * Pure data in, data out: the host writes the result back to the document on the first edit from the UI.
 */
import { SCENE_VERSION } from './sceneTypes';

export type JsonObject = Record<string, unknown>;

export interface MigrationStep {
  /** The version this step reads; it writes `from + 1`. */
  from: number;
  /** What changed, for the changelog and test names. */
  description: string;
  migrate(value: JsonObject): JsonObject;
  /**
   * Values the step moved: [path in the new version, path in the old one]. Diagnostics about a moved value are
   * located at its place in the old text, which is what the user sees until the file is rewritten.
   */
  moved: readonly (readonly [readonly string[], readonly string[]])[];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own-property assignment: a key like "__proto__" stays an ordinary key (it is reported as unknown later). */
function put(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function has(value: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(value, key);
}

/** A copy of `source` with `extra` entries added where missing, after the existing ones. */
function withMissing(source: JsonObject, extra: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(source)) put(out, key, item);
  for (const [key, item] of Object.entries(extra)) if (!has(out, key)) put(out, key, item);
  return out;
}

/** v1 -> v2 (issue 3): the object's colour becomes the material's; objects gain seed, params, morph and a position; backgrounds gain blur, rotation and brightness. */
function v1ToV2(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'version') {
      put(out, key, 2);
    } else if (key === 'object' && isObject(item)) {
      const { color, ...rest } = item;
      const kind = has(rest, 'kind') ? rest.kind : 'builtin';
      // Reads as the v2 defaults do: what the object is, then its shape, then its pose.
      const head: JsonObject = { kind };
      if (has(rest, 'name')) put(head, 'name', rest.name);
      const shape: JsonObject = kind === 'builtin' ? withMissing(head, { seed: 0, params: {}, morph: null }) : head;
      put(out, key, withMissing(withMissing(shape, rest), { x: 0, y: 0, z: 0 }));
      if (color !== undefined) {
        const material = isObject(value.material) ? value.material : {};
        if (!has(material, 'color')) put(out, 'material', withMissing({ color }, material));
      }
    } else if (key === 'material' && has(out, 'material')) {
      // Already merged with the object's colour above.
    } else if (key === 'background' && isObject(item)) {
      put(out, key, withMissing(item, { blur: 0, rotation: 0, brightness: 1 }));
    } else {
      put(out, key, item);
    }
  }
  return out;
}

/** Every step, oldest first; `MIGRATIONS[i].from === i + 1` and the last one writes SCENE_VERSION. */
export const MIGRATIONS: readonly MigrationStep[] = [
  {
    from: 1,
    description: 'v1 -> v2: object.color -> material.color; object seed/params/morph/x/y/z; background blur/rotation/brightness',
    migrate: v1ToV2,
    moved: [[['material', 'color'], ['object', 'color']]],
  },
];

export interface MigrationResult {
  /** The value at SCENE_VERSION, or the input itself when there was nothing to migrate. */
  value: JsonObject;
  /** The version the input had when it was migrated; SCENE_VERSION when it was not (current, newer or invalid version). */
  from: number;
}

/** Brings a scene value of an older version up to SCENE_VERSION. The input is not modified. */
export function migrateScene(value: JsonObject): MigrationResult {
  const version = value.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version >= SCENE_VERSION) {
    return { value, from: SCENE_VERSION };
  }
  const first = MIGRATIONS.findIndex((step) => step.from === version);
  if (first < 0) return { value, from: SCENE_VERSION };
  let current = value;
  for (const step of MIGRATIONS.slice(first)) current = step.migrate(current);
  return { value: current, from: version };
}

/**
 * Where a path of the migrated value was in the text of version `from` (the inverse of the steps' `moved`
 * lists), so a diagnostic can underline what the user wrote.
 */
export function pathInVersion(path: readonly string[], from: number): string[] {
  let out = [...path];
  for (const step of [...MIGRATIONS].reverse()) {
    if (step.from < from) break;
    for (const [now, before] of step.moved) {
      if (now.every((segment, i) => out[i] === segment)) {
        out = [...before, ...out.slice(now.length)];
        break;
      }
    }
  }
  return out;
}
