/**
 * The files a scene's perturbation steps name through `file` parameters (the .npy deltas "Perturber: Attack Scene"
 * stores), loaded for the frame pipeline. The pipeline is synchronous, so this is a cache: `perturbation(file)`
 * answers from it at once, and a file not loaded yet answers `{ error: 'loading …' }` while it loads in the
 * background; once it is in (or changed on disk, noticed by a cheap stat per frame or by `changed()` from a file
 * watcher) `onChange` asks for a frame refresh. Entries are keyed by path and revalidated by mtime + size; a file
 * being reloaded keeps answering its previous contents. No vscode import: unit-tested in plain Node.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { decodeNpy } from '../../core/attacks/npy';
import { findOp } from '../../core/perturbations/registry';
import type { FloatImage, PerturbationResources, PerturbationStepSpec } from '../../core/perturbations/types';

/** Larger files are refused (a 3 x 2048 x 2048 float32 delta is 48 MiB). */
export const MAX_PERTURBATION_BYTES = 64 * 1024 * 1024;
/** A file is stat'ed at most this often while frames ask for it. */
const RECHECK_MS = 250;

type Loaded = FloatImage | { error: string };

/** The `file` parameters of the enabled steps, as written in the scene (distinct, non-empty). */
export function perturbationFileRefs(steps: readonly PerturbationStepSpec[]): string[] {
  const refs: string[] = [];
  for (const step of steps) {
    if (!step.enabled) continue;
    for (const spec of findOp(step.op)?.params ?? []) {
      const value = step.params?.[spec.name];
      if (spec.kind === 'file' && typeof value === 'string' && value !== '' && !refs.includes(value)) refs.push(value);
    }
  }
  return refs;
}

function inside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Where a `file` parameter points: relative to the scene's folder, inside `root` (the workspace folder), a .npy.
 * Anything else gets the reason it is refused.
 */
export function resolvePerturbationFile(ref: string, sceneDir: string, root: string): { fsPath: string } | { error: string } {
  if (ref.trim() === '') return { error: 'no file given' };
  if (path.isAbsolute(ref) || path.win32.isAbsolute(ref) || /^[a-z][a-z0-9+.-]*:/i.test(ref)) {
    return { error: `${ref} is not allowed: give a path relative to the scene file` };
  }
  if (path.extname(ref).toLowerCase() !== '.npy') return { error: `${ref} is not a .npy file` };
  const fsPath = path.resolve(sceneDir, ref);
  if (!inside(path.resolve(root), fsPath)) return { error: `${ref} is outside the workspace folder` };
  return { fsPath };
}

/** A .npy file's bytes as a delta image: float32 or float64 [3, H, W], every value finite. Throws why not. */
export function perturbationFromNpy(bytes: Uint8Array): FloatImage {
  const { data, shape } = decodeNpy(bytes);
  if (shape.length !== 3 || shape[0] !== 3 || shape[1] < 1 || shape[2] < 1) {
    throw new Error(`the array has shape [${shape.join(', ')}]; a perturbation is [3, height, width]`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`value ${i} is ${data[i]}; a perturbation must be finite`);
  }
  return { width: shape[2], height: shape[1], data };
}

/** What the cache needs of the file system (a fake in tests). */
export interface PerturbationFileIo {
  stat(fsPath: string): Promise<{ mtimeMs: number; size: number }>;
  readFile(fsPath: string): Promise<Uint8Array>;
  realpath(fsPath: string): Promise<string>;
}

const nodeIo: PerturbationFileIo = {
  stat: (p) => fs.stat(p),
  readFile: (p) => fs.readFile(p),
  realpath: (p) => fs.realpath(p),
};

interface Entry {
  value?: Loaded;
  /** mtime + size of the loaded contents. */
  stamp?: string;
  /** The load or check in progress. */
  busy?: Promise<void>;
  /** Changed on disk while busy: check again when done. */
  again?: boolean;
  checkedAt: number;
}

export class PerturbationFiles implements PerturbationResources {
  private readonly entries = new Map<string, Entry>();
  private disposed = false;

  constructor(
    /** The scene file (relative paths start from its folder). */
    private readonly sceneFile: string,
    /** Files must be inside this folder (the scene's workspace folder). */
    private readonly root: string,
    /** A file finished loading, or its contents changed: the frame should be run again. */
    private readonly onChange: () => void,
    private readonly io: PerturbationFileIo = nodeIo,
    private readonly now: () => number = Date.now,
  ) {}

  /** The frame source's view for `steps`: starts loading and rechecking the files they name, returns the cache. */
  prepare(steps: readonly PerturbationStepSpec[]): PerturbationResources {
    for (const ref of perturbationFileRefs(steps)) {
      const where = this.resolve(ref);
      if ('error' in where) continue;
      const entry = this.entries.get(where.fsPath);
      if (!entry) this.start(where.fsPath);
      else if (!entry.busy && this.now() - entry.checkedAt >= RECHECK_MS) this.start(where.fsPath, entry);
    }
    return this;
  }

  perturbation(file: string): FloatImage | { error: string } {
    const where = this.resolve(file);
    if ('error' in where) return where;
    const entry = this.entries.get(where.fsPath);
    if (entry?.value) return entry.value;
    if (!entry) this.start(where.fsPath);
    return { error: `loading ${file}…` };
  }

  /** Loads `file` (a scene-relative ref) now and resolves once the cache holds its current contents. */
  async load(file: string): Promise<FloatImage | { error: string }> {
    const where = this.resolve(file);
    if ('error' in where) return where;
    const entry = this.entries.get(where.fsPath);
    await entry?.busy;
    await this.start(where.fsPath, this.entries.get(where.fsPath), true);
    return this.entries.get(where.fsPath)?.value ?? { error: `${file} could not be loaded` };
  }

  /** A file changed on disk (watcher): reload it if the scene uses it. */
  changed(fsPath: string): void {
    const key = path.resolve(fsPath);
    const entry = this.entries.get(key);
    if (entry && !entry.busy) void this.start(key, entry);
    else if (entry) entry.again = true;
  }

  dispose(): void {
    this.disposed = true;
    this.entries.clear();
  }

  private resolve(ref: string): { fsPath: string } | { error: string } {
    return resolvePerturbationFile(ref, path.dirname(this.sceneFile), this.root);
  }

  /** Stats the file and (re)reads it when new or changed (always when `force`); calls onChange when it changed. */
  private start(fsPath: string, existing?: Entry, force = false): Promise<void> {
    const entry: Entry = existing ?? { checkedAt: 0 };
    if (!existing) this.entries.set(fsPath, entry);
    const run = async (): Promise<void> => {
      let next: Loaded;
      let stamp: string;
      try {
        const stat = await this.io.stat(fsPath);
        stamp = `${stat.mtimeMs}:${stat.size}`;
        if (!force && stamp === entry.stamp) return;
        next = await this.read(fsPath, stat.size);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        stamp = `error:${code ?? ''}`;
        next = { error: code === 'ENOENT' ? 'the file does not exist' : error instanceof Error ? error.message : String(error) };
        if (!force && stamp === entry.stamp) return;
      }
      if (this.disposed || this.entries.get(fsPath) !== entry) return;
      entry.value = next;
      entry.stamp = stamp;
      this.onChange();
    };
    const busy = run().finally(() => {
      entry.checkedAt = this.now();
      if (entry.busy !== busy) return;
      entry.busy = undefined;
      if (entry.again && !this.disposed) {
        entry.again = false;
        void this.start(fsPath, entry);
      }
    });
    entry.busy = busy;
    return busy;
  }

  private async read(fsPath: string, size: number): Promise<Loaded> {
    const name = path.basename(fsPath);
    if (size > MAX_PERTURBATION_BYTES) return { error: `${name} is ${size} bytes; at most ${MAX_PERTURBATION_BYTES} are read` };
    // A link inside the workspace must not lead out of it.
    const [real, realRoot] = await Promise.all([this.io.realpath(fsPath), this.io.realpath(this.root).catch(() => path.resolve(this.root))]);
    if (!inside(realRoot, real)) return { error: `${name} links outside the workspace folder` };
    const bytes = await this.io.readFile(fsPath);
    try {
      return perturbationFromNpy(bytes);
    } catch (error) {
      return { error: `${name} is not a usable perturbation: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}
