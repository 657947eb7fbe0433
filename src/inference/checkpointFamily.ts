/**
 * A model's checkpoint family on disk: reads the manifest's `checkpoints` (a list, or a pattern whose matches are
 * listed from the folders now), resolves each file beside the manifest (it must stay inside the manifest's folder,
 * links included) and names the files of each slider stop. Loading a stop goes through the ModelStore like any model
 * (the checkpoint's .onnx with the family's manifest).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { checkpointList, checkpointPattern, hasWildcard, matchCheckpoints, matchPattern, matchSegment, patternSegments } from '../../core/checkpointPattern';
import { checkpointIndexProblem, checkpointStops, stopIndex, type CheckpointStop } from '../../core/checkpoints';
import { parseManifest } from '../../core/manifest';
import type { CheckpointSpec } from '../../core/manifestTypes';
import type { ModelFiles } from './loadModel';
import { isInside } from './modelPaths';

export interface CheckpointFamilyFiles {
  /** The manifest's file name, for messages. */
  manifestName: string;
  /** How many checkpoints the manifest lists (valid `checkpoint` indices are 0..count-1). */
  count: number;
  /** The slider's stops in training order (see core/checkpoints.ts) and the files each one loads. */
  stops: CheckpointStop[];
  members: ModelFiles[];
  /** A family that follows a folder: its pattern and the manifest's folder it is relative to. */
  pattern?: { pattern: string; dir: string };
}

/** Most folder entries read while listing a pattern's matches (a pattern over a huge tree stops there). */
const MAX_LISTED = 20_000;

/** The files under `dir` that match the pattern's segments, relative to `dir` with forward slashes. */
export async function listPatternFiles(dir: string, pattern: string): Promise<string[]> {
  const segments = patternSegments(pattern);
  let level: string[] = [''];
  let listed = 0;
  for (const [i, glob] of segments.entries()) {
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const rel of level) {
      if (!hasWildcard(glob)) {
        next.push(rel === '' ? glob : `${rel}/${glob}`);
        continue;
      }
      let entries;
      try {
        entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (++listed > MAX_LISTED) break;
        const fits = last ? entry.isFile() || entry.isSymbolicLink() : entry.isDirectory() || entry.isSymbolicLink();
        if (fits && matchSegment(glob, entry.name)) next.push(rel === '' ? entry.name : `${rel}/${entry.name}`);
      }
    }
    level = next;
  }
  const files: string[] = [];
  for (const rel of level) {
    const stat = await fs.stat(path.join(dir, rel)).catch(() => undefined);
    if (stat?.isFile()) files.push(rel);
  }
  return files;
}

/** Whether a file created, changed or deleted at `fsPath` may belong to a pattern family (the family re-reads). */
export function followsPattern(family: CheckpointFamilyFiles | undefined, fsPath: string): boolean {
  if (!family?.pattern) return false;
  const rel = path.relative(family.pattern.dir, fsPath);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  return matchPattern(family.pattern.pattern, rel) !== null;
}

async function realpathOrSelf(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch {
    return p;
  }
}

/**
 * The family of a located model, or undefined when its manifest lists no checkpoints (or is missing or invalid:
 * loading the model reports that). Throws when a checkpoint's path leads out of the manifest's folder.
 */
export async function readCheckpointFamily(files: ModelFiles): Promise<CheckpointFamilyFiles | undefined> {
  let text: string;
  try {
    text = await fs.readFile(files.manifestPath, 'utf8');
  } catch {
    return undefined;
  }
  const manifest = parseManifest(text).manifest;
  if (!manifest) return undefined;
  const dir = path.dirname(files.manifestPath);
  const manifestName = path.basename(files.manifestPath);
  const pattern = checkpointPattern(manifest);
  let checkpoints: CheckpointSpec[] = checkpointList(manifest);
  if (pattern) checkpoints = matchCheckpoints(pattern, await listPatternFiles(dir, pattern.pattern));
  else if (checkpoints.length === 0) return undefined;
  const realDir = await realpathOrSelf(dir);
  const members: ModelFiles[] = [];
  for (const [i, checkpoint] of checkpoints.entries()) {
    const onnxPath = path.resolve(dir, checkpoint.path);
    const real = await realpathOrSelf(onnxPath);
    if (!isInside(onnxPath, dir) || !isInside(real, realDir)) {
      throw new Error(`checkpoint ${i} ("${checkpoint.label}") of ${manifestName}: ${checkpoint.path} leads outside the manifest's folder`);
    }
    members.push({ onnxPath, manifestPath: files.manifestPath, allowedRoots: files.allowedRoots });
  }
  const stops = checkpointStops(checkpoints, path.relative(dir, files.onnxPath));
  if (stops.length > checkpoints.length) members.push(files);
  const family: CheckpointFamilyFiles = { manifestName, count: checkpoints.length, stops, members };
  if (pattern) family.pattern = { pattern: pattern.pattern, dir };
  return family;
}

/**
 * Where the stop showing `checkpoint` of `before` is in `after` (the same .onnx file): the `checkpoint` value that
 * keeps the scene on that file once a pattern family changed, or undefined when it needs no change or is gone.
 */
export function movedCheckpoint(before: CheckpointFamilyFiles, after: CheckpointFamilyFiles, checkpoint: number | null | undefined): number | null | undefined {
  if (checkpoint === null || checkpoint === undefined) return undefined;
  const old = before.members[stopIndex(before.stops, checkpoint)];
  if (!old) return undefined;
  const index = after.members.findIndex((m) => path.resolve(m.onnxPath) === path.resolve(old.onnxPath));
  const value = index >= 0 ? after.stops[index].value : undefined;
  return value === checkpoint ? undefined : value;
}

/** The files a scene model's `checkpoint` value loads; throws a user-facing Error for a bad index. */
export function checkpointFiles(files: ModelFiles, family: CheckpointFamilyFiles | undefined, checkpoint: number | null | undefined): ModelFiles {
  if (checkpoint === null || checkpoint === undefined) return files;
  const problem = checkpointIndexProblem(checkpoint, family?.count ?? 0, family?.manifestName ?? path.basename(files.manifestPath), family?.pattern?.pattern);
  if (problem !== undefined) throw new CheckpointIndexError(problem);
  // A valid index always has its stop (stops hold every checkpoint in order).
  return family!.members[stopIndex(family!.stops, checkpoint)];
}

/** A `checkpoint` index the family does not have: located at `models[i].checkpoint` rather than at the path. */
export class CheckpointIndexError extends Error {}

/** A failed load of a checkpoint, naming it: `checkpoint 2 ("epoch 3") of x.model.json: model file not found: ...`. */
export function checkpointLoadError(family: CheckpointFamilyFiles, stop: number, error: unknown): Error {
  const s = family.stops[stop];
  const message = error instanceof Error ? error.message : String(error);
  if (!s || s.value === null) return error instanceof Error ? error : new Error(message);
  return new Error(`checkpoint ${s.value} ("${s.label}") of ${family.manifestName}: ${message}`);
}
