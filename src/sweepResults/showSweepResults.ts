/**
 * `perturber.showSweepResults(args?)`: "Show Sweep Results" of a run folder (`args.run`, a path or file URI), else a
 * QuickPick of the runs under the workspace folders' `.perturber/runs/`. One webview panel per run (revealed when it
 * is open already); it follows the run's files while a sweep appends rows (refresh throttled to one read per
 * REFRESH_MS). A click in the view (`openConfiguration`) writes that configuration as a scene and opens it.
 * Resolves to a small handle on the panel (folder, the last message posted, openConfiguration), used by the
 * extension tests, or undefined when nothing was chosen or the run folder does not exist.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isAccepted, parseSweepResultsMessage } from '../../core/messageGuards';
import { assertNever, type HostToSweepResults } from '../../core/protocol';
import { parseScene } from '../../core/scene';
import { errorMessage, type Log } from '../log';
import { readSweepRun } from '../sceneEditor/sceneSweep';
import { webviewHtml, webviewOptions } from '../webviewHtml';
import { openConfiguration } from './openConfiguration';
import { listRuns, loadRun, type LoadedRun } from './runData';

const VIEW_TYPE = 'perturber.sweepResults';
const REFRESH_MS = 500;

export interface SweepResultsHandle {
  folder: string;
  /** The last message posted to the view (after the view was ready). */
  lastPosted(): HostToSweepResults | undefined;
  /** What the view's `openConfiguration` does: resolves to the written scene file, rejects with the reason. */
  openConfiguration(index: number): Promise<string>;
  /** Re-reads the run's files now and posts them (resolves when posted). */
  refresh(): Promise<void>;
}

class SweepResultsPanel implements SweepResultsHandle {
  private run: LoadedRun | undefined;
  private last: HostToSweepResults | undefined;
  private ready = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly folder: string,
    private readonly panel: vscode.WebviewPanel,
    private readonly log: Log,
    onDispose: () => void,
  ) {
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidDispose(() => {
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.disposables.forEach((d) => d.dispose());
        onDispose();
      }),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), '{results.csv,summary.json,progress.json}'));
    const changed = (): void => this.scheduleRefresh();
    this.disposables.push(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));
  }

  reveal(): void {
    this.panel.reveal();
  }

  lastPosted(): HostToSweepResults | undefined {
    return this.last;
  }

  private display(): string {
    const root = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(this.folder));
    return root ? path.relative(root.uri.fsPath, this.folder) || '.' : this.folder;
  }

  async refresh(): Promise<void> {
    let message: HostToSweepResults;
    try {
      this.run = await loadRun(this.folder, this.display());
      message = { type: 'sweepResults', run: this.run.info, header: this.run.table.header, rows: this.run.table.rows };
      this.panel.title = `Sweep: ${this.run.info.name}`;
    } catch (error) {
      this.run = undefined;
      message = { type: 'sweepError', name: path.basename(this.folder), message: errorMessage(error) };
      this.log.error(`Sweep results ${this.display()}: ${errorMessage(error)}`);
    }
    this.post(message);
  }

  /** At most one read per REFRESH_MS while the files change (a sweep commits every 250 ms). */
  private scheduleRefresh(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, REFRESH_MS);
  }

  private post(message: HostToSweepResults): void {
    if (message.type !== 'openFailed') this.last = message;
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  async openConfiguration(index: number): Promise<string> {
    if (!this.run) await this.refresh();
    const run = this.run;
    if (!run) throw new Error('the run cannot be read (see the view)');
    return openConfiguration(run, index);
  }

  /** Messages from the view refused at the boundary (each one logged); the API's `rejectedSweepResultsMessages`. */
  rejectedMessages = 0;

  /**
   * A message from the view: checked, then handled, or logged and dropped. Public for the API's test-only
   * `injectSweepResultsMessage`; returns whether it was accepted.
   */
  receive(raw: unknown): boolean {
    const message = parseSweepResultsMessage(raw);
    if (!isAccepted(message)) {
      this.rejectedMessages++;
      this.log.error(`sweep results view: ignored a message (${message.error})`);
      return false;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        if (this.last) void this.panel.webview.postMessage(this.last);
        else void this.refresh();
        break;
      case 'openConfiguration':
        this.openConfiguration(message.index).then(
          (file) => this.log.info(`opened sweep configuration ${message.index}: ${file}`),
          (error: unknown) => {
            this.log.error(`Open sweep configuration ${message.index}: ${errorMessage(error)}`);
            if (this.ready) void this.panel.webview.postMessage({ type: 'openFailed', index: message.index, message: errorMessage(error) } satisfies HostToSweepResults);
          },
        );
        break;
      default:
        assertNever(message);
    }
    return true;
  }
}

function parseArgs(raw: unknown): { run?: string; scene?: vscode.Uri } {
  if (raw === undefined || raw === null) return {};
  // The scene editor's title bar button passes the editor's resource (and a context object, not read).
  if (raw instanceof vscode.Uri) return { scene: raw };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the argument must be an object like { run: "<run folder>" }');
  const a = raw as Record<string, unknown>;
  const unknown = Object.keys(a).filter((k) => k !== 'run');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(', ')} (known: run)`);
  if (a.run !== undefined && (typeof a.run !== 'string' || a.run === '')) throw new Error('run must be the path (or file URI) of a run folder');
  return a.run === undefined ? {} : { run: a.run };
}

function runFolder(run: string): string {
  if (run.startsWith('file:')) return vscode.Uri.parse(run).fsPath;
  if (path.isAbsolute(run)) return run;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return root ? path.join(root, run) : path.resolve(run);
}

/** The run of a scene file's sweep (the scene editor's title bar button); the QuickPick when it has none. */
async function sceneRunFolder(uri: vscode.Uri): Promise<string | undefined> {
  const scene = parseScene((await vscode.workspace.openTextDocument(uri)).getText()).scene;
  const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
  const run = scene?.sweep ? await readSweepRun(scene, path.join(root, '.perturber', 'runs')) : undefined;
  return run?.folder ?? pickRun();
}

async function pickRun(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const runs = (await Promise.all(folders.map((f) => listRuns(path.join(f.uri.fsPath, '.perturber', 'runs'))))).flat();
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('No sweep runs under .perturber/runs/ yet: run a sweep first (Perturber: Run Sweep).');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({
      label: r.name,
      description: `${r.done}/${r.total ?? '?'} configurations`,
      detail: `${r.date.replace('T', ' ').slice(0, 16)}  ${r.folder}`,
      folder: r.folder,
    })),
    { title: 'Show Sweep Results', placeHolder: 'Which sweep run?' },
  );
  return picked?.folder;
}

/** The registered command, and the view it showed last (for the API's test-only message injection). */
export interface SweepResultsViews extends vscode.Disposable {
  /** The view the command created or revealed last, while it is open. */
  latest(): { receive(raw: unknown): boolean; readonly rejectedMessages: number } | undefined;
}

export function registerShowSweepResults(extensionUri: vscode.Uri, log: Log): SweepResultsViews {
  const panels = new Map<string, SweepResultsPanel>();
  let latest: SweepResultsPanel | undefined;
  const command = vscode.commands.registerCommand('perturber.showSweepResults', async (raw?: unknown): Promise<SweepResultsHandle | undefined> => {
    try {
      const args = parseArgs(raw);
      const folder = args.run !== undefined ? runFolder(args.run) : args.scene ? await sceneRunFolder(args.scene) : await pickRun();
      if (folder === undefined) return undefined;
      const key = path.resolve(folder);
      const open = panels.get(key);
      if (open) {
        latest = open;
        open.reveal();
        await open.refresh();
        return open;
      }
      const stat = await vscode.workspace.fs.stat(vscode.Uri.file(key)).then(
        (s) => s,
        () => undefined,
      );
      if (!stat || stat.type !== vscode.FileType.Directory) throw new Error(`${key} is not a folder`);
      const webview = vscode.window.createWebviewPanel(VIEW_TYPE, `Sweep: ${path.basename(key)}`, vscode.ViewColumn.Active, webviewOptions(extensionUri));
      webview.webview.html = webviewHtml(webview.webview, extensionUri, 'sweepResults', `Sweep results: ${path.basename(key)}`);
      const panel: SweepResultsPanel = new SweepResultsPanel(key, webview, log, () => {
        panels.delete(key);
        if (latest === panel) latest = undefined;
      });
      panels.set(key, panel);
      latest = panel;
      await panel.refresh();
      return panel;
    } catch (error) {
      log.error(`Show Sweep Results: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(`Show Sweep Results: ${errorMessage(error)}`);
      return undefined;
    }
  });
  return { dispose: () => command.dispose(), latest: () => latest };
}
