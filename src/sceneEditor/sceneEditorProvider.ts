/**
 * The scene editor: a CustomTextEditorProvider for `*.perturber.json` (viewType `perturber.sceneEditor`).
 * Each resolved editor becomes a SceneSession in the registry; this file only sets up the webview and wires
 * the session's lifetime to the panel's.
 */
import * as vscode from 'vscode';
import { webviewHtml, webviewOptions } from '../webviewHtml';
import { WebviewLoader } from '../webviewLoader';
import { SceneSession, type SceneServices } from './sceneSession';

export const SCENE_EDITOR_VIEW_TYPE = 'perturber.sceneEditor';

class SceneEditorProvider implements vscode.CustomTextEditorProvider {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly services: SceneServices,
  ) {}

  resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): void {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    // The scene's own workspace folder (only that one; none for a scene outside the workspace) is a root so that the
    // files the scene names can load: its object file (with .mtl/.bin/textures beside it), texture and background
    // images, which sceneResourceFiles.ts has checked to lie inside that folder.
    panel.webview.options = webviewOptions(this.extensionUri, folder ? [folder.uri] : []);
    const loader = new WebviewLoader(panel, () => webviewHtml(panel.webview, this.extensionUri, 'scene', 'Perturber scene'), this.services.log, 'scene editor');
    loader.load();
    const session = new SceneSession(document, panel, this.services, loader);
    const registration = this.services.registry.add(session);
    panel.onDidDispose(() => {
      registration.dispose();
      loader.dispose();
      session.dispose();
      session.clearDiagnosticsIfLast();
    });
  }
}

/** Registers the scene editor; `services.registry` learns about every editor it opens. */
export function registerSceneEditor(extensionUri: vscode.Uri, services: SceneServices): vscode.Disposable {
  return vscode.window.registerCustomEditorProvider(SCENE_EDITOR_VIEW_TYPE, new SceneEditorProvider(extensionUri, services), {
    // The webview keeps its camera etc. with getState/setState; a hidden scene need not keep rendering.
    webviewOptions: { retainContextWhenHidden: false },
    supportsMultipleEditorsPerDocument: true,
  });
}
