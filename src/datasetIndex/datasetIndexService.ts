/**
 * DatasetIndexService: what the activations panel asks of the dataset indexes ("Perturber: Index Image Folder").
 * Plain Node (no `vscode` import), so the unit tests use it too. One instance per extension (src/extension.ts).
 *
 *   examples(model, layerTensor, neuron, k): Promise<DatasetExample[] | undefined>
 *     The k indexed images with the largest mean activation of channel `neuron` of `layerTensor` (largest first; ties
 *     by image order; read from the layer's stored top-k file, ranked from the means when it has none), each with a
 *     64 px PNG data: URL thumbnail of its model-input crop with the neuron's map over it (the model is run on the
 *     image again; layer outputs are cached per (model sha256, crop policy, image, layer)). Images no longer readable
 *     are left out (the next ones fill in). undefined: no index of this model covers the layer.
 *   similar(model, layerTensor, features, k): Promise<SimilarImages['images'] | undefined>
 *     The k indexed images whose channel-mean vectors at `layerTensor` are nearest to `features` (the current frame's
 *     channel means, one per channel) by cosine distance (0..2), nearest first, with plain crop thumbnails.
 *   onDidChange(listener): fired after an index is written (notifyWritten), so views can ask again.
 *
 * Which index: those under `<workspace folder>/.perturber/index/<sha256[0..16]>/*` whose index.json names the
 * model's full sha256 and the layer; when several folders were indexed, the newest (`created`) wins (no merging).
 * A partial (cancelled) index is used like a complete one.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { extractNeurons } from '../../core/activations';
import { nearestByCosine, topKOfChannel, type IndexManifest, type Matrix, type Ranked } from '../../core/datasetIndex';
import { resizePolicy } from '../../core/imageFit';
import type { DatasetExample, FrameImage, SimilarImages } from '../../core/protocol';
import { toModelInput } from '../../core/preprocess';
import { readImageFile } from '../imageFiles';
import type { LoadedModel } from '../inference/loadModel';
import type { Tensor32 } from '../inference/ortBackend';
import { fitToModel } from '../inference/runModel';
import { isInside } from './imageScan';
import { readIndexManifest, readMatrix, readTopk, INDEX_FILE } from './indexFiles';
import { pngDataUrl, thumbnailImage } from './thumbnail';
import type { TopkMatrix } from './topkFile';

export interface FoundIndex {
  dir: string;
  /** The workspace folder the image paths are relative to. */
  root: string;
  manifest: IndexManifest;
}

export interface Disposable {
  dispose(): void;
}

/** A small least-recently-used map. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    for (const k of this.map.keys()) {
      if (this.map.size <= this.capacity) break;
      this.map.delete(k);
    }
  }
  delete(key: K): void {
    this.map.delete(key);
  }
  clear(): void {
    this.map.clear();
  }
}

/** An index's image path, which must stay inside its workspace folder (index.json is a file anyone can edit). */
function imagePath(index: FoundIndex, rel: string): string {
  const abs = path.resolve(index.root, ...rel.split('/'));
  if (!isInside(index.root, abs)) throw new Error(`${rel} is outside the workspace folder`);
  return abs;
}

/** What decides a model-input crop besides the image: the input size and the manifest's crop policy (editable). */
function fitKey(model: LoadedModel): string {
  const { width, height } = model.manifest.input;
  return `${width}x${height} ${JSON.stringify(resizePolicy(model.manifest.input))}`;
}

export class DatasetIndexService {
  private readonly listeners = new Set<() => void>();
  /** index.json per folder, keyed by its mtime. */
  private readonly manifests = new Map<string, { mtimeMs: number; manifest: IndexManifest | undefined }>();
  private readonly matrices = new Lru<string, Promise<Matrix>>(16);
  private readonly topks = new Lru<string, Promise<TopkMatrix | undefined>>(16);
  /** (sha, image, layer) -> the crop and the layer output of that image. */
  private readonly runs = new Lru<string, Promise<{ crop: FrameImage; layer: Tensor32 }>>(24);
  private readonly thumbnails = new Lru<string, string>(512);

  /** `roots`: the workspace folders (absolute paths), asked on every call. */
  constructor(private readonly roots: () => readonly string[]) {}

  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** An index was written into `dir`: forget what was cached of it and tell the listeners. */
  notifyWritten(dir: string): void {
    this.manifests.delete(path.resolve(dir));
    this.matrices.clear();
    this.topks.clear();
    for (const listener of [...this.listeners]) listener();
  }

  dispose(): void {
    this.listeners.clear();
    this.matrices.clear();
    this.topks.clear();
    this.runs.clear();
    this.thumbnails.clear();
  }

  /** Every readable index of this model (full sha256 match) that has `layerTensor`, newest first. */
  async indexesFor(sha256: string, layerTensor: string): Promise<FoundIndex[]> {
    const found: FoundIndex[] = [];
    for (const root of this.roots()) {
      const base = path.join(root, '.perturber', 'index', sha256.slice(0, 16));
      const entries = await fs.readdir(base, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const dir = path.resolve(base, entry.name);
        const manifest = await this.manifestOf(dir);
        if (manifest && manifest.model.sha256 === sha256 && manifest.layers.some((l) => l.tensor === layerTensor)) found.push({ dir, root, manifest });
      }
    }
    return found.sort((a, b) => (a.manifest.created < b.manifest.created ? 1 : a.manifest.created > b.manifest.created ? -1 : 0));
  }

  async examples(model: LoadedModel, layerTensor: string, neuron: number, k: number): Promise<DatasetExample[] | undefined> {
    const [index] = await this.indexesFor(model.sha256, layerTensor);
    if (!index) return undefined;
    const means = await this.matrix(index, layerTensor, 'means');
    if (!Number.isInteger(neuron) || neuron < 0 || neuron >= means.cols) return [];
    const out: DatasetExample[] = [];
    // A few spares, for images deleted or unreadable since they were indexed.
    for (const ranked of await this.ranking(index, layerTensor, means, neuron, k + 8)) {
      if (out.length >= k) break;
      const rel = index.manifest.images[ranked.image].path;
      const thumbnail = await this.neuronThumbnail(model, index, rel, layerTensor, neuron).catch(() => undefined);
      if (thumbnail !== undefined) out.push({ path: rel, thumbnail, activation: ranked.value });
    }
    return out;
  }

  async similar(model: LoadedModel, layerTensor: string, features: Float32Array, k: number): Promise<SimilarImages['images'] | undefined> {
    const [index] = await this.indexesFor(model.sha256, layerTensor);
    if (!index) return undefined;
    const means = await this.matrix(index, layerTensor, 'means');
    if (features.length !== means.cols) throw new Error(`the frame has ${features.length} channel means, the index ${means.cols} channels`);
    const out: SimilarImages['images'] = [];
    for (const n of nearestByCosine(means, features, k + 8)) {
      if (out.length >= k) break;
      const rel = index.manifest.images[n.image].path;
      const thumbnail = await this.cropThumbnail(model, index, rel).catch(() => undefined);
      if (thumbnail !== undefined) out.push({ path: rel, thumbnail, distance: n.distance });
    }
    return out;
  }

  private async manifestOf(dir: string): Promise<IndexManifest | undefined> {
    const stat = await fs.stat(path.join(dir, INDEX_FILE)).catch(() => undefined);
    if (!stat) return undefined;
    const cached = this.manifests.get(dir);
    if (cached && cached.mtimeMs === stat.mtimeMs) return cached.manifest;
    const read = await readIndexManifest(dir);
    const manifest = 'manifest' in read ? read.manifest : undefined;
    this.manifests.set(dir, { mtimeMs: stat.mtimeMs, manifest });
    return manifest;
  }

  /**
   * The `n` best rows of channel `neuron`: from the stored top-k file when it holds `n` (or every image), else (an
   * index written before top-k files, a damaged file, a larger `n`) ranked from the means.
   */
  private async ranking(index: FoundIndex, tensor: string, means: Matrix, neuron: number, n: number): Promise<Ranked[]> {
    const key = `${index.dir}\n${index.manifest.created}\n${tensor}\ntopk`;
    let topk = this.topks.get(key);
    if (!topk) {
      topk = readTopk(index.dir, index.manifest, tensor);
      this.topks.set(key, topk);
    }
    const stored = await topk;
    const want = Math.min(n, means.rows);
    if (!stored || (stored.cols < want && stored.cols < means.rows)) return topKOfChannel(means, neuron, n);
    const out: Ranked[] = [];
    for (let i = 0; i < Math.min(want, stored.cols); i++) {
      const image = stored.data[neuron * stored.cols + i];
      if (image >= 0) out.push({ image, value: means.data[image * means.cols + neuron] });
    }
    return out;
  }

  private matrix(index: FoundIndex, tensor: string, kind: 'means' | 'max'): Promise<Matrix> {
    const layer = index.manifest.layers.find((l) => l.tensor === tensor)!;
    const key = `${index.dir}\n${index.manifest.created}\n${layer[kind]}`;
    let m = this.matrices.get(key);
    if (!m) {
      m = readMatrix(index.dir, layer[kind], index.manifest.images.length, layer.channels);
      m.catch(() => this.matrices.clear());
      this.matrices.set(key, m);
    }
    return m;
  }

  /** The image's model-input crop and `layerTensor`'s output on it (cached). */
  private run(model: LoadedModel, index: FoundIndex, rel: string, layerTensor: string): Promise<{ crop: FrameImage; layer: Tensor32 }> {
    const key = `${model.sha256}\n${fitKey(model)}\n${index.root}\n${rel}\n${layerTensor}`;
    let job = this.runs.get(key);
    if (!job) {
      job = (async () => {
        const crop = fitToModel(await readImageFile(imagePath(index, rel)), model);
        const { input } = model.manifest;
        const dims = input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3];
        const outputs = await model.session.run({ [input.name]: { data: toModelInput(crop, input), dims } }, [layerTensor]);
        const layer = outputs.get(layerTensor);
        if (!layer) throw new Error(`the model produced no ${layerTensor}`);
        return { crop, layer };
      })();
      // A failure (file gone, unreadable) is not cached: the file may come back.
      job.catch(() => this.runs.get(key) === job && this.runs.delete(key));
      this.runs.set(key, job);
    }
    return job;
  }

  private async neuronThumbnail(model: LoadedModel, index: FoundIndex, rel: string, layerTensor: string, neuron: number): Promise<string> {
    const key = `${model.sha256}\n${fitKey(model)}\n${index.root}\n${rel}\n${layerTensor}\n${neuron}`;
    const cached = this.thumbnails.get(key);
    if (cached !== undefined) return cached;
    const { crop, layer } = await this.run(model, index, rel, layerTensor);
    const [n] = extractNeurons(layer.data, layer.dims, model.manifest.input.layout, [neuron]).neurons;
    const dims = layer.dims.length === 4 ? (model.manifest.input.layout === 'NCHW' ? [layer.dims[2], layer.dims[3]] : [layer.dims[1], layer.dims[2]]) : [1, 1];
    const url = pngDataUrl(thumbnailImage(crop, n && dims[0] * dims[1] > 1 ? { data: n.map, height: dims[0], width: dims[1] } : undefined));
    this.thumbnails.set(key, url);
    return url;
  }

  private async cropThumbnail(model: LoadedModel, index: FoundIndex, rel: string): Promise<string> {
    const key = `crop\n${fitKey(model)}\n${index.root}\n${rel}`;
    const cached = this.thumbnails.get(key);
    if (cached !== undefined) return cached;
    const crop = fitToModel(await readImageFile(imagePath(index, rel)), model);
    const url = pngDataUrl(thumbnailImage(crop));
    this.thumbnails.set(key, url);
    return url;
  }
}
