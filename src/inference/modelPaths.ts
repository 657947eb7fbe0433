/**
 * Where a scene's model reference points, and whether the extension may load it. No vscode import, so the rules
 * are unit-tested in plain Node (test/unit/modelPaths.test.ts).
 *
 * A scene file from a cloned repository must not make the extension read arbitrary files, so a model has to
 * live inside the scene's workspace folder, the extension's own models folder, or a folder the user listed in
 * `perturber.models.searchPaths`.
 */
import * as path from 'node:path';

export interface ModelPathContext {
  /** Absolute folder of the scene file (relative references start here). */
  sceneDir: string;
  /** Absolute `<extensionPath>/models`. */
  builtinDir: string;
  /** Absolute folders models may come from besides `builtinDir` (the workspace folder, search paths). */
  allowedRoots: readonly string[];
}

export type ResolvedModelPath =
  | { ok: true; onnxPath: string; manifestPath: string; builtin: boolean }
  | { ok: false; message: string };

const BUILTIN_PREFIX = 'builtin:';
const BUILTIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** True when `child` is `parent` or lies below it (no `..` escape, same drive). */
export function isInside(child: string, parent: string): boolean {
  const relative = path.relative(path.resolve(parent), path.resolve(child));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export function isInsideAny(child: string, parents: readonly string[]): boolean {
  return parents.some((parent) => isInside(child, parent));
}

/** `x.onnx` -> `x.model.json` beside it. */
export function manifestPathFor(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, '') + '.model.json';
}

/** A URL-like reference (`https:`, `file:`...) other than `builtin:`; a one-letter scheme is a Windows drive. */
function isUrl(ref: string): boolean {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(ref);
  return scheme !== null && scheme[1].toLowerCase() !== 'builtin';
}

/** Resolves a scene's `models[i].path` to the files to load, or says why it may not be loaded. */
export function resolveModelPath(ref: string, ctx: ModelPathContext): ResolvedModelPath {
  const trimmed = ref.trim();
  if (trimmed === '') return { ok: false, message: 'the model path is empty' };
  if (trimmed.toLowerCase().startsWith(BUILTIN_PREFIX)) {
    // `builtin:NAME` is models/NAME/NAME.onnx; `builtin:GROUP/NAME` is models/GROUP/NAME.onnx (the lab trio).
    const parts = trimmed.slice(BUILTIN_PREFIX.length).split('/');
    if (parts.length > 2 || parts.some((part) => !BUILTIN_NAME.test(part) || part.includes('..'))) {
      return { ok: false, message: `"${trimmed}" is not a valid built-in model name (NAME or GROUP/NAME of letters, digits, _ . -)` };
    }
    const [group, name = group] = parts;
    const onnxPath = path.join(ctx.builtinDir, group, `${name}.onnx`);
    return { ok: true, onnxPath, manifestPath: manifestPathFor(onnxPath), builtin: true };
  }
  if (isUrl(trimmed)) {
    return { ok: false, message: `"${trimmed}" is a URL; models are loaded from files in the workspace only` };
  }
  if (!/\.onnx$/i.test(trimmed)) {
    return { ok: false, message: `"${trimmed}" is not an .onnx file` };
  }
  const onnxPath = path.resolve(ctx.sceneDir, trimmed);
  if (!isInsideAny(onnxPath, [...ctx.allowedRoots, ctx.builtinDir])) {
    return {
      ok: false,
      message:
        `"${trimmed}" resolves to ${onnxPath}, outside the workspace folder and the extension's models folder; ` +
        'move the model into the workspace or add its folder to the "perturber.models.searchPaths" setting',
    };
  }
  return { ok: true, onnxPath, manifestPath: manifestPathFor(onnxPath), builtin: false };
}

/**
 * A scene's relative model reference looked up in the search path folders, in order: the first folder holding
 * `root/ref` wins (`mobilenet_v2.onnx` or `imagenet/mobilenet_v2.onnx` names a model kept in a folder listed in
 * `perturber.models.searchPaths`). The locator asks only when the file is not where the scene's folder puts it.
 * Absolute paths, `builtin:`, URLs, other extensions and references escaping the folder (`../x.onnx`) are not
 * looked up. `exists` says whether a file is there (injected, so the rule is tested without a file system).
 */
export async function findInSearchPaths(
  ref: string,
  searchPaths: readonly string[],
  exists: (file: string) => Promise<boolean>,
): Promise<ResolvedModelPath | undefined> {
  const trimmed = ref.trim();
  if (trimmed === '' || path.isAbsolute(trimmed) || trimmed.toLowerCase().startsWith(BUILTIN_PREFIX) || isUrl(trimmed)) return undefined;
  if (!/\.onnx$/i.test(trimmed)) return undefined;
  for (const root of searchPaths) {
    const onnxPath = path.resolve(root, trimmed);
    if (!isInside(onnxPath, root)) continue;
    if (await exists(onnxPath)) return { ok: true, onnxPath, manifestPath: manifestPathFor(onnxPath), builtin: false };
  }
  return undefined;
}

/** Search path settings -> absolute folders (relative entries are taken from `base`, the first workspace folder). */
export function absoluteSearchPaths(entries: readonly string[], base: string | undefined): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    if (path.isAbsolute(entry)) out.push(path.normalize(entry));
    else if (base !== undefined) out.push(path.resolve(base, entry));
  }
  return out;
}

/** The path to write in a scene for a model file: relative to the scene, with forward slashes so it is portable. */
export function scenePathFor(onnxPath: string, sceneDir: string, builtinDir: string): string {
  if (isInside(onnxPath, builtinDir)) {
    const name = path.basename(onnxPath).replace(/\.onnx$/i, '');
    const group = path.basename(path.dirname(onnxPath));
    if (path.resolve(onnxPath) === path.join(builtinDir, name, `${name}.onnx`)) return `${BUILTIN_PREFIX}${name}`;
    if (path.resolve(onnxPath) === path.join(builtinDir, group, `${name}.onnx`)) return `${BUILTIN_PREFIX}${group}/${name}`;
  }
  // On another Windows drive `relative` is absolute; it is still the right thing to write.
  return path.relative(sceneDir, onnxPath).split(path.sep).join('/');
}
