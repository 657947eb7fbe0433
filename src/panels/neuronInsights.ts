/**
 * What each watched neuron of the active scene responds to (issue 7), for the activations panel: its feature
 * visualisation (FeatureVisSource: cached image or progress) and its most activating indexed images (DatasetSource),
 * and "Similar to this scene" (the indexed images nearest to the newest frame at a chosen layer). Follows the active
 * scene; recomputes at most every `throttleMs` when the scene, its frames or a source change, and posts a
 * `neuronInsights` message only when something in it changed.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetExample, FeatureVisState, HostToPanel, NeuronInsight, SimilarImages } from '../../core/protocol';
import type { FeatureVisObjective, FeatureVisSettings } from '../../core/sceneTypes';
import type { FeatureVisTarget } from '../featureVis/featureVisService';
import { findLayer, type LoadedModel } from '../inference/loadModel';
import { runModel } from '../inference/runModel';
import { errorMessage, type Log } from '../log';
import type { OpenScene, SceneRegistry } from '../sceneEditor/sceneRegistry';
import { applyObjective, featureVisSettings, watchedTargets } from './insightTargets';

export { featureVisSettings, watchedTargets } from './insightTargets';

export type NeuronInsightsMessage = Extract<HostToPanel, { type: 'neuronInsights' }>;

/** The services' events return plain disposables (they are written without `vscode`). */
export interface Disposable {
  dispose(): void;
}

export interface FeatureVisSource {
  /** One state per target, at once (cached image, or queued/running with progress); asking starts the work. */
  states(targets: readonly FeatureVisTarget[], settings: FeatureVisSettings): FeatureVisState[];
  onDidChange(listener: () => void): Disposable;
  cancel(): void;
}

/** src/datasetIndex/datasetIndexService.ts, as this module uses it. */
export interface DatasetSource {
  /** The neuron's top-k indexed images; undefined when no index of this model covers the layer. */
  examples(model: LoadedModel, layerTensor: string, neuron: number, k: number): Promise<DatasetExample[] | undefined>;
  /** The k indexed images nearest to `features` (a frame's channel means at the layer); undefined without an index. */
  similar(model: LoadedModel, layerTensor: string, features: Float32Array, k: number): Promise<SimilarImages['images'] | undefined>;
  onDidChange(listener: () => void): Disposable;
}

export interface InsightOptions {
  throttleMs?: number;
  /** Dataset examples per neuron and similar images shown. */
  examplesK?: number;
  similarK?: number;
}

const OFF_NO_SERVICE: FeatureVisState = { state: 'off', reason: 'feature visualisation is not available in this build' };
const CANCELLED: FeatureVisState = {
  state: 'off',
  reason: 'cancelled; change the watched neurons or the scene\'s "featureVis" settings (or reopen the scene) to compute again',
};

interface SimilarChoice {
  modelId: string;
  layer: string;
}

export class NeuronInsights implements vscode.Disposable {
  private featureVis: FeatureVisSource | undefined;
  private dataset: DatasetSource | undefined;
  private featureVisListener: Disposable | undefined;
  private datasetListener: Disposable | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastRun = 0;
  private updating = false;
  private again = false;
  private last: NeuronInsightsMessage | undefined;
  private lastKey = '';
  /** Targets + settings when the user pressed Cancel: not asked for again until they change. */
  private cancelledKey: string | undefined;
  private lastStates = new Map<string, FeatureVisState>();
  /** Dataset examples by model hash, tensor, neuron (cleared when the index changes). */
  private readonly examplesCache = new Map<string, Promise<DatasetExample[] | undefined>>();
  /** The "Similar to this scene" pick of each open scene. */
  private readonly similarChoice = new WeakMap<OpenScene, SimilarChoice>();
  private similar: SimilarImages | undefined;
  private similarKey = '';
  private readonly throttleMs: number;
  private readonly examplesK: number;
  private readonly similarK: number;

  constructor(
    private readonly registry: SceneRegistry,
    private readonly post: (message: NeuronInsightsMessage) => void,
    private readonly log: Log,
    options: InsightOptions = {},
  ) {
    this.throttleMs = options.throttleMs ?? 250;
    this.examplesK = options.examplesK ?? 5;
    this.similarK = options.similarK ?? 8;
    this.disposables.push(
      registry.onDidChangeActive(() => {
        this.similar = undefined;
        this.similarKey = '';
        this.schedule();
      }),
      registry.onDidChangePanelState((scene) => {
        if (scene === registry.active) this.schedule();
      }),
    );
  }

  /**
   * Connects a service (they may come later than the panels; either may be absent). Only the sources named are
   * replaced: `setSources({ dataset })` keeps a connected feature-visualisation service.
   */
  setSources(sources: { featureVis?: FeatureVisSource; dataset?: DatasetSource }): void {
    if ('featureVis' in sources) {
      this.featureVisListener?.dispose();
      this.featureVis = sources.featureVis;
      this.featureVisListener = this.featureVis?.onDidChange(() => this.schedule());
      this.lastStates.clear();
    }
    if ('dataset' in sources) {
      this.datasetListener?.dispose();
      this.dataset = sources.dataset;
      this.datasetListener = this.dataset?.onDidChange(() => {
        this.examplesCache.clear();
        this.similarKey = '';
        this.schedule();
      });
      this.examplesCache.clear();
      this.similarKey = '';
    }
    this.schedule();
  }

  /** The newest insights of the active scene (the API's `lastNeuronInsights`). */
  lastMessage(): NeuronInsightsMessage | undefined {
    return this.last;
  }

  cancelFeatureVis(): void {
    const scene = this.registry.active?.scene();
    const settings = scene ? featureVisSettings(scene) : undefined;
    this.cancelledKey = settings && this.registry.active ? this.targetsKey(watchedTargets(this.registry.active, settings), settings) : undefined;
    this.featureVis?.cancel();
    this.schedule();
  }

  /** The panel's "Visualise" selector: the active scene's featureVis.objective, as one undoable edit of its file. */
  async setObjective(objective: FeatureVisObjective): Promise<void> {
    const scene = this.registry.active;
    if (!scene) throw new Error('open a scene (*.perturber.json) in the scene editor first');
    await applyObjective(scene, objective);
  }

  /** The panel's "Similar to this scene" pick (layer null: off). */
  setSimilar(modelId: string, layer: string | null): void {
    const scene = this.registry.active;
    if (!scene) return;
    if (layer === null) this.similarChoice.delete(scene);
    else this.similarChoice.set(scene, { modelId, layer });
    this.similar = undefined;
    this.similarKey = '';
    this.schedule();
  }

  /** Opens a dataset image (workspace-relative) in VS Code, after checking it stays inside the workspace. */
  async openImage(relative: string): Promise<void> {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!root) throw new Error('no workspace folder is open');
    const target = path.resolve(root, relative);
    const [realRoot, realTarget] = await Promise.all([fs.realpath(root), fs.realpath(target).catch(() => undefined)]);
    if (realTarget === undefined) throw new Error(`${relative} does not exist`);
    const inside = (outer: string, inner: string): boolean => {
      const rel = path.relative(outer, inner);
      return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    };
    if (!inside(root, target) || !inside(realRoot, realTarget)) throw new Error(`${relative} is outside the workspace folder`);
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(target));
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.featureVisListener?.dispose();
    this.datasetListener?.dispose();
  }

  /** At most one update per `throttleMs` (the first one soon, then trailing); never two at once. */
  private schedule(): void {
    if (this.timer !== undefined) return;
    if (this.updating) {
      this.again = true;
      return;
    }
    const wait = Math.max(0, this.lastRun + this.throttleMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.update();
    }, wait);
  }

  private async update(): Promise<void> {
    this.updating = true;
    this.lastRun = Date.now();
    try {
      const message = await this.compute();
      if (!message) {
        // No scene, or it does not parse: the panel forgets the insights of the previous one.
        if (this.last) this.post({ type: 'neuronInsights', sceneName: '', insights: [] });
        this.last = undefined;
        this.lastKey = '';
        return;
      }
      const key = messageKey(message);
      if (key !== this.lastKey) {
        this.lastKey = key;
        this.last = message;
        this.post(message);
      }
    } catch (error) {
      this.log.warn(`neuron insights: ${errorMessage(error)}`);
    } finally {
      this.updating = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  private async compute(): Promise<NeuronInsightsMessage | undefined> {
    const scene = this.registry.active;
    const parsed = scene?.scene();
    if (!scene || !parsed) return undefined;
    const settings = featureVisSettings(parsed);
    const targets = watchedTargets(scene, settings);
    const states = this.featureVisStates(targets, settings);
    const examples = await Promise.all(targets.map((t) => this.examples(t)));
    const insights: NeuronInsight[] = targets.map((t, i) => {
      const insight: NeuronInsight = { modelId: t.modelId, layer: t.layer, neuron: t.neuron, featureVis: states[i], objective: settings.objective };
      if (t.unit) insight.unit = { x: t.unit.x, y: t.unit.y };
      if (examples[i] !== undefined) insight.examples = examples[i];
      return insight;
    });
    const message: NeuronInsightsMessage = { type: 'neuronInsights', sceneName: parsed.name, insights, objective: settings.objective };
    const similar = await this.similarImages(scene);
    if (similar) message.similar = similar;
    return message;
  }

  private featureVisStates(targets: readonly FeatureVisTarget[], settings: FeatureVisSettings): FeatureVisState[] {
    const source = this.featureVis;
    if (!source) return targets.map(() => OFF_NO_SERVICE);
    const key = this.targetsKey(targets, settings);
    if (this.cancelledKey !== undefined && key === this.cancelledKey) {
      // Cancelled: the images already made stay, nothing new is asked for.
      return targets.map((t) => {
        const previous = this.lastStates.get(targetKey(t));
        return previous?.state === 'ready' || previous?.state === 'error' ? previous : CANCELLED;
      });
    }
    this.cancelledKey = undefined;
    let states: FeatureVisState[];
    try {
      states = source.states(targets, settings);
    } catch (error) {
      const failed: FeatureVisState = { state: 'error', message: errorMessage(error) };
      states = targets.map(() => failed);
    }
    this.lastStates = new Map(targets.map((t, i) => [targetKey(t), states[i]]));
    return targets.map((_, i) => states[i] ?? { state: 'error', message: 'no state from the feature visualisation service' });
  }

  private targetsKey(targets: readonly FeatureVisTarget[], settings: FeatureVisSettings): string {
    return JSON.stringify([targets.map(targetKey), settings]);
  }

  private examples(target: FeatureVisTarget): Promise<DatasetExample[] | undefined> {
    const source = this.dataset;
    if (!source) return Promise.resolve(undefined);
    const key = JSON.stringify([target.model.sha256, target.tensor, target.neuron, this.examplesK]);
    let pending = this.examplesCache.get(key);
    if (!pending) {
      pending = source.examples(target.model, target.tensor, target.neuron, this.examplesK).catch((error: unknown) => {
        this.log.warn(`dataset examples of ${target.layer} #${target.neuron}: ${errorMessage(error)}`);
        return undefined;
      });
      this.examplesCache.set(key, pending);
    }
    return pending;
  }

  /** The images nearest to the newest frame at the chosen layer, recomputed once per frame. */
  private async similarImages(scene: OpenScene): Promise<SimilarImages | undefined> {
    const choice = this.similarChoice.get(scene);
    if (!choice) return undefined;
    const input = scene.lastModelInput();
    const model = scene.models.modelOf(choice.modelId);
    const base = { modelId: choice.modelId, layer: choice.layer, frameId: input?.frameId ?? -1, images: [] };
    const key = JSON.stringify([choice, input?.frameId, model?.sha256]);
    if (key === this.similarKey && this.similar) return this.similar;
    this.similarKey = key;
    let result: SimilarImages;
    if (!this.dataset) result = { ...base, error: 'Image indexes are not available in this build' };
    else if (!model) result = { ...base, error: `Model "${choice.modelId}" is not loaded` };
    else if (!input) result = { ...base, error: 'No frame yet' };
    else {
      try {
        const layer = findLayer(model, choice.layer);
        if (!layer) throw new Error(`layer "${choice.layer}" not found in ${model.manifest.displayName}`);
        const features = await this.channelMeans(scene, model, choice.layer, input.images);
        const images = await this.dataset.similar(model, layer.tensor, features, this.similarK);
        result = { ...base, images: images ?? [] };
      } catch (error) {
        result = { ...base, error: errorMessage(error) };
      }
    }
    this.similar = result;
    return result;
  }

  /** The frame's mean activation of every channel of `layer` (the model run again on what it saw of the frame). */
  private async channelMeans(scene: OpenScene, model: LoadedModel, layer: string, images: readonly { width: number; height: number; pixels: Uint8Array }[]): Promise<Float32Array> {
    const { width, height } = model.manifest.input;
    const image = images.find((i) => i.width === width && i.height === height);
    if (!image) throw new Error(`no frame at ${width}x${height} yet`);
    const watched = scene.lastResults?.activations.flatMap((m) => m.layers).find((l) => l.layer === layer);
    const channels = watched?.channels ?? findLayer(model, layer)?.channels;
    if (!channels) throw new Error(`the number of channels of "${layer}" is not known yet`);
    const neurons = Array.from({ length: channels }, (_, i) => i);
    const run = await runModel({ id: 'similar', model, watch: [{ layer, neurons }], image, topK: 1 });
    const values = run.activations.layers[0]?.neurons;
    if (!values || values.length !== channels) throw new Error(run.activations.error ?? `layer "${layer}" produced no data`);
    return Float32Array.from(values, (n) => n.mean);
  }
}

function targetKey(target: FeatureVisTarget): string {
  return JSON.stringify([target.modelId, target.model.sha256, target.tensor, target.neuron, target.unit ?? null, target.negative === true, target.problem ?? null]);
}

/** What decides whether the panel needs the message again (thumbnails compared by content). */
function messageKey(message: NeuronInsightsMessage): string {
  return JSON.stringify(message);
}
