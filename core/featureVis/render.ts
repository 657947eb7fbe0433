/**
 * The feature-visualisation loop (Lucid's `render_vis`): a batch of images (one per neuron objective) parameterised
 * by ImageParam, each step transformed (transforms.ts, the same draw for the whole batch), resized to the model's
 * input, scored and differentiated by the model (a BatchGradientFn, e.g. ModelGradients with a `channels` objective,
 * see `channelsObjective`), and the parameters moved by Adam to raise every item's objective. Finally the images are
 * scored once more, untransformed (only resized), which gives the activation each image reaches.
 */
import type { Objective } from '../gradients/objective';
import { rngFor } from '../perturbations/random';
import type { FeatureVisSettings } from '../sceneTypes';
import { Adam } from './adam';
import { isFeatureVisObjective } from './objectiveKind';
import { ImageParam } from './imageParam';
import { drawStandard, sampleAffine, sampleAffineBackward, standardMap } from './transforms';
import { FEATURE_VIS_DEFAULTS, type BatchGradientFn, type NeuronObjective, type RenderSettings } from './types';

export interface RenderOptions {
  /** One image per objective; all on the same tensor. */
  objectives: readonly NeuronObjective[];
  settings: RenderSettings;
  gradient: BatchGradientFn;
  /** The model's input size (what `gradient` takes). */
  inputSize: { width: number; height: number };
  /** After each step: steps done (1-based), the total, and each item's objective at that step (transformed image). */
  onStep?: (done: number, steps: number, objective: Float32Array) => void;
  /** Polled before each step: true stops the loop (the result has `cancelled: true` and the images so far). */
  isCancelled?: () => boolean;
}

export interface RenderResult {
  /** Per objective: CHW RGB in [0, 1], settings.size x settings.size. */
  images: Float32Array[];
  size: number;
  /** Per objective: its value on the final image (resized, not transformed); negative objectives carry their sign. */
  objective: number[];
  /** Per objective: the neuron's own activation there (the objective without its sign). */
  activation: number[];
  stepsDone: number;
  cancelled: boolean;
}

/** The `channels` objective of core/gradients for a batch of neuron objectives (all on one tensor). */
export function channelsObjective(objectives: readonly NeuronObjective[]): Objective {
  if (objectives.length === 0) throw new Error('no neurons to visualise');
  const tensor = objectives[0].tensor;
  if (objectives.some((o) => o.tensor !== tensor)) throw new Error('the neurons of one batch must share a layer');
  return {
    kind: 'channels',
    tensor,
    items: objectives.map((o) => ({ channel: o.channel, ...(o.unit ? { y: o.unit.y, x: o.unit.x } : {}), sign: o.negative ? -1 : 1 })),
  };
}

/**
 * FEATURE_VIS_DEFAULTS overridden by `overrides` (e.g. a scene's `featureVis`), checked: throws an Error naming the
 * first bad field.
 */
export function resolveSettings(overrides: Partial<FeatureVisSettings> | undefined = {}): FeatureVisSettings {
  const s: FeatureVisSettings = { ...FEATURE_VIS_DEFAULTS, ...(overrides ?? {}) };
  const int = (key: 'size' | 'steps' | 'seed' | 'batch', min: number, max: number) => {
    const v = s[key];
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`featureVis.${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  };
  int('size', 16, 1024);
  int('steps', 1, 100000);
  int('seed', 0, 2 ** 32 - 1);
  int('batch', 1, 256);
  if (typeof s.learningRate !== 'number' || !(s.learningRate > 0) || !Number.isFinite(s.learningRate)) {
    throw new Error(`featureVis.learningRate must be a positive number, got ${JSON.stringify(s.learningRate)}`);
  }
  if (s.transforms !== 'standard' && s.transforms !== 'none') throw new Error(`featureVis.transforms must be "standard" or "none", got ${JSON.stringify(s.transforms)}`);
  if (typeof s.fourier !== 'boolean') throw new Error('featureVis.fourier must be true or false');
  if (typeof s.decorrelate !== 'boolean') throw new Error('featureVis.decorrelate must be true or false');
  if (!isFeatureVisObjective(s.objective)) throw new Error(`featureVis.objective must be "channel", "negative" or "unit", got ${JSON.stringify(s.objective)}`);
  if (s.unit !== undefined) {
    const u = s.unit as unknown as Record<string, unknown>;
    if (typeof u !== 'object' || u === null || !Number.isInteger(u.x) || !Number.isInteger(u.y) || (u.x as number) < 0 || (u.y as number) < 0) {
      throw new Error(`featureVis.unit must be {"x": integer >= 0, "y": integer >= 0}, got ${JSON.stringify(s.unit)}`);
    }
  }
  return s;
}

export async function renderFeatureVis(opts: RenderOptions): Promise<RenderResult> {
  const settings = resolveSettings(opts.settings);
  const { objectives, gradient } = opts;
  const { width, height } = opts.inputSize;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`invalid model input size ${width} x ${height}`);
  const B = objectives.length;
  if (B === 0) throw new Error('no neurons to visualise');
  const S = settings.size;
  const param = new ImageParam({ size: S, batch: B, fourier: settings.fourier, decorrelate: settings.decorrelate, seed: settings.seed });
  const adam = new Adam(param.params.length, { learningRate: settings.learningRate });
  const inPer = 3 * width * height;
  const imgPer = 3 * S * S;
  const pixels = new Float32Array(B * inPer);
  const gImg = new Float64Array(B * imgPer);
  const gParams = new Float64Array(param.params.length);

  const score = async (images: Float32Array | Float64Array, step: number, transformed: boolean) => {
    const draw = transformed && settings.transforms === 'standard' ? drawStandard(rngFor(settings.seed, step + 1)) : undefined;
    const m = standardMap(draw, S, width, height);
    for (let b = 0; b < B; b++) {
      sampleAffine(images.subarray(b * imgPer, (b + 1) * imgPer), 3, S, S, m, width, height, 0.5, pixels.subarray(b * inPer, (b + 1) * inPer));
    }
    const out = await gradient(pixels, B);
    if (out.objective.length !== B || out.grad.length !== B * inPer) {
      throw new Error(`the model's gradient has ${out.grad.length} values for ${B} images of ${width} x ${height} (expected ${B * inPer})`);
    }
    return { ...out, m };
  };

  let done = 0;
  let cancelled = false;
  for (let step = 0; step < settings.steps; step++) {
    if (opts.isCancelled?.()) {
      cancelled = true;
      break;
    }
    const images = param.forward();
    const { objective, grad, m } = await score(images, step, true);
    for (let i = 0; i < grad.length; i++) {
      if (!Number.isFinite(grad[i])) throw new Error(`the model's gradient is not finite at step ${step + 1}`);
    }
    gImg.fill(0);
    for (let b = 0; b < B; b++) {
      sampleAffineBackward(grad.subarray(b * inPer, (b + 1) * inPer), 3, S, S, m, width, height, gImg.subarray(b * imgPer, (b + 1) * imgPer));
    }
    // Ascent on the objective = descent on its negative.
    for (let i = 0; i < gImg.length; i++) gImg[i] = -gImg[i];
    param.backward(gImg, gParams);
    adam.step(param.params, gParams);
    done = step + 1;
    opts.onStep?.(done, settings.steps, objective);
  }
  const finalImages = Float32Array.from(param.forward());
  const { objective } = await score(finalImages, 0, false);
  const values = Array.from(objective);
  return {
    images: Array.from({ length: B }, (_, b) => finalImages.slice(b * imgPer, (b + 1) * imgPer)),
    size: S,
    objective: values,
    activation: values.map((v, b) => (objectives[b].negative ? -v : v)),
    stepsDone: done,
    cancelled,
  };
}

/**
 * The "random activation" figure: each objective's neuron activation (sign removed) averaged over `count` seeded
 * uniform-noise images at the model's input size (the same noise for every item).
 */
export async function randomActivation(opts: {
  objectives: readonly NeuronObjective[];
  gradient: BatchGradientFn;
  inputSize: { width: number; height: number };
  seed: number;
  count?: number;
}): Promise<number[]> {
  const { objectives, gradient } = opts;
  const B = objectives.length;
  const per = 3 * opts.inputSize.width * opts.inputSize.height;
  const count = opts.count ?? 4;
  const sums = new Array<number>(B).fill(0);
  const pixels = new Float32Array(B * per);
  for (let k = 0; k < count; k++) {
    const rng = rngFor(opts.seed, 0x10000 + k);
    for (let i = 0; i < per; i++) pixels[i] = rng.uniform();
    for (let b = 1; b < B; b++) pixels.copyWithin(b * per, 0, per);
    const { objective } = await gradient(pixels, B);
    for (let b = 0; b < B; b++) sums[b] += (objectives[b].negative ? -objective[b] : objective[b]) / count;
  }
  return sums;
}
