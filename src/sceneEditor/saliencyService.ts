/**
 * The scene view's "Saliency" mode, host side: while the webview has it on, explains the newest frame's model input
 * for one model and class (the user's pick, else the model's top-1 of that frame) with the chosen method, and posts
 * the map. One computation at a time; frames arriving meanwhile supersede each other (core/latestWins.ts), so slow
 * integrated gradients lower the map's frame rate instead of queueing frames.
 */
import { LatestWins } from '../../core/latestWins';
import type {
  FrameImage,
  HostToScene,
  ModelPredictions,
  SaliencyMessage,
  SaliencyMethod,
  SaliencyModelInfo,
  SceneToHost,
} from '../../core/protocol';
import { classLabel, saliencyMap, type SaliencyMap } from '../inference/explain';
import type { LoadedModel } from '../inference/loadModel';
import { errorMessage } from '../log';

export interface SaliencyDeps {
  /** The scene's models in scene order (loaded or not). */
  models(): readonly { id: string; model?: LoadedModel }[];
  /** What the models saw of the newest frame (one RGBA image per input size). */
  modelInput(): { frameId: number; images: FrameImage[] } | undefined;
  post(message: HostToScene): void;
  /** Integrated-gradients steps (setting perturber.saliency.steps). */
  steps(): number;
}

export type SaliencyViewRequest = Omit<Extract<SceneToHost, { type: 'saliencyView' }>, 'type'>;

/** The last map computed, as the extension API gives it (`lastSaliency()`). */
export interface SaliencyRecord extends Omit<SaliencyMessage, 'type' | 'input'> {
  /** Integrated gradients: sum(attribution) - (f(x) - f(black)), and f(x) - f(black). */
  completeness?: { gap: number; delta: number };
}

interface Job {
  frameId: number;
  images: FrameImage[];
  predictions: readonly ModelPredictions[];
  view: SaliencyViewRequest;
}

export class SaliencyService {
  private view: SaliencyViewRequest = { enabled: false, method: 'gradient' };
  private predictions: { frameId: number; models: readonly ModelPredictions[] } | undefined;
  private last: SaliencyRecord | undefined;
  private readonly loop: LatestWins<Job, SaliencyMessage & { completeness?: SaliencyRecord['completeness'] }>;

  constructor(private readonly deps: SaliencyDeps) {
    this.loop = new LatestWins(
      (job) => this.compute(job),
      (_job, result) => this.deliver(result),
      (job, error) => this.deliver(this.failure(job, errorMessage(error))),
    );
  }

  get enabled(): boolean {
    return this.view.enabled;
  }

  /** The webview's `saliencyView` message (or the API's equivalent). */
  setView(view: SaliencyViewRequest): void {
    this.view = { ...view };
    if (!view.enabled) return;
    // Also when it was on already: a reloaded page asks again and needs the lists.
    this.postModels();
    this.submitLatest();
  }

  /** A frame's results are in: explain that frame while the view is on. */
  frameDone(frameId: number, predictions: readonly ModelPredictions[]): void {
    this.predictions = { frameId, models: predictions };
    if (!this.view.enabled) return;
    // The scene's models changed (loaded, added, removed): the pickers need the new list.
    if (this.modelsKey() !== this.postedModels) this.postModels();
    this.submitLatest();
  }

  /** The newest map computed (also when the view was turned off since). */
  lastSaliency(): SaliencyRecord | undefined {
    return this.last;
  }

  /** Resolves when no map is being computed or waiting. */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  dispose(): void {
    this.loop.dispose();
  }

  private postedModels = '';

  private modelsKey(): string {
    return JSON.stringify(this.deps.models().map(({ id, model }) => [id, model?.onnxPath, model?.manifestPath]));
  }

  private postModels(): void {
    this.postedModels = this.modelsKey();
    const models: SaliencyModelInfo[] = [];
    for (const { id, model } of this.deps.models()) {
      if (model) models.push({ id, displayName: model.manifest.displayName, labels: model.labels, labelOffset: model.manifest.labelOffset });
    }
    this.deps.post({ type: 'saliencyModels', models });
  }

  private submitLatest(): void {
    const input = this.deps.modelInput();
    if (!input) return;
    // The predictions belong to the frame whose model input we explain; an older frame's top-1 is still a fair default.
    const predictions = this.predictions?.models ?? [];
    this.loop.submit({ frameId: input.frameId, images: input.images, predictions, view: { ...this.view } });
  }

  private async compute(job: Job): Promise<SaliencyMessage & { completeness?: SaliencyRecord['completeness'] }> {
    const loaded = this.deps.models().filter((m) => m.model);
    const entry = job.view.model !== undefined ? loaded.find((m) => m.id === job.view.model) : loaded[0];
    if (!entry?.model) {
      return this.failure(job, job.view.model !== undefined ? `model ${job.view.model} is not loaded` : 'the scene has no loaded model');
    }
    const model = entry.model;
    const top = job.predictions.find((p) => p.id === entry.id)?.top ?? [];
    const classIndex = job.view.classIndex ?? top[0]?.index;
    if (classIndex === undefined) return this.failure(job, `no prediction of ${entry.id} yet to explain`, entry.id);
    const { width, height } = model.manifest.input;
    const image = job.images.find((i) => i.width === width && i.height === height);
    if (!image) return this.failure(job, `no ${width}x${height} model input in frame ${job.frameId}`, entry.id);
    const result: SaliencyMap = await saliencyMap(model, image, classIndex, job.view.method, this.deps.steps());
    const message: SaliencyMessage & { completeness?: SaliencyRecord['completeness'] } = {
      type: 'saliency',
      frameId: job.frameId,
      model: entry.id,
      classIndex,
      label: classLabel(model, classIndex),
      method: job.view.method,
      width,
      height,
      map: result.map,
      input: image,
      top,
    };
    if (result.completeness) message.completeness = result.completeness;
    return message;
  }

  private failure(job: Job, error: string, model = job.view.model ?? ''): SaliencyMessage {
    return {
      type: 'saliency',
      frameId: job.frameId,
      model,
      classIndex: job.view.classIndex ?? null,
      label: '',
      method: job.view.method,
      width: 0,
      height: 0,
      map: new Float32Array(0),
      top: job.predictions.find((p) => p.id === model)?.top ?? [],
      error,
    };
  }

  private deliver(result: SaliencyMessage & { completeness?: SaliencyRecord['completeness'] }): void {
    const { completeness, input: _input, type: _type, ...record } = result;
    this.last = completeness ? { ...record, completeness } : record;
    if (!this.view.enabled) return;
    const message: SaliencyMessage = { ...result };
    delete (message as { completeness?: unknown }).completeness;
    this.deps.post(message);
  }
}
