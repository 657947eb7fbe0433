/**
 * "Show along checkpoints" for one scene editor: off by default; when on, for one model of the scene (a checkpoint
 * family), every frame's model input is run through every checkpoint of the family after the frame's own results
 * are out. Frames go through a LatestWins of their own (n runs per frame: while one trend is computed, only the
 * newest frame waits). Results and the on/off state go to the panels through `onChange`.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LatestWins } from '../../core/latestWins';
import type { CheckpointTrend, HostToPanel } from '../../core/protocol';
import { runCheckpointTrend, trendCsv, type TrendRequest } from '../inference/checkpointTrend';
import type { FrameHooks } from '../inference/framePipeline';
import type { ModelStore } from '../inference/modelStore';
import { errorMessage } from '../log';
import type { SceneModels } from './sceneModels';

type InputFinder = Parameters<NonNullable<FrameHooks['onModelImages']>>[1];

export interface CheckpointTrendsOptions {
  store: ModelStore;
  models: SceneModels;
  sceneName(): string;
  topK(): number;
  /** The trend view changed (turned on/off, a new result): the panels should show `message()`. */
  onChange(): void;
  onError(message: string): void;
}

export class CheckpointTrends implements vscode.Disposable {
  private modelId: string | null = null;
  private last: CheckpointTrend | undefined;
  private inputs: { frameId: number; find: InputFinder } | undefined;
  private readonly loop: LatestWins<TrendRequest, CheckpointTrend>;

  constructor(private readonly options: CheckpointTrendsOptions) {
    this.loop = new LatestWins<TrendRequest, CheckpointTrend>(
      (request) => runCheckpointTrend(options.store, request),
      (request, trend) => {
        if (request.modelId !== this.modelId) return; // turned off or switched while it ran
        this.last = trend;
        options.onChange();
      },
      (request, error) => options.onError(`checkpoint trend of ${request.modelId}: ${errorMessage(error)}`),
    );
  }

  /** The model whose family is plotted, or null when the view is off. */
  get selected(): string | null {
    return this.modelId;
  }

  /** The last computed trend (for the API and CSV export). */
  get lastTrend(): CheckpointTrend | undefined {
    return this.last;
  }

  /** Turns the view on for a family model of the scene (by id), or off (null); throws when `modelId` is no family. */
  select(modelId: string | null): void {
    if (modelId !== null && !this.options.models.familyModels().some((m) => m.id === modelId)) {
      const families = this.options.models.familyModels().map((m) => m.id);
      throw new Error(
        `model "${modelId}" is not a checkpoint family of this scene` +
          (families.length > 0 ? ` (families: ${families.join(', ')})` : ' (no model of this scene lists checkpoints in its manifest)'),
      );
    }
    if (modelId === this.modelId) return;
    this.modelId = modelId;
    this.last = undefined;
    this.options.onChange();
    if (modelId !== null && this.inputs) this.submit(this.inputs.frameId);
  }

  /** The model inputs of the frame being processed (FrameHooks.onModelImages). */
  frameInputs(frameId: number, find: InputFinder): void {
    this.inputs = { frameId, find };
  }

  /** Frame `frameId` has its own results: compute its trend (when the view is on). */
  frameDone(frameId: number): void {
    if (this.modelId !== null && this.inputs?.frameId === frameId) this.submit(frameId);
  }

  message(): HostToPanel {
    const message: HostToPanel = { type: 'checkpointTrend', modelId: this.modelId };
    if (this.modelId !== null && this.last) message.trend = this.last;
    return message;
  }

  /** Resolves when no trend is being computed or waiting (tests). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** Writes the last trend as two CSV files under `<folder>/.perturber/checkpoints/`; returns their paths. */
  async saveCsv(folder: string, sceneFile: string): Promise<string[]> {
    const trend = this.last;
    if (!trend) throw new Error('no trend along checkpoints to save yet: turn on "Show along checkpoints" first');
    const dir = path.join(folder, '.perturber', 'checkpoints');
    await fs.mkdir(dir, { recursive: true });
    const base = `${path.basename(sceneFile).replace(/\.perturber\.json$/i, '')}-${trend.modelId}-frame${trend.frameId}`.replace(/[^\w.-]+/g, '_');
    const csv = trendCsv(trend);
    const files = [path.join(dir, `${base}-predictions.csv`), path.join(dir, `${base}-activations.csv`)];
    await fs.writeFile(files[0], csv.predictions);
    await fs.writeFile(files[1], csv.activations);
    return files;
  }

  dispose(): void {
    this.loop.dispose();
  }

  private submit(frameId: number): void {
    const inputs = this.inputs;
    const model = this.options.models.familyModels().find((m) => m.id === this.modelId);
    if (!inputs || inputs.frameId !== frameId) return;
    if (!model) {
      this.last = this.failed(frameId, `model "${this.modelId}" is no longer a checkpoint family of this scene`);
      this.options.onChange();
      return;
    }
    this.loop.submit({
      frameId,
      sceneName: this.options.sceneName(),
      modelId: model.id,
      displayName: model.displayName,
      watch: model.watch,
      family: model.family,
      current: model.current,
      topK: this.options.topK(),
      input: inputs.find,
    });
  }

  private failed(frameId: number, error: string): CheckpointTrend {
    const id = this.modelId ?? '';
    return { frameId, sceneName: this.options.sceneName(), modelId: id, displayName: id, checkpoints: [], classes: [], neurons: [], error };
  }
}
