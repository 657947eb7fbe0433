/**
 * `perturber.addModel(modelUri?, layers?)`: adds an ONNX model to the active scene. Writes a manifest proposed
 * from the graph when the model has none (and opens it for review), lets the user pick layers to watch from the
 * probed layer list, and appends the model to the scene as one undoable WorkspaceEdit.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { layerChoices } from '../../core/layerNames';
import type { LayerInfo } from '../../core/manifestTypes';
import { sceneEditsToTextEdits } from '../../core/sceneEdit';
import type { SceneModel } from '../../core/sceneTypes';
import type { ModelLocator } from '../inference/modelLocator';
import { scenePathFor } from '../inference/modelPaths';
import type { ModelStore } from '../inference/modelStore';
import { errorMessage, type Log } from '../log';
import { showUserError } from '../trust';
import type { OpenScene, SceneRegistry } from '../sceneEditor/sceneRegistry';
import { writeProposedManifest } from './proposedManifest';
import { uniqueModelId, watchFor } from './sceneTemplates';

export interface AddModelServices {
  registry: SceneRegistry;
  locator: ModelLocator;
  store: ModelStore;
  log: Log;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

async function pickLayers(layers: readonly LayerInfo[], aliases: Record<string, string>, modelName: string): Promise<LayerInfo[] | undefined> {
  // Named layers (manifest aliases, e.g. inception4a or layer3) first, then every other layer by op type and shape.
  const items = layerChoices(layers, aliases);
  const picked = await vscode.window.showQuickPick(items, {
    title: `Layers of ${modelName} to watch`,
    placeHolder: 'Pick the layers whose neurons to show (the first 8 neurons of each are watched)',
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.map((item) => item.layer);
}

async function appendModel(scene: OpenScene, model: SceneModel): Promise<void> {
  const parsed = scene.scene();
  if (!parsed) throw new Error('the scene has errors; fix them before adding a model');
  const document = scene.document;
  const spans = sceneEditsToTextEdits(document.getText(), [{ path: ['models', parsed.models.length], value: { ...model, watch: model.watch.map((w) => ({ ...w })) } }]);
  const edit = new vscode.WorkspaceEdit();
  for (const span of spans) {
    edit.replace(document.uri, new vscode.Range(document.positionAt(span.offset), document.positionAt(span.offset + span.length)), span.content);
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the editor refused the edit');
}

async function addModel(services: AddModelServices, modelArg: unknown, layersArg: unknown): Promise<SceneModel | undefined> {
  const scene = services.registry.active;
  if (!scene) throw new Error('open a scene in the scene editor first');
  let onnxPath: string;
  if (modelArg instanceof vscode.Uri) onnxPath = modelArg.fsPath;
  else {
    checkRoom(scene);
    const picked = await vscode.window.showOpenDialog({
      title: 'Add Model to Scene',
      canSelectMany: false,
      filters: { 'ONNX models': ['onnx'] },
      defaultUri: vscode.Uri.file(path.dirname(scene.document.uri.fsPath)),
    });
    if (!picked?.[0]) return undefined;
    onnxPath = picked[0].fsPath;
  }
  return addModelToScene(services, scene, onnxPath, layersArg);
}

function checkRoom(scene: OpenScene): void {
  const current = scene.scene();
  if (!current) throw new Error('the scene has errors; fix them before adding a model');
  if (current.models.length >= 8) throw new Error('a scene holds at most 8 models');
}

/**
 * Adds the model at `onnxPath` to `scene` (also the model inspector's "Add to scene"): writes its proposed manifest
 * when it has none, takes the layers named in `layersArg` (aliases or tensors) or asks for them, and appends the
 * model as one undoable edit. Resolves to the added entry, or undefined when the user cancelled.
 */
export async function addModelToScene(services: AddModelServices, scene: OpenScene, onnxPath: string, layersArg: unknown): Promise<SceneModel | undefined> {
  checkRoom(scene);
  const sceneDir = path.dirname(scene.document.uri.fsPath);

  // Refuse up front what the scene could not load (outside the workspace, untrusted), with the same message.
  const ref = scenePathFor(onnxPath, sceneDir, services.locator.builtinDir);
  const files = await services.locator.locate(ref, scene.document.uri);
  if (!(await exists(files.manifestPath))) await writeProposedManifest(files.onnxPath, services.log);

  const lease = await services.store.acquire(files);
  let watched: LayerInfo[];
  try {
    const layers = lease.model.layers;
    if (Array.isArray(layersArg)) {
      const names = layersArg.filter((n): n is string => typeof n === 'string');
      watched = layers.filter((l) => names.includes(l.tensor) || (l.alias !== undefined && names.includes(l.alias)));
    } else {
      const picked = await pickLayers(layers, lease.model.manifest.layerAliases, lease.model.manifest.displayName);
      if (!picked) return undefined;
      watched = picked;
    }
  } finally {
    lease.release();
  }
  // The scene may have changed while the user picked layers: the id is made unique against the scene as it is now.
  const current = scene.scene();
  if (!current) throw new Error('the scene has errors; fix them before adding a model');
  const model: SceneModel = { id: uniqueModelId(path.basename(onnxPath), current), path: ref, watch: watchFor(watched) };
  await appendModel(scene, model);
  return model;
}

export function registerAddModel(services: AddModelServices): vscode.Disposable {
  return vscode.commands.registerCommand('perturber.addModel', async (modelArg?: unknown, layersArg?: unknown) => {
    try {
      return await addModel(services, modelArg, layersArg);
    } catch (error) {
      const message = `Add Model: ${errorMessage(error)}`;
      services.log.error(message);
      if (modelArg instanceof vscode.Uri) throw new Error(message);
      showUserError(message);
      return undefined;
    }
  });
}
