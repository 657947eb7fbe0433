/**
 * Checkpoint families that follow a folder: a manifest's `checkpoints` given as a file pattern relative to the
 * manifest ("runs/exp1/ckpt_*.onnx", or `{ "pattern": ..., "label": ... }`). A tiny matcher rather than a glob
 * library (none is a dependency): `*` matches any run of characters within one path segment (not a leading dot),
 * `?` one character; `**`, braces and classes are not supported (brackets and braces are literal). Matches sort
 * naturally (ckpt_2 before ckpt_10); the last number in the text the wildcards matched is the checkpoint's step.
 * Pure: the host lists the folders (src/inference/checkpointFamily.ts).
 */
import { checkpointPathProblem } from './checkpoints';
import type { CheckpointPattern, CheckpointSpec, ModelManifest } from './manifestTypes';

/** At most this many matches make the family (the last ones in order: a long run keeps its newest checkpoints). */
export const MAX_PATTERN_MATCHES = 256;

/** The default label: `step {step}` when the matched text holds a number, else the file name without `.onnx`. */
export const DEFAULT_LABEL = 'step {step}';

/** The manifest's `checkpoints` as a pattern (string or object form), or undefined for an explicit list or none. */
export function checkpointPattern(manifest: Pick<ModelManifest, 'checkpoints'>): CheckpointPattern | undefined {
  const c = manifest.checkpoints;
  if (typeof c === 'string') return { pattern: c };
  if (c !== undefined && !Array.isArray(c)) return c;
  return undefined;
}

/** The explicit checkpoint list of a manifest ([] for a pattern family or a plain model). */
export function checkpointList(manifest: Pick<ModelManifest, 'checkpoints'>): CheckpointSpec[] {
  return Array.isArray(manifest.checkpoints) ? manifest.checkpoints : [];
}

/** The pattern's path segments, `.` and empty segments dropped, `..` applied (the pattern must not leave). */
export function patternSegments(pattern: string): string[] {
  const out: string[] = [];
  for (const segment of pattern.trim().split(/[\\/]+/)) {
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
  }
  return out;
}

/** Most `*` in one folder or file name of a pattern (each one multiplies the work of matching a name). */
export const MAX_STARS = 4;

/** Whether a pattern segment has a `*` or `?` (else it is a plain name). */
export function hasWildcard(segment: string): boolean {
  return /[*?]/.test(segment);
}

/** Why a pattern cannot be used, or undefined: the path rules of listed checkpoints, plus the wildcards allowed. */
export function checkpointPatternProblem(pattern: string): string | undefined {
  const pathProblem = checkpointPathProblem(pattern);
  if (pathProblem !== undefined) return pathProblem;
  if (pattern.includes('**')) return 'uses **, which is not supported: * stays within one folder level, so give one per level (runs/*/ckpt_*.onnx)';
  const segments = patternSegments(pattern);
  if (segments.some((segment) => starCount(segment) > MAX_STARS)) return `has more than ${MAX_STARS} * in one name`;
  const last = segments[segments.length - 1] ?? '';
  if (!/\.onnx$/i.test(last)) return 'must end in .onnx';
  return undefined;
}

function starCount(segment: string): number {
  return segment.split('*').length - 1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/**
 * Matches one path segment against one pattern segment; returns the text each wildcard matched (in order), or
 * null. A wildcard never matches a leading dot (hidden and temporary files stay out).
 */
export function matchSegment(glob: string, name: string): string[] | null {
  if (name.startsWith('.') && !glob.startsWith('.')) return null;
  if (starCount(glob) > MAX_STARS) return null;
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '(.*?)';
    else if (ch === '?') source += '(.)';
    else source += escapeRegExp(ch);
  }
  const match = new RegExp(`^${source}$`, 'su').exec(name);
  return match ? match.slice(1) : null;
}

/** Matches a relative path (any separator) against a whole pattern; the wildcards' texts, or null. */
export function matchPattern(pattern: string, relativePath: string): string[] | null {
  const globs = patternSegments(pattern);
  const names = relativePath.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (globs.length !== names.length) return null;
  const captures: string[] = [];
  for (let i = 0; i < globs.length; i++) {
    if (!hasWildcard(globs[i])) {
      if (globs[i] !== names[i]) return null;
      continue;
    }
    const found = matchSegment(globs[i], names[i]);
    if (!found) return null;
    captures.push(...found);
  }
  return captures;
}

/** Natural order: digit runs compare by value (ckpt_2 before ckpt_10), the rest by code point; ties by the text. */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string): string[] => s.match(/\d+|\D+/g) ?? [];
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i];
    const y = cb[i];
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const dx = x.replace(/^0+(?=\d)/, '');
      const dy = y.replace(/^0+(?=\d)/, '');
      if (dx.length !== dy.length) return dx.length - dy.length;
      if (dx !== dy) return dx < dy ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The last number in the wildcards' texts (the step of `ckpt_0200.onnx` is 200), or undefined. */
export function stepOf(captures: readonly string[]): number | undefined {
  const numbers = captures.join('/').match(/\d+/g);
  if (!numbers) return undefined;
  const value = Number(numbers[numbers.length - 1]);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A checkpoint's label from the template (`{step}`, `{name}`: the file name without .onnx). */
export function patternLabel(template: string | undefined, fileName: string, step: number | undefined): string {
  const name = fileName.replace(/\.onnx$/i, '');
  if (template === undefined && step === undefined) return name;
  const text = (template ?? DEFAULT_LABEL).replace(/\{name\}/g, name).replace(/\{step\}/g, step === undefined ? name : String(step));
  return text.trim() === '' ? name : text;
}

/**
 * The family a pattern makes of candidate files (paths relative to the manifest's folder, any separator): the
 * matches in natural order (the last MAX_PATTERN_MATCHES), each labelled, with its step when its name has one.
 */
export function matchCheckpoints(spec: CheckpointPattern, candidates: readonly string[]): CheckpointSpec[] {
  const found: { path: string; captures: string[] }[] = [];
  for (const candidate of candidates) {
    const normal = candidate.split(/[\\/]+/).filter((s) => s !== '' && s !== '.').join('/');
    const captures = matchPattern(spec.pattern, normal);
    if (captures) found.push({ path: normal, captures });
  }
  found.sort((x, y) => naturalCompare(x.path, y.path));
  return found.slice(-MAX_PATTERN_MATCHES).map(({ path, captures }) => {
    const step = stepOf(captures);
    const label = patternLabel(spec.label, path.split('/').pop() ?? path, step);
    return step === undefined ? { label, path } : { label, path, step };
  });
}

/** A problem of a manifest's checkpoint paths or pattern, at a JSON path (for located diagnostics). */
export interface ManifestPathProblem {
  path: (string | number)[];
  /** The offending path or pattern. */
  value: string;
  /** What is wrong with it ("leaves the manifest's folder"). */
  problem: string;
}

/** `/checkpoints/0/path "../a.onnx" leaves the manifest's folder`: the line parseManifest reports. */
export function describePathProblem(p: ManifestPathProblem): string {
  return `/${p.path.join('/')} "${p.value}" ${p.problem}`;
}

/**
 * What the schema cannot say about `checkpoints` (paths that leave the manifest's folder, URLs, absolute paths,
 * unsupported wildcards), each at its JSON path. Takes the raw JSON value: it also runs on manifests being edited.
 */
export function manifestPathProblems(manifest: unknown): ManifestPathProblem[] {
  if (typeof manifest !== 'object' || manifest === null) return [];
  const checkpoints: unknown = (manifest as { checkpoints?: unknown }).checkpoints;
  const check = (path: (string | number)[], value: unknown, rule: (v: string) => string | undefined): ManifestPathProblem[] => {
    const problem = typeof value === 'string' ? rule(value) : undefined;
    return problem === undefined || typeof value !== 'string' ? [] : [{ path, value, problem }];
  };
  if (typeof checkpoints === 'string') return check(['checkpoints'], checkpoints, checkpointPatternProblem);
  if (Array.isArray(checkpoints)) {
    return checkpoints.flatMap((c: unknown, i) =>
      check(['checkpoints', i, 'path'], typeof c === 'object' && c !== null ? (c as { path?: unknown }).path : undefined, checkpointPathProblem),
    );
  }
  if (typeof checkpoints === 'object' && checkpoints !== null) {
    return check(['checkpoints', 'pattern'], (checkpoints as { pattern?: unknown }).pattern, checkpointPatternProblem);
  }
  return [];
}
