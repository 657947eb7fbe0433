/**
 * Checkpoint families (a manifest's `checkpoints`, a scene model's `checkpoint` index): which paths a manifest may
 * name, and the stops of the scene editor's checkpoint slider. Pure, shared by the host, the webview and the tests.
 *
 * Slider stops: one per checkpoint in training order, then "final" (the manifest's own .onnx, `checkpoint` absent
 * or null) as the last stop, unless the last checkpoint already is that file (then null shows on that stop).
 */
import type { CheckpointSpec } from './manifestTypes';

/**
 * The URL rule of core/sceneChecks.ts `isSuspiciousPath`, stricter (no scheme at all, not even `builtin:`), kept
 * here so the scene webview can import this file without bundling the checks (and the perturbation ops).
 */
function isUrl(p: string): boolean {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(p);
  return scheme !== null;
}

/** Label of the slider's last stop when the manifest's own file is not one of its checkpoints. */
export const FINAL_LABEL = 'final';

/** One stop of the checkpoint slider (and one point of the plots along the family). */
export interface CheckpointStop {
  /** What `models[i].checkpoint` is set to for this stop (null: the manifest's own .onnx). */
  value: number | null;
  label: string;
  step?: number;
}

/** The family of a scene model as the webview gets it: the slider's stops in training order. */
export interface CheckpointFamily {
  stops: CheckpointStop[];
}

/**
 * Why a checkpoint path may not be used, or undefined when it is fine: it must be relative, stay inside the
 * manifest's folder tree and name no URL (the same rule scenes follow for their files).
 */
export function checkpointPathProblem(p: string): string | undefined {
  const trimmed = p.trim();
  if (trimmed === '') return 'is empty';
  if (isUrl(trimmed)) return 'is a URL; checkpoints are files beside the manifest';
  if (/^([a-zA-Z]:|[\\/])/.test(trimmed)) return 'is absolute; give it relative to the manifest';
  let depth = 0;
  for (const segment of trimmed.split(/[\\/]+/)) {
    if (segment === '..') depth--;
    else if (segment !== '.' && segment !== '') depth++;
    if (depth < 0) return "leaves the manifest's folder";
  }
  return undefined;
}

/** Normalised relative path (forward slashes, no `.` segments), to compare a checkpoint with the own file. */
function normalise(p: string): string {
  const out: string[] = [];
  for (const segment of p.trim().split(/[\\/]+/)) {
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
  }
  return out.join('/');
}

/**
 * The slider stops of a family. `ownFile` is the manifest's own .onnx file name (relative to the manifest's
 * folder), to tell whether the last checkpoint is that file.
 */
export function checkpointStops(checkpoints: readonly CheckpointSpec[], ownFile: string): CheckpointStop[] {
  const stops: CheckpointStop[] = checkpoints.map((c, i) => (c.step === undefined ? { value: i, label: c.label } : { value: i, label: c.label, step: c.step }));
  const last = checkpoints[checkpoints.length - 1];
  if (!last || normalise(last.path) !== normalise(ownFile)) stops.push({ value: null, label: FINAL_LABEL });
  return stops;
}

/** The stop a scene model's `checkpoint` value shows on (null/absent: the own file's stop), -1 when out of range. */
export function stopIndex(stops: readonly CheckpointStop[], checkpoint: number | null | undefined): number {
  if (checkpoint === null || checkpoint === undefined) {
    const own = stops.findIndex((s) => s.value === null);
    return own >= 0 ? own : stops.length - 1;
  }
  return stops.findIndex((s) => s.value === checkpoint);
}

/** Human text for a bad `checkpoint` index, or undefined when it is valid for a family of `count` checkpoints. */
export function checkpointIndexProblem(checkpoint: number | null | undefined, count: number, manifestName: string, pattern?: string): string | undefined {
  if (checkpoint === null || checkpoint === undefined) return undefined;
  if (count === 0 && pattern !== undefined) return `checkpoint ${checkpoint}: no file matches the checkpoint pattern "${pattern}" of ${manifestName} yet`;
  if (count === 0) return `checkpoint ${checkpoint}: ${manifestName} lists no checkpoints (remove "checkpoint" or add "checkpoints" to the manifest)`;
  if (checkpoint >= count) {
    return `checkpoint ${checkpoint} is beyond the checkpoint family of ${manifestName} (${count} checkpoint${count === 1 ? '' : 's'}: 0..${count - 1})`;
  }
  return undefined;
}
