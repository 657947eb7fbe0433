/**
 * The API `activate` returns (`vscode.extensions.getExtension('perturber.perturber-vscode').exports`), used by the
 * extension tests and open to other extensions. Kept small and stable: see docs/CONTRACTS.md.
 */
import type { CheckpointTrend, FrameImage, ModelActivations, ModelPredictions, Prediction } from '../core/protocol';
import type { LayerInfo } from '../core/manifestTypes';
import type { LoopTimingLog, LoopTimingRecord } from '../core/loopTimings';
import { readConfig } from './config';
import type { Classifier } from './inference/classifier';
import type { SaliencyRecord, SaliencyViewRequest } from './sceneEditor/saliencyService';
import type { SceneRegistry } from './sceneEditor/sceneRegistry';

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
}

export function createApi(classifier: Classifier, registry: SceneRegistry, timings: LoopTimingLog): PerturberApi {
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
  };
}
