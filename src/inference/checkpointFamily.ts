/**
 * A model's checkpoint family on disk: reads the manifest's `checkpoints`, resolves each file beside the manifest
 * (it must stay inside the manifest's folder, links included) and names the files of each slider stop. Loading a
 * stop goes through the ModelStore like any model (the checkpoint's .onnx with the family's manifest).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { checkpointIndexProblem, checkpointStops, stopIndex, type CheckpointStop } from '../../core/checkpoints';
import { parseManifest } from '../../core/manifest';
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
  const checkpoints = manifest?.checkpoints ?? [];
  if (checkpoints.length === 0) return undefined;
  const dir = path.dirname(files.manifestPath);
  const manifestName = path.basename(files.manifestPath);
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
  return { manifestName, count: checkpoints.length, stops, members };
}

/** The files a scene model's `checkpoint` value loads; throws a user-facing Error for a bad index. */
export function checkpointFiles(files: ModelFiles, family: CheckpointFamilyFiles | undefined, checkpoint: number | null | undefined): ModelFiles {
  if (checkpoint === null || checkpoint === undefined) return files;
  const problem = checkpointIndexProblem(checkpoint, family?.count ?? 0, family?.manifestName ?? path.basename(files.manifestPath));
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
