/**
 * Explanations of one model's class decision on one image, on the gradient engine (ModelGradients): the ranking of a
 * layer's channels (core/attribution.ts, "Find Class-Relevant Neurons") and the input saliency map
 * (core/saliency.ts, the scene view's "Saliency" mode). Errors are Errors whose message a user can act on.
 */
import { rankChannels, type ChannelScore, type RankingMethod } from '../../core/attribution';
import { UnsupportedOpError, type Objective } from '../../core/gradients';
import { labelFor } from '../../core/labels';
import type { LayerInfo } from '../../core/manifestTypes';
import { rgbaToFloat } from '../../core/perturbations/pipeline';
import type { FrameImage, SaliencyMethod } from '../../core/protocol';
import { attributionMap, completenessGap, gradientSaliency, integrationPoints, IntegratedGradients, normalizeMap, pathPoints } from '../../core/saliency';
import type { LoadedModel } from './loadModel';

/** The most images one gradient run takes (memory), even when the model's batch dimension is free. */
const MAX_GRADIENT_BATCH = 16;

/**
 * A gradient failure as the user should read it: an operator without a gradient rule is named with its node, then
 * `consequence` says what that stops (saliency, the attack, the sweep's attack).
 */
export function gradientError(error: unknown, model: LoadedModel, consequence = 'it cannot be explained with gradients'): Error {
  if (error instanceof UnsupportedOpError) {
    return new Error(
      `${model.manifest.displayName} uses the ONNX operator ${error.op} (node "${error.node}"), which the gradient engine has no rule for; ${consequence}`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** The class objective of an output index; refuses an index outside the model's classes. */
export function classObjective(model: LoadedModel, classIndex: number): Objective {
  const { labelOffset } = model.manifest;
  const count = model.layers.find((l) => l.opType === 'Output')?.channels;
  if (!Number.isInteger(classIndex) || classIndex < 0 || (count !== undefined && classIndex >= count)) {
    throw new Error(`class ${classIndex - labelOffset} is not a class of ${model.manifest.displayName}${count !== undefined ? ` (it has ${count - labelOffset})` : ''}`);
  }
  return { kind: 'logits', weights: { [classIndex]: 1 } };
}

export function classLabel(model: LoadedModel, classIndex: number): string {
  return labelFor(model.labels, classIndex, model.manifest.labelOffset);
}

/** The model's input image (RGBA at its input size) as CHW RGB in [0, 1]; throws when the size is wrong. */
export function pixelsFor(model: LoadedModel, image: FrameImage): Float32Array {
  const { width, height } = model.manifest.input;
  if (image.width !== width || image.height !== height) {
    throw new Error(`the image is ${image.width}x${image.height}, ${model.manifest.displayName} takes ${width}x${height}`);
  }
  return rgbaToFloat(image).data;
}

export interface LayerRanking {
  layer: LayerInfo;
  classIndex: number;
  label: string;
  /** The class logit on this image. */
  objective: number;
  /** Every channel, sorted by the method, largest first. */
  scores: ChannelScore[];
}

/** Ranks `layer`'s channels for the class on the image (see core/attribution.ts). */
export async function rankLayer(
  model: LoadedModel,
  image: FrameImage,
  classIndex: number,
  layer: LayerInfo,
  method: RankingMethod,
): Promise<LayerRanking> {
  if (layer.opType === 'Output' || layer.height === undefined || layer.channels === undefined) {
    throw new Error(`layer ${layer.alias ?? layer.tensor} is not a 4-D feature map; pick a convolutional layer`);
  }
  const objective = classObjective(model, classIndex);
  const x = pixelsFor(model, image);
  let run;
  try {
    run = await model.gradients.run(x, 1, objective, [layer.tensor]);
  } catch (error) {
    throw gradientError(error, model);
  }
  const { value, grad } = run.layers.get(layer.tensor)!;
  const scores = rankChannels(value.data, grad.data, value.dims, model.manifest.input.layout, method);
  return { layer, classIndex, label: classLabel(model, classIndex), objective: run.objective[0], scores };
}

export interface SaliencyMap {
  width: number;
  height: number;
  /** width x height in [0, 1] (normalizeMap: 99th percentile = 1), rows top to bottom. */
  map: Float32Array;
  /** The class logit (log probability for a 'probabilities' model) on the image. */
  objective: number;
  /** Integrated gradients only: sum(attribution) - (f(x) - f(black)), and f(x) - f(black). */
  completeness?: { gap: number; delta: number };
}

/**
 * The saliency map of the class on the image: gradient (max |grad| over channels) or integrated gradients from a
 * black baseline with `steps` midpoint steps, batched up to the model's maxBatch.
 */
export async function saliencyMap(
  model: LoadedModel,
  image: FrameImage,
  classIndex: number,
  method: SaliencyMethod,
  steps: number,
): Promise<SaliencyMap> {
  const objective = classObjective(model, classIndex);
  const x = pixelsFor(model, image);
  const { width, height } = model.manifest.input;
  const gradients = model.gradients;
  try {
    const atX = await gradients.run(x, 1, objective);
    if (method === 'gradient') {
      return { width, height, map: normalizeMap(gradientSaliency(atX.gradInput, 3, height, width)), objective: atX.objective[0] };
    }
    const fBlack = (await gradients.run(new Float32Array(x.length), 1, objective)).objective[0];
    const { alphas, weights } = integrationPoints(steps);
    const ig = new IntegratedGradients(x);
    const batch = Math.max(1, Math.min(MAX_GRADIENT_BATCH, gradients.maxBatch));
    for (let k = 0; k < alphas.length; k += batch) {
      const part = alphas.slice(k, k + batch);
      const run = await gradients.run(pathPoints(x, part), part.length, objective);
      ig.add(run.gradInput, weights.slice(k, k + batch));
    }
    const attribution = ig.attribution();
    const fx = atX.objective[0];
    return {
      width,
      height,
      map: normalizeMap(attributionMap(attribution, 3, height, width)),
      objective: fx,
      completeness: { gap: completenessGap(attribution, fx, fBlack), delta: fx - fBlack },
    };
  } catch (error) {
    throw gradientError(error, model);
  }
}
