/**
 * The API `activate` returns (`vscode.extensions.getExtension('perturber.perturber-vscode').exports`), used by the
 * extension tests and open to other extensions. Kept small and stable: see docs/CONTRACTS.md.
 */
import type { CheckpointTrend, DatasetExample, FrameImage, ModelActivations, ModelPredictions, NeuronInsight, Prediction, SimilarImages } from '../core/protocol';
import type { LayerInfo } from '../core/manifestTypes';
import type { LoopTimingLog, LoopTimingRecord } from '../core/loopTimings';
import { readConfig } from './config';
import type { DatasetIndexService } from './datasetIndex/datasetIndexService';
import type { FeatureVisApiRequest, FeatureVisApiResult } from './featureVis/featureVisUi';
import type { Classifier } from './inference/classifier';
import { findLayer } from './inference/loadModel';
import type { SaliencyRecord, SaliencyViewRequest } from './sceneEditor/saliencyService';
import type { SceneRegistry } from './sceneEditor/sceneRegistry';
import { SceneSession } from './sceneEditor/sceneSession';

export interface PerturberApi {
  /**
   * Top-k predictions of a model (`builtin:NAME`, an absolute .onnx path, or one relative to the first workspace
   * folder) for an RGBA image of any size (centre-cropped and resized to the model's input). Rejects with a
   * readable message when the model cannot be loaded or run. `options.checkpoint` runs that checkpoint of the
   * model's family (an index into its manifest's `checkpoints`).
   */
  classify(modelPath: string, image: FrameImage, options?: { checkpoint?: number | null }): Promise<Prediction[]>;
  /** The latest frame results of the active scene editor (else of the last scene that produced any). */
  lastResults(): { frameId: number; predictions: ModelPredictions[]; activations: ModelActivations[] } | undefined;
  /**
   * What the models of the active scene editor saw of its last frame: one opaque RGBA image per model input size,
   * after the scene's image perturbations (the rendered frame itself when no step is enabled).
   */
  lastModelInput(): { frameId: number; images: FrameImage[] } | undefined;
  /** The watchable layers of a model, with the shapes found by running it once: named (aliased) layers first. */
  listLayers(modelPath: string): Promise<LayerInfo[]>;
  /** The active scene editor's latest trend along checkpoints ("Show along checkpoints"), when it is on. */
  lastCheckpointTrend(): CheckpointTrend | undefined;
  /** Stage timings of the newest frames of the interactive loop (the benchmark reads them). */
  loopTimings(): LoopTimingRecord[];
  /** Forgets the recorded loop timings. */
  clearLoopTimings(): void;
  /**
   * The active scene editor's newest input saliency map (the scene view's "Saliency" mode): model id, class (output
   * index and label), method, the model's input size and `map` (width x height in [0, 1], rows top to bottom);
   * integrated gradients add `completeness` ({ gap: sum(attribution) - (f(x) - f(black)), delta: f(x) - f(black) }).
   */
  lastSaliency(): SaliencyRecord | undefined;
  /**
   * What the scene view's Saliency mode sends (`saliencyView`): turns the active scene editor's saliency on or off
   * for a model (absent: the first loaded) and class (an output index; absent or null: the top-1 of each frame).
   * For tests and other extensions; throws when no scene editor is active.
   */
  setSaliencyView(view: SaliencyViewRequest): void;
  /** Every distinct perturbation problem the active scene editor's frames had so far (e.g. a malformed .npy). */
  perturbationProblems(): string[];
  /**
   * What the activations panel last got about the active scene's watched neurons: per neuron its feature
   * visualisation state (ready with a data: URL PNG, queued, running with progress, error, off with the reason) and
   * its dataset examples when an index covers the layer; `similar` while "Similar to this scene" is on.
   */
  lastNeuronInsights(): { sceneName: string; insights: NeuronInsight[]; similar?: SimilarImages } | undefined;
  /**
   * The dataset examples of a neuron (`perturber.indexImageFolder`): the k indexed images that excite channel `neuron`
   * of `layer` (alias or tensor) of the active scene's model `modelId` most, largest first; undefined when no index
   * of that model covers the layer. Rejects when the scene has no such loaded model or layer.
   */
  neuronExamples(modelId: string, layer: string, neuron: number, k: number): Promise<DatasetExample[] | undefined>;
  /**
   * Feature visualisations of channels `neurons` of `layer` of a model (named like `classify`'s), with `settings`
   * over the defaults: the states at once, or with `wait` when done; `files`: the cached PNGs. See docs/CONTRACTS.md.
   */
  featureVis(modelPath: string, request: FeatureVisApiRequest): Promise<FeatureVisApiResult>;
  /**
   * Test support: hands `raw` to the active scene editor as if its webview had posted it (the same guard and
   * dispatch). Returns whether the guard accepted it; throws when no scene editor is active.
   */
  injectSceneMessage(raw: unknown): boolean;
  /** Test support: how many scene view messages the active scene editor refused (each also logged); 0 without one. */
  rejectedMessages(): number;
}

export function createApi(
  classifier: Classifier,
  registry: SceneRegistry,
  timings: LoopTimingLog,
  insights?: { lastMessage(): { sceneName: string; insights: NeuronInsight[]; similar?: SimilarImages } | undefined },
  datasetIndex?: DatasetIndexService,
  featureVis?: PerturberApi['featureVis'],
): PerturberApi {
  return {
    async classify(modelPath, image, options) {
      const { predictions: result } = await classifier.classifyWith(modelPath, image, readConfig().topK, options?.checkpoint);
      if (result.error !== undefined) throw new Error(result.error);
      return result.top;
    },
    lastResults() {
      const results = registry.latestResults();
      if (!results) return undefined;
      return { frameId: results.frameId, predictions: results.predictions, activations: results.activations };
    },
    lastModelInput: () => registry.active?.lastModelInput(),
    listLayers(modelPath) {
      return classifier.listLayers(modelPath);
    },
    lastCheckpointTrend: () => (registry.active?.trends.selected != null ? registry.active.trends.lastTrend : undefined),
    loopTimings: () => timings.list(),
    clearLoopTimings: () => timings.clear(),
    lastSaliency: () => registry.active?.saliency.lastSaliency(),
    setSaliencyView(view) {
      const scene = registry.active;
      if (!scene) throw new Error('open a scene in the scene editor first');
      scene.saliency.setView(view);
    },
    perturbationProblems: () => registry.active?.perturbationProblemsSeen?.() ?? [],
    lastNeuronInsights() {
      const message = insights?.lastMessage();
      if (!message) return undefined;
      const { sceneName, insights: list, similar } = message;
      return similar ? { sceneName, insights: list, similar } : { sceneName, insights: list };
    },
    async neuronExamples(modelId, layer, neuron, k) {
      const model = registry.active?.models.modelOf(modelId);
      if (!model) throw new Error(`the active scene has no loaded model "${modelId}"`);
      const info = findLayer(model, layer);
      if (!info) throw new Error(`${modelId} has no layer "${layer}"`);
      return datasetIndex?.examples(model, info.tensor, neuron, k);
    },
    featureVis(modelPath, request) {
      if (!featureVis) return Promise.reject(new Error('feature visualisation is not available'));
      return featureVis(modelPath, request);
    },
    injectSceneMessage(raw) {
      const scene = registry.active;
      if (!(scene instanceof SceneSession)) throw new Error('open a scene in the scene editor first');
      return scene.receive(raw);
    },
    rejectedMessages: () => (registry.active instanceof SceneSession ? registry.active.rejectedMessages : 0),
  };
}
