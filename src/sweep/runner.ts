/**
 * Runs a scene's sweep: every configuration is rendered by the scene editor's webview (the editor's renderer and
 * frame capture, `renderRequest`) and run through the frame pipeline's `runFrame` (the scene's perturbations, then
 * every model, exactly as the editor's loop does); the rows go to results.csv (runFiles.ts: atomic and resumable).
 * The webview renders configuration i+1 while the host runs the models on configuration i. With `sweep.attack`, each
 * configuration is first attacked with PGD on the attacked model (sweepAttack.ts) and the models run on the result;
 * with `saveImages` too, each non-zero delta is stored as `attacks/<config>.npy` before the configuration's rows.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { encodeNpy } from '../../core/attacks/npy';
import { applyConfiguration, expandConfigurations } from '../../core/sweep/configurations';
import { configurationAttack, resolveAttack } from '../../core/sweep/attack';
import { aggregate, csvLayout, csvLine, csvRecords, csvRow, shapeBias, type ModelAggregate, type ShapeBias, type SweepRowResult } from '../../core/sweep/results';
import type { ResolvedSweepAttack, SweepSpec } from '../../core/sweep/types';
import { parameterRanges } from '../../core/sweep/validate';
import type { FrameImage, RenderSize } from '../../core/protocol';
import type { PerturbationStep, Scene } from '../../core/sceneTypes';
import { runFrame, type FrameModel } from '../inference/framePipeline';
import type { FloatImage, PerturbationResources } from '../../core/perturbations/types';
import type { ModelGradients } from '../inference/modelGradients';
import { attackConfiguration, prepareAttack } from './sweepAttack';
import { attackDeltaFile, ATTACKS, chooseFolder, CSV, RunFiles, SUMMARY, writeAtomic } from './runFiles';

export interface SweepHost {
  /** The scene's models as the editor has them (loaded or failed). */
  models(): FrameModel[];
  render(scene: Scene, sizes: readonly RenderSize[]): Promise<FrameImage[]>;
  resources(steps: Scene['perturbations']): PerturbationResources | undefined;
  /** The gradients of a scene model, for `sweep.attack` (default: the loaded model's own `gradients`). */
  gradients?(modelId: string): ModelGradients | undefined;
}

export interface SweepOptions {
  scene: Scene;
  /** The scene file (recorded in the summary). */
  sceneFile: string;
  /** `.perturber/runs` of the workspace. */
  runsDir: string;
  host: SweepHost;
  isCancelled(): boolean;
  /** Called after each configuration: done, total, seconds left (estimate, undefined before the first). */
  onProgress?(done: number, total: number, etaSeconds: number | undefined): void;
  /**
   * Test hook: after this many configurations of this call, write half the next one's rows and stop (a kill). With
   * it every configuration is committed at once, so the kill point is exact.
   */
  stopAfter?: number;
  /** Rows are committed (fsync + progress.json) at most this often, and at the end (default 250 ms). */
  commitEveryMs?: number;
}

export interface SweepSummary {
  name: string;
  folder: string;
  sceneFile: string;
  specHash: string;
  spec: SweepSpec;
  configurations: number;
  /** Configurations complete in results.csv (all of them when `complete`). */
  done: number;
  rows: number;
  complete: boolean;
  /** Where this call started (0: a fresh run; > 0: it resumed). */
  resumedAt: number;
  stopped?: 'cancelled' | 'stopAfter';
  /** The run was already complete: nothing ran. */
  alreadyComplete?: boolean;
  models: { id: string; displayName: string; onnx: string; sha256: string }[];
  perModel: Record<string, ModelAggregate>;
  shapeBias?: Record<string, ShapeBias>;
  /** The sweep's attack (defaults filled; swept values vary per row) and the class as the attacked model has it. */
  attack?: ResolvedSweepAttack & { label: string; outputIndex: number; displayName: string; sweptValues: string[] };
  /**
   * This call's timings (ms): wall time, waiting for renders, running perturbations + models (the attacks included),
   * the attacks alone, and throughput.
   */
  timings: { totalMs: number; renderWaitMs: number; inferenceMs: number; attackMs: number; configurationsPerSecond: number | null };
  date: string;
}

/** SHA-256 of the scene (sweep included): a run resumes only with the same scene and spec. */
export function specHash(scene: Scene): string {
  return createHash('sha256').update(JSON.stringify(scene)).digest('hex');
}

function rowResult(
  prediction: { id: string; top: { label: string; probability: number }[]; error?: string },
  layers: { layer: string; neurons: { index: number; mean: number }[] }[],
  recorded: readonly string[],
  attack: SweepRowResult['attack'],
): SweepRowResult {
  const classes = recorded.map((c) => {
    const found = prediction.top.find((p) => p.label === c) ?? prediction.top.find((p) => p.label.toLowerCase() === c.toLowerCase());
    return found ? found.probability : null;
  });
  const neurons = new Map<string, number>();
  for (const layer of layers) for (const n of layer.neurons) neurons.set(`${layer.layer}:${n.index}`, n.mean);
  return { modelId: prediction.id, top: prediction.top, classes, neurons, ...(attack ? { attack } : {}), ...(prediction.error ? { error: prediction.error } : {}) };
}

function png(image: FrameImage): Buffer {
  const out = new PNG({ width: image.width, height: image.height });
  out.data = Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength);
  return PNG.sync.write(out);
}

export async function runSweep(options: SweepOptions): Promise<SweepSummary> {
  const { scene, host } = options;
  const spec = scene.sweep;
  if (!spec) throw new Error('the scene has no "sweep" section');
  const started = performance.now();
  const hash = specHash(scene);
  const ranges = parameterRanges(scene, spec);
  const configs = expandConfigurations(spec, ranges.map((r) => r?.integer ?? false));
  const wanted = spec.models ?? scene.models.map((m) => m.id);
  const models = host.models().filter((m) => wanted.includes(m.id));
  const sceneModels = scene.models.filter((m) => wanted.includes(m.id));
  const failed = models.filter((m) => !m.model);
  if (failed.length > 0) throw new Error(`models not loaded: ${failed.map((m) => `${m.id} (${m.error ?? 'still loading'})`).join('; ')}`);
  // Checked before anything is written: a bad class or a model without gradients stops the run here.
  const attack = spec.attack ? await prepareAttack(resolveAttack(spec.attack), host.models(), (id) => host.gradients?.(id)) : undefined;
  const sizes: RenderSize[] = [];
  for (const m of [...models.map((m) => m.model!), ...(attack ? [attack.model] : [])]) {
    const { width, height } = m.manifest.input;
    if (!sizes.some((s) => s.width === width && s.height === height)) sizes.push({ width, height });
  }
  const layout = csvLayout(spec, sceneModels);
  // Named classes need every class's probability; otherwise the top-k is enough.
  const topK = layout.classes.length > 0 ? Number.MAX_SAFE_INTEGER : layout.topK;

  const { folder, progress } = await chooseFolder(options.runsDir, spec.name, hash);
  const { files, done: resumedAt } = await RunFiles.open(folder, hash, configs.length, csvLine(layout.header), progress);
  if (spec.saveImages) await fs.mkdir(path.join(folder, 'images'), { recursive: true });
  if (spec.saveImages && attack) await fs.mkdir(path.join(folder, ATTACKS), { recursive: true });
  let renderWaitMs = 0;
  let inferenceMs = 0;
  let attackMs = 0;
  let done = resumedAt;
  /** Configurations appended to the CSV (committed ones are `done`). */
  let appended = resumedAt;
  let lastCommit = performance.now();
  const commitEveryMs = options.stopAfter !== undefined ? 0 : options.commitEveryMs ?? 250;
  const commit = async (): Promise<void> => {
    if (appended === done) return;
    await files.commit(appended);
    done = appended;
    lastCommit = performance.now();
  };
  let stopped: SweepSummary['stopped'];
  const renderAt = (i: number): Promise<FrameImage[]> => {
    const p = host.render(applyConfiguration(scene, spec, configs[i]), sizes);
    p.catch(() => undefined); // awaited below; a run that stops first must not leave an unhandled rejection
    return p;
  };
  try {
    let next = done < configs.length ? renderAt(done) : undefined;
    for (let i = done; i < configs.length; i++) {
      if (options.isCancelled()) {
        stopped = 'cancelled';
        break;
      }
      const t0 = performance.now();
      const images = await next!;
      const t1 = performance.now();
      renderWaitMs += t1 - t0;
      // Overlap: the webview renders the next configuration while the models run on this one.
      next = i + 1 < configs.length ? renderAt(i + 1) : undefined;
      const configScene = applyConfiguration(scene, spec, configs[i]);
      let steps: readonly PerturbationStep[] = configScene.perturbations;
      let resources = host.resources(configScene.perturbations);
      let objective: SweepRowResult['attack'];
      let delta: FloatImage | undefined;
      const configAttack = configurationAttack(spec, configs[i]);
      if (attack && configAttack) {
        const outcome = await attackConfiguration(attack, configAttack, images, steps, resources);
        ({ steps, resources, objective, delta } = outcome);
        attackMs += performance.now() - t1;
      }
      let inputs: (() => FrameImage[]) | undefined;
      const run = await runFrame(
        { frameId: i, images, steps, resources, models: () => models, topK },
        spec.saveImages ? { onModelInput: (_id, get) => (inputs = get) } : {},
      );
      inferenceMs += performance.now() - t1;
      const text = run.predictions
        .map((p, m) => csvRow(layout, spec, configs[i], rowResult(p, run.activations[m]?.layers ?? [], layout.classes, objective)))
        .join('');
      if (options.stopAfter !== undefined && i - resumedAt >= options.stopAfter) {
        await files.appendTorn(text);
        stopped = 'stopAfter';
        break;
      }
      // Before the rows: a committed row always has its delta (a rerun configuration rewrites a missing or torn one).
      if (delta && spec.saveImages) await writeAtomic(attackDeltaFile(folder, i), encodeNpy(delta.data, [3, delta.height, delta.width]));
      if (inputs) {
        for (const image of inputs()) await writeAtomic(path.join(folder, 'images', `${i}-${image.width}x${image.height}.png`), png(image));
      }
      await files.append(text);
      appended = i + 1;
      if (appended === configs.length || performance.now() - lastCommit >= commitEveryMs) await commit();
      const elapsed = (performance.now() - started) / 1000;
      const rate = (appended - resumedAt) / elapsed;
      options.onProgress?.(appended, configs.length, rate > 0 ? (configs.length - appended) / rate : undefined);
    }
  } finally {
    // Cancelled, failed or done: every complete configuration appended is kept (a torn write is never committed).
    try {
      await commit();
    } finally {
      await files.close();
    }
  }
  // The committed rows only (a torn write from stopAfter is not part of the results).
  const csv = await fs.readFile(path.join(folder, CSV));
  const records = csvRecords(csv.subarray(0, files.size).toString('utf8'));
  const totalMs = performance.now() - started;
  const summary: SweepSummary = {
    name: spec.name,
    folder,
    sceneFile: options.sceneFile,
    specHash: hash,
    spec,
    configurations: configs.length,
    done,
    rows: records.length,
    complete: done === configs.length,
    resumedAt,
    ...(stopped ? { stopped } : {}),
    ...(resumedAt === configs.length ? { alreadyComplete: true } : {}),
    models: models.map((m) => ({ id: m.id, displayName: m.model!.manifest.displayName, onnx: m.model!.onnxPath, sha256: m.model!.sha256 })),
    perModel: aggregate(records, layout.classes),
    ...(spec.analysis === 'shapeBias' ? { shapeBias: shapeBias(records) } : {}),
    ...(attack && spec.attack
      ? {
          attack: {
            ...resolveAttack(spec.attack),
            label: attack.label,
            outputIndex: attack.outputIndex,
            displayName: attack.model.manifest.displayName,
            sweptValues: spec.parameters.map((p) => p.path).filter((p) => p.startsWith('attack.')),
          },
        }
      : {}),
    timings: { totalMs, renderWaitMs, inferenceMs, attackMs, configurationsPerSecond: done > resumedAt ? (done - resumedAt) / (totalMs / 1000) : null },
    date: new Date().toISOString(),
  };
  await writeAtomic(path.join(folder, SUMMARY), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
