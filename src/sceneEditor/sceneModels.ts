/**
 * The models of one open scene: leases from the shared ModelStore for each distinct model (path and checkpoint) in
 * the scene, loaded in the background as the scene's `models` change. Only a change of path or checkpoint reloads
 * anything (and only that model): watched layers are read from the latest scene at every frame. A model whose
 * manifest lists checkpoints is a family: its `checkpoint` index picks the file (core/checkpoints.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { stopIndex, type CheckpointFamily } from '../../core/checkpoints';
import type { CheckpointInfo, RenderSize } from '../../core/protocol';
import type { SceneModel, WatchedLayer } from '../../core/sceneTypes';
import { CheckpointIndexError, checkpointFiles, checkpointLoadError, readCheckpointFamily, type CheckpointFamilyFiles } from '../inference/checkpointFamily';
import type { FrameModel } from '../inference/framePipeline';
import type { LoadedModel } from '../inference/loadModel';
import type { ModelLocator } from '../inference/modelLocator';
import type { ModelLease, ModelStore } from '../inference/modelStore';
import { errorMessage, type Log } from '../log';

interface Slot {
  lease?: ModelLease;
  error?: string;
  /** Where the error belongs in the scene file: the path (default) or the checkpoint index. */
  errorField?: 'path' | 'checkpoint';
  /** The model's checkpoint family, once its manifest was read (also when the chosen checkpoint failed). */
  family?: CheckpointFamilyFiles;
  /** Files behind this slot once located, to reload when one of them changes on disk. */
  files?: string[];
  disposed: boolean;
}

/** A family model of the scene, as "Show along checkpoints" needs it. */
export interface SceneFamilyModel {
  id: string;
  displayName: string;
  watch: readonly WatchedLayer[];
  family: CheckpointFamilyFiles;
  /** The slider stop the scene shows now. */
  current: number;
}

function slotKey(spec: SceneModel): string {
  return `${spec.path}\u0000${spec.checkpoint ?? ''}`;
}

export class SceneModels implements vscode.Disposable {
  private specs: SceneModel[] = [];
  private readonly slots = new Map<string, Slot>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a model finished loading or failed: render sizes and statuses may have changed. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly sceneUri: vscode.Uri,
    private readonly locator: ModelLocator,
    private readonly store: ModelStore,
    private readonly log: Log,
  ) {}

  /** Takes the scene's current models; starts loading models not seen before, releases those no longer used. */
  update(models: readonly SceneModel[]): void {
    this.specs = models.map((m) => ({ ...m, watch: m.watch ?? [] }));
    const wanted = new Map(this.specs.map((m) => [slotKey(m), m]));
    for (const [key, slot] of this.slots) {
      if (!wanted.has(key)) this.drop(key, slot);
    }
    for (const [key, spec] of wanted) if (!this.slots.has(key)) this.load(key, spec);
  }

  /** Reloads every model (settings, trust or files changed); the store reuses what is still current. */
  reloadAll(): void {
    for (const [key, slot] of [...this.slots]) this.drop(key, slot);
    for (const spec of this.specs) if (!this.slots.has(slotKey(spec))) this.load(slotKey(spec), spec);
  }

  /** Reloads the models that use `fsPath` (an .onnx, manifest or label file that changed). */
  fileChanged(fsPath: string): void {
    const target = path.resolve(fsPath);
    for (const [key, slot] of [...this.slots]) {
      if (!slot.files?.includes(target)) continue;
      this.drop(key, slot);
      const spec = this.specs.find((s) => slotKey(s) === key);
      if (spec) this.load(key, spec);
    }
  }

  /** The scene's models in scene order, as the frame pipeline needs them. */
  frameModels(): FrameModel[] {
    return this.specs.map((spec) => {
      const slot = this.slots.get(slotKey(spec));
      const entry: FrameModel = { id: spec.id, watch: spec.watch, model: slot?.lease?.model, error: slot?.error };
      const checkpoint = slot && this.checkpointInfo(slot, spec);
      if (checkpoint) entry.checkpoint = checkpoint;
      return entry;
    });
  }

  /** The loaded model of a scene model id, if any. */
  modelOf(id: string): LoadedModel | undefined {
    const spec = this.specs.find((s) => s.id === id);
    return spec ? this.slots.get(slotKey(spec))?.lease?.model : undefined;
  }

  /** `models[i].path` -> the slider stops of its family, for every model known to be a family. */
  families(): Record<string, CheckpointFamily> {
    const out: Record<string, CheckpointFamily> = {};
    for (const spec of this.specs) {
      const family = this.slots.get(slotKey(spec))?.family;
      if (family && !Object.prototype.hasOwnProperty.call(out, spec.path)) {
        Object.defineProperty(out, spec.path, { value: { stops: family.stops }, enumerable: true, writable: true, configurable: true });
      }
    }
    return out;
  }

  /** The scene's models that are checkpoint families (those "Show along checkpoints" can plot). */
  familyModels(): SceneFamilyModel[] {
    const out: SceneFamilyModel[] = [];
    for (const spec of this.specs) {
      const slot = this.slots.get(slotKey(spec));
      if (!slot?.family) continue;
      const current = stopIndex(slot.family.stops, spec.checkpoint);
      const displayName = slot.lease?.model.manifest.displayName ?? spec.id;
      out.push({ id: spec.id, displayName, watch: spec.watch, family: slot.family, current });
    }
    return out;
  }

  get count(): number {
    return this.specs.length;
  }

  get loading(): boolean {
    return this.specs.some((s) => {
      const slot = this.slots.get(slotKey(s));
      return slot !== undefined && !slot.lease && slot.error === undefined;
    });
  }

  /** Problems per model index (for diagnostics on `models[i].path`, or `.checkpoint` for a bad index). */
  errors(): { index: number; message: string; field?: 'path' | 'checkpoint' }[] {
    const out: { index: number; message: string; field?: 'path' | 'checkpoint' }[] = [];
    this.specs.forEach((spec, index) => {
      const slot = this.slots.get(slotKey(spec));
      if (slot?.error !== undefined) out.push({ index, message: slot.error, field: slot.errorField ?? 'path' });
    });
    return out;
  }

  /** Distinct input sizes of the loaded models: the webview renders one image per size. */
  renderSizes(): RenderSize[] {
    const sizes: RenderSize[] = [];
    for (const { model } of this.frameModels()) {
      if (!model) continue;
      const { width, height } = model.manifest.input;
      if (!sizes.some((s) => s.width === width && s.height === height)) sizes.push({ width, height });
    }
    return sizes;
  }

  dispose(): void {
    for (const [key, slot] of [...this.slots]) this.drop(key, slot);
    this.changed.dispose();
  }

  private checkpointInfo(slot: Slot, spec: SceneModel): CheckpointInfo | undefined {
    if (!slot.family) return undefined;
    const index = stopIndex(slot.family.stops, spec.checkpoint);
    const stop = slot.family.stops[index];
    return stop ? { label: stop.label, index, count: slot.family.stops.length } : undefined;
  }

  private load(key: string, spec: SceneModel): void {
    const slot: Slot = { disposed: false };
    this.slots.set(key, slot);
    const ref = spec.path;
    const where = spec.checkpoint === null || spec.checkpoint === undefined ? ref : `${ref} checkpoint ${spec.checkpoint}`;
    void (async () => {
      try {
        const files = await this.locator.locate(ref, this.sceneUri);
        slot.files = [files.onnxPath, files.manifestPath].map((p) => path.resolve(p));
        const family = await readCheckpointFamily(files);
        if (slot.disposed) return;
        slot.family = family;
        let target;
        try {
          target = checkpointFiles(files, family, spec.checkpoint);
        } catch (error) {
          if (error instanceof CheckpointIndexError) slot.errorField = 'checkpoint';
          throw error;
        }
        slot.files.push(path.resolve(target.onnxPath));
        let lease: ModelLease;
        try {
          lease = await this.store.acquire(target);
        } catch (error) {
          throw family && target !== files ? checkpointLoadError(family, stopIndex(family.stops, spec.checkpoint), error) : error;
        }
        if (slot.disposed) {
          lease.release();
          return;
        }
        slot.lease = lease;
        const labels = lease.model.manifest.labels;
        if (typeof labels === 'string') slot.files.push(path.resolve(path.dirname(files.manifestPath), labels));
        this.log.info(`${path.basename(this.sceneUri.fsPath)}: loaded ${where} (${lease.model.layers.length} layers)`);
      } catch (error) {
        if (slot.disposed) return;
        slot.error = errorMessage(error);
        this.log.warn(`${path.basename(this.sceneUri.fsPath)}: model ${where}: ${slot.error}`);
      }
      this.changed.fire();
    })();
  }

  private drop(key: string, slot: Slot): void {
    slot.disposed = true;
    slot.lease?.release();
    slot.lease = undefined;
    if (this.slots.get(key) === slot) this.slots.delete(key);
  }
}
