/**
 * The interactive loop of one scene editor: frames from the webview go through a `LatestWins`, so while the
 * models run on one frame only the newest waiting frame survives; each job runs every model of the scene once
 * and hands the results to `onResults` (the panels) and `onFrameDone` (the scene webview). Before the models, the
 * scene's image perturbations run once per distinct input size (framePerturbation.ts).
 */
import { LatestWins } from '../../core/latestWins';
import type { FloatImage, PerturbationResources } from '../../core/perturbations/types';
import type { CheckpointInfo, FrameImage, FrameTiming, HostTiming, ModelActivations, ModelPredictions, SceneToHost } from '../../core/protocol';
import type { PerturbationStep, WatchedLayer } from '../../core/sceneTypes';
import { modelInputImages, perturbFrame } from './framePerturbation';
import type { LoadedModel } from './loadModel';
import { runModel } from './runModel';

export type FrameMessage = Extract<SceneToHost, { type: 'frame' }>;

/** What the pipeline knows of one of the scene's models when a job starts. */
export interface FrameModel {
  id: string;
  watch: readonly WatchedLayer[];
  /** Undefined while loading or when it failed (`error` says why). */
  model?: LoadedModel;
  error?: string;
  /** Which checkpoint of its family the model is (families only): shown in the panels. */
  checkpoint?: CheckpointInfo;
}

/** What a model of a given input size got of a frame: the rendered image, and the perturbed one when any step ran. */
export interface ModelInputImage {
  image: FrameImage;
  perturbed?: FloatImage;
}

export interface FrameResults {
  frameId: number;
  sceneName: string;
  predictions: ModelPredictions[];
  activations: ModelActivations[];
  timing: HostTiming;
  /** The webview's own timings of this frame (render, readback), for the loop timings. */
  webview: FrameTiming;
  /** A re-run of an earlier frame (`refresh()`): the same pixels, not a new frame from the webview. */
  refresh?: true;
}

export interface FrameSource {
  /** The scene's models as they are now (read when a job starts, not when the frame arrived). */
  models(): FrameModel[];
  sceneName(): string;
  topK(): number;
  /** The scene's perturbation steps as they are now (none when absent). */
  perturbations?(): readonly PerturbationStep[];
  /** The files the steps name (`file` parameters), for those `perturbations()` returns (read right after it). */
  resources?(steps: readonly PerturbationStep[]): PerturbationResources | undefined;
}

export interface FrameHooks {
  /**
   * What the models saw of each frame, one RGBA image per size, computed on demand (`images()`: the frame's own
   * images when no step is enabled, else the perturbed ones as bytes). Not called when the pipeline failed.
   */
  onModelInput?(frameId: number, images: () => FrameImage[]): void;
  /** The perturbation pipeline's problems of a frame (the caller reports each distinct text once). */
  onPerturbationProblems?(problems: string[]): void;
  /**
   * The model inputs of a frame, by input size (what runModel got), before its results are announced; the
   * checkpoint trend runs other models on the same inputs. Not called when the pipeline failed.
   */
  onModelImages?(frameId: number, find: (width: number, height: number) => ModelInputImage | undefined): void;
}

interface FrameJob {
  frame: FrameMessage;
  transferMs: number;
  refresh?: true;
}

function findImage(images: readonly FrameImage[], width: number, height: number): FrameImage | undefined {
  return images.find((image) => image.width === width && image.height === height);
}

export class FramePipeline {
  private readonly loop: LatestWins<FrameJob, FrameResults>;
  /** The last frame the webview sent (what `refresh()` runs again). */
  private last: FrameMessage | undefined;

  constructor(
    private readonly source: FrameSource,
    onResults: (results: FrameResults) => void,
    onFrameDone: (frameId: number, totalMs: number) => void,
    onError: (message: string) => void,
    private readonly hooks: FrameHooks = {},
  ) {
    this.loop = new LatestWins<FrameJob, FrameResults>(
      (job) => this.process(job),
      (job, results) => {
        onResults(results);
        // A refresh is not a frame the webview waits for: its latency would be counted from the old frame.
        if (!job.refresh) onFrameDone(job.frame.frameId, Math.max(0, Date.now() - job.frame.timing.postedAt));
      },
      (job, error) => onError(`frame ${job.frame.frameId}: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  submit(frame: FrameMessage): void {
    // Measured on arrival: the time the structured clone of the pixels took to cross from the webview.
    this.last = frame;
    this.loop.submit({ frame, transferMs: Math.max(0, Date.now() - frame.timing.postedAt) });
  }

  /**
   * Runs the last frame again (same pixels, the scene's steps and files as they are now), through the same
   * LatestWins: the panels update when a stored perturbation changed without the camera moving. False when no frame
   * came yet.
   */
  refresh(): boolean {
    if (!this.last) return false;
    this.loop.submit({ frame: this.last, transferMs: 0, refresh: true });
    return true;
  }

  /** The last frame's image of a size (undefined before the first frame or when it has no image of that size). */
  lastImage(width: number, height: number): { frameId: number; image: FrameImage } | undefined {
    const image = this.last && findImage(this.last.images, width, height);
    return image && this.last && { frameId: this.last.frameId, image };
  }

  /** Resolves when no frame is running or waiting (tests, shutdown). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  dispose(): void {
    this.loop.dispose();
  }

  private async process(job: FrameJob): Promise<FrameResults> {
    const { frame } = job;
    const steps = this.source.perturbations?.() ?? [];
    const run = await runFrame(
      { frameId: frame.frameId, images: frame.images, steps, resources: this.source.resources?.(steps), models: () => this.source.models(), topK: this.source.topK() },
      this.hooks,
    );
    const timing: HostTiming = { ...run.timing, transferMs: job.transferMs, postedAt: Date.now() };
    const results: FrameResults = { frameId: frame.frameId, sceneName: this.source.sceneName(), predictions: run.predictions, activations: run.activations, timing, webview: frame.timing };
    if (job.refresh) results.refresh = true;
    return results;
  }
}

/** One frame's images through the scene's perturbations and every model: what `FramePipeline` and sweeps run. */
export interface FrameRunRequest {
  frameId: number;
  images: readonly FrameImage[];
  steps: readonly PerturbationStep[];
  resources?: PerturbationResources;
  /** The models, read after the perturbations ran (as they are then). */
  models(): FrameModel[];
  topK: number;
}

export interface FrameRun {
  predictions: ModelPredictions[];
  activations: ModelActivations[];
  /** perturbMs, preprocessMs, runMs, extractMs (transferMs and postedAt are 0: the caller knows them). */
  timing: HostTiming;
}

/**
 * Perturbs the images once per size, then runs each model on the image of its input size (the frame pipeline's
 * job, also used by sweeps so a sweep's numbers are the editor's numbers).
 */
export async function runFrame(request: FrameRunRequest, hooks: FrameHooks = {}): Promise<FrameRun> {
  const { frameId, images, steps } = request;
  const timing: HostTiming = { transferMs: 0, perturbMs: 0, preprocessMs: 0, runMs: 0, extractMs: 0, postedAt: 0 };
  const perturbed = perturbFrame(images, steps, request.resources);
  timing.perturbMs = perturbed.ms;
  if (perturbed.problems.length > 0 || perturbed.error !== undefined) {
    hooks.onPerturbationProblems?.([...perturbed.problems, ...(perturbed.error !== undefined ? [perturbed.error] : [])]);
  }
  if (perturbed.error === undefined) {
    let converted: FrameImage[] | undefined;
    hooks.onModelInput?.(frameId, () => (converted ??= modelInputImages(images, perturbed)));
    hooks.onModelImages?.(frameId, (width, height) => {
      const image = findImage(images, width, height);
      return image && { image, perturbed: perturbed.perturbed.get(image) };
    });
  }
  const predictions: ModelPredictions[] = [];
  const activations: ModelActivations[] = [];
  for (const entry of request.models()) {
    const before = predictions.length;
    await runEntry(entry, images, perturbed, request.topK, timing, predictions, activations);
    if (entry.checkpoint) {
      for (const result of [...predictions.slice(before), ...activations.slice(before)]) result.checkpoint = entry.checkpoint;
    }
  }
  return { predictions, activations, timing };
}

/** Runs one model of the scene on the frame, appending its predictions and activations (or its error). */
async function runEntry(
  entry: FrameModel,
  images: readonly FrameImage[],
  perturbed: ReturnType<typeof perturbFrame>,
  topK: number,
  timing: HostTiming,
  predictions: ModelPredictions[],
  activations: ModelActivations[],
): Promise<void> {
  const model = entry.model;
  const fail = (displayName: string, error: string): void => {
    predictions.push({ id: entry.id, displayName, top: [], error });
    activations.push({ id: entry.id, displayName, layers: [], error });
  };
  if (!model) return fail(entry.id, entry.error ?? 'the model is still loading');
  const { width, height } = model.manifest.input;
  const image = findImage(images, width, height);
  // The webview renders the sizes of the last `scene` message; a model loaded since then waits a frame.
  if (!image) return fail(model.manifest.displayName, `no ${width}x${height} image in this frame yet`);
  if (perturbed.error !== undefined) return fail(model.manifest.displayName, perturbed.error);
  const run = await runModel({ id: entry.id, model, watch: entry.watch, image, perturbed: perturbed.perturbed.get(image), topK });
  predictions.push(run.predictions);
  activations.push(run.activations);
  timing.preprocessMs += run.preprocessMs;
  timing.runMs += run.runMs;
  timing.extractMs += run.extractMs;
}
