/**
 * `perturber.showCheckpointTrend` ("Show along checkpoints") and `perturber.saveCheckpointTrend`, also reached from
 * the predictions panel's buttons. Both act on the active scene editor.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../log';
import type { SceneRegistry } from '../sceneEditor/sceneRegistry';
import { requireLoadableModels, showUserError } from '../trust';

function activeScene(registry: SceneRegistry) {
  const scene = registry.active;
  if (!scene) throw new Error('open a scene (*.perturber.json) in the scene editor first');
  return scene;
}

/** Turns the trend view of the active scene on for `modelId`, or off (null); throws a user-facing Error. */
export function setCheckpointTrend(registry: SceneRegistry, modelId: string | null): string | null {
  const scene = activeScene(registry);
  if (modelId !== null) requireLoadableModels(scene.models.frameModels(), [modelId]);
  scene.trends.select(modelId);
  return scene.trends.selected;
}

/** Writes the active scene's last trend as CSV under `.perturber/checkpoints/`; returns the files. */
export async function saveCheckpointTrend(registry: SceneRegistry): Promise<vscode.Uri[]> {
  const scene = activeScene(registry);
  const folder = vscode.workspace.getWorkspaceFolder(scene.document.uri)?.uri.fsPath ?? path.dirname(scene.document.uri.fsPath);
  const files = await scene.trends.saveCsv(folder, scene.document.uri.fsPath);
  return files.map((f) => vscode.Uri.file(f));
}

/**
 * With no argument the command toggles: off when on, else on for the scene's only family model (a quick pick when
 * there are several). `modelId` (a string, or null for off) sets it directly. Resolves to the model now plotted.
 */
async function showCommand(registry: SceneRegistry, showPanels: () => void, modelId?: string | null): Promise<string | null> {
  const scene = activeScene(registry);
  let target: string | null | undefined = modelId;
  if (target === undefined) {
    if (scene.trends.selected !== null) target = null;
    else {
      const families = scene.models.familyModels();
      // A model held back in restricted mode may be the family: say so rather than "no family".
      if (families.length === 0) requireLoadableModels(scene.models.frameModels(), scene.models.frameModels().map((m) => m.id));
      if (families.length === 0) throw new Error('no model of this scene is a checkpoint family (its manifest lists no "checkpoints")');
      target =
        families.length === 1
          ? families[0].id
          : (await vscode.window.showQuickPick(
              families.map((f) => ({ label: f.id, description: `${f.displayName}, ${f.family.stops.length} checkpoints` })),
              { title: 'Show predictions and activations along the checkpoints of' },
            ))?.label;
      if (target === undefined) return scene.trends.selected;
    }
  }
  const selected = setCheckpointTrend(registry, target);
  if (selected !== null) showPanels();
  return selected;
}

export function registerCheckpointTrendCommands(registry: SceneRegistry, showPanels: () => void): vscode.Disposable[] {
  const report = (error: unknown): never => {
    showUserError(`Perturber: ${errorMessage(error)}`);
    throw error;
  };
  return [
    vscode.commands.registerCommand('perturber.showCheckpointTrend', (modelId?: string | null) =>
      showCommand(registry, showPanels, modelId).catch(report),
    ),
    vscode.commands.registerCommand('perturber.saveCheckpointTrend', async () => {
      const files = await saveCheckpointTrend(registry).catch(report);
      void vscode.window.showInformationMessage(`Perturber: saved ${files.map((f) => vscode.workspace.asRelativePath(f)).join(' and ')}`);
      return files;
    }),
  ];
}
