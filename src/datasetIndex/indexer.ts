/**
 * Building a dataset index without VS Code (the command, the unit tests and the benchmark share it): scan the
 * folder, then per image decode (src/imageFiles.ts), crop and resize to the model input as the manifest's
 * `input.resize` says (`fitToModel`, as Classify Image does), normalise (`toModelInput`), one inference per batch
 * fetching the indexed layers, and the channel means and maxima per layer (the top-k files are ranked from the means
 * when the index is written, src/datasetIndex/topkFile.ts). Images unchanged since a previous index of the same
 * model and layers (same path, size and mtime) reuse its rows. A bad image is skipped with its reason; a cancelled
 * run returns what it has, marked `partial`.
 */
import type { ChannelStats, IndexedImage, IndexLayer, IndexManifest, SkippedImage } from '../../core/datasetIndex';
import { channelStats, INDEX_FORMAT, INDEX_VERSION, layerFileNames, sameFile, stackRows } from '../../core/datasetIndex';
import { resizePolicy } from '../../core/imageFit';
import type { LayerInfo } from '../../core/manifestTypes';
import { toModelInput } from '../../core/preprocess';
import { readImageFile } from '../imageFiles';
import type { LoadedModel } from '../inference/loadModel';
import type { Tensor32 } from '../inference/ortBackend';
import { fitToModel } from '../inference/runModel';
import { isInside, relativePath, scanImages, type ScannedImage } from './imageScan';
import type { LayerMatrices } from './indexFiles';
import { topkFileName } from './topkFile';

/** Images per inference when the model's batch dimension is free (a fixed batch of 1 runs them one by one). */
export const DEFAULT_BATCH = 8;

export interface IndexProgress {
  done: number;
  total: number;
  /** Estimated ms left (from the pace so far); undefined before the first batch. */
  etaMs?: number;
}

export interface IndexRequest {
  model: LoadedModel;
  /** The workspace folder: image paths in the index are relative to it. */
  root: string;
  /** The folder to index (absolute, inside `root`). */
  folder: string;
  /** 4-D layers (or [N, C] outputs) to index. */
  layers: readonly LayerInfo[];
  batch?: number;
  /** A previous index of this folder, whose rows unchanged images reuse. */
  previous?: { manifest: IndexManifest; matrices: ReadonlyMap<string, LayerMatrices> };
  onProgress?(progress: IndexProgress): void;
  isCancelled?(): boolean;
  maxImageBytes?: number;
}

/** Milliseconds spent per stage, summed over the images computed (not the reused ones). */
export interface IndexTimings {
  decodeMs: number;
  preprocessMs: number;
  inferenceMs: number;
  reduceMs: number;
  totalMs: number;
}

export interface BuiltIndex {
  manifest: IndexManifest;
  matrices: Map<string, LayerMatrices>;
  /** Images run through the model in this run, and images whose rows came from the previous index. */
  computed: number;
  reused: number;
  timings: IndexTimings;
}

interface Row {
  image: IndexedImage;
  stats: ChannelStats[];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkLayers(layers: readonly LayerInfo[]): void {
  if (layers.length === 0) throw new Error('no layers to index');
  for (const l of layers) {
    if (!l.channels || l.channels < 1) throw new Error(`layer ${l.alias ?? l.tensor} has no channel dimension`);
  }
}

/** The previous index's rows, when it was made by the same model for the same layers and input. */
function reusableRows(request: IndexRequest): Map<string, { index: number; image: IndexedImage }> {
  const out = new Map<string, { index: number; image: IndexedImage }>();
  const prev = request.previous;
  if (!prev || prev.manifest.model.sha256 !== request.model.sha256) return out;
  if (JSON.stringify(prev.manifest.input) !== JSON.stringify(request.model.manifest.input)) return out;
  if (!request.layers.every((l) => prev.matrices.has(l.tensor))) return out;
  prev.manifest.images.forEach((image, index) => out.set(image.path, { index, image }));
  return out;
}

function rowOf(prev: NonNullable<IndexRequest['previous']>, layers: readonly LayerInfo[], index: number): ChannelStats[] {
  return layers.map((l) => {
    const m = prev.matrices.get(l.tensor)!;
    const at = index * m.means.cols;
    return { means: m.means.data.slice(at, at + m.means.cols), max: m.max.data.slice(at, at + m.max.cols) };
  });
}

export async function buildIndex(request: IndexRequest): Promise<BuiltIndex> {
  const { model, layers } = request;
  checkLayers(layers);
  // A bad crop policy is one clear error, not a reason repeated for every image.
  resizePolicy(model.manifest.input);
  const started = performance.now();
  const { input } = model.manifest;
  const scan = await scanImages(request.root, request.folder, request.maxImageBytes);
  const skipped: SkippedImage[] = [...scan.skipped];
  const timings: IndexTimings = { decodeMs: 0, preprocessMs: 0, inferenceMs: 0, reduceMs: 0, totalMs: 0 };
  const reusable = reusableRows(request);
  const rows = new Map<string, Row>();
  const pending: ScannedImage[] = [];
  for (const image of scan.images) {
    const prev = reusable.get(image.path);
    if (prev && sameFile(prev.image, image) && request.previous) rows.set(image.path, { image: prev.image, stats: rowOf(request.previous, layers, prev.index) });
    else pending.push(image);
  }
  const reused = rows.size;

  let batch = Math.max(1, Math.min(request.batch ?? DEFAULT_BATCH, model.gradients.maxBatch));
  const fetch = [...new Set(layers.map((l) => l.tensor))];
  const perImage = 3 * input.width * input.height;
  let done = 0;
  let cancelled = false;
  const computeStart = performance.now();
  for (let start = 0; start < pending.length; ) {
    if (request.isCancelled?.()) {
      cancelled = true;
      break;
    }
    const chunk = pending.slice(start, start + batch);
    const ready: { image: ScannedImage; data: Float32Array }[] = [];
    for (const image of chunk) {
      const t0 = performance.now();
      try {
        const decoded = await readImageFile(image.absPath);
        const t1 = performance.now();
        timings.decodeMs += t1 - t0;
        ready.push({ image, data: toModelInput(fitToModel(decoded, model), input) });
        timings.preprocessMs += performance.now() - t1;
      } catch (error) {
        timings.decodeMs += performance.now() - t0;
        skipped.push({ path: image.path, reason: message(error) });
      }
    }
    if (ready.length > 0) {
      const feed = new Float32Array(ready.length * perImage);
      ready.forEach((r, i) => feed.set(r.data, i * perImage));
      const dims = input.layout === 'NCHW' ? [ready.length, 3, input.height, input.width] : [ready.length, input.height, input.width, 3];
      const t2 = performance.now();
      let outputs: Map<string, Tensor32> | undefined;
      try {
        outputs = await model.session.run({ [input.name]: { data: feed, dims } }, fetch);
      } catch (error) {
        if (ready.length > 1) {
          // A free batch dimension the graph does not really support: go on one image at a time.
          timings.inferenceMs += performance.now() - t2;
          batch = 1;
          continue;
        }
        for (const r of ready) skipped.push({ path: r.image.path, reason: `inference failed: ${message(error)}` });
      }
      const t3 = performance.now();
      timings.inferenceMs += t3 - t2;
      if (outputs) {
        ready.forEach((r, item) => {
          try {
            const stats = layers.map((l) => {
              const value = outputs!.get(l.tensor);
              if (!value) throw new Error(`the model produced no ${l.tensor}`);
              const s = channelStats(value.data, value.dims, input.layout, item);
              if (s.means.length !== l.channels) throw new Error(`${l.tensor} has ${s.means.length} channels, expected ${l.channels}`);
              return s;
            });
            rows.set(r.image.path, { image: { path: r.image.path, size: r.image.size, mtimeMs: r.image.mtimeMs }, stats });
          } catch (error) {
            skipped.push({ path: r.image.path, reason: message(error) });
          }
        });
      }
      timings.reduceMs += performance.now() - t3;
    }
    start += chunk.length;
    done += chunk.length;
    const elapsed = performance.now() - computeStart;
    request.onProgress?.({ done: reused + done, total: scan.images.length, etaMs: (elapsed / done) * (pending.length - done) });
  }

  // Rows in scan order, whichever run computed them.
  const ordered = scan.images.map((i) => rows.get(i.path)).filter((r): r is Row => r !== undefined);
  const files = layerFileNames(layers.map((l) => l.tensor));
  const indexLayers: IndexLayer[] = layers.map((l, i) => ({
    tensor: l.tensor,
    ...(l.alias !== undefined ? { alias: l.alias } : {}),
    channels: l.channels!,
    height: l.height ?? 1,
    width: l.width ?? 1,
    ...files[i],
    topk: topkFileName(files[i].means),
  }));
  const matrices = new Map<string, LayerMatrices>();
  layers.forEach((l, i) => {
    matrices.set(l.tensor, {
      means: stackRows(ordered.map((r) => r.stats[i].means), l.channels!),
      max: stackRows(ordered.map((r) => r.stats[i].max), l.channels!),
    });
  });
  const manifest: IndexManifest = {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    model: { file: isInside(request.root, model.onnxPath) ? relativePath(request.root, model.onnxPath) : model.onnxPath, sha256: model.sha256, displayName: model.manifest.displayName },
    input,
    folder: relativePath(request.root, request.folder),
    layers: indexLayers,
    images: ordered.map((r) => r.image),
    skipped,
    partial: cancelled,
    created: new Date().toISOString(),
  };
  timings.totalMs = performance.now() - started;
  return { manifest, matrices, computed: ordered.length - reused, reused, timings };
}
