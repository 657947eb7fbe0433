/**
 * Feature visualisation in the extension host (issue 7): activation maximisation (core/featureVis, Lucid's recipe) of
 * the neurons the activations panel shows, computed in the background and cached as PNG.
 *
 * API (for the panel, src/panels/neuronInsights.ts; see docs/CONTRACTS.md "Feature visualisation"):
 *  - `states(targets, settings): FeatureVisState[]` answers at once, one state per target: 'ready' (a data: URL PNG,
 *    the activation it reaches, the activation on random noise) from memory or the disk cache; else 'queued' and the
 *    work is scheduled (asking again for the same targets does not queue them twice); 'running' with progress while it
 *    runs; 'error' (bad settings, a neuron outside the layer, a failed run); 'off' (setting
 *    `perturber.featureVis.enabled` false, or a model the gradient engine cannot differentiate, with the reason).
 *    Each target's objective is its channel mean, or `negative`, or one `unit` (the panel derives them from the
 *    scene's featureVis.objective / featureVis.unit: src/panels/insightTargets.ts); a target's `problem` is its error.
 *    `settings` are the scene's: FEATURE_VIS_DEFAULTS overridden by its `featureVis` object; checked here.
 *  - `onDidChange(listener)`: a state changed (at most every `throttleMs`, 500 ms, while a batch runs).
 *  - `cancel()`: drops the queue and stops the running batch; their entries are forgotten, so asking again restarts.
 *  - `idle()`: resolves when nothing is queued or running (tests, bench).
 * Work: a queue served newest first; each run takes the newest job and every queued job of the same model, tensor and
 * settings, up to min(settings.batch, the model's maxBatch) neurons, in one batch. Progress goes to `onProgress`
 * (featureVisUi.ts: the status bar item and the window progress).
 * Cache (featureVisCache.ts): `<cacheRoot>/<model sha256, 16 hex>/<key>.png|.json`; no cacheRoot: memory only.
 */
import { renderFeatureVis, randomActivation, channelsObjective, resolveSettings } from '../../core/featureVis/render';
import type { BatchGradientFn, NeuronObjective, RenderSettings } from '../../core/featureVis/types';
import { UnsupportedOpError } from '../../core/gradients';
import type { FeatureVisState } from '../../core/protocol';
import type { FeatureVisSettings } from '../../core/sceneTypes';
import { findLayer, type LoadedModel } from '../inference/loadModel';
import type { Log } from '../log';
import { cacheKey, canonicalSettings, encodePng, objectiveKind, readCached, writeCached, type CacheRecord } from './featureVisCache';

export interface FeatureVisTarget {
  model: LoadedModel;
  modelId: string;
  /** The layer name the scene uses (alias or tensor); `tensor` is its graph tensor. */
  layer: string;
  tensor: string;
  /** Channel index. */
  neuron: number;
  /** One spatial unit of the channel instead of its mean. */
  unit?: { y: number; x: number };
  /** Minimise instead (what the neuron responds against). */
  negative?: boolean;
  /** Why this target cannot be visualised (e.g. the scene's featureVis.unit is outside the map): its state is this error. */
  problem?: string;
}

export interface FeatureVisProgress {
  /** Neurons finished since the queue was last empty, and all of them (finished + running + queued). */
  done: number;
  total: number;
  /** Overall fraction in [0, 1] (running neurons count by their progress). */
  fraction: number;
}

export interface FeatureVisServiceOptions {
  /** The cache folder (`<workspace>/.perturber/cache/featureVis`), or undefined: memory only. Read per request. */
  cacheRoot: () => string | undefined;
  /** The setting perturber.featureVis.enabled. */
  enabled: () => boolean;
  /**
   * Awaited before every model run of a visualisation: resolves when the interactive loop is quiet, so background
   * visualisations never compete with the frames of a scene being explored (extension.ts).
   */
  waitForIdle?: () => Promise<void>;
  log?: Log;
  /** Progress while work is pending; undefined when the queue has emptied. */
  onProgress?: (progress: FeatureVisProgress | undefined) => void;
  throttleMs?: number;
  /** Noise images behind `randomActivation` (4). */
  noiseImages?: number;
}

export interface Disposable {
  dispose(): void;
}

interface Job {
  key: string;
  target: FeatureVisTarget;
  settings: RenderSettings;
  /** Model + tensor + settings: jobs that may share a batch. */
  group: string;
}

/** (log.ts's errorMessage, without importing vscode: this module also runs in plain Node tests and the bench.) */
const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const OFF_SETTING: FeatureVisState = { state: 'off', reason: 'feature visualisation is switched off (setting perturber.featureVis.enabled)' };

export class FeatureVisService implements Disposable {
  private readonly entries = new Map<string, FeatureVisState>();
  /** Key -> the model object a run failed with: a new load of the same file (e.g. after an unload) tries again. */
  private readonly failedWith = new Map<string, LoadedModel>();
  private readonly queue: Job[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly modelIds = new WeakMap<LoadedModel, number>();
  private nextModelId = 1;
  private running: Job[] = [];
  private runningProgress = 0;
  private done = 0;
  private generation = 0;
  private worker: Promise<void> | undefined;
  private emitTimer: ReturnType<typeof setTimeout> | undefined;
  private lastEmit = 0;
  private disposed = false;

  constructor(private readonly opts: FeatureVisServiceOptions) {}

  states(targets: readonly FeatureVisTarget[], settings: FeatureVisSettings): FeatureVisState[] {
    if (!this.opts.enabled()) return targets.map(() => OFF_SETTING);
    let resolved: RenderSettings;
    try {
      resolved = canonicalSettings(resolveSettings(settings));
    } catch (error) {
      return targets.map(() => ({ state: 'error', message: errorMessage(error) }));
    }
    const out = targets.map((t) => this.stateOf(t, resolved));
    this.kick();
    return out;
  }

  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  cancel(): void {
    this.generation++;
    for (const job of [...this.queue, ...this.running]) this.entries.delete(job.key);
    this.queue.length = 0;
    this.running = [];
    this.done = 0;
    this.opts.onProgress?.(undefined);
    this.emit(true);
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
    this.listeners.clear();
    if (this.emitTimer) clearTimeout(this.emitTimer);
  }

  private modelKey(model: LoadedModel): number {
    let id = this.modelIds.get(model);
    if (id === undefined) {
      id = this.nextModelId++;
      this.modelIds.set(model, id);
    }
    return id;
  }

  private stateOf(t: FeatureVisTarget, settings: RenderSettings): FeatureVisState {
    if (t.problem !== undefined) return { state: 'error', message: t.problem };
    const info = findLayer(t.model, t.layer);
    if (!info) return { state: 'error', message: `${t.modelId} has no layer "${t.layer}"` };
    if (!Number.isInteger(t.neuron) || t.neuron < 0 || (info.channels !== undefined && info.channels > 0 && t.neuron >= info.channels)) {
      return { state: 'error', message: `neuron ${t.neuron} is outside ${t.layer} (${info.channels ?? '?'} channels)` };
    }
    if (t.unit && (!Number.isInteger(t.unit.y) || !Number.isInteger(t.unit.x) || t.unit.y < 0 || t.unit.x < 0 || (info.height !== undefined && t.unit.y >= info.height) || (info.width !== undefined && t.unit.x >= info.width))) {
      return { state: 'error', message: `unit (x ${t.unit.x}, y ${t.unit.y}) is outside the ${info.width ?? '?'} x ${info.height ?? '?'} map of ${t.layer}` };
    }
    const ck = { sha256: t.model.sha256, tensor: info.tensor, neuron: t.neuron, unit: t.unit, negative: t.negative };
    const key = `${t.model.sha256}/${cacheKey(ck, settings)}`;
    const known = this.entries.get(key);
    if (known && !(known.state === 'error' && this.failedWith.get(key) !== t.model)) return known;
    this.failedWith.delete(key);
    const root = this.opts.cacheRoot();
    const cached = root ? readCached(root, ck, settings) : undefined;
    if (cached) {
      const ready: FeatureVisState = { state: 'ready', png: cached.png, activation: cached.record.activation, randomActivation: cached.record.randomActivation };
      this.entries.set(key, ready);
      return ready;
    }
    const queued: FeatureVisState = { state: 'queued' };
    this.entries.set(key, queued);
    const target = { ...t, tensor: info.tensor };
    this.queue.push({ key, target, settings, group: `${this.modelKey(t.model)} ${info.tensor} ${JSON.stringify(settings)}` });
    return queued;
  }

  private kick(): void {
    if (this.worker || this.queue.length === 0 || this.disposed) return;
    this.worker = (async () => {
      try {
        while (this.queue.length > 0 && !this.disposed) await this.runBatch();
      } finally {
        this.worker = undefined;
        this.done = 0;
        this.opts.onProgress?.(undefined);
        this.emit(true);
      }
    })();
  }

  private progress(): FeatureVisProgress {
    const total = this.done + this.running.length + this.queue.length;
    const fraction = total > 0 ? (this.done + this.running.length * this.runningProgress) / total : 1;
    return { done: this.done, total, fraction };
  }

  private async runBatch(): Promise<void> {
    // Newest first: what was asked for last (the scene being looked at, an explicit request) goes before the backlog
    // of scenes opened earlier.
    const first = this.queue[this.queue.length - 1];
    const model = first.target.model;
    const limit = Math.max(1, Math.min(first.settings.batch, model.gradients.maxBatch));
    const batch = this.queue.filter((j) => j.group === first.group).slice(-limit);
    for (const job of batch) this.queue.splice(this.queue.indexOf(job), 1);
    const generation = this.generation;
    this.running = batch;
    this.runningProgress = 0;
    const set = (state: FeatureVisState) => {
      if (generation === this.generation) for (const job of batch) this.entries.set(job.key, state);
    };
    set({ state: 'running', progress: 0 });
    this.opts.onProgress?.(this.progress());
    this.emit(true);
    const objectives: NeuronObjective[] = batch.map((j) => ({ tensor: j.target.tensor, channel: j.target.neuron, unit: j.target.unit, negative: j.target.negative }));
    const started = Date.now();
    try {
      const objective = channelsObjective(objectives);
      const gradient: BatchGradientFn = async (pixels, n) => {
        await this.opts.waitForIdle?.();
        // Lucid's render_vis redirects ReLU gradients, so units that start off can still be raised.
        const r = await model.gradients.run(pixels, n, objective, [], { reluGradient: 'redirected' });
        return { objective: r.objective, grad: r.gradInput };
      };
      const inputSize = { width: model.manifest.input.width, height: model.manifest.input.height };
      const result = await renderFeatureVis({
        objectives, settings: first.settings, gradient, inputSize,
        isCancelled: () => generation !== this.generation || this.disposed,
        onStep: (done, steps) => {
          if (generation !== this.generation) return;
          this.runningProgress = done / steps;
          set({ state: 'running', progress: this.runningProgress });
          this.opts.onProgress?.(this.progress());
          this.emit(false);
        },
      });
      if (result.cancelled || generation !== this.generation) return;
      const noise = await randomActivation({ objectives, gradient, inputSize, seed: first.settings.seed, count: this.opts.noiseImages ?? 4 });
      if (generation !== this.generation) return;
      const root = this.opts.cacheRoot();
      for (let i = 0; i < batch.length; i++) {
        const job = batch[i];
        const t = job.target;
        const record: CacheRecord = {
          activation: result.activation[i], randomActivation: noise[i], settings: job.settings, modelFile: model.onnxPath,
          layer: t.layer, tensor: t.tensor, neuron: t.neuron, ...(t.unit ? { unit: t.unit } : {}), negative: t.negative === true,
          objective: objectiveKind(t),
          stepsDone: result.stepsDone, date: new Date().toISOString(),
        };
        let png: string;
        const ck = { sha256: model.sha256, tensor: t.tensor, neuron: t.neuron, unit: t.unit, negative: t.negative };
        try {
          png = await writeCached(root, ck, job.settings, encodePng(result.images[i], result.size), record);
        } catch (error) {
          this.opts.log?.warn(`feature visualisation: could not write the cache: ${errorMessage(error)}`);
          png = await writeCached(undefined, ck, job.settings, encodePng(result.images[i], result.size), record);
        }
        if (generation === this.generation) this.entries.set(job.key, { state: 'ready', png, activation: record.activation, randomActivation: noise[i] });
      }
      this.opts.log?.info(`feature visualisation: ${batch.length} neuron(s) of ${first.target.modelId} ${first.target.layer} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      const state: FeatureVisState = error instanceof UnsupportedOpError
        ? { state: 'off', reason: `${model.manifest.displayName} uses the ONNX operator ${error.op} (node "${error.node}"), which the gradient engine does not support yet` }
        : { state: 'error', message: errorMessage(error) };
      set(state);
      if (generation === this.generation) for (const job of batch) this.failedWith.set(job.key, model);
      this.opts.log?.warn(`feature visualisation of ${first.target.modelId} ${first.target.layer}: ${errorMessage(error)}`);
    } finally {
      if (generation === this.generation) {
        this.done += batch.length;
        this.running = [];
      }
    }
  }

  /** Notifies listeners now (`force`) or at most every throttleMs. */
  private emit(force: boolean): void {
    const throttle = this.opts.throttleMs ?? 500;
    const fire = () => {
      this.emitTimer = undefined;
      this.lastEmit = Date.now();
      for (const l of [...this.listeners]) l();
    };
    if (force || Date.now() - this.lastEmit >= throttle) {
      if (this.emitTimer) clearTimeout(this.emitTimer);
      fire();
    } else if (!this.emitTimer) {
      this.emitTimer = setTimeout(fire, throttle - (Date.now() - this.lastEmit));
    }
  }
}
