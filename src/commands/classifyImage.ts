/**
 * `perturber.classifyImage(imageUri?, modelUri?)`: classifies a PNG/JPEG with the given model, or with the active
 * scene's models, shows the result in the predictions panel and returns it (the extension tests rely on the
 * return value). Without arguments it asks for the image.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FrameImage, ModelPredictions } from '../../core/protocol';
import { readConfig } from '../config';
import { IMAGE_EXTENSIONS, readImageFile } from '../imageFiles';
import type { Classification, Classifier } from '../inference/classifier';
import { errorMessage, type Log } from '../log';
import type { ResultsPanels } from '../panels/resultsPanels';
import type { SceneRegistry } from '../sceneEditor/sceneRegistry';
import { requireLoadableModels, showUserError } from '../trust';

export interface ClassifyServices {
  classifier: Classifier;
  registry: SceneRegistry;
  panels: ResultsPanels;
  log: Log;
}

function asUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === 'string' && value !== '') return /^[a-z][a-z0-9+.-]+:\/\//i.test(value) ? vscode.Uri.parse(value) : vscode.Uri.file(value);
  return undefined;
}

async function pickImage(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Classify Image',
    canSelectMany: false,
    filters: { Images: IMAGE_EXTENSIONS },
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0];
}

async function classifyWithScene(services: ClassifyServices, image: FrameImage, topK: number): Promise<Classification[]> {
  const scene = services.registry.active;
  if (!scene) throw new Error('Open a scene (or pass a model) to classify an image');
  const entries = scene.models.frameModels();
  if (entries.length === 0) throw new Error('The active scene has no models; add one with "Perturber: Add Model"');
  requireLoadableModels(entries);
  const out: Classification[] = [];
  for (const entry of entries) {
    if (!entry.model) {
      const error = entry.error ?? 'the model is still loading';
      out.push({ predictions: { id: entry.id, displayName: entry.id, top: [], error }, timings: { preprocessMs: 0, runMs: 0 } });
      continue;
    }
    out.push(await services.classifier.classifyLoaded(entry.model, entry.id, image, topK));
  }
  return out;
}

/** A model argument: a file Uri, or a string reference (`builtin:NAME`, a path). Anything else means "none". */
function modelRef(value: unknown): string | undefined {
  if (value instanceof vscode.Uri) return value.scheme === 'file' ? value.fsPath : value.toString();
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

async function classify(services: ClassifyServices, imageUri: vscode.Uri, model: string | undefined): Promise<ModelPredictions[]> {
  if (imageUri.scheme !== 'file') throw new Error(`${imageUri.toString()} is not a local file`);
  const image = await readImageFile(imageUri.fsPath);
  const topK = readConfig().topK;
  const results = model ? [await services.classifier.classifyWith(model, image, topK)] : await classifyWithScene(services, image, topK);
  const predictions = results.map((r) => r.predictions);
  services.panels.showClassification(path.basename(imageUri.fsPath), predictions, {
    transferMs: 0,
    // The file is classified as it is: the scene's image perturbations apply to rendered frames only.
    perturbMs: 0,
    preprocessMs: results.reduce((sum, r) => sum + r.timings.preprocessMs, 0),
    runMs: results.reduce((sum, r) => sum + r.timings.runMs, 0),
    // No activations are extracted for a one-off classification.
    extractMs: 0,
    postedAt: Date.now(),
  });
  return predictions;
}

export function registerClassifyImage(services: ClassifyServices): vscode.Disposable {
  return vscode.commands.registerCommand(
    'perturber.classifyImage',
    async (imageArg?: unknown, modelArg?: unknown): Promise<ModelPredictions[] | undefined> => {
      const given = asUri(imageArg);
      const imageUri = given ?? (await pickImage());
      if (!imageUri) return undefined;
      try {
        return await classify(services, imageUri, modelRef(modelArg));
      } catch (error) {
        const message = `Classify image: ${errorMessage(error)}`;
        services.log.error(message);
        // Programmatic callers (tests, other extensions) get the rejection; people get a notification.
        if (given) throw new Error(message);
        showUserError(message);
        return undefined;
      }
    },
  );
}
