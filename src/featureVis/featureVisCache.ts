/**
 * The feature-visualisation cache on disk: `<root>/<sha256 of the model file, first 16 hex>/<key>.png` plus
 * `<key>.json` beside it (the activation reached, the activation on random noise, the settings, model file, layer,
 * tensor, neuron, unit, sign, date). `key` hashes the layer tensor, the neuron (and unit / sign) and every setting, so
 * a changed setting or a changed model file (another sha256 -> another folder) never shows a stale image. Writes are
 * atomic (a `.tmp` file renamed into place); the PNG is written before its .json, and an entry counts only when
 * both exist and the .json parses.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { RenderSettings } from '../../core/featureVis/types';
import type { FeatureVisObjective } from '../../core/sceneTypes';

export interface CacheTargetKey {
  sha256: string;
  tensor: string;
  neuron: number;
  unit?: { y: number; x: number };
  negative?: boolean;
}

export interface CacheRecord {
  activation: number;
  randomActivation: number;
  settings: RenderSettings;
  modelFile: string;
  layer: string;
  tensor: string;
  neuron: number;
  unit?: { y: number; x: number };
  negative: boolean;
  /** The objective kind (a scene's featureVis.objective): from `unit` and `negative`. */
  objective: FeatureVisObjective;
  stepsDone: number;
  date: string;
}

/**
 * The settings in a fixed key order (so the hash does not depend on how the object was built). `objective` and `unit`
 * are left out: what they choose is the target's `unit` / `negative`, which cacheKey hashes itself (so a channel
 * image keeps its key whether or not the scene names `objective: "channel"`).
 */
export function canonicalSettings(s: RenderSettings): RenderSettings {
  return {
    size: s.size, steps: s.steps, learningRate: s.learningRate, transforms: s.transforms,
    fourier: s.fourier, decorrelate: s.decorrelate, seed: s.seed, batch: s.batch,
  };
}

/** The objective kind of a target. */
export function objectiveKind(t: { unit?: unknown; negative?: boolean }): FeatureVisObjective {
  return t.unit ? 'unit' : t.negative ? 'negative' : 'channel';
}

export function cacheKey(t: CacheTargetKey, settings: RenderSettings): string {
  const text = JSON.stringify([1, t.tensor, t.neuron, t.unit ? [t.unit.y, t.unit.x] : null, t.negative === true, canonicalSettings(settings)]);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 24);
  const neuron = `${t.tensor.replace(/[^\w.-]+/g, '_').slice(0, 60)}-${t.neuron}${t.unit ? `-u${t.unit.x}_${t.unit.y}` : ''}${t.negative ? '-neg' : ''}`;
  return `${neuron}-${hash}`;
}

export function cachePaths(root: string, t: CacheTargetKey, settings: RenderSettings): { dir: string; png: string; json: string } {
  const dir = path.join(root, t.sha256.slice(0, 16));
  const key = cacheKey(t, settings);
  return { dir, png: path.join(dir, `${key}.png`), json: path.join(dir, `${key}.json`) };
}

/** A cached entry as a data: URL and its record; undefined when absent or unreadable. */
export function readCached(root: string, t: CacheTargetKey, settings: RenderSettings): { png: string; record: CacheRecord } | undefined {
  const p = cachePaths(root, t, settings);
  try {
    const record = JSON.parse(fs.readFileSync(p.json, 'utf8')) as CacheRecord;
    if (typeof record.activation !== 'number' || typeof record.randomActivation !== 'number') return undefined;
    const bytes = fs.readFileSync(p.png);
    return { png: `data:image/png;base64,${bytes.toString('base64')}`, record };
  } catch {
    return undefined;
  }
}

async function writeAtomic(file: string, data: Buffer | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.promises.writeFile(tmp, data);
  await fs.promises.rename(tmp, file);
}

/** Writes the PNG, then the .json; returns the PNG's data: URL. */
export async function writeCached(root: string | undefined, t: CacheTargetKey, settings: RenderSettings, png: Buffer, record: CacheRecord): Promise<string> {
  if (root) {
    const p = cachePaths(root, t, settings);
    await fs.promises.mkdir(p.dir, { recursive: true });
    await writeAtomic(p.png, png);
    await writeAtomic(p.json, `${JSON.stringify(record, null, 2)}\n`);
  }
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** CHW RGB floats in [0, 1] (size x size) as an 8-bit RGB(A) PNG. */
export function encodePng(chw: ArrayLike<number>, size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  const plane = size * size;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) png.data[4 * i + c] = Math.max(0, Math.min(255, Math.round(chw[c * plane + i] * 255)));
    png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png);
}
