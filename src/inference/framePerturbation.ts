/**
 * The scene's image perturbations on one frame (DESIGN.md step 3): each distinct image of the frame (one per
 * model input size) becomes a float image, goes through the enabled steps once, and is shared by every model of
 * that size. Without an enabled step nothing is converted: the models read the bytes as before.
 */
import { applyPipeline, floatToRgba, rgbaToFloat } from '../../core/perturbations/pipeline';
import type { FloatImage, PerturbationResources, PerturbationStepSpec } from '../../core/perturbations/types';
import type { FrameImage } from '../../core/protocol';

export interface PerturbedFrame {
  /** The perturbed float image of each frame image; empty when no step is enabled. */
  perturbed: Map<FrameImage, FloatImage>;
  /** Milliseconds spent converting and perturbing, all sizes together. */
  ms: number;
  /** What the pipeline skipped or repaired (unknown op, parameter out of range); the same on every frame. */
  problems: string[];
  /** The pipeline failed (an op threw): the models of every size then report it instead of running. */
  error?: string;
}

export function hasEnabledStep(steps: readonly PerturbationStepSpec[]): boolean {
  return steps.some((s) => s.enabled);
}

/** `resources`: the files that steps with `file` parameters name (src/inference/perturbationFiles.ts). */
export function perturbFrame(
  images: readonly FrameImage[],
  steps: readonly PerturbationStepSpec[],
  resources?: PerturbationResources,
): PerturbedFrame {
  const out: PerturbedFrame = { perturbed: new Map(), ms: 0, problems: [] };
  if (!hasEnabledStep(steps)) return out;
  const start = performance.now();
  try {
    for (const image of images) {
      const result = applyPipeline(rgbaToFloat(image), steps, () => performance.now(), resources);
      out.perturbed.set(image, result.image);
      for (const p of result.problems) if (!out.problems.includes(p)) out.problems.push(p);
    }
  } catch (error) {
    out.perturbed.clear();
    out.error = `image perturbations failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  out.ms = performance.now() - start;
  return out;
}

/** What the models of each size saw, as opaque RGBA (the before/after view): the frame image when unperturbed. */
export function modelInputImages(images: readonly FrameImage[], frame: PerturbedFrame): FrameImage[] {
  return images.map((image) => {
    const perturbed = frame.perturbed.get(image);
    return perturbed ? floatToRgba(perturbed) : image;
  });
}

/**
 * What a model sees of `image` just before step `index` of the pipeline: the enabled steps before it applied (the
 * float image of the frame when none is). The attack's starting point. Throws when an op throws.
 */
export function imageBeforeStep(
  image: FrameImage,
  steps: readonly PerturbationStepSpec[],
  index: number,
  resources?: PerturbationResources,
): { image: FloatImage; problems: string[] } {
  const result = applyPipeline(rgbaToFloat(image), steps.slice(0, Math.max(0, index)), () => performance.now(), resources);
  return { image: result.image, problems: result.problems };
}
