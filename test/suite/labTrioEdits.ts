/** What the host tests that drive the lab trio scene share: camera edits as the scene editor makes them, and its
 *  three models' results. */
import * as vscode from 'vscode';
import { sceneEditsToTextEdits } from '../../core/sceneEdit';

export const LAB_TRIO_MODELS = ['standard', 'texture-randomised', 'adversarial'];

export interface Predictions {
  id: string;
  top: { index: number; label: string; probability: number }[];
  error?: string;
}

export interface ResultsSource {
  lastResults(): { frameId: number; predictions: Predictions[] } | undefined;
}

/** Sets camera.azimuth with one WorkspaceEdit of the minimal text spans (as a dragged slider does). */
export async function moveCamera(document: vscode.TextDocument, azimuth: number): Promise<void> {
  const spans = sceneEditsToTextEdits(document.getText(), [{ path: ['camera', 'azimuth'], value: azimuth }]);
  const edit = new vscode.WorkspaceEdit();
  for (const s of spans) {
    edit.replace(document.uri, new vscode.Range(document.positionAt(s.offset), document.positionAt(s.offset + s.length)), s.content);
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('edit refused');
}

/** The latest results when every lab trio model has its top classes in them. */
export function allModels(api: ResultsSource): { frameId: number; predictions: Predictions[] } | undefined {
  const r = api.lastResults();
  return r && LAB_TRIO_MODELS.every((id) => (r.predictions.find((p) => p.id === id)?.top.length ?? 0) > 0) ? r : undefined;
}
