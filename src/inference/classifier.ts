/**
 * One-off inference outside the frame loop, for the classify command and the extension API: lease a model, fit
 * the image to its input, run, give the model back (the store keeps it warm for the next call).
 */
import { layerChoices } from '../../core/layerNames';
import type { LayerInfo } from '../../core/manifestTypes';
import type { FrameImage, ModelPredictions } from '../../core/protocol';
import { checkpointFiles, readCheckpointFamily } from './checkpointFamily';
import type { LoadedModel } from './loadModel';
import type { ModelLocator } from './modelLocator';
import type { ModelStore } from './modelStore';
import { fitToModel, runModel } from './runModel';

export interface ClassifyTimings {
  preprocessMs: number;
  runMs: number;
}

export interface Classification {
  predictions: ModelPredictions;
  timings: ClassifyTimings;
}

export class Classifier {
  constructor(
    private readonly locator: ModelLocator,
    private readonly store: ModelStore,
  ) {}

  /**
   * Predictions of an explicitly named model (`builtin:NAME`, an absolute path, or relative to the workspace);
   * `checkpoint` picks one of its manifest's checkpoints (null/absent: the model's own file).
   */
  async classifyWith(modelRef: string, image: FrameImage, topK: number, checkpoint?: number | null): Promise<Classification> {
    let files = await this.locator.locateExplicit(modelRef);
    if (checkpoint !== undefined && checkpoint !== null) files = checkpointFiles(files, await readCheckpointFamily(files), checkpoint);
    const lease = await this.store.acquire(files);
    try {
      return await this.classifyLoaded(lease.model, idFor(modelRef), image, topK);
    } finally {
      lease.release();
    }
  }

  /** Predictions of a model already loaded (a scene's). */
  async classifyLoaded(model: LoadedModel, id: string, image: FrameImage, topK: number): Promise<Classification> {
    const fitted = fitToModel(image, model);
    const run = await runModel({ id, model, watch: [], image: fitted, topK });
    return { predictions: run.predictions, timings: { preprocessMs: run.preprocessMs, runMs: run.runMs } };
  }

  /** The model's watchable layers in the Add Model picker's order: named (aliased) layers first, then the rest. */
  async listLayers(modelRef: string): Promise<LayerInfo[]> {
    const lease = await this.store.acquire(await this.locator.locateExplicit(modelRef));
    try {
      return layerChoices(lease.model.layers, lease.model.manifest.layerAliases).map((choice) => ({ ...choice.layer }));
    } finally {
      lease.release();
    }
  }
}

/** A short id for a model named by path: its file name without `.onnx`. */
export function idFor(modelRef: string): string {
  const base = modelRef.replace(/^builtin:/i, '').split(/[\\/]/).pop() ?? modelRef;
  return base.replace(/\.onnx$/i, '') || 'model';
}
