/**
 * The models of one open scene: leases from the shared ModelStore for each distinct model path in the scene,
 * loaded in the background as the scene's `models` change. Only a change of paths reloads anything: watched
 * layers are read from the latest scene at every frame.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RenderSize } from '../../core/protocol';
import type { SceneModel } from '../../core/sceneTypes';
import type { FrameModel } from '../inference/framePipeline';
import type { LoadedModel } from '../inference/loadModel';
import type { ModelLocator } from '../inference/modelLocator';
import type { ModelLease, ModelStore } from '../inference/modelStore';
import { errorMessage, type Log } from '../log';

interface Slot {
  lease?: ModelLease;
  error?: string;
  /** Files behind this slot once located, to reload when one of them changes on disk. */
  files?: string[];
  disposed: boolean;
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

  /** Takes the scene's current models; starts loading paths not seen before, releases paths no longer used. */
  update(models: readonly SceneModel[]): void {
    this.specs = models.map((m) => ({ ...m, watch: m.watch ?? [] }));
    const wanted = new Set(this.specs.map((m) => m.path));
    for (const [ref, slot] of this.slots) {
      if (!wanted.has(ref)) this.drop(ref, slot);
    }
    for (const ref of wanted) if (!this.slots.has(ref)) this.load(ref);
  }

  /** Reloads every model (settings, trust or files changed); the store reuses what is still current. */
  reloadAll(): void {
    for (const [ref, slot] of [...this.slots]) this.drop(ref, slot);
    for (const spec of this.specs) if (!this.slots.has(spec.path)) this.load(spec.path);
  }

  /** Reloads the models that use `fsPath` (an .onnx, manifest or label file that changed). */
  fileChanged(fsPath: string): void {
    const target = path.resolve(fsPath);
    for (const [ref, slot] of [...this.slots]) {
      if (slot.files?.includes(target)) {
        this.drop(ref, slot);
        this.load(ref);
      }
    }
  }

  /** The scene's models in scene order, as the frame pipeline needs them. */
  frameModels(): FrameModel[] {
    return this.specs.map((spec) => {
      const slot = this.slots.get(spec.path);
      return { id: spec.id, watch: spec.watch, model: slot?.lease?.model, error: slot?.error };
    });
  }

  /** The loaded model of a scene model id, if any. */
  modelOf(id: string): LoadedModel | undefined {
    const spec = this.specs.find((s) => s.id === id);
    return spec ? this.slots.get(spec.path)?.lease?.model : undefined;
  }

  get count(): number {
    return this.specs.length;
  }

  get loading(): boolean {
    return this.specs.some((s) => {
      const slot = this.slots.get(s.path);
      return slot !== undefined && !slot.lease && slot.error === undefined;
    });
  }

  /** Problems per model index (for diagnostics on `models[i].path`). */
  errors(): { index: number; message: string }[] {
    const out: { index: number; message: string }[] = [];
    this.specs.forEach((spec, index) => {
      const error = this.slots.get(spec.path)?.error;
      if (error !== undefined) out.push({ index, message: error });
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
    for (const [ref, slot] of [...this.slots]) this.drop(ref, slot);
    this.changed.dispose();
  }

  private load(ref: string): void {
    const slot: Slot = { disposed: false };
    this.slots.set(ref, slot);
    void (async () => {
      try {
        const files = await this.locator.locate(ref, this.sceneUri);
        slot.files = [files.onnxPath, files.manifestPath].map((p) => path.resolve(p));
        const lease = await this.store.acquire(files);
        if (slot.disposed) {
          lease.release();
          return;
        }
        slot.lease = lease;
        const labels = lease.model.manifest.labels;
        if (typeof labels === 'string') slot.files.push(path.resolve(path.dirname(files.manifestPath), labels));
        this.log.info(`${path.basename(this.sceneUri.fsPath)}: loaded ${ref} (${lease.model.layers.length} layers)`);
      } catch (error) {
        if (slot.disposed) return;
        slot.error = errorMessage(error);
        this.log.warn(`${path.basename(this.sceneUri.fsPath)}: model ${ref}: ${slot.error}`);
      }
      this.changed.fire();
    })();
  }

  private drop(ref: string, slot: Slot): void {
    slot.disposed = true;
    slot.lease?.release();
    slot.lease = undefined;
    if (this.slots.get(ref) === slot) this.slots.delete(ref);
  }
}
