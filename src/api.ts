/**
 * The API `activate` returns (`vscode.extensions.getExtension('perturber.perturber-vscode').exports`), used by the
 * extension tests and open to other extensions. Kept small and stable: see docs/CONTRACTS.md.
 */
import * as vscode from 'vscode';
import type { CheckpointTrend, DatasetExample, FrameImage, ModelActivations, ModelPredictions, NeuronInsight, Prediction, SimilarImages } from '../core/protocol';
import type { CheckpointStop } from '../core/checkpoints';
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
import type { ModelInspectorHandle } from './modelInspector/inspectorSession';
import { modelStatus } from './sceneEditor/sceneStatus';
import { lastUserError } from './trust';
import { webviewSecurityRecords, type WebviewSecurityRecord } from './webviewHtml';

/** A webview's message end as the test-only injection reaches it (src/panels/resultsPanel.ts, src/sweepResults). */
export interface MessageEnd {
  receive(raw: unknown): boolean;
  readonly rejectedMessages: number;
}

/** Test support wired by `activate`: the result panels, the newest sweep results view, the output log's file. */
export interface TestAccess {
  panel(kind: 'predictions' | 'activations'): MessageEnd & { readonly isOpen: boolean };
  sweepResults(): MessageEnd | undefined;
  /** The file the "Perturber" log output channel writes: the extension's log folder (`context.logUri`) + `Perturber.log`. */
  logFile: string;
  /** The newest error-level lines of the "Perturber" log (src/log.ts). */
  errorsLogged?(): string[];
}

export interface PerturberApi {
  /**
   * Top-k predictions of a model (`builtin:NAME`, an absolute .onnx path, or one relative to the first workspace
   * folder) for an RGBA image of any size (centre-cropped and resized to the model's input). Rejects with a
   * readable message when the model cannot be loaded or run. `options.checkpoint` runs that checkpoint of the
   * model's family (an index into its manifest's `checkpoints`).
   */
  classify(modelPath: string, image: FrameImage, options?: { checkpoint?: number | null }): Promise<Prediction[]>;
  /** The latest frame results of the active scene editor (else of the last scene that produced any, if its file still exists). */
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
  /**
   * Test support: the checkpoint family of the active scene's model `modelId` as the slider shows it now (its stops,
   * the .onnx file of each, the stop the scene shows), or undefined when that model is no family (yet).
   */
  checkpointFamily(modelId: string): { stops: CheckpointStop[]; files: string[]; current: number } | undefined;
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
  /**
   * Test support: hands `raw` to the predictions or activations panel as if its webview had posted it (the same guard
   * and dispatch). Returns whether the guard accepted it; throws when that panel is not open.
   */
  injectPanelMessage(kind: 'predictions' | 'activations', raw: unknown): boolean;
  /** Test support: how many messages that panel refused since the extension started (each also logged). */
  rejectedPanelMessages(kind: 'predictions' | 'activations'): number;
  /**
   * Test support: hands `raw` to the sweep results view shown last as if it had posted it. Returns whether the guard
   * accepted it; throws when no sweep results view is open.
   */
  injectSweepResultsMessage(raw: unknown): boolean;
  /** Test support: how many messages the sweep results view shown last refused (each also logged); 0 without one. */
  rejectedSweepResultsMessages(): number;
  /** Test support: the pages the extension made for its webviews (newest 64), with their options. See webviewHtml.ts. */
  webviewSecurity(): WebviewSecurityRecord[];
  /** Test support: the file the "Perturber" output channel writes its lines to. */
  logFile(): string | undefined;
  /** Test support: the newest error-level lines the extension logged (at most 200), oldest first. */
  errorsLogged(): string[];
  /** Test support: the documents (URIs) of the open scene editors, least recently focused first. */
  openScenes(): string[];
  /**
   * Test support for restricted mode (src/trust.ts): whether the workspace is trusted, the last error notification
   * the extension showed, every .onnx file the model store was asked to load, and the active scene editor's status.
   */
  trustReport(): { trusted: boolean; lastUserError?: string; modelFiles: string[]; sceneStatus?: string };
  /**
   * Test support: the newest open model inspector of `onnxPath` (of all, when absent): what it was sent, message
   * injection, and "Add to scene" with given choices. See src/modelInspector/inspectorSession.ts.
   */
  modelInspector(onnxPath?: string): ModelInspectorHandle | undefined;
}

export function createApi(
  classifier: Classifier,
  registry: SceneRegistry,
  timings: LoopTimingLog,
  insights?: { lastMessage(): { sceneName: string; insights: NeuronInsight[]; similar?: SimilarImages } | undefined },
  datasetIndex?: DatasetIndexService,
  featureVis?: PerturberApi['featureVis'],
  testAccess?: TestAccess,
  store?: { readonly requested: ReadonlySet<string> },
  inspectors?: { inspector(onnxPath?: string): ModelInspectorHandle | undefined },
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
    checkpointFamily(modelId) {
      const model = registry.active?.models.familyModels().find((m) => m.id === modelId);
      return model && { stops: model.family.stops, files: model.family.members.map((m) => m.onnxPath), current: model.current };
    },
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
    injectPanelMessage(kind, raw) {
      const panel = testAccess?.panel(kind);
      if (!panel?.isOpen) throw new Error(`open the ${kind} panel first`);
      return panel.receive(raw);
    },
    rejectedPanelMessages: (kind) => testAccess?.panel(kind).rejectedMessages ?? 0,
    injectSweepResultsMessage(raw) {
      const view = testAccess?.sweepResults();
      if (!view) throw new Error('open a sweep results view first');
      return view.receive(raw);
    },
    rejectedSweepResultsMessages: () => testAccess?.sweepResults()?.rejectedMessages ?? 0,
    webviewSecurity: () => webviewSecurityRecords(),
    logFile: () => testAccess?.logFile,
    errorsLogged: () => testAccess?.errorsLogged?.() ?? [],
    openScenes: () => registry.all().map((s) => s.document.uri.toString()),
    trustReport: () => ({
      trusted: vscode.workspace.isTrusted,
      lastUserError: lastUserError(),
      modelFiles: [...(store?.requested ?? [])],
      sceneStatus: registry.active ? modelStatus(registry.active.models, vscode.workspace.isTrusted).text : undefined,
    }),
    modelInspector: (onnxPath) => inspectors?.inspector(onnxPath),
  };
}
