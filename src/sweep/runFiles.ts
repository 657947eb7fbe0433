/**
 * The files of one sweep run under `.perturber/runs/<name>/`, written so a killed run loses nothing and duplicates
 * nothing:
 * - `results.csv` grows by appends; after each configuration's rows the file is fsynced, then
 * - `progress.json` ({ specHash, done, bytes }) is replaced atomically (write `.tmp`, fsync, rename): `done`
 *   configurations are complete and the CSV's first `bytes` bytes hold exactly their rows.
 * On resume the CSV is truncated to `bytes` (a partial trailing line, or rows written after the last progress, go)
 * and the run continues at configuration `done`. A folder holding a run of another spec is left alone: the run goes
 * to `<name>-2`, `<name>-3`, ... (the first folder that is empty or holds this spec's run).
 * Beside them, with `saveImages`: `images/` (what the models saw) and, for an attack sweep, `attacks/<config>.npy`
 * (each configuration's PGD delta), both written atomically before the configuration's rows are appended.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export interface RunProgress {
  specHash: string;
  /** Configurations complete (the next one to run). */
  done: number;
  /** Bytes of results.csv that hold the complete configurations' rows (header included). */
  bytes: number;
  /** Configurations in the sweep. */
  total: number;
}

export const CSV = 'results.csv';
export const PROGRESS = 'progress.json';
export const SUMMARY = 'summary.json';
/** The folder of an attack sweep's deltas (saveImages only). */
export const ATTACKS = 'attacks';

/** Where configuration `index`'s attack delta goes: float32 [3, H, W] .npy (core/attacks/npy.ts). */
export function attackDeltaFile(folder: string, index: number): string {
  return path.join(folder, ATTACKS, `${index}.npy`);
}

/** Writes `data` to `file` via `file.tmp`, fsync and rename (readers see the old or the new file, never half). */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isProgress(v: unknown): v is RunProgress {
  const p = v as RunProgress;
  return typeof p === 'object' && p !== null && typeof p.specHash === 'string' && Number.isInteger(p.done) && Number.isInteger(p.bytes) && Number.isInteger(p.total);
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}

/** The run folder for `name` and `specHash` under `runsDir` (see the file comment), and its progress if any. */
export async function chooseFolder(runsDir: string, name: string, specHash: string): Promise<{ folder: string; progress?: RunProgress }> {
  for (let n = 1; ; n++) {
    const folder = path.join(runsDir, n === 1 ? name : `${name}-${n}`);
    const progress = await readJson(path.join(folder, PROGRESS));
    if (isProgress(progress) && progress.specHash === specHash) return { folder, progress };
    if (isProgress(progress)) continue; // another spec's run: never touched
    // No progress: a fresh folder, or one whose run died before its first progress (nothing complete in it), unless it
    // holds other files we did not write.
    const entries = await fs.readdir(folder).catch(() => [] as string[]);
    if (entries.every((e) => [CSV, `${PROGRESS}.tmp`, 'images', ATTACKS].includes(e))) return { folder };
  }
}

export class RunFiles {
  private handle: fs.FileHandle | undefined;
  private bytes = 0;

  private constructor(readonly folder: string, private readonly specHash: string, private readonly total: number) {}

  /**
   * Opens the run: a fresh CSV with `header`, or the existing one truncated to the last complete configuration.
   * `done` says where to continue.
   */
  static async open(folder: string, specHash: string, total: number, header: string, progress?: RunProgress): Promise<{ files: RunFiles; done: number }> {
    await fs.mkdir(folder, { recursive: true });
    const files = new RunFiles(folder, specHash, total);
    const csv = path.join(folder, CSV);
    let done = 0;
    const size = (await fs.stat(csv).catch(() => undefined))?.size;
    if (progress && size !== undefined && size >= progress.bytes && progress.bytes > 0) {
      const handle = await fs.open(csv, 'r+');
      const head = Buffer.alloc(Math.min(Buffer.byteLength(header), progress.bytes));
      await handle.read(head, 0, head.length, 0);
      if (head.toString('utf8') === header) {
        await handle.truncate(progress.bytes);
        await handle.sync();
        files.handle = handle;
        files.bytes = progress.bytes;
        done = progress.done;
      } else {
        await handle.close();
      }
    }
    if (!files.handle) {
      files.handle = await fs.open(csv, 'w');
      await files.append(header);
      await files.commit(0);
    }
    return { files, done };
  }

  /** Bytes of results.csv written through `append` (torn writes excluded). */
  get size(): number {
    return this.bytes;
  }

  /** Appends rows (not yet committed). */
  async append(text: string): Promise<void> {
    const data = Buffer.from(text, 'utf8');
    await this.handle!.write(data, 0, data.length, this.bytes);
    this.bytes += data.length;
  }

  /** Makes the rows appended so far durable and records that `done` configurations are complete. */
  async commit(done: number): Promise<void> {
    await this.handle!.sync();
    const progress: RunProgress = { specHash: this.specHash, done, bytes: this.bytes, total: this.total };
    await writeAtomic(path.join(this.folder, PROGRESS), JSON.stringify(progress, null, 2) + '\n');
  }

  /** Test hook: the first half of `text` goes to the file and nothing is committed (what a kill mid-write leaves). */
  async appendTorn(text: string): Promise<void> {
    const data = Buffer.from(text, 'utf8');
    const half = data.subarray(0, Math.max(1, Math.floor(data.length / 2)));
    await this.handle!.write(half, 0, half.length, this.bytes);
    await this.handle!.sync();
  }

  async readCsv(): Promise<string> {
    return fs.readFile(path.join(this.folder, CSV), 'utf8');
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  static exists = exists;
}
