/**
 * `perturber.runSweep(args?)`: "Run Sweep" on the active scene editor (or `args.scene`, a scene file URI, opened in
 * the scene editor when it is not open). Progress with ETA in a cancellable notification; a cancelled or killed run
 * continues where it stopped the next time (runFiles.ts). Resolves to the run's SweepSummary (runner.ts), or
 * undefined when it failed (the error is shown and logged).
 * Args: `{ scene?: string /* uri *\/, stopAfter?: number /* test hook: stop like a kill after n configurations *\/ }`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { attackableModel } from '../commands/attackRun';
import { errorMessage, type Log } from '../log';
import { SCENE_EDITOR_VIEW_TYPE } from '../sceneEditor/sceneEditorProvider';
import type { SceneRegistry } from '../sceneEditor/sceneRegistry';
import { SceneSession } from '../sceneEditor/sceneSession';
import { showUserError } from '../trust';
import { runSweep, type SweepSummary } from './runner';

interface SweepArgs {
  scene?: string;
  stopAfter?: number;
}

const READY_TIMEOUT_MS = 120_000;

function parseArgs(raw: unknown): SweepArgs {
  if (raw === undefined || raw === null) return {};
  // The scene editor's title bar button passes the editor's resource (and a context object, not read).
  if (raw instanceof vscode.Uri) return { scene: raw.toString() };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the argument must be an object like { scene, stopAfter }');
  const a = raw as Record<string, unknown>;
  const unknown = Object.keys(a).filter((k) => k !== 'scene' && k !== 'stopAfter');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(', ')} (known: scene, stopAfter)`);
  if (a.scene !== undefined && typeof a.scene !== 'string') throw new Error('scene must be a file URI string');
  if (a.stopAfter !== undefined && !(typeof a.stopAfter === 'number' && Number.isInteger(a.stopAfter) && a.stopAfter >= 0)) {
    throw new Error('stopAfter must be an integer >= 0');
  }
  return a as SweepArgs;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The scene editor session of `uri` (opening the editor when needed), once its models and webview are up. */
async function sessionFor(registry: SceneRegistry, uri: vscode.Uri | undefined): Promise<SceneSession> {
  const find = (): SceneSession | undefined => {
    const open = uri ? registry.all().find((s) => s.document.uri.toString() === uri.toString()) : registry.active;
    return open instanceof SceneSession ? open : undefined;
  };
  if (!find()) {
    if (!uri) throw new Error('open a scene in the scene editor first (or pass { scene: uri })');
    await vscode.commands.executeCommand('vscode.openWith', uri, SCENE_EDITOR_VIEW_TYPE);
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const session = find();
    const scene = session?.scene();
    const loading = session?.models.frameModels().some((m) => !m.model && !m.error) ?? true;
    // A first frame's results mean the page is up and rendering.
    if (session && scene && !loading && session.lastResults) return session;
    if (session && !session.scene()) throw new Error(`${path.basename(session.document.uri.fsPath)} has problems; see the Problems view`);
    if (Date.now() > deadline) throw new Error('the scene editor did not come up (models loading or no frame rendered) within 2 minutes');
    await sleep(100);
  }
}

export function registerRunSweep(registry: SceneRegistry, log: Log): vscode.Disposable {
  const running = new Set<string>();
  return vscode.commands.registerCommand('perturber.runSweep', async (raw?: unknown): Promise<SweepSummary | undefined> => {
    let key = '';
    try {
      const args = parseArgs(raw);
      const session = await sessionFor(registry, args.scene ? vscode.Uri.parse(args.scene) : undefined);
      const scene = session.scene();
      if (!scene?.sweep) throw new Error(`${path.basename(session.document.uri.fsPath)} has no "sweep" section (README "Sweeps")`);
      key = session.document.uri.toString();
      if (running.has(key)) {
        key = '';
        throw new Error('a sweep of this scene is already running');
      }
      running.add(key);
      const sceneFile = session.document.uri.fsPath;
      const root = vscode.workspace.getWorkspaceFolder(session.document.uri)?.uri.fsPath ?? path.dirname(sceneFile);
      const runsDir = path.join(root, '.perturber', 'runs');
      const summary = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Sweep "${scene.sweep.name}"`, cancellable: true },
        (progress, token) => {
          let last = 0;
          return runSweep({
            scene,
            sceneFile,
            runsDir,
            host: {
              models: () => session.models.frameModels(),
              render: (s, sizes) => session.renders.render(s, sizes),
              resources: (steps) => session.perturbationFiles.prepare(steps),
              // As Attack Scene finds them: the loaded model's gradients (a clear error when it is not loaded).
              gradients: (id) => attackableModel(session, id).gradients,
            },
            isCancelled: () => token.isCancellationRequested,
            stopAfter: args.stopAfter,
            onProgress: (done, total, eta) => {
              const pct = (100 * done) / total;
              const eta_ = eta === undefined ? '' : `, about ${eta < 90 ? `${Math.ceil(eta)} s` : `${Math.ceil(eta / 60)} min`} left`;
              progress.report({ increment: pct - last, message: `${done}/${total} configurations${eta_}` });
              last = pct;
            },
          });
        },
      );
      const rel = path.relative(root, summary.folder);
      const state = summary.complete ? 'done' : `stopped at ${summary.done}/${summary.configurations} (run it again to continue)`;
      log.info(`sweep ${summary.name}: ${state}, ${summary.rows} rows in ${rel}/results.csv (${summary.timings.configurationsPerSecond?.toFixed(2) ?? '-'} configurations/s)`);
      if (args.stopAfter === undefined) void vscode.window.showInformationMessage(`Sweep "${summary.name}" ${state}: ${rel}/results.csv`);
      return summary;
    } catch (error) {
      log.error(`Run Sweep: ${errorMessage(error)}`);
      showUserError(`Run Sweep: ${errorMessage(error)}`);
      return undefined;
    } finally {
      if (key) running.delete(key);
    }
  });
}
