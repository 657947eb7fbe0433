/**
 * "Show along checkpoints": one frame through every checkpoint of a family. Each stop is leased from the ModelStore
 * (loaded checkpoints stay warm there, within its idle bound), run on the same model input the scene's model got,
 * and released. The classes plotted are the top-k of the checkpoint the scene shows; every watched neuron's mean is
 * plotted per checkpoint. No vscode import: unit-tested in plain Node.
 */
import type { CheckpointTrend } from '../../core/protocol';
import type { WatchedLayer } from '../../core/sceneTypes';
import { checkpointLoadError, type CheckpointFamilyFiles } from './checkpointFamily';
import type { ModelInputImage } from './framePipeline';
import type { ModelStore } from './modelStore';
import { runModel, type ModelRun } from './runModel';

export interface TrendRequest {
  frameId: number;
  sceneName: string;
  modelId: string;
  displayName: string;
  watch: readonly WatchedLayer[];
  family: CheckpointFamilyFiles;
  /** The stop the scene shows (its top-k classes are the ones plotted). */
  current: number;
  topK: number;
  /** The frame's model input of a given size (see FrameHooks.onModelImages). */
  input(width: number, height: number): ModelInputImage | undefined;
}

/** Every class's probability: runModel ranks them all when asked for this many. */
const ALL_CLASSES = 1_000_000;

type StopRun = { run: ModelRun; probabilities: Map<number, { label: string; probability: number }> } | { error: string };

async function runStop(store: Pick<ModelStore, 'acquire'>, request: TrendRequest, stop: number): Promise<StopRun> {
  let lease;
  try {
    lease = await store.acquire(request.family.members[stop]);
  } catch (error) {
    return { error: checkpointLoadError(request.family, stop, error).message };
  }
  try {
    const { width, height } = lease.model.manifest.input;
    const input = request.input(width, height);
    if (!input) return { error: `no ${width}x${height} image in this frame` };
    const run = await runModel({ id: request.modelId, model: lease.model, watch: request.watch, ...input, topK: ALL_CLASSES });
    if (run.predictions.error !== undefined) return { error: run.predictions.error };
    return { run, probabilities: new Map(run.predictions.top.map((p) => [p.index, { label: p.label, probability: p.probability }])) };
  } finally {
    lease.release();
  }
}

export async function runCheckpointTrend(store: Pick<ModelStore, 'acquire'>, request: TrendRequest): Promise<CheckpointTrend> {
  const { family } = request;
  const runs: StopRun[] = [];
  // One after another: the models share the CPU anyway, and only one stop's extra sessions are built at a time.
  for (let stop = 0; stop < family.stops.length; stop++) runs.push(await runStop(store, request, stop));
  const trend: CheckpointTrend = {
    frameId: request.frameId,
    sceneName: request.sceneName,
    modelId: request.modelId,
    displayName: request.displayName,
    checkpoints: family.stops.map((s, i) => {
      const point: CheckpointTrend['checkpoints'][number] = { label: s.label, current: i === request.current };
      if (s.step !== undefined) point.step = s.step;
      const run = runs[i];
      if ('error' in run) point.error = run.error;
      return point;
    }),
    classes: [],
    neurons: [],
  };
  const reference = [runs[request.current], ...runs].find((r): r is Exclude<StopRun, { error: string }> => r !== undefined && !('error' in r));
  if (!reference) {
    trend.error = runs.map((r) => ('error' in r ? r.error : '')).find((e) => e !== '') ?? 'no checkpoint could be run';
    return trend;
  }
  trend.classes = reference.run.predictions.top.slice(0, request.topK).map((p) => ({
    index: p.index,
    label: p.label,
    probabilities: runs.map((r) => ('error' in r ? null : (r.probabilities.get(p.index)?.probability ?? null))),
  }));
  for (const layer of reference.run.activations.layers) {
    for (const neuron of layer.neurons) {
      const means = runs.map((r) => {
        if ('error' in r) return null;
        const found = r.run.activations.layers.find((l) => l.layer === layer.layer)?.neurons.find((n) => n.index === neuron.index);
        return found ? found.mean : null;
      });
      trend.neurons.push({ layer: layer.layer, neuron: neuron.index, means });
    }
  }
  return trend;
}

/** The trend as two CSV tables a notebook can read: (checkpoint, step, class, probability) and (checkpoint, step, layer, neuron, mean). */
export function trendCsv(trend: CheckpointTrend): { predictions: string; activations: string } {
  const field = (v: string | number | null | undefined): string => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const predictions = ['checkpoint,step,class_index,class,probability'];
  const activations = ['checkpoint,step,layer,neuron,mean'];
  trend.checkpoints.forEach((c, i) => {
    for (const k of trend.classes) predictions.push([c.label, c.step, k.index, k.label, k.probabilities[i]].map(field).join(','));
    for (const n of trend.neurons) activations.push([c.label, c.step, n.layer, n.neuron, n.means[i]].map(field).join(','));
  });
  return { predictions: predictions.join('\n') + '\n', activations: activations.join('\n') + '\n' };
}
