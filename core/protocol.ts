/**
 * The one protocol between the extension host and its webviews: a discriminated union per direction.
 * Pixel and activation payloads cross as typed arrays (structured clone), never as number[].
 */
import type { CheckpointFamily } from './checkpoints';
import type { PerturbationOp } from './perturbations/types';
import type { FeatureVisObjective, Scene, SceneDiagnostic, SceneEdit } from './sceneTypes';
import type { ShapeBias } from './sweep/results';

/** A perturbation op's metadata as the webview gets it (core/perturbations/registry.ts `opCatalog()`): no `apply`. */
export type PerturbationOpInfo = Omit<PerturbationOp, 'apply'>;

/** One rendered image, RGBA 8-bit, rows top to bottom. */
export interface FrameImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export interface RenderSize {
  width: number;
  height: number;
}

/** Timings measured in the webview for one frame (milliseconds; `postedAt` is epoch ms). */
export interface FrameTiming {
  renderMs: number;
  readbackMs: number;
  postedAt: number;
}

// ---------------------------------------------------------------- scene editor webview -> host

export type SceneToHost =
  /** The webview has loaded and wants the current scene. */
  | { type: 'ready' }
  /** The user changed controls: apply these edits to the document as one undoable step. */
  | { type: 'edit'; edits: SceneEdit[] }
  /** A rendered frame of the scene, one image per model input size requested. */
  | { type: 'frame'; frameId: number; docVersion: number; images: FrameImage[]; timing: FrameTiming }
  /** Open the scene in the plain text editor. */
  | { type: 'openAsJson' }
  /** Show the predictions and activations panels. */
  | { type: 'showPanels' }
  /** A problem in the webview worth telling the user (e.g. a texture failed to load). */
  | { type: 'problem'; message: string }
  /** The before/after view shows the perturbed model input: send `modelInput` for every frame while enabled. */
  | { type: 'modelInputView'; enabled: boolean }
  /**
   * The view's "Saliency" mode: while enabled, send `saliencyModels` once and a `saliency` map for the newest frame.
   * `model` is a scene model id (absent: the first loaded model); `classIndex` an output index (absent or null: the
   * model's top-1 of each frame).
   */
  | { type: 'saliencyView'; enabled: boolean; model?: string; classIndex?: number | null; method: SaliencyMethod }
  /** The images of a `renderRequest` (sweeps): one per requested size, in the requested order. */
  | { type: 'rendered'; requestId: number; images: FrameImage[] }
  /** A `renderRequest` could not be served (no WebGL, a file the scene names did not load, ...). */
  | { type: 'renderFailed'; requestId: number; error: string }
  /** The Sweep section's "Run sweep": run this scene's sweep (`perturber.runSweep` with this document's URI). */
  | { type: 'runSweep' }
  /** The Sweep section's "Show results": open the results view of this scene's run (`perturber.showSweepResults`). */
  | { type: 'showSweepResults' };

// ---------------------------------------------------------------- host -> scene editor webview

export type HostToScene =
  /** The document's current scene (null when it does not parse) and its diagnostics. */
  | {
      type: 'scene';
      docVersion: number;
      scene: Scene | null;
      diagnostics: SceneDiagnostic[];
      /** Sizes the models need; the webview renders one image per size for each frame. */
      renderSizes: RenderSize[];
      /** Webview URI of the background image, when the background is an image. */
      backgroundUri?: string;
      /** Scene-relative path -> webview URI for every workspace file the scene names (object, textures, background). */
      resourceUris?: Record<string, string>;
      /**
       * `models[i].path` -> its checkpoint family, for each model whose manifest lists checkpoints (known once the
       * host has read the manifest): the scene editor shows a checkpoint slider for exactly these.
       */
      checkpointFamilies?: Record<string, CheckpointFamily>;
    }
  /** Model loading / inference status shown in the editor's status line. */
  | { type: 'status'; level: 'info' | 'error'; text: string }
  /** Inference for a frame finished (lets the webview show loop latency). */
  | { type: 'frameDone'; frameId: number; totalMs: number }
  /** The perturbation ops the "Add perturbation" picker offers and their parameters (sent once, on `ready`). */
  | { type: 'perturbationOps'; ops: PerturbationOpInfo[] }
  /**
   * What the models saw of frame `frameId`: one opaque RGBA image per render size, after the scene's perturbations
   * (the frame itself when no step is enabled). Only while the webview asked for it with `modelInputView`.
   */
  | { type: 'modelInput'; frameId: number; images: FrameImage[] }
  /** The models the saliency view can explain and their classes (sent when the view is enabled or the models change). */
  | { type: 'saliencyModels'; models: SaliencyModelInfo[] }
  /** An input saliency map of frame `frameId` (only while the view is enabled), or why there is none. */
  | SaliencyMessage
  /**
   * Render `scene` (not the document's) at `sizes` through the same code path as frames, offscreen, and answer with
   * `rendered` (or `renderFailed`); the view shows the document's scene again afterwards. Used by sweeps.
   */
  | { type: 'renderRequest'; requestId: number; scene: Scene; sizes: RenderSize[] }
  /** The state of this scene's sweep run as the host last read it (null: no run of the current spec yet). */
  | { type: 'sweepRun'; run: SweepRunState | null };

/** A scene's sweep run as the scene editor's Sweep section shows it (from progress.json / summary.json). */
export interface SweepRunState {
  /** The run folder, workspace-relative when inside the workspace. */
  folder: string;
  /** Configurations complete, and in the sweep. */
  done: number;
  total: number;
  complete: boolean;
  /** The run is of the scene as it is now (false: of an earlier version; running the sweep starts a new run). */
  current: boolean;
  /** A sweep of this scene is running now (started from this editor). */
  running: boolean;
  /** summary.json's date (ISO), when the run has one. */
  date?: string;
}

export type SaliencyMethod = 'gradient' | 'integratedGradients';

export interface SaliencyModelInfo {
  id: string;
  displayName: string;
  /** Class names by label index; output index = label index + labelOffset. */
  labels: string[];
  labelOffset: number;
}

export interface SaliencyMessage {
  type: 'saliency';
  frameId: number;
  model: string;
  /** The explained class as an output index (null when there is none, with `error`). */
  classIndex: number | null;
  label: string;
  method: SaliencyMethod;
  /** The model's input size: `map` holds width x height values in [0, 1] (99th percentile = 1), rows top to bottom. */
  width: number;
  height: number;
  map: Float32Array;
  /** What the model saw (the image the map explains), RGBA at its input size. */
  input?: FrameImage;
  /** The model's top predictions of this frame (the class picker lists them first). */
  top: Prediction[];
  error?: string;
}

// ---------------------------------------------------------------- host -> result panels

export interface Prediction {
  index: number;
  label: string;
  probability: number;
}

/** Host-side timings of one frame (milliseconds; `postedAt` epoch ms). */
export interface HostTiming {
  transferMs: number;
  /** The scene's image perturbations, once per distinct input size (0 when none is enabled). */
  perturbMs: number;
  preprocessMs: number;
  runMs: number;
  extractMs: number;
  postedAt: number;
}

/** Which checkpoint of its family a model ran (only for models whose manifest lists checkpoints). */
export interface CheckpointInfo {
  /** The stop's label ("final" for the manifest's own file unless a checkpoint names it). */
  label: string;
  /** Position on the slider and how many stops the family has. */
  index: number;
  count: number;
}

export interface ModelPredictions {
  id: string;
  displayName: string;
  top: Prediction[];
  error?: string;
  checkpoint?: CheckpointInfo;
}

export interface NeuronActivation {
  index: number;
  mean: number;
  min: number;
  max: number;
  /** height x width activation map, row-major. */
  map: Float32Array;
}

export interface LayerActivations {
  /** The name the scene uses (alias or tensor). */
  layer: string;
  tensor: string;
  channels: number;
  height: number;
  width: number;
  neurons: NeuronActivation[];
}

export interface ModelActivations {
  id: string;
  displayName: string;
  layers: LayerActivations[];
  error?: string;
  checkpoint?: CheckpointInfo;
}

/**
 * One frame run through every checkpoint of a family ("Show along checkpoints"): per stop of the slider, in training
 * order, the probabilities of the classes the current checkpoint ranks top-k and the mean of every watched neuron.
 * A value is null where that checkpoint failed (its `error` says why).
 */
export interface CheckpointTrend {
  frameId: number;
  sceneName: string;
  modelId: string;
  displayName: string;
  checkpoints: { label: string; step?: number; current: boolean; error?: string }[];
  classes: { index: number; label: string; probabilities: (number | null)[] }[];
  neurons: { layer: string; neuron: number; means: (number | null)[] }[];
  /** The whole trend failed (no family, no frame yet...). */
  error?: string;
}

/**
 * What one shown neuron responds to (issue 7): its feature visualisation (activation maximisation, computed in the
 * background and cached under `.perturber/cache/`) and its most activating images of an indexed folder.
 */
export interface NeuronInsight {
  modelId: string;
  /** The layer name the scene uses (alias or tensor). */
  layer: string;
  neuron: number;
  featureVis: FeatureVisState;
  /** What the feature visualisation optimises (the scene's featureVis.objective) and, for a unit, where (map x, y). */
  objective?: FeatureVisObjective;
  unit?: { x: number; y: number };
  /** Absent when no index of this model covers the layer ("Perturber: Index Image Folder"). */
  examples?: DatasetExample[];
}

export type FeatureVisState =
  /** `png`: a data: URL; `activation`: the neuron's objective on it; `randomActivation`: on random-noise inputs. */
  | { state: 'ready'; png: string; activation: number; randomActivation: number }
  | { state: 'queued' }
  /** `progress` in [0, 1]. */
  | { state: 'running'; progress: number }
  | { state: 'error'; message: string }
  /** Feature visualisation is switched off (setting) or the model cannot be differentiated. */
  | { state: 'off'; reason: string };

export interface DatasetExample {
  /** Workspace-relative path of the image file. */
  path: string;
  /** data: URL of a small PNG: the model-input crop of the image with the neuron's activation map over it. */
  thumbnail: string;
  /** The neuron's mean activation on the image. */
  activation: number;
}

/** "Similar to this scene": the indexed images whose activations at a layer are nearest to the current frame's. */
export interface SimilarImages {
  modelId: string;
  layer: string;
  frameId: number;
  images: { path: string; thumbnail: string; /** cosine distance of the channel-mean vectors, 0..2 */ distance: number }[];
  error?: string;
}

export type HostToPanel =
  | { type: 'predictions'; frameId: number; sceneName: string; models: ModelPredictions[]; timing: HostTiming }
  | { type: 'activations'; frameId: number; sceneName: string; models: ModelActivations[]; timing: HostTiming }
  /** Nothing to show, and why (no scene open, no model in the scene, ...). */
  | { type: 'empty'; reason: string }
  /**
   * "Show along checkpoints": `modelId` is the model whose family is plotted (null: the view is off); `trend` is the
   * newest frame's result (absent while the first one is being computed).
   */
  | { type: 'checkpointTrend'; modelId: string | null; trend?: CheckpointTrend }
  /** Feature visualisations and dataset examples of the watched neurons (activations panel), sent when any changes. */
  | { type: 'neuronInsights'; sceneName: string; insights: NeuronInsight[]; similar?: SimilarImages; objective?: FeatureVisObjective };

export type PanelToHost =
  | { type: 'ready' }
  /** Turn "Show along checkpoints" on for a model of the active scene (by id), or off (null). */
  | { type: 'checkpointTrend'; modelId: string | null }
  /** Save the shown trend as CSV files under `.perturber/` in the workspace. */
  | { type: 'saveCheckpointTrend' }
  /** The panel painted a frame's results; `receivedAt` (epoch ms) is when the message arrived, for the loop timings. */
  | { type: 'painted'; frameId: number; paintMs: number; receivedAt: number }
  /** Open a dataset example (workspace-relative path) in an editor. */
  | { type: 'openImage'; path: string }
  /** Stop the feature visualisations being computed (they start again when asked for). */
  | { type: 'cancelFeatureVis' }
  /** The "Visualise" selector: set the active scene's featureVis.objective (one undoable edit of the scene file). */
  | { type: 'featureVisObjective'; objective: FeatureVisObjective }
  /** Show the images most similar to the current frame at this model's layer (null: hide). */
  | { type: 'similarImages'; modelId: string; layer: string | null };

/** A sweep run as the sweep results view shows it (src/sweepResults/; files read by core/sweepRunData.ts). */
export interface SweepRunInfo {
  name: string;
  /** The run's folder, workspace-relative when inside the workspace. */
  folder: string;
  /** The parameter paths (results.csv's parameter columns). */
  parameters: string[];
  /** Scene model ids and display names (summary.json; the CSV's model ids while it has none). */
  models: { id: string; displayName: string }[];
  /** Configurations in the sweep (null: not known yet). */
  configurations: number | null;
  /** Configurations complete. */
  done: number;
  complete: boolean;
  /** When summary.json was written (ISO). */
  date?: string;
  /** summary.json's shape bias per model (`analysis: 'shapeBias'`). */
  shapeBias?: Record<string, ShapeBias>;
  /** Why clicking cannot open a configuration (no summary.json yet, the scene file is gone); absent when it can. */
  openProblem?: string;
}

export type HostToSweepResults =
  /** The run's rows (results.csv without its header line; each row as many fields as `header`). */
  | { type: 'sweepResults'; run: SweepRunInfo; header: string[]; rows: string[][] }
  /** The run cannot be shown (a missing or malformed results.csv / summary.json), and why. */
  | { type: 'sweepError'; name: string; message: string }
  /** Opening configuration `index` as a scene failed (shown in the view; the data stays). */
  | { type: 'openFailed'; index: number; message: string };

export type SweepResultsToHost =
  | { type: 'ready' }
  /** Write configuration `index` of the run as a scene file and open it in the scene editor. */
  | { type: 'openConfiguration'; index: number };

/** Exhaustiveness check for switches over message types. */
export function assertNever(value: never): never {
  throw new Error(`unexpected message ${JSON.stringify(value)}`);
}
