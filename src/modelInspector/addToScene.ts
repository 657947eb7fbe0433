/**
 * The model inspector's "Add to scene": which scene (the one open scene editor, else a QuickPick of the open scene
 * editors and the workspace's other scene files, which then open in the scene editor), then Add Model's own logic
 * (src/commands/addModel.ts: manifest when missing, layers, one undoable WorkspaceEdit).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SceneModel } from '../../core/sceneTypes';
import { addModelToScene, type AddModelServices } from '../commands/addModel';
import { SCENE_EDITOR_VIEW_TYPE } from '../sceneEditor/sceneEditorProvider';
import type { OpenScene } from '../sceneEditor/sceneRegistry';

const MAX_FILES = 200;

interface ScenePick extends vscode.QuickPickItem {
  uri: vscode.Uri;
}

function display(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}

function openSceneOf(services: AddModelServices, uri: vscode.Uri): OpenScene | undefined {
  const key = uri.toString();
  return [...services.registry.all()].reverse().find((s) => s.document.uri.toString() === key);
}

/** Opens `uri` in the scene editor beside the inspector and waits until it is registered. */
async function openScene(services: AddModelServices, uri: vscode.Uri): Promise<OpenScene> {
  const open = openSceneOf(services, uri);
  if (open) return open;
  await vscode.commands.executeCommand('vscode.openWith', uri, SCENE_EDITOR_VIEW_TYPE, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const scene = openSceneOf(services, uri);
    if (scene) return scene;
    if (Date.now() > deadline) throw new Error(`${display(uri)} did not open in the scene editor`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The scene to add to: the only open scene editor, else the user's pick (undefined: cancelled or none). */
async function chooseScene(services: AddModelServices, modelName: string): Promise<OpenScene | undefined> {
  const open = [...services.registry.all()].reverse();
  if (open.length === 1) return open[0];
  const openUris = new Set(open.map((s) => s.document.uri.toString()));
  const files = await vscode.workspace.findFiles('**/*.perturber.json', '{**/node_modules/**,**/.perturber/**}', MAX_FILES);
  const items: (ScenePick | vscode.QuickPickItem)[] = [];
  if (open.length > 0) {
    items.push({ label: 'Open in the scene editor', kind: vscode.QuickPickItemKind.Separator });
    for (const s of open) items.push({ label: s.scene()?.name || path.basename(s.document.uri.fsPath), description: display(s.document.uri), uri: s.document.uri });
  }
  const others = files.filter((f) => !openUris.has(f.toString())).sort((a, b) => display(a).localeCompare(display(b)));
  if (others.length > 0) {
    items.push({ label: 'Scene files', kind: vscode.QuickPickItemKind.Separator });
    for (const uri of others) items.push({ label: path.basename(uri.fsPath).replace(/\.perturber\.json$/, ''), description: display(uri), uri });
  }
  if (items.length === 0) throw new Error('there is no scene file in the workspace; create one with "Perturber: New Scene"');
  const picked = await vscode.window.showQuickPick(items, { title: `Add ${modelName} to which scene?`, placeHolder: 'A scene editor, or a scene file to open in one', matchOnDescription: true });
  return picked && 'uri' in picked ? openScene(services, (picked as ScenePick).uri) : undefined;
}

/**
 * Adds the model to `sceneUri` (opened in the scene editor when it is not) or to the scene the user chooses, with the
 * layers named in `layers` or picked. Resolves to the scene and the added entry; undefined when cancelled.
 */
export async function addToScene(
  services: AddModelServices,
  onnxPath: string,
  sceneUri?: vscode.Uri,
  layers?: readonly string[],
): Promise<{ scene: OpenScene; model: SceneModel } | undefined> {
  const scene = sceneUri ? await openScene(services, sceneUri) : await chooseScene(services, path.basename(onnxPath));
  if (!scene) return undefined;
  const model = await addModelToScene(services, scene, onnxPath, layers ? [...layers] : undefined);
  return model ? { scene, model } : undefined;
}
