/**
 * One targeted PGD attack on an open scene (no UI: attackScene.ts asks the questions and shows progress). The
 * starting point x0 is what the attacked model saw of the last frame just before the scene's `adversarial` step
 * (a new step at the end when there is none); the delta goes to a new .npy under `.perturber/attacks/` that the step
 * then names, so every model of the scene sees the attacked image. While PGD runs the current delta is written at
 * most every ~300 ms and the frame re-run, so the panels follow the attack.
 */
import * as path from 'node:path';
import { pgd, type GradientFn, type PgdOptions, type PgdResult, type ThreatModel } from '../../core/attacks/pgd';
import { softmax } from '../../core/classify';
import { applyPipeline, rgbaToFloat } from '../../core/perturbations/pipeline';
import type { FloatImage, PerturbationResources } from '../../core/perturbations/types';
import { floatToModelInput } from '../../core/preprocess';
import type { JsonValue, PerturbationStep } from '../../core/sceneTypes';
import { gradientError } from '../inference/explain';
import type { LoadedModel } from '../inference/loadModel';
import type { SceneSession } from '../sceneEditor/sceneSession';
import { attackedPng, attackPaths, deltaNpy, deltaPng, writeAtomic, type AttackPaths } from './attackFiles';

/** How often at most the running attack writes its delta and refreshes the scene's frame. */
export const LIVE_UPDATE_MS = 300;

/** The PGD options (core/attacks/pgd.ts) plus what to attack and how the result enters the scene. */
export interface AttackRequest extends PgdOptions {
  modelId: string;
  /** Index into the model's labels (the output index is this + the manifest's labelOffset). */
  targetIndex: number;
  /** The adversarial step's strength (the scene's existing step's, else 1). */
  strength?: number;
  /** Test hook: behave as if the user cancelled once this many steps are done. */
  cancelAfterSteps?: number;
}

export interface AttackProgress {
  report(message: string, increment?: number): void;
  isCancelled(): boolean;
}

export interface ModelTargetProbability {
  model: string;
  displayName: string;
  /** Probability of the target label (matched by label text) on the clean frame and with the attack. */
  before: number | null;
  after: number | null;
  error?: string;
}

export interface AttackSummary {
  sceneFile: string;
  files: AttackPaths;
  /** The index of the scene's `adversarial` step that names the .npy, and the path as written there. */
  stepIndex: number;
  stepFile: string;
  model: string;
  target: { index: number; label: string };
  norm: ThreatModel;
  epsilon: number;
  stepSize: number;
  steps: number;
  stepsDone: number;
  cancelled: boolean;
  /** One entry per model of the scene, the attacked one first. */
  probabilities: ModelTargetProbability[];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The loaded model of the scene's `modelId`, or a user-facing Error saying why there is none. */
export function attackableModel(scene: SceneSession, modelId: string): LoadedModel {
  const entries = scene.models.frameModels();
  const entry = entries.find((e) => e.id === modelId);
  if (!entry) throw new Error(`the scene has no model "${modelId}" (models: ${entries.map((e) => e.id).join(', ') || 'none'})`);
  if (!entry.model) {
    throw new Error(entry.error !== undefined ? `model ${modelId} could not be loaded: ${entry.error}` : `model ${modelId} is still loading; try again when its predictions show`);
  }
  return entry.model;
}

/** Probabilities of every class of `model` for a float image at its input size. */
async function probabilities(model: LoadedModel, image: FloatImage): Promise<Float32Array> {
  const { input, output } = model.manifest;
  const dims = input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3];
  const out = (await model.session.run({ [input.name]: { data: floatToModelInput(image, input), dims } }, [output.name])).get(output.name);
  if (!out) throw new Error(`the model produced no output "${output.name}"`);
  const classes = out.dims.length >= 2 && out.dims[0] > 0 ? out.data.length / out.dims[0] : out.data.length;
  const row = out.data.subarray(0, classes);
  return output.kind === 'probabilities' ? row : softmax(row);
}

/** The target label's probability for each model of the scene, on the clean frame and with the attack's step. */
async function transfer(
  scene: SceneSession,
  targetLabel: string,
  clean: readonly PerturbationStep[],
  attacked: readonly PerturbationStep[],
  resources: PerturbationResources,
): Promise<ModelTargetProbability[]> {
  const out: ModelTargetProbability[] = [];
  for (const entry of scene.models.frameModels()) {
    const row: ModelTargetProbability = { model: entry.id, displayName: entry.model?.manifest.displayName ?? entry.id, before: null, after: null };
    out.push(row);
    const model = entry.model;
    if (!model) {
      row.error = entry.error ?? 'still loading';
      continue;
    }
    const index = model.labels.indexOf(targetLabel);
    const frame = scene.lastFrameImage(model.manifest.input.width, model.manifest.input.height);
    if (index < 0) row.error = `has no class "${targetLabel}"`;
    else if (!frame) row.error = 'no frame of its input size yet';
    if (row.error !== undefined || !frame) continue;
    try {
      const image = rgbaToFloat(frame.image);
      const outputIndex = index + model.manifest.labelOffset;
      row.before = (await probabilities(model, applyPipeline(image, clean, Date.now, resources).image))[outputIndex] ?? null;
      row.after = (await probabilities(model, applyPipeline(image, attacked, Date.now, resources).image))[outputIndex] ?? null;
    } catch (error) {
      row.error = message(error);
    }
  }
  return out;
}

/**
 * PGD with the attack's progress and live updates: `report` once per step (step k of n, the target probability
 * before it), `publish` with the current delta when LIVE_UPDATE_MS have passed since the last one (the first step
 * publishes at once), and once more with the final delta (also after a cancel: the partial result is kept).
 * `progress.isCancelled()` (or `cancelAfterSteps` reached) is polled before each step. `now` is the clock (tests).
 */
export async function livePgd(
  x0: Float32Array,
  gradient: GradientFn,
  options: PgdOptions,
  progress: AttackProgress,
  publish: (delta: Float32Array) => Promise<void>,
  extra: { cancelAfterSteps?: number; now?: () => number } = {},
): Promise<PgdResult> {
  const now = extra.now ?? Date.now;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let stepsSeen = 0;
  const result = await pgd(x0, gradient, options, {
    onStep: async (k, value, delta) => {
      stepsSeen = k;
      progress.report(`step ${k}/${options.steps}, target p = ${Math.exp(value).toFixed(3)}`, 100 / Math.max(1, options.steps));
      if (now() - lastWrite >= LIVE_UPDATE_MS) {
        lastWrite = now();
        await publish(delta);
      }
    },
    isCancelled: () => progress.isCancelled() || (extra.cancelAfterSteps !== undefined && stepsSeen >= extra.cancelAfterSteps),
  });
  await publish(result.delta);
  return result;
}

/** Runs the attack; throws a user-facing Error when it cannot start (then nothing is written). */
export async function runAttack(scene: SceneSession, root: string, request: AttackRequest, progress: AttackProgress): Promise<AttackSummary> {
  const current = scene.scene();
  if (!current) throw new Error('the scene file has errors; fix them first');
  const model = attackableModel(scene, request.modelId);
  const { width, height } = model.manifest.input;
  const label = model.labels[request.targetIndex];
  if (label === undefined) throw new Error(`${request.modelId} has no class ${request.targetIndex} (it has ${model.labels.length})`);

  const steps = current.perturbations;
  const existing = steps.findIndex((s) => s.op === 'adversarial');
  const stepIndex = existing >= 0 ? existing : steps.length;
  const start = scene.modelInputBefore(width, height, stepIndex);
  if ('error' in start) throw new Error(start.error);
  const loading = start.problems.find((p) => p.includes('loading'));
  if (loading) throw new Error(`a perturbation before the attack is not ready (${loading}); try again in a moment`);
  const x0 = start.image;

  const sceneFile = scene.document.uri.fsPath;
  const files = await attackPaths(root, sceneFile, request.modelId, label);
  const stepFile = path.relative(path.dirname(sceneFile), files.npy).split(path.sep).join('/');
  const strength = request.strength ?? (existing >= 0 && typeof steps[existing].params.strength === 'number' ? steps[existing].params.strength : 1);
  const step: PerturbationStep = { op: 'adversarial', enabled: true, seed: existing >= 0 ? steps[existing].seed : 0, params: { file: stepFile, strength } };
  const attackedSteps = existing >= 0 ? steps.map((s, i) => (i === existing ? step : s)) : [...steps, step];
  const cleanSteps = steps.filter((_, i) => i !== existing);

  // Written first, then the step is put in the scene: the first frame with the step finds the file.
  let stepInScene = false;
  const publish = async (delta: Float32Array): Promise<void> => {
    await writeAtomic(files.npy, deltaNpy(delta, width, height));
    await scene.perturbationFiles.load(stepFile);
    if (!stepInScene) {
      stepInScene = true;
      const now = scene.scene()?.perturbations ?? steps;
      const at = now.findIndex((s) => s.op === 'adversarial');
      const next = at >= 0 ? now.map((s, i) => (i === at ? step : s)) : [...now, step];
      await scene.applySceneEdits([{ path: ['perturbations'], value: next as unknown as JsonValue }]);
    }
    scene.refreshFrame();
  };

  const outputIndex = request.targetIndex + model.manifest.labelOffset;
  const objective = { kind: 'logSoftmax' as const, weights: { [outputIndex]: 1 } };
  const options: PgdOptions = {
    norm: request.norm,
    epsilon: request.epsilon,
    stepSize: request.stepSize,
    steps: request.steps,
    randomStart: request.randomStart,
    seed: request.seed,
  };
  progress.report(`Preparing gradients of ${model.manifest.displayName}…`);
  let result: PgdResult;
  try {
    result = await livePgd(
      x0.data,
      async (x) => {
        const run = await model.gradients.run(x, 1, objective);
        return { objective: run.objective[0], grad: run.gradInput };
      },
      options,
      progress,
      publish,
      { cancelAfterSteps: request.cancelAfterSteps },
    );
  } catch (error) {
    throw gradientError(error, model, 'the attack needs a model whose operators it supports');
  }

  await writeAtomic(files.png, attackedPng(x0, result.delta));
  await writeAtomic(files.deltaPng, deltaPng(result.delta, width, height, request.norm, request.epsilon));
  const deltaImage: FloatImage = { width, height, data: result.delta };
  const resources: PerturbationResources = {
    perturbation: (file) => (file === stepFile ? deltaImage : scene.perturbationFiles.perturbation(file)),
  };
  const probs = await transfer(scene, label, cleanSteps, attackedSteps, resources);
  probs.sort((a, b) => Number(b.model === request.modelId) - Number(a.model === request.modelId));
  const summary: AttackSummary = {
    sceneFile,
    files,
    stepIndex: scene.scene()?.perturbations.findIndex((s) => s.op === 'adversarial' && s.params.file === stepFile) ?? stepIndex,
    stepFile,
    model: request.modelId,
    target: { index: request.targetIndex, label },
    norm: request.norm,
    epsilon: request.epsilon,
    stepSize: request.stepSize,
    steps: request.steps,
    stepsDone: result.stepsDone,
    cancelled: result.cancelled,
    probabilities: probs,
  };
  const record = {
    scene: path.relative(root, sceneFile).split(path.sep).join('/'),
    model: { id: request.modelId, file: model.onnxPath, manifest: model.manifest.displayName, input: { width, height } },
    target: { index: request.targetIndex, outputIndex, label },
    norm: request.norm,
    epsilon: request.epsilon,
    stepSize: request.stepSize,
    steps: request.steps,
    stepsDone: result.stepsDone,
    cancelled: result.cancelled,
    randomStart: request.randomStart,
    seed: request.seed,
    strength,
    /** log p(target) before each step, the last at the final delta. */
    objectivePerStep: result.objectives,
    targetProbability: probs.map(({ model: id, before, after, error }) => ({ model: id, before, after, ...(error !== undefined ? { error } : {}) })),
    files: { npy: path.basename(files.npy), png: path.basename(files.png), deltaPng: path.basename(files.deltaPng) },
    date: new Date().toISOString(),
  };
  await writeAtomic(files.json, JSON.stringify(record, null, 2) + '\n');
  await scene.idle();
  return summary;
}
