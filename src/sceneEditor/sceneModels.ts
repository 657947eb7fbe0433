/**
 * The models of one open scene: leases from the shared ModelStore for each distinct model (path and checkpoint) in
 * the scene, loaded in the background as the scene's `models` change. Only a change of path or checkpoint reloads
 * anything (and only that model): watched layers are read from the latest scene at every frame. A model whose
 * manifest lists checkpoints is a family: its `checkpoint` index picks the file (core/checkpoints.ts).
 *
 * Live reload: when a file behind a model changes on disk (modelReloads.ts reports it once it settled), a
 * replacement loads beside the current model, which keeps serving frames until the replacement is ready; a load
 * that fails (a file still being written) is retried as the file settles, and only then shown as the model's error.
 * A pattern family re-reads its folder; the scene stays on the checkpoint file it showed.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { matchCheckpoints } from '../../core/checkpointPattern';
import { stopIndex, type CheckpointFamily } from '../../core/checkpoints';
import type { CheckpointInfo, RenderSize } from '../../core/protocol';
import type { SceneModel, WatchedLayer } from '../../core/sceneTypes';
import {
  CheckpointIndexError,
  checkpointFiles,
  checkpointLoadError,
  followsPattern,
  listPatternFiles,
  movedCheckpoint,
  readCheckpointFamily,
  type CheckpointFamilyFiles,
} from '../inference/checkpointFamily';
import { retryWhileSettling } from '../inference/fileSettle';
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
  /** The `checkpoint` value this slot shows when a pattern family moved the scene's file (until the scene says so). */
  checkpoint?: number | null;
  disposed: boolean;
}

/** How a replacement load (a file changed on disk) retries while the file may still be being written. */
export interface ReloadRetry {
  /** Tries in all before the failure is shown. */
  tries: number;
  /** Waits until the changed file settled (before each retry). */
  settle(fsPath: string): Promise<void>;
}

export interface SceneModelsHooks {
  /** A pattern family changed and the file model `index` showed is now checkpoint `checkpoint`: keep the scene on it. */
  checkpointMoved?(index: number, checkpoint: number | null): void;
  retry?: ReloadRetry;
  /**
   * Also look at pattern families' folders this often (ms): file watchers miss folders outside the workspace (search
   * paths) and can drop events; a listing that differs from the family reloads it like a watcher event.
   */
  pollMs?: number;
}

/** What a load of a slot starts from when it replaces one (a file changed on disk). */
interface Replacing {
  changed: string;
  family?: CheckpointFamilyFiles;
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
  /** Replacements loading beside the slot they replace (a file changed on disk), by slot key. */
  private readonly pending = new Map<string, Slot>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a model finished loading or failed: render sizes and statuses may have changed. */
  readonly onDidChange = this.changed.event;
  /** Lists pattern families' folders (`SceneModelsHooks.pollMs`); `polling` while a round runs. */
  private readonly poll: ReturnType<typeof setInterval> | undefined;
  private polling = false;

  constructor(
    private readonly sceneUri: vscode.Uri,
    private readonly locator: ModelLocator,
    private readonly store: ModelStore,
    private readonly log: Log,
    private readonly hooks: SceneModelsHooks = {},
  ) {
    if (hooks.pollMs !== undefined) this.poll = setInterval(() => void this.pollPatterns(), hooks.pollMs);
  }

  /** Takes the scene's current models; starts loading models not seen before, releases those no longer used. */
  update(models: readonly SceneModel[]): void {
    this.specs = models.map((m) => ({ ...m, watch: m.watch ?? [] }));
    const wanted = new Map(this.specs.map((m) => [slotKey(m), m]));
    for (const [key, slot] of [...this.slots]) {
      if (!wanted.has(key)) this.drop(key, slot);
    }
    for (const [key, slot] of [...this.pending]) {
      if (!wanted.has(key)) this.dropPending(key, slot);
    }
    for (const [key, spec] of wanted) if (!this.slots.has(key)) this.load(key, spec);
  }

  /** Reloads every model (settings, trust or files changed); the store reuses what is still current. */
  reloadAll(): void {
    for (const [key, slot] of [...this.pending]) this.dropPending(key, slot);
    for (const [key, slot] of [...this.slots]) this.drop(key, slot);
    for (const spec of this.specs) if (!this.slots.has(slotKey(spec))) this.load(slotKey(spec), spec);
  }

  /**
   * Reloads the models that use `fsPath` (an .onnx, manifest or label file that changed, settled), and the pattern
   * families it may belong to (a checkpoint that appeared or went). The current model serves until the new one is in.
   */
  fileChanged(fsPath: string): void {
    const target = path.resolve(fsPath);
    for (const [key, slot] of [...this.slots]) {
      if (!slot.files?.includes(target) && !followsPattern(slot.family, target)) continue;
      const spec = this.specs.find((s) => slotKey(s) === key);
      if (spec) this.replace(key, spec, slot, target);
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
      const current = stopIndex(slot.family.stops, this.checkpointOf(slot, spec));
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
    if (this.poll) clearInterval(this.poll);
    for (const [key, slot] of [...this.pending]) this.dropPending(key, slot);
    for (const [key, slot] of [...this.slots]) this.drop(key, slot);
    this.changed.dispose();
  }

  /** Reloads each pattern family whose folder lists other files than the family has (see `pollMs`). */
  private async pollPatterns(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const [key, slot] of [...this.slots]) {
        const pattern = slot.family?.pattern;
        if (!pattern || this.pending.has(key) || !slot.family) continue;
        const listed = matchCheckpoints(pattern, await listPatternFiles(pattern.dir, pattern.pattern)).map((c) => path.resolve(pattern.dir, c.path));
        const members = slot.family.members.slice(0, slot.family.count).map((m) => path.resolve(m.onnxPath));
        const changed = listed.find((f) => !members.includes(f)) ?? members.find((m) => !listed.includes(m));
        if (!changed) continue;
        // A file the poll sees first may still be being written: let it settle, unless the watcher got there first.
        await this.hooks.retry?.settle(changed);
        const spec = this.specs.find((s) => slotKey(s) === key);
        if (spec && this.slots.get(key) === slot && !slot.disposed && !this.pending.has(key)) this.replace(key, spec, slot, changed);
      }
    } finally {
      this.polling = false;
    }
  }

  private checkpointInfo(slot: Slot, spec: SceneModel): CheckpointInfo | undefined {
    if (!slot.family) return undefined;
    const index = stopIndex(slot.family.stops, this.checkpointOf(slot, spec));
    const stop = slot.family.stops[index];
    return stop ? { label: stop.label, index, count: slot.family.stops.length } : undefined;
  }

  private checkpointOf(slot: Slot, spec: SceneModel): number | null | undefined {
    return slot.checkpoint !== undefined ? slot.checkpoint : spec.checkpoint;
  }

  private load(key: string, spec: SceneModel): void {
    const slot: Slot = { disposed: false };
    this.slots.set(key, slot);
    void this.fill(slot, spec).then(() => {
      if (!slot.disposed) this.changed.fire();
    });
  }

  /** Loads a replacement for `current` beside it; it takes `current`'s place once loaded (or failed for good). */
  private replace(key: string, spec: SceneModel, current: Slot, changed: string): void {
    const earlier = this.pending.get(key);
    if (earlier) this.dropPending(key, earlier);
    const next: Slot = { disposed: false };
    this.pending.set(key, next);
    this.log.info(`${path.basename(this.sceneUri.fsPath)}: ${path.basename(changed)} changed on disk; reloading ${spec.path}`);
    void this.fill(next, spec, { changed, family: current.family }).then(() => {
      if (next.disposed) return;
      this.pending.delete(key);
      if (this.slots.get(key) !== current) {
        // The scene moved on while it loaded: update() loads what the scene wants now.
        this.release(next);
        return;
      }
      this.slots.set(key, next);
      this.release(current);
      const index = this.specs.findIndex((s) => slotKey(s) === key);
      if (next.checkpoint !== undefined && index >= 0) this.hooks.checkpointMoved?.(index, next.checkpoint);
      this.changed.fire();
    });
  }

  /** Locates, reads the family and leases the model of `spec` into `slot` (or sets its error); never throws. */
  private async fill(slot: Slot, spec: SceneModel, replacing?: Replacing): Promise<void> {
    const ref = spec.path;
    const where = spec.checkpoint === null || spec.checkpoint === undefined ? ref : `${ref} checkpoint ${spec.checkpoint}`;
    const retry = replacing && this.hooks.retry;
    try {
      const attempt = (): Promise<void> => this.fillOnce(slot, spec, replacing?.family);
      if (retry) {
        const changed = replacing.changed;
        // A bad checkpoint index is the scene's problem, not a file still being written.
        const retryable = (error: unknown): boolean => !(error instanceof CheckpointIndexError);
        await retryWhileSettling(attempt, { tries: retry.tries, settle: () => retry.settle(changed), cancelled: () => slot.disposed, retryable });
      } else {
        await attempt();
      }
      if (slot.lease) this.log.info(`${path.basename(this.sceneUri.fsPath)}: loaded ${where} (${slot.lease.model.layers.length} layers)`);
    } catch (error) {
      if (slot.disposed) return;
      slot.error = errorMessage(error);
      if (replacing && retry && !(error instanceof CheckpointIndexError)) {
        slot.error = `${path.basename(replacing.changed)} changed on disk and cannot be loaded (tried ${retry.tries} times as it settled; it reloads when the file changes again): ${slot.error}`;
      }
      this.log.warn(`${path.basename(this.sceneUri.fsPath)}: model ${where}: ${slot.error}`);
    }
  }

  private async fillOnce(slot: Slot, spec: SceneModel, previousFamily?: CheckpointFamilyFiles): Promise<void> {
    slot.errorField = undefined;
    slot.checkpoint = undefined;
    const files = await this.locator.locate(spec.path, this.sceneUri);
    slot.files = [files.onnxPath, files.manifestPath].map((p) => path.resolve(p));
    const family = await readCheckpointFamily(files);
    if (slot.disposed) return;
    slot.family = family;
    for (const member of family?.members ?? []) slot.files.push(path.resolve(member.onnxPath));
    // A pattern family that changed keeps the scene on the file it showed (the scene's index follows).
    const moved = previousFamily && family?.pattern ? movedCheckpoint(previousFamily, family, spec.checkpoint) : undefined;
    if (moved !== undefined) slot.checkpoint = moved;
    const checkpoint = this.checkpointOf(slot, spec);
    let target;
    try {
      target = checkpointFiles(files, family, checkpoint);
    } catch (error) {
      if (error instanceof CheckpointIndexError) slot.errorField = 'checkpoint';
      throw error;
    }
    slot.files.push(path.resolve(target.onnxPath));
    let lease: ModelLease;
    try {
      lease = await this.store.acquire(target);
    } catch (error) {
      throw family && target !== files ? checkpointLoadError(family, stopIndex(family.stops, checkpoint), error) : error;
    }
    if (slot.disposed) {
      lease.release();
      return;
    }
    slot.lease?.release();
    slot.lease = lease;
    const labels = lease.model.manifest.labels;
    if (typeof labels === 'string') slot.files.push(path.resolve(path.dirname(files.manifestPath), labels));
  }

  private release(slot: Slot): void {
    slot.disposed = true;
    slot.lease?.release();
    slot.lease = undefined;
  }

  private dropPending(key: string, slot: Slot): void {
    this.release(slot);
    if (this.pending.get(key) === slot) this.pending.delete(key);
  }

  private drop(key: string, slot: Slot): void {
    this.release(slot);
    if (this.slots.get(key) === slot) this.slots.delete(key);
  }
}
