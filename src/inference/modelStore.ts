/**
 * The cache of loaded models, shared by every scene editor, the commands and the API. A model is keyed by its
 * absolute path and its manifest's (a checkpoint of a family is another .onnx with the family's manifest); an entry
 * is reused while the .onnx and manifest files keep their mtime and size and the session settings are unchanged.
 * Users hold leases; a model nobody leases is disposed after a grace period, so editing a scene's path or checkpoint
 * back and forth or reopening a scene does not reload the model. At most `maxIdle` unleased models stay loaded
 * (least recently released first out), which bounds the memory a checkpoint slider or trend run leaves behind.
 */
import * as fs from 'node:fs/promises';
import type * as vscode from 'vscode';
import { loadModel, type LoadedModel, type ModelFiles } from './loadModel';
import type { SessionSettings } from './ortBackend';

export interface ModelLease {
  readonly model: LoadedModel;
  /** Gives the model back; idempotent. */
  release(): void;
}

interface Entry {
  readonly key: string;
  /** mtime and size of the model and manifest, plus the settings generation it was loaded with. */
  readonly stamp: string;
  readonly loading: Promise<LoadedModel>;
  refs: number;
  /** Replaced by a newer entry (files or settings changed): disposed as soon as its last lease goes. */
  retired: boolean;
  idleTimer?: ReturnType<typeof setTimeout>;
  warned: boolean;
  unloaded: boolean;
}

export interface ModelStoreOptions {
  settings(): SessionSettings;
  /** Called once per load with the model's warnings (no manifest, CPU fallback...). */
  onWarnings(model: LoadedModel): void;
  onError(message: string): void;
  /** How long an unleased model stays loaded (ms). */
  idleMs?: number;
  /** How many unleased models stay loaded at most (default 8). */
  maxIdle?: number;
}

async function fileStamp(p: string, missingOk: boolean): Promise<string> {
  try {
    const s = await fs.stat(p);
    return `${s.mtimeMs}:${s.size}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (missingOk) return 'missing';
      throw new Error(`model file not found: ${p}`);
    }
    throw new Error(`cannot read ${p}: ${(error as Error).message}`);
  }
}

export class ModelStore implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  /** Loaded entries nobody leases, least recently released first. */
  private readonly idle = new Set<Entry>();
  private settingsGeneration = 0;
  private disposed = false;

  constructor(private readonly options: ModelStoreOptions) {}

  /** Every .onnx file this store was asked to load (the API's `trustReport`: restricted mode loads none of the workspace's). */
  readonly requested = new Set<string>();

  /** Loads (or reuses) the model; throws an Error with a user-facing message when it cannot be loaded. */
  async acquire(files: ModelFiles): Promise<ModelLease> {
    if (this.disposed) throw new Error('the extension is shutting down');
    this.requested.add(files.onnxPath);
    const stamp = [
      await fileStamp(files.onnxPath, false),
      await fileStamp(files.manifestPath, true),
      this.settingsGeneration,
    ].join('|');
    const key = `${files.onnxPath}\n${files.manifestPath}`;
    let entry = this.entries.get(key);
    if (!entry || entry.stamp !== stamp) {
      if (entry) this.retire(entry);
      entry = this.startLoad(key, stamp, files);
    }
    entry.refs++;
    this.idle.delete(entry);
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    let model: LoadedModel;
    try {
      model = await entry.loading;
    } catch (error) {
      this.unref(entry);
      throw error;
    }
    if (!entry.warned) {
      entry.warned = true;
      if (model.warnings.length > 0) this.options.onWarnings(model);
    }
    let released = false;
    const held = entry;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        this.unref(held);
      },
    };
  }

  /** Settings that shape sessions changed: later acquires load afresh, current leases keep their sessions. */
  invalidate(): void {
    this.settingsGeneration++;
    for (const entry of [...this.entries.values()]) this.retire(entry);
  }

  dispose(): void {
    this.disposed = true;
    for (const entry of [...this.entries.values()]) {
      entry.refs = 0;
      this.retire(entry);
    }
  }

  private startLoad(key: string, stamp: string, files: ModelFiles): Entry {
    const entry: Entry = { key, stamp, loading: loadModel(files, this.options.settings()), refs: 0, retired: false, warned: false, unloaded: false };
    // A failed load must not stay cached: the next acquire (after the user fixed the file) tries again.
    entry.loading.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.entries.set(key, entry);
    return entry;
  }

  private retire(entry: Entry): void {
    entry.retired = true;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    if (entry.refs === 0) this.disposeEntry(entry);
  }

  private unref(entry: Entry): void {
    entry.refs = Math.max(0, entry.refs - 1);
    if (entry.refs > 0) return;
    if (entry.retired) {
      this.disposeEntry(entry);
      return;
    }
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = setTimeout(() => {
      if (entry.refs === 0) this.retire(entry);
    }, this.options.idleMs ?? 60_000);
    this.idle.delete(entry);
    this.idle.add(entry);
    const maxIdle = this.options.maxIdle ?? 8;
    for (const oldest of this.idle) {
      if (this.idle.size <= maxIdle) break;
      this.retire(oldest);
    }
  }

  private disposeEntry(entry: Entry): void {
    this.idle.delete(entry);
    if (entry.unloaded) return;
    entry.unloaded = true;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    entry.loading.then(
      (model) =>
        Promise.all([model.session.dispose(), model.gradients.dispose()]).catch((error: unknown) =>
          this.options.onError(`unloading ${entry.key}: ${String(error)}`),
        ),
      () => undefined,
    );
  }
}
