/**
 * The scene editor's Sweep section, host side: "Run sweep" and "Show results" from the webview become
 * `perturber.runSweep` with this document's URI and `perturber.showSweepResults` with the run's folder, and the state
 * of the scene's run (progress.json / summary.json of the folder the next run of this spec would use, runFiles.ts
 * `chooseFolder`) is read when the scene loads, when the sweep spec changes, every second while a run started here
 * is going, and after it, and posted as `sweepRun`.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToScene, SweepRunState } from '../../core/protocol';
import type { Scene } from '../../core/sceneTypes';
import { errorMessage, type Log } from '../log';
import { specHash } from '../sweep/runner';
import { chooseFolder, PROGRESS, SUMMARY } from '../sweep/runFiles';

const POLL_MS = 1000;
/** Edits arrive many times a second while a slider is dragged. */
const DEBOUNCE_MS = 300;

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

interface RunRead {
  folder: string;
  done: number;
  total: number;
  complete: boolean;
  current: boolean;
  date?: string;
}

/** progress.json / summary.json of `folder`: how far its run got (for `hash` only, when given). */
async function readRun(folder: string, hash: string | undefined): Promise<Omit<RunRead, 'current'> & { mtime: number } | undefined> {
  const progress = await readJson(path.join(folder, PROGRESS));
  const summary = await readJson(path.join(folder, SUMMARY));
  const fromSummary = summary !== undefined && (hash === undefined || summary.specHash === hash);
  const fromProgress = progress !== undefined && (hash === undefined || progress.specHash === hash);
  const total = count(fromSummary ? summary.configurations : undefined) ?? count(fromProgress ? progress.total : undefined);
  const done = count(fromProgress ? progress.done : undefined) ?? count(fromSummary ? summary.done : undefined);
  if (total === undefined || done === undefined) return undefined;
  const date = fromSummary && typeof summary.date === 'string' ? summary.date : undefined;
  const mtime = (await fs.stat(path.join(folder, PROGRESS)).catch(() => undefined))?.mtimeMs ?? 0;
  return { folder, done, total, complete: done === total, mtime, ...(date ? { date } : {}) };
}

/**
 * The run of `scene`'s sweep under `runsDir`: the folder the next run of this exact scene would use (runFiles.ts
 * `chooseFolder`; `current`), else the newest run under the sweep's name (`<name>`, `<name>-2`, ...) of an earlier
 * version of the scene, else undefined (never run).
 */
export async function readSweepRun(scene: Scene, runsDir: string): Promise<RunRead | undefined> {
  if (!scene.sweep) return undefined;
  const hash = specHash(scene);
  const { folder } = await chooseFolder(runsDir, scene.sweep.name, hash);
  const current = await readRun(folder, hash);
  if (current) return { ...current, current: true };
  let newest: (Omit<RunRead, 'current'> & { mtime: number }) | undefined;
  for (let n = 1; n < 100; n++) {
    const other = path.join(runsDir, n === 1 ? scene.sweep.name : `${scene.sweep.name}-${n}`);
    if (!(await fs.stat(other).catch(() => undefined))) break;
    const run = await readRun(other, undefined);
    if (run && (!newest || run.mtime > newest.mtime)) newest = run;
  }
  return newest && { folder: newest.folder, done: newest.done, total: newest.total, complete: newest.complete, current: false, ...(newest.date ? { date: newest.date } : {}) };
}

export class SceneSweep implements vscode.Disposable {
  private running = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The folder of the last state read (absolute), for "Show results". */
  private folder: string | undefined;
  private lastKey = '';
  private reading: Promise<void> = Promise.resolve();
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly document: vscode.TextDocument,
    private readonly scene: () => Scene | null,
    private readonly post: (message: HostToScene) => void,
    private readonly log: Log,
  ) {}

  private root(): string {
    return vscode.workspace.getWorkspaceFolder(this.document.uri)?.uri.fsPath ?? path.dirname(this.document.uri.fsPath);
  }

  /** Reads the run's files and posts the state (when it changed, or always with `force`: a page that just loaded). */
  refresh(force = false): Promise<void> {
    this.reading = this.reading.then(async () => {
      const scene = this.scene();
      let state: SweepRunState | null = null;
      this.folder = undefined;
      if (scene?.sweep) {
        try {
          const run = await readSweepRun(scene, path.join(this.root(), '.perturber', 'runs'));
          if (run) {
            this.folder = run.folder;
            const rel = path.relative(this.root(), run.folder);
            const folder = rel.startsWith('..') || path.isAbsolute(rel) ? run.folder : rel.split(path.sep).join('/');
            state = { folder, done: run.done, total: run.total, complete: run.complete, current: run.current, running: this.running, ...(run.date ? { date: run.date } : {}) };
          }
        } catch (error) {
          this.log.warn(`${path.basename(this.document.uri.fsPath)}: could not read the sweep run: ${errorMessage(error)}`);
        }
      }
      if (!state && this.running) state = { folder: '', done: 0, total: 0, complete: false, current: true, running: true };
      const key = JSON.stringify(state);
      if (this.disposed || (!force && key === this.lastKey)) return;
      this.lastKey = key;
      this.post({ type: 'sweepRun', run: state });
    });
    return this.reading;
  }

  /** The document was parsed anew: read the run again once the edits pause (the scene's hash names its run). */
  sceneChanged(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.refresh();
    }, DEBOUNCE_MS);
  }

  /** "Run sweep": the command with this scene (it reports its own errors); the state follows while it runs. */
  async run(): Promise<unknown> {
    if (this.running) {
      void vscode.window.showInformationMessage('A sweep of this scene is already running (see its notification).');
      return undefined;
    }
    this.running = true;
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
    void this.refresh();
    try {
      return await vscode.commands.executeCommand('perturber.runSweep', { scene: this.document.uri.toString() });
    } finally {
      this.running = false;
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      await this.refresh();
    }
  }

  /** "Show results": the results view of this spec's run, or a message when there is none yet. */
  async showResults(): Promise<unknown> {
    await this.refresh();
    if (!this.folder) {
      void vscode.window.showInformationMessage(`No run of this scene's sweep yet: run it first ("Run sweep").`);
      return undefined;
    }
    return vscode.commands.executeCommand('perturber.showSweepResults', { run: this.folder });
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = undefined;
    this.debounce = undefined;
  }
}
