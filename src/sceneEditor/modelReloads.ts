/**
 * Keeps open scenes' models current: reloads them when a setting that shapes sessions changes, when the
 * workspace becomes trusted, or when a model, manifest or label file changes on disk.
 */
import * as vscode from 'vscode';
import { affectsSessions } from '../config';
import type { ModelStore } from '../inference/modelStore';
import type { SceneRegistry } from './sceneRegistry';

/** Reloads every open scene's models when what a session is made of changes (settings, trust, model files). */
export function registerModelReloads(store: ModelStore, registry: SceneRegistry): vscode.Disposable {
  const reloadAll = (): void => {
    store.invalidate();
    for (const scene of registry.all()) scene.models.reloadAll();
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{onnx,model.json,txt}');
  const fileChanged = (uri: vscode.Uri): void => {
    for (const scene of registry.all()) scene.models.fileChanged(uri.fsPath);
  };
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSessions(e)) reloadAll();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(reloadAll),
    watcher,
    watcher.onDidChange(fileChanged),
    watcher.onDidCreate(fileChanged),
    watcher.onDidDelete(fileChanged),
  );
}
