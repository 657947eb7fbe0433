/**
 * Writing the manifest the loader would otherwise only guess (`x.model.json` beside `x.onnx`), and telling the
 * user once per load when a model runs on a guessed manifest or has other problems worth knowing.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { proposeNamedManifest } from '../../core/manifest';
import { familyTitle } from '../../core/layerNames';
import { inspectModel, layerCandidates } from '../../core/onnxGraph';
import { readModelBytes, type LoadedModel } from '../inference/loadModel';
import { manifestPathFor } from '../inference/modelPaths';
import { errorMessage, type Log } from '../log';

/** Writes `x.model.json` from what the graph tells (never over an existing one) and opens it for review. */
export async function writeProposedManifest(onnxPath: string, log: Log): Promise<void> {
  const manifestPath = manifestPathFor(onnxPath);
  const bytes = await readModelBytes(onnxPath);
  const { manifest, naming } = proposeNamedManifest(inspectModel(bytes), layerCandidates(bytes), path.basename(onnxPath).replace(/\.onnx$/i, ''));
  await fs.writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  const family = familyTitle(naming);
  log.info(`wrote ${manifestPath} (proposed from the graph${family ? `; recognised ${family}` : ''})`);
  const doc = await vscode.workspace.openTextDocument(manifestPath);
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  void vscode.window.showInformationMessage(
    `Wrote ${path.basename(manifestPath)} from the graph` +
      (family ? ` (recognised ${family}: layer names and its usual preprocessing filled in)` : '') +
      '. Check its input size, value range, mean/std and labels.',
  );
}

/** Shows a model's load warnings; for a guessed manifest, offers to write it out for review. */
export function reportModelWarnings(model: LoadedModel, log: Log): void {
  for (const warning of model.warnings) log.warn(`${model.onnxPath}: ${warning}`);
  const text = model.warnings.join(' ');
  if (!model.manifestProposed) {
    void vscode.window.showWarningMessage(text);
    return;
  }
  const write = 'Write Manifest';
  void vscode.window.showWarningMessage(text, write).then(async (choice) => {
    if (choice !== write) return;
    try {
      await writeProposedManifest(model.onnxPath, log);
    } catch (error) {
      void vscode.window.showErrorMessage(`Could not write the manifest: ${errorMessage(error)}`);
    }
  });
}
