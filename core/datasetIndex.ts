/**
 * The dataset index ("Perturber: Index Image Folder"): the format and the maths, pure.
 *
 * On disk, one folder per (model file, image folder): `.perturber/index/<sha256[0..16]>/<folder slug>/` holding
 * `index.json` (an `IndexManifest`) and, per indexed layer, `<file>.means.npy` and `<file>.max.npy`: float32
 * matrices [images x channels] (row i = `images[i]`), the channel's mean and maximum over the layer's spatial map,
 * and `<file>.topk.npy`, each channel's most activating image rows.
 * NumPy: `np.load('.../conv2.means.npy')`. Top-k per channel and cosine nearest neighbours work on these matrices.
 */
import type { ModelInputSpec } from './manifestTypes';

export const INDEX_FORMAT = 'perturber-dataset-index';
export const INDEX_VERSION = 1;

export interface IndexedImage {
  /** Relative to the workspace folder, with `/` separators. */
  path: string;
  /** File size in bytes and modification time (ms since the epoch): an unchanged image is not indexed again. */
  size: number;
  mtimeMs: number;
}

export interface SkippedImage {
  path: string;
  reason: string;
}

export interface IndexLayer {
  tensor: string;
  alias?: string;
  channels: number;
  height: number;
  width: number;
  /** File names (in the index folder) of the [images x channels] matrices. */
  means: string;
  max: string;
  /** The [channels x k] int32 top-k file (src/datasetIndex/topkFile.ts); absent in indexes written before it. */
  topk?: string;
}

export interface IndexManifest {
  format: typeof INDEX_FORMAT;
  version: number;
  model: { file: string; sha256: string; displayName: string };
  input: ModelInputSpec;
  /** The indexed folder, relative to the workspace ('' = the workspace folder itself). */
  folder: string;
  layers: IndexLayer[];
  images: IndexedImage[];
  skipped: SkippedImage[];
  /** True when the run was cancelled: `images` are the ones done so far (a re-run reuses them). */
  partial: boolean;
  /** ISO date of the run. */
  created: string;
}

/** A row-major float32 matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export interface ChannelStats {
  means: Float32Array;
  max: Float32Array;
}

/**
 * Channel means and maxima of batch item `item` of a layer tensor: [N, C, H, W] / [N, H, W, C] by `layout`, or [N, C]
 * (a pooled or fully connected output, one value per channel). Sums in double precision in map order, as
 * `extractNeurons` does, so the means agree with the activations panel's.
 */
export function channelStats(data: Float32Array, dims: readonly number[], layout: 'NCHW' | 'NHWC', item: number): ChannelStats {
  let channels: number;
  let size: number;
  let channelStride: number;
  let pixelStride: number;
  if (dims.length === 2) {
    [channels, size, channelStride, pixelStride] = [dims[1], 1, 1, 1];
  } else if (dims.length === 4) {
    const nchw = layout === 'NCHW';
    channels = nchw ? dims[1] : dims[3];
    size = dims[2] * (nchw ? dims[3] : dims[1]);
    channelStride = nchw ? size : 1;
    pixelStride = nchw ? 1 : channels;
  } else {
    throw new Error(`layer tensor of shape [${dims.join(', ')}] is neither [N, C] nor 4-D`);
  }
  const perItem = channels * size;
  if (item < 0 || item >= dims[0] || data.length < (item + 1) * perItem) {
    throw new Error(`layer tensor [${dims.join(', ')}] has no batch item ${item}`);
  }
  const means = new Float32Array(channels);
  const max = new Float32Array(channels);
  const base = item * perItem;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let m = -Infinity;
    for (let i = 0, s = base + c * channelStride; i < size; i++, s += pixelStride) {
      const v = data[s];
      sum += v;
      if (v > m) m = v;
    }
    means[c] = size > 0 ? sum / size : 0;
    max[c] = size > 0 ? m : 0;
  }
  return { means, max };
}

/** Stacks equal-length rows into a matrix. */
export function stackRows(rows: readonly Float32Array[], cols: number): Matrix {
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new Error(`row ${i} has ${row.length} values, expected ${cols}`);
    data.set(row, i * cols);
  });
  return { rows: rows.length, cols, data };
}

export interface Ranked {
  /** Row (image) index. */
  image: number;
  value: number;
}

/** The k rows with the largest value in column `channel`, largest first; ties go to the lower row (image order). */
export function topKOfChannel(m: Matrix, channel: number, k: number): Ranked[] {
  if (!Number.isInteger(channel) || channel < 0 || channel >= m.cols) throw new Error(`no channel ${channel} (the layer has ${m.cols})`);
  const n = Math.max(0, Math.min(Math.floor(k), m.rows));
  // A sorted buffer of the best n so far: O(rows x n), fine for the k of a panel (<= 64).
  const best: Ranked[] = [];
  for (let r = 0; r < m.rows; r++) {
    const value = m.data[r * m.cols + channel];
    if (Number.isNaN(value)) continue;
    if (best.length === n && !(value > best[n - 1].value)) continue;
    let at = best.length;
    // Strictly greater moves up: an equal value stays behind the earlier row.
    while (at > 0 && value > best[at - 1].value) at--;
    best.splice(at, 0, { image: r, value });
    if (best.length > n) best.pop();
  }
  return best;
}

export interface Neighbour {
  image: number;
  /** Cosine distance 1 - cos(a, b), in [0, 2]; 1 when either vector is all zeros. */
  distance: number;
}

/** Cosine distance of two vectors (double precision); 1 when either has zero length. */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`vectors of ${a.length} and ${b.length} values`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) return 1;
  return Math.min(2, Math.max(0, 1 - dot / Math.sqrt(na * nb)));
}

/** The k rows nearest to `query` by cosine distance, nearest first; ties go to the lower row. */
export function nearestByCosine(m: Matrix, query: ArrayLike<number>, k: number): Neighbour[] {
  if (query.length !== m.cols) throw new Error(`the query has ${query.length} values, the index ${m.cols} channels`);
  const all: Neighbour[] = [];
  for (let r = 0; r < m.rows; r++) {
    const distance = cosineDistance(m.data.subarray(r * m.cols, (r + 1) * m.cols), query);
    if (!Number.isNaN(distance)) all.push({ image: r, distance });
  }
  all.sort((a, b) => a.distance - b.distance || a.image - b.image);
  return all.slice(0, Math.max(0, Math.floor(k)));
}

/** A file-name-safe form of a tensor or folder name (graph tensors may hold `/` and `:`). */
export function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, '_');
  return s === '' ? '_' : s.slice(0, 80);
}

/** `<sha256[0..16]>/<folder slug>`: where the index of `folder` (workspace-relative) by that model lives. */
export function indexSubfolder(sha256: string, folder: string): string {
  const slug = folder === '' || folder === '.' ? 'workspace' : safeName(folder.replace(/[\\/]+/g, '__'));
  return `${sha256.slice(0, 16)}/${slug}`;
}

/** Matrix file names per layer, unique even when two tensors have the same safe name. */
export function layerFileNames(tensors: readonly string[]): { means: string; max: string }[] {
  const used = new Set<string>();
  return tensors.map((tensor) => {
    let base = safeName(tensor);
    for (let i = 2; used.has(base); i++) base = `${safeName(tensor)}-${i}`;
    used.add(base);
    return { means: `${base}.means.npy`, max: `${base}.max.npy` };
  });
}

/** Same file, unchanged since it was indexed (path, size and modification time). */
export function sameFile(a: IndexedImage, b: IndexedImage): boolean {
  return a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads index.json: the manifest, or an error saying what is wrong (never throws). */
export function parseIndexManifest(text: string): { manifest: IndexManifest } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (error) {
    return { error: `index.json is not JSON: ${(error as Error).message}` };
  }
  if (!isObject(v) || v.format !== INDEX_FORMAT) return { error: 'index.json is not a Perturber dataset index' };
  if (v.version !== INDEX_VERSION) return { error: `index.json has format version ${String(v.version)}; this Perturber reads ${INDEX_VERSION}` };
  const model = v.model;
  if (!isObject(model) || typeof model.sha256 !== 'string' || typeof model.file !== 'string') return { error: 'index.json: model is malformed' };
  if (!isObject(v.input) || typeof v.folder !== 'string' || typeof v.created !== 'string') return { error: 'index.json: input, folder or created is malformed' };
  const images = v.images;
  if (!Array.isArray(images) || !images.every((i) => isObject(i) && typeof i.path === 'string' && typeof i.size === 'number' && typeof i.mtimeMs === 'number')) {
    return { error: 'index.json: images is malformed' };
  }
  const layers = v.layers;
  const isLayer = (l: unknown): boolean =>
    isObject(l) && typeof l.tensor === 'string' && Number.isInteger(l.channels) && (l.channels as number) > 0 &&
    typeof l.means === 'string' && typeof l.max === 'string' && !/[\\/]/.test(l.means) && !/[\\/]/.test(l.max) &&
    (l.topk === undefined || (typeof l.topk === 'string' && !/[\\/]/.test(l.topk)));
  if (!Array.isArray(layers) || !layers.every(isLayer)) return { error: 'index.json: layers is malformed' };
  if (!Array.isArray(v.skipped)) return { error: 'index.json: skipped is malformed' };
  return { manifest: { ...(v as unknown as IndexManifest), partial: v.partial === true } };
}
