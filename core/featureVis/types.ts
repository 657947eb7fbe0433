/**
 * Feature visualisation by activation maximisation (Olah et al. 2017, Lucid's `render_vis`): an image parameterised
 * in a decorrelated Fourier space is optimised with Adam so that a neuron's activation rises, under random
 * transformations (transformation robustness). The pieces are pure TS with explicit backward passes (the model's
 * own gradient comes from core/gradients through a GradientFn); see DESIGN.md.
 */
import type { FeatureVisSettings } from '../sceneTypes';

/** Lucid's defaults (render_vis, param.image, transform.standard_transforms, Adam 0.05). */
export const FEATURE_VIS_DEFAULTS: FeatureVisSettings = {
  size: 128,
  steps: 512,
  learningRate: 0.05,
  transforms: 'standard',
  fourier: true,
  decorrelate: true,
  seed: 0,
  batch: 4,
  objective: 'channel',
};

/** The settings the optimisation itself uses (the objective kind becomes each image's NeuronObjective). */
export type RenderSettings = Omit<FeatureVisSettings, 'objective' | 'unit'>;

/** What to maximise for one image of the batch. */
export interface NeuronObjective {
  /** Graph tensor of the layer. */
  tensor: string;
  channel: number;
  /** A single spatial unit instead of the channel mean. */
  unit?: { y: number; x: number };
  /** Minimise instead (what the neuron responds against). */
  negative?: boolean;
}

/**
 * The model side of one optimisation step: for `batch` images (CHW RGB in [0, 1] at the model's input size,
 * concatenated) the objective of each and its gradient with respect to the images.
 */
export type BatchGradientFn = (pixels: Float32Array, batch: number) => Promise<{ objective: Float32Array; grad: Float32Array }>;
