/**
 * The files one "Perturber: Attack Scene" run writes under `<workspace>/.perturber/attacks/`:
 * `<scene>-<model>-<target>-<n>.npy` (the delta, float32 [3, H, W]), `.json` (the run's record), `.png` (the attacked
 * model input) and `-delta.png` (the delta amplified to be visible). Every write is atomic (`.tmp`, then rename), so
 * the scene's pipeline never reads half a file.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { encodeNpy } from '../../core/attacks/npy';
import type { ThreatModel } from '../../core/attacks/pgd';
import { floatToRgba } from '../../core/perturbations/pipeline';
import type { FloatImage } from '../../core/perturbations/types';

export interface AttackPaths {
  npy: string;
  json: string;
  png: string;
  deltaPng: string;
}

/** A file-name-safe slug: letters, digits, '.', '_' and '-' (at most 40 characters; 'x' when nothing is left). */
export function slug(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 40);
  return s === '' ? 'x' : s;
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** The first unused `<scene>-<model>-<target>-<n>` (n from 1) in `<root>/.perturber/attacks/`, folder created. */
export async function attackPaths(root: string, sceneFile: string, modelId: string, target: string): Promise<AttackPaths> {
  const folder = path.join(root, '.perturber', 'attacks');
  await fs.mkdir(folder, { recursive: true });
  const sceneName = path.basename(sceneFile).replace(/\.perturber\.json$/i, '').replace(/\.json$/i, '');
  const stem = `${slug(sceneName)}-${slug(modelId)}-${slug(target)}`;
  for (let n = 1; ; n++) {
    const base = path.join(folder, `${stem}-${n}`);
    const paths = { npy: `${base}.npy`, json: `${base}.json`, png: `${base}.png`, deltaPng: `${base}-delta.png` };
    if (!(await exists(paths.npy)) && !(await exists(paths.json))) return paths;
  }
}

/** Writes `bytes` to `file` via `file.tmp` and a rename. */
export async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, file);
}

export function deltaNpy(delta: Float32Array, width: number, height: number): Uint8Array {
  return encodeNpy(delta, [3, height, width]);
}

function png(image: FloatImage): Buffer {
  const rgba = floatToRgba(image);
  const out = new PNG({ width: image.width, height: image.height });
  out.data.set(rgba.pixels);
  return PNG.sync.write(out);
}

/** The attacked model input clamp(x0 + delta, 0, 1) as a PNG. */
export function attackedPng(x0: FloatImage, delta: Float32Array): Buffer {
  const data = new Float32Array(x0.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, x0.data[i] + delta[i]));
  return png({ width: x0.width, height: x0.height, data });
}

/** The delta made visible: 0.5 + delta / (2 scale), scale = epsilon (Linf) or max |delta| (L2); grey = no change. */
export function deltaPng(delta: Float32Array, width: number, height: number, norm: ThreatModel, epsilon: number): Buffer {
  let scale = epsilon;
  if (norm === 'l2') {
    scale = 0;
    for (const v of delta) scale = Math.max(scale, Math.abs(v));
  }
  const data = new Float32Array(delta.length);
  for (let i = 0; i < data.length; i++) data[i] = scale > 0 ? 0.5 + delta[i] / (2 * scale) : 0.5;
  return png({ width, height, data });
}
