/**
 * Reading and writing an index folder (see core/datasetIndex.ts for the format, ./topkFile.ts for the top-k files).
 * Every file is written as `.tmp` and renamed; the matrices first, index.json last, so a reader that finds index.json
 * finds its matrices (and checks their shapes against it). Plain Node.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { decodeNpy, encodeNpy } from '../../core/attacks/npy';
import { parseIndexManifest, type IndexManifest, type Matrix } from '../../core/datasetIndex';
import { decodeTopk, encodeTopk, topkOfMeans, type TopkMatrix } from './topkFile';

export const INDEX_FILE = 'index.json';

export interface LayerMatrices {
  means: Matrix;
  max: Matrix;
}

async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, file);
}

/**
 * Writes index.json and every layer's matrices into `dir` (created when missing); a layer that lists a `topk` file
 * gets it, ranked from its means.
 */
export async function writeIndex(dir: string, manifest: IndexManifest, matrices: ReadonlyMap<string, LayerMatrices>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const layer of manifest.layers) {
    const m = matrices.get(layer.tensor);
    if (!m) throw new Error(`no matrices for layer ${layer.tensor}`);
    for (const [file, matrix] of [[layer.means, m.means], [layer.max, m.max]] as const) {
      if (matrix.rows !== manifest.images.length || matrix.cols !== layer.channels) {
        throw new Error(`${file}: [${matrix.rows}, ${matrix.cols}] does not match ${manifest.images.length} images x ${layer.channels} channels`);
      }
      await writeAtomic(path.join(dir, file), encodeNpy(matrix.data, [matrix.rows, matrix.cols]));
    }
    const topk = layer.topk;
    if (topk !== undefined) await writeAtomic(path.join(dir, topk), encodeTopk(topkOfMeans(m.means)));
  }
  await writeAtomic(path.join(dir, INDEX_FILE), JSON.stringify(manifest, null, 1) + '\n');
}

/** index.json of `dir`, or an error message (missing, unreadable, another format). */
export async function readIndexManifest(dir: string): Promise<{ manifest: IndexManifest } | { error: string }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, INDEX_FILE), 'utf8');
  } catch (error) {
    return { error: `cannot read ${path.join(dir, INDEX_FILE)}: ${(error as Error).message}` };
  }
  return parseIndexManifest(text);
}

/** One matrix file of an index, checked against the shape index.json promises. */
export async function readMatrix(dir: string, file: string, rows: number, cols: number): Promise<Matrix> {
  const { data, shape } = decodeNpy(new Uint8Array(await fs.readFile(path.join(dir, file))));
  if (shape.length !== 2 || shape[0] !== rows || shape[1] !== cols) {
    throw new Error(`${file} has shape [${shape.join(', ')}], index.json says [${rows}, ${cols}]`);
  }
  return { rows, cols, data };
}

/** Both matrices of a layer of an index. */
export async function readLayer(dir: string, manifest: IndexManifest, tensor: string): Promise<LayerMatrices | undefined> {
  const layer = manifest.layers.find((l) => l.tensor === tensor);
  if (!layer) return undefined;
  const rows = manifest.images.length;
  return {
    means: await readMatrix(dir, layer.means, rows, layer.channels),
    max: await readMatrix(dir, layer.max, rows, layer.channels),
  };
}

/** A layer's stored top-k, or undefined when the index has none (written before top-k files) or it does not read. */
export async function readTopk(dir: string, manifest: IndexManifest, tensor: string): Promise<TopkMatrix | undefined> {
  const layer = manifest.layers.find((l) => l.tensor === tensor);
  // index.json is a file anyone can edit: a name with a separator could point out of the index folder.
  if (!layer || typeof layer.topk !== 'string' || /[\\/]/.test(layer.topk)) return undefined;
  const bytes = await fs.readFile(path.join(dir, layer.topk)).catch(() => undefined);
  if (!bytes) return undefined;
  try {
    return decodeTopk(new Uint8Array(bytes), layer.channels, manifest.images.length);
  } catch {
    return undefined;
  }
}
