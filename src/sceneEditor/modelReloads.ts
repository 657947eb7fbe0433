/**
 * Keeps open scenes' models current: reloads them when a setting that shapes sessions changes, when the
 * workspace becomes trusted, or when a model, manifest or label file changes on disk (live reload while training).
 *
 * A training script writes a checkpoint in chunks, so file events come in bursts: each file's burst becomes one
 * reload once the file has been quiet for `quietMs` and its size and mtime held still (fileSettle.ts). A reload that
 * still fails (a half-written file) is retried as the file settles before the error is shown (SceneModels).
 */
import * as vscode from 'vscode';
import { affectsSessions } from '../config';
import { SettledChanges, waitForSettled } from '../inference/fileSettle';
import type { ModelStore } from '../inference/modelStore';
import type { ReloadRetry } from './sceneModels';
import type { SceneRegistry } from './sceneRegistry';

/**
 * The live reload's timings (ms): quiet time after the last event, how a file settles, retries of a failed load, and
 * how often pattern families' folders are listed besides the watcher (it misses folders outside the workspace).
 */
export const LIVE_RELOAD = { quietMs: 300, intervalMs: 250, maxWaitMs: 10_000, tries: 3, retryDelayMs: 750, pollMs: 2_000 } as const;

/** How a scene's models retry a reload that failed: after a pause, once the file settled again. */
export const reloadRetry: ReloadRetry = {
  tries: LIVE_RELOAD.tries,
  settle: async (fsPath) => {
    await new Promise((resolve) => setTimeout(resolve, LIVE_RELOAD.retryDelayMs));
    await waitForSettled(fsPath, LIVE_RELOAD);
  },
};

/** Reloads every open scene's models when what a session is made of changes (settings, trust, model files). */
export function registerModelReloads(store: ModelStore, registry: SceneRegistry): vscode.Disposable {
  const reloadAll = (): void => {
    store.invalidate();
    for (const scene of registry.all()) scene.models.reloadAll();
  };
  const changes = new SettledChanges((fsPath) => {
    for (const scene of registry.all()) scene.models.fileChanged(fsPath);
  }, LIVE_RELOAD);
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{onnx,model.json,txt}');
  const fileChanged = (uri: vscode.Uri): void => changes.touch(uri.fsPath);
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSessions(e)) reloadAll();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(reloadAll),
    watcher,
    watcher.onDidChange(fileChanged),
    watcher.onDidCreate(fileChanged),
    watcher.onDidDelete(fileChanged),
    changes,
  );
}
