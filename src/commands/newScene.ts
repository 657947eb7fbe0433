/**
 * `perturber.newScene`: writes a default scene (the built-in fixture model watching conv1 and conv2) into the
 * workspace and opens it in the scene editor. Tests may pass the target Uri; the palette asks for a file name.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SCENE_EDITOR_VIEW_TYPE } from '../sceneEditor/sceneEditorProvider';
import { newSceneContent } from './sceneTemplates';

const SUFFIX = '.perturber.json';

function withSuffix(fileName: string): string {
  const trimmed = fileName.trim();
  if (trimmed.endsWith(SUFFIX)) return trimmed;
  return trimmed.replace(/\.json$/i, '') + SUFFIX;
}

function validName(value: string): string | undefined {
  const name = value.trim();
  if (name === '') return 'Enter a file name';
  if (path.isAbsolute(name) || name.split(/[\\/]/).includes('..')) return 'Enter a path inside the workspace folder';
  if (/[<>:"|?*\u0000-\u001f]/.test(name)) return 'The name contains characters a file name cannot have';
  return undefined;
}

/** Whether a file (or folder) is at `uri`. */
export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Asks where to put the scene: a name inside the workspace folder, or a save dialog without a workspace. */
async function askTarget(): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    return vscode.window.showSaveDialog({ filters: { 'Perturber scene': ['perturber.json'] }, saveLabel: 'Create Scene' });
  }
  const name = await vscode.window.showInputBox({
    title: 'New Perturber Scene',
    prompt: `File name, relative to ${folder.name}`,
    value: `untitled${SUFFIX}`,
    valueSelection: [0, 'untitled'.length],
    validateInput: validName,
  });
  return name === undefined ? undefined : vscode.Uri.joinPath(folder.uri, withSuffix(name));
}

export function registerNewScene(): vscode.Disposable {
  return vscode.commands.registerCommand('perturber.newScene', async (target?: unknown): Promise<vscode.Uri | undefined> => {
    const given = target instanceof vscode.Uri;
    const uri = given ? target.with({ path: withSuffix(target.path) }) : await askTarget();
    if (!uri) return undefined;
    if (await exists(uri)) {
      const message = `${path.basename(uri.fsPath)} already exists.`;
      if (given) throw new Error(message);
      void vscode.window.showErrorMessage(`${message} Choose another name.`);
      return undefined;
    }
    const name = path.basename(uri.path).slice(0, -SUFFIX.length) || 'Untitled scene';
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(newSceneContent(name)));
    await vscode.commands.executeCommand('vscode.openWith', uri, SCENE_EDITOR_VIEW_TYPE);
    return uri;
  });
}
