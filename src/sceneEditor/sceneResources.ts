/**
 * The workspace files a scene names (object file, image textures, background image): which they are, where they
 * resolve, and which the webview may not load. No vscode import, so the rules are unit-tested in plain Node
 * (test/unit/sceneResources.test.ts); sceneResourceFiles.ts adds the file system, webview URIs and watching.
 *
 * Like model paths (../inference/modelPaths.ts), a scene from a cloned repository must not make the editor read
 * arbitrary files: every reference is relative to the scene file and has to stay inside its workspace folder.
 */
import * as path from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { Scene, SceneDiagnostic } from '../../core/sceneTypes';
import { isInside } from '../inference/modelPaths';

export type SceneResourceKind = 'object' | 'texture' | 'background';

/** One file reference in a scene. */
export interface SceneResourceRef {
  kind: SceneResourceKind;
  /** As written in the scene (the key of `resourceUris`). */
  ref: string;
  /** JSON path of the reference in the scene file, for diagnostics. */
  jsonPath: (string | number)[];
}

/** File types the webview can load as the object. */
export const OBJECT_FILE_EXTENSIONS = ['.obj', '.gltf', '.glb'] as const;

/** Every workspace file the scene names, in a stable order (object, textures, background). */
export function sceneResourceRefs(scene: Scene): SceneResourceRef[] {
  const refs: SceneResourceRef[] = [];
  if (scene.object.kind === 'file') refs.push({ kind: 'object', ref: scene.object.path, jsonPath: ['object', 'path'] });
  for (const key of ['texture', 'texture2'] as const) {
    const texture = scene.material[key];
    if (texture?.kind === 'image') refs.push({ kind: 'texture', ref: texture.path, jsonPath: ['material', key, 'path'] });
  }
  if (scene.background.kind === 'image') refs.push({ kind: 'background', ref: scene.background.path, jsonPath: ['background', 'path'] });
  return refs;
}

export type ResolvedResource = { ok: true; file: string } | { ok: false; message: string };

const LABELS: Record<SceneResourceKind, string> = { object: 'object file', texture: 'texture image', background: 'background image' };

export function resourceLabel(kind: SceneResourceKind): string {
  return LABELS[kind];
}

/** A URL-like reference (`https:`, `file:`, `data:`...); a one-letter scheme is a Windows drive. */
function isUrl(ref: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(ref);
}

/**
 * Resolves a reference against the scene file's folder. Refuses empty references, URLs and anything outside
 * `workspaceFolder` (undefined: the scene is not in a workspace folder, so nothing may load).
 */
export function resolveSceneResource(
  kind: SceneResourceKind,
  ref: string,
  sceneDir: string,
  workspaceFolder: string | undefined,
): ResolvedResource {
  const label = LABELS[kind];
  const trimmed = ref.trim();
  if (trimmed === '') return { ok: false, message: `the ${label} path is empty` };
  if (isUrl(trimmed)) {
    return { ok: false, message: `${label} "${ref}" is a URL; ${label}s load from files inside the workspace only` };
  }
  if (kind === 'object') {
    const extension = path.extname(trimmed).toLowerCase();
    if (!(OBJECT_FILE_EXTENSIONS as readonly string[]).includes(extension)) {
      return {
        ok: false,
        message: `${label} "${ref}" has an unsupported type "${extension || '(none)'}"; use ${OBJECT_FILE_EXTENSIONS.join(', ')}`,
      };
    }
  }
  const file = path.resolve(sceneDir, trimmed);
  if (workspaceFolder === undefined || !isInside(file, workspaceFolder)) {
    return {
      ok: false,
      message: `${label} "${ref}" is outside the workspace folder; ${label}s load from inside the workspace only`,
    };
  }
  return { ok: true, file };
}

/** The message for a reference whose file does not exist. */
export function notFoundMessage(kind: SceneResourceKind, ref: string): string {
  return `${LABELS[kind]} not found: ${ref}`;
}

/** Diagnostics for scene resources are errors for the object (nothing to show) and warnings for the rest. */
export function resourceDiagnostic(text: string, resource: SceneResourceRef, message: string): SceneDiagnostic {
  return {
    message,
    path: resource.jsonPath.join('.'),
    ...locateJsonPath(text, resource.jsonPath),
    severity: resource.kind === 'object' ? 'error' : 'warning',
  };
}

/** Offset and length of the value at a JSON path, or of the nearest existing parent. */
export function locateJsonPath(text: string, segments: readonly (string | number)[]): { offset: number; length: number } {
  const root = parseTree(text);
  if (!root) return { offset: 0, length: 0 };
  for (let n = segments.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, segments.slice(0, n));
    if (node) return { offset: node.offset, length: node.length };
  }
  return { offset: 0, length: 0 };
}

/** `uri` with a version query, so the webview loads the file anew after it changed on disk. */
export function versionedUri(uri: string, version: number): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}v=${Math.floor(version)}`;
}
