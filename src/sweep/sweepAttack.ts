/**
 * A sweep's attack on the host (types.ts SweepAttack): at every configuration, PGD (core/attacks/pgd.ts) on what the
 * attacked model sees after the configuration's perturbations, with Attack Scene's objective (the log-softmax of the
 * class, through the model's ModelGradients; untargeted negates it). The delta then joins the configuration's steps
 * as an `adversarial` step (strength 1) naming an in-memory file, so every model of the sweep gets it exactly as the
 * stored delta of an Attack Scene run would reach it (core/perturbations/adversarial.ts: resized for other sizes).
 * With `saveImages` the runner stores the delta as `attacks/<config>.npy`, which an opened configuration scene names.
 */
import { pgd } from '../../core/attacks/pgd';
import type { Objective } from '../../core/gradients';
import { applyPipeline, rgbaToFloat } from '../../core/perturbations/pipeline';
import type { FloatImage, PerturbationResources } from '../../core/perturbations/types';
import type { FrameImage } from '../../core/protocol';
import type { PerturbationStep } from '../../core/sceneTypes';
import { attackPgdOptions } from '../../core/sweep/attack';
import type { ResolvedSweepAttack } from '../../core/sweep/types';
import { gradientError } from '../inference/explain';
import type { FrameModel } from '../inference/framePipeline';
import type { LoadedModel } from '../inference/loadModel';
import type { ModelGradients } from '../inference/modelGradients';

/** The name the in-memory delta goes by in the adversarial step; only the resources below answer it. */
export const SWEEP_DELTA_FILE = '(sweep attack delta).npy';

/** The attacked model, checked once before the run writes anything. */
export interface PreparedAttack {
  modelId: string;
  model: LoadedModel;
  gradients: ModelGradients;
  /** The class as the model's labels spell it, its index there, and its output index (+ labelOffset). */
  label: string;
  labelIndex: number;
  outputIndex: number;
}

/** What the models of one configuration run with, and the attack's effect on the attacked model. */
export interface AttackOutcome {
  /** The configuration's steps, plus the adversarial step unless the delta is zero everywhere (then: the clean frame). */
  steps: readonly PerturbationStep[];
  resources: PerturbationResources | undefined;
  /** log p(class) on the attacked model at x0 and at the attacked image; absent when the perturbations failed. */
  objective?: { before: number; after: number };
  stepsDone: number;
  /** The delta the adversarial step adds (at the attacked model's input size); absent when it is zero everywhere. */
  delta?: FloatImage;
}

/** A gradient failure as the user should read it (the operator without a rule named as Attack Scene names it). */
function sweepGradientError(model: LoadedModel, error: unknown): Error {
  return gradientError(error, model, "the sweep's attack needs a model whose operators it supports");
}

function objectiveOf(prepared: PreparedAttack): Objective {
  return { kind: 'logSoftmax', weights: { [prepared.outputIndex]: 1 } };
}

/**
 * Checks that the attack can run: the model is loaded, the class is one of its labels (exact, else ignoring case, as
 * the p:<class> columns match), and its gradient graph builds (one gradient evaluation, which also builds the session
 * every configuration then uses). Throws a user-facing Error otherwise.
 */
export async function prepareAttack(
  attack: ResolvedSweepAttack,
  entries: readonly FrameModel[],
  gradientsOf: (modelId: string) => ModelGradients | undefined,
): Promise<PreparedAttack> {
  const entry = entries.find((e) => e.id === attack.model);
  if (!entry) throw new Error(`sweep.attack.model: the scene has no model "${attack.model}" (models: ${entries.map((e) => e.id).join(', ') || 'none'})`);
  const model = entry.model;
  if (!model) throw new Error(`the attacked model ${attack.model} is not loaded (${entry.error ?? 'still loading'})`);
  let labelIndex = model.labels.indexOf(attack.class);
  if (labelIndex < 0) labelIndex = model.labels.findIndex((l) => l.toLowerCase() === attack.class.toLowerCase());
  if (labelIndex < 0) {
    const some = model.labels.slice(0, 12).map((l) => `"${l}"`).join(', ');
    throw new Error(
      `sweep.attack.class "${attack.class}" is not a label of ${attack.model} (${model.manifest.displayName}, ${model.labels.length} labels: ${some}${model.labels.length > 12 ? ', ...' : ''})`,
    );
  }
  const prepared: PreparedAttack = {
    modelId: attack.model,
    model,
    gradients: gradientsOf(attack.model) ?? model.gradients,
    label: model.labels[labelIndex],
    labelIndex,
    outputIndex: labelIndex + model.manifest.labelOffset,
  };
  const { width, height } = model.manifest.input;
  try {
    await prepared.gradients.run(new Float32Array(3 * width * height).fill(0.5), 1, objectiveOf(prepared));
  } catch (error) {
    throw sweepGradientError(model, error);
  }
  return prepared;
}

/**
 * Attacks one configuration: x0 = the attacked model's render through the configuration's steps; PGD maximises
 * log p(class) (targeted) or -log p(class) (untargeted). epsilon 0 or steps 0 run no step and leave the frame clean.
 */
export async function attackConfiguration(
  prepared: PreparedAttack,
  attack: ResolvedSweepAttack,
  images: readonly FrameImage[],
  steps: readonly PerturbationStep[],
  resources: PerturbationResources | undefined,
): Promise<AttackOutcome> {
  const { width, height } = prepared.model.manifest.input;
  const image = images.find((i) => i.width === width && i.height === height);
  if (!image) throw new Error(`no ${width}x${height} render for the attacked model ${prepared.modelId}`);
  let x0: FloatImage;
  try {
    x0 = applyPipeline(rgbaToFloat(image), steps, () => 0, resources).image;
  } catch {
    // The perturbations fail on this configuration: every model's row reports it (runFrame), nothing to attack.
    return { steps, resources, stepsDone: 0 };
  }
  const objective = objectiveOf(prepared);
  const logP = async (x: Float32Array): Promise<{ objective: number; grad: Float32Array }> => {
    const run = await prepared.gradients.run(x, 1, objective);
    return { objective: run.objective[0], grad: run.gradInput };
  };
  const sign = attack.mode === 'targeted' ? 1 : -1;
  const trivial = attack.epsilon === 0 || attack.steps === 0;
  const options = { ...attackPgdOptions(attack), ...(trivial ? { steps: 0, randomStart: false } : {}) };
  let before: number;
  let result: Awaited<ReturnType<typeof pgd>>;
  try {
    result = await pgd(x0.data, async (x) => {
      const r = await logP(x);
      return sign === 1 ? r : { objective: -r.objective, grad: r.grad.map((g) => -g) };
    }, options);
    // With a random start PGD's first evaluation is not at x0.
    before = options.randomStart ? (await logP(x0.data)).objective : sign * result.objectives[0];
  } catch (error) {
    throw sweepGradientError(prepared.model, error);
  }
  const after = sign * result.objectives[result.objectives.length - 1];
  const out = { objective: { before, after }, stepsDone: result.stepsDone };
  if (result.delta.every((v) => v === 0)) return { steps, resources, ...out };
  const delta: FloatImage = { width, height, data: result.delta };
  const step: PerturbationStep = { op: 'adversarial', enabled: true, seed: 0, params: { file: SWEEP_DELTA_FILE, strength: 1 } };
  const withDelta: PerturbationResources = {
    perturbation: (file) => (file === SWEEP_DELTA_FILE ? delta : resources?.perturbation(file) ?? { error: 'no perturbation files are available here' }),
  };
  return { steps: [...steps, step], resources: withDelta, delta, ...out };
}
