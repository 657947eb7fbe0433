/** `perturber.openAsJson` and `perturber.openInSceneEditor`: switch a scene file between its two editors. */
import * as vscode from 'vscode';
import { SCENE_EDITOR_VIEW_TYPE } from '../sceneEditor/sceneEditorProvider';
import type { SceneRegistry } from '../sceneEditor/sceneRegistry';

function isUri(value: unknown): value is vscode.Uri {
  return value instanceof vscode.Uri;
}

export function registerOpenSceneCommands(registry: SceneRegistry): vscode.Disposable {
  return vscode.Disposable.from(
    // Menus pass the editor's resource; the palette passes nothing and means the active scene editor.
    vscode.commands.registerCommand('perturber.openAsJson', async (uri?: unknown) => {
      const target = isUri(uri) ? uri : registry.active?.document.uri;
      if (!target) {
        void vscode.window.showInformationMessage('No scene editor is open.');
        return;
      }
      await vscode.commands.executeCommand('vscode.openWith', target, 'default');
    }),
    vscode.commands.registerCommand('perturber.openInSceneEditor', async (uri?: unknown) => {
      const target = isUri(uri) ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target || !target.path.endsWith('.perturber.json')) {
        void vscode.window.showInformationMessage('Open a *.perturber.json file first.');
        return;
      }
      await vscode.commands.executeCommand('vscode.openWith', target, SCENE_EDITOR_VIEW_TYPE);
    }),
  );
}
