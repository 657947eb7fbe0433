/**
 * One model on one image: preprocess, a single session run that fetches the output and the watched layers only,
 * top-k and activation maps. Shared by the frame pipeline and the classify command/API. Problems that concern a
 * single model (a missing layer or neuron, a failed run) end up as its `error` text; they never throw.
 */
import { extractNeurons } from '../../core/activations';
import { predictionsFromOutput } from '../../core/classify';
import { fitImage } from '../../core/imageFit';
import type { FloatImage } from '../../core/perturbations/types';
import { floatToModelInput, toModelInput } from '../../core/preprocess';
import type { FrameImage, LayerActivations, ModelActivations, ModelPredictions } from '../../core/protocol';
import type { WatchedLayer } from '../../core/sceneTypes';
import { findLayer, type LoadedModel } from './loadModel';
import type { Tensor32 } from './ortBackend';

export interface ModelRun {
  predictions: ModelPredictions;
  activations: ModelActivations;
  preprocessMs: number;
  runMs: number;
  extractMs: number;
}

export interface ModelRunRequest {
  /** The model's id in the scene (or in the command's result). */
  id: string;
  model: LoadedModel;
  watch: readonly WatchedLayer[];
  image: FrameImage;
  /** The image after the scene's perturbations (same size); the model gets this instead of `image` when given. */
  perturbed?: FloatImage;
  topK: number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Watched layer names -> tensors, collecting the names this model does not have. */
function resolveWatches(model: LoadedModel, watch: readonly WatchedLayer[]): { found: { watch: WatchedLayer; tensor: string }[]; problems: string[] } {
  const found: { watch: WatchedLayer; tensor: string }[] = [];
  const problems: string[] = [];
  for (const w of watch) {
    const layer = findLayer(model, w.layer);
    if (layer) found.push({ watch: w, tensor: layer.tensor });
    else {
      const known = [...new Set(model.layers.flatMap((l) => (l.alias !== undefined ? [l.alias, l.tensor] : [l.tensor])))];
      const shown = known.slice(0, 8).join(', ') + (known.length > 8 ? ', ...' : '');
      problems.push(`layer "${w.layer}" not found (layers: ${shown})`);
    }
  }
  return { found, problems };
}

/**
 * An image file at the model's input size, cropped/padded as the manifest's `input.resize` says (core/imageFit.ts;
 * default: the largest centred box of the input's aspect ratio). Classify Image and the dataset index use it; a
 * rendered frame (already at the input size, nothing to cut) comes back unchanged.
 */
export function fitToModel(image: FrameImage, model: LoadedModel): FrameImage {
  return fitImage(image, model.manifest.input);
}

export async function runModel(request: ModelRunRequest): Promise<ModelRun> {
  const { id, model, image, topK } = request;
  const displayName = model.manifest.displayName;
  const failed = (error: string, times: Partial<ModelRun> = {}): ModelRun => ({
    predictions: { id, displayName, top: [], error },
    activations: { id, displayName, layers: [], error },
    preprocessMs: times.preprocessMs ?? 0,
    runMs: times.runMs ?? 0,
    extractMs: 0,
  });
  const { found, problems } = resolveWatches(model, request.watch);
  const { input, output } = model.manifest;

  const t0 = performance.now();
  let tensor: Tensor32;
  try {
    const data = request.perturbed ? floatToModelInput(request.perturbed, input) : toModelInput(image, input);
    tensor = { data, dims: input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3] };
  } catch (error) {
    return failed(message(error));
  }
  const t1 = performance.now();
  const fetch = [...new Set([output.name, ...found.map((f) => f.tensor)])];
  let outputs: Map<string, Tensor32>;
  try {
    outputs = await model.session.run({ [input.name]: tensor }, fetch);
  } catch (error) {
    return failed(`inference failed: ${message(error)}`, { preprocessMs: t1 - t0, runMs: performance.now() - t1 });
  }
  const t2 = performance.now();

  const logits = outputs.get(output.name);
  const predictions: ModelPredictions = { id, displayName, top: [] };
  if (logits) {
    // We feed a batch of one; the first row is its answer whatever shape the output has.
    const classes = logits.dims.length >= 2 && logits.dims[0] > 0 ? logits.data.length / logits.dims[0] : logits.data.length;
    predictions.top = predictionsFromOutput(logits.data.subarray(0, classes), model.manifest, model.labels, topK);
  } else {
    predictions.error = `the model produced no output "${output.name}"`;
  }

  const layers: LayerActivations[] = [];
  for (const { watch, tensor: name } of found) {
    const value = outputs.get(name);
    if (!value) {
      problems.push(`layer "${watch.layer}" produced no data`);
      continue;
    }
    try {
      const extracted = extractNeurons(value.data, value.dims, input.layout, watch.neurons);
      if (extracted.missing.length > 0) {
        problems.push(`layer "${watch.layer}" has ${extracted.channels} neurons; no neuron ${extracted.missing.join(', ')}`);
      }
      layers.push({ layer: watch.layer, tensor: name, channels: extracted.channels, height: extracted.height, width: extracted.width, neurons: extracted.neurons });
    } catch (error) {
      problems.push(`layer "${watch.layer}": ${message(error)}`);
    }
  }
  const activations: ModelActivations = { id, displayName, layers };
  if (problems.length > 0) activations.error = problems.join('; ');
  const t3 = performance.now();
  return { predictions, activations, preprocessMs: t1 - t0, runMs: t2 - t1, extractMs: t3 - t2 };
}
