/**
 * Checks of a scene that a JSON schema cannot express: no remote paths, unique model ids, and what core knows
 * about the built-in objects (parameter names and ranges, which shape morphs work) and the perturbation ops.
 */
import type { Node } from 'jsonc-parser';
import { BUILTIN_OBJECTS, morphCompatible, morphError } from './builtinObjects';
import { perturbationDiagnostics } from './perturbationChecks';
import { diagnostic, displayPath, keyNodeOf, locate } from './sceneText';
import { sweepDiagnostics } from './sweep/validate';
import type { SceneDiagnostic } from './sceneTypes';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for paths that name a URL rather than a file: the extension loads nothing remote (a scene from a
 * cloned repository must not make it fetch or read arbitrary locations). `builtin:NAME` is the one allowed
 * scheme; one-letter "schemes" are Windows drive letters, which the host's workspace check handles.
 */
export function isSuspiciousPath(p: string): boolean {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(p.trim());
  return scheme !== null && scheme[1].toLowerCase() !== 'builtin';
}

export function semanticDiagnostics(value: JsonObject, root: Node): SceneDiagnostic[] {
  const out: SceneDiagnostic[] = [];
  const checkPath = (p: unknown, segments: string[]): void => {
    if (typeof p !== 'string' || !isSuspiciousPath(p)) return;
    const { node, path } = locate(root, segments);
    out.push(
      diagnostic(`${displayPath(path)} "${p}" is a URL: remote loads are not allowed, use a file in the workspace`, displayPath(path), node),
    );
  };
  if (isObject(value.object)) checkPath(value.object.path, ['object', 'path']);
  if (isObject(value.material)) {
    for (const key of ['texture', 'texture2']) {
      const texture = value.material[key];
      if (isObject(texture)) checkPath(texture.path, ['material', key, 'path']);
    }
  }
  if (isObject(value.background)) checkPath(value.background.path, ['background', 'path']);
  out.push(...builtinObjectDiagnostics(value, root));
  out.push(...perturbationDiagnostics(value, root));
  out.push(...sweepDiagnostics(value, root));
  if (Array.isArray(value.models)) {
    const firstUse = new Map<string, number>();
    value.models.forEach((model: unknown, i: number) => {
      if (!isObject(model)) return;
      checkPath(model.path, ['models', String(i), 'path']);
      if (typeof model.id !== 'string') return;
      const first = firstUse.get(model.id);
      if (first === undefined) {
        firstUse.set(model.id, i);
        return;
      }
      const { node } = locate(root, ['models', String(i), 'id']);
      out.push(diagnostic(`duplicate model id "${model.id}" (already used by models[${first}])`, `models[${i}].id`, node));
    });
  }
  return out;
}

/** What the schema cannot know about a built-in object: its parameters' names and ranges, and which morphs work. */
function builtinObjectDiagnostics(value: JsonObject, root: Node): SceneDiagnostic[] {
  const object = value.object;
  if (!isObject(object)) return [];
  if (Object.prototype.hasOwnProperty.call(object, 'color')) {
    // The schema allows it so the JSON editor does not flag version 1 files; migration moves it out of those.
    const at = locate(root, ['object', 'color']);
    return [diagnostic('object.color is material.color since scene version 2', 'object.color', keyNodeOf(at.node) ?? at.node)];
  }
  if (object.kind !== 'builtin') return [];
  const info = BUILTIN_OBJECTS.find((o) => o.name === object.name);
  if (!info) return [];
  const out: SceneDiagnostic[] = [];
  if (isObject(object.params)) {
    for (const [name, given] of Object.entries(object.params)) {
      const param = info.params.find((p) => p.name === name);
      const at = locate(root, ['object', 'params', name]);
      const where = `object.params.${name}`;
      if (!param) {
        const known = info.params.length === 0 ? 'it has no shape parameters' : `its parameters are ${info.params.map((p) => p.name).join(', ')}`;
        out.push({ ...diagnostic(`${where} is not a parameter of the ${info.name} (ignored; ${known})`, where, keyNodeOf(at.node) ?? at.node), severity: 'warning' });
      } else if (typeof given === 'number' && (given < param.min || given > param.max)) {
        out.push(diagnostic(`${where} must be between ${param.min} and ${param.max}`, where, at.node));
      }
    }
  }
  const morph = object.morph;
  if (isObject(morph) && typeof morph.target === 'string' && morph.target !== info.name) {
    const target = BUILTIN_OBJECTS.find((o) => o.name === morph.target);
    if (target && !morphCompatible(info.name, target.name)) {
      const { node } = locate(root, ['object', 'morph', 'target']);
      out.push(diagnostic(`object.morph.target: ${morphError(info.name, target.name)}`, 'object.morph.target', node));
    }
  }
  return out;
}
