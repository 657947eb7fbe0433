/**
 * `perturber.indexImageFolder` ("Index Image Folder"): runs the active scene's models over a folder of images in the
 * workspace and writes a dataset index per model under `.perturber/index/<sha256[0..16]>/<folder slug>/` (see
 * core/datasetIndex.ts). A scene must be open: its models are the ones indexed (all loaded ones by default).
 * Layers by default: the scene's watched layers of that model plus every named (aliased) 4-D layer. With an args
 * object `{ folder, models?, layers? }` it asks nothing and throws on failure (tests); without, it asks for the
 * folder (and, when there is a choice, the models and layers). Cancelling writes what was done, marked `partial`;
 * a re-run reuses the images that did not change (same path, size, mtime).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { indexSubfolder, type IndexManifest } from '../../core/datasetIndex';
import { layerChoices } from '../../core/layerNames';
import type { LayerInfo } from '../../core/manifestTypes';
import type { WatchedLayer } from '../../core/sceneTypes';
import { findLayer, type LoadedModel } from '../inference/loadModel';
import { errorMessage, type Log } from '../log';
import { requireLoadableModels, showUserError } from '../trust';
import type { SceneRegistry } from '../sceneEditor/sceneRegistry';
import { DatasetIndexService } from './datasetIndexService';
import { isInside } from './imageScan';
import { buildIndex } from './indexer';
import { readIndexManifest, readLayer, writeIndex, type LayerMatrices } from './indexFiles';

export interface IndexFolderArgs {
  /** Absolute, or relative to the first workspace folder. */
  folder: string;
  /** Scene model ids (default: every loaded model of the scene). */
  models?: string[];
  /** Layer aliases or tensor names (default: watched + named 4-D layers). */
  layers?: string[];
}

export interface ModelIndexSummary {
  model: string;
  /** The index folder (absolute). */
  output: string;
  layers: string[];
  images: number;
  /** Images run through the model now / taken unchanged from the previous index. */
  computed: number;
  reused: number;
  skipped: { path: string; reason: string }[];
  /** Wall time per computed image: decode + preprocess + inference + reduction. */
  msPerImage: number;
  partial: boolean;
}

export interface IndexFolderSummary {
  folder: string;
  models: ModelIndexSummary[];
}

class Cancelled extends Error {}

function argsOf(raw: unknown): IndexFolderArgs | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the arguments must be an object { folder, models?, layers? }');
  const a = raw as Record<string, unknown>;
  if (typeof a.folder !== 'string' || a.folder === '') throw new Error('args.folder must be a folder path');
  const strings = (v: unknown, name: string): string[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string')) throw new Error(`args.${name} must be a non-empty array of strings`);
    return v as string[];
  };
  return { folder: a.folder, models: strings(a.models, 'models'), layers: strings(a.layers, 'layers') };
}

/** The scene's watched layers of the model, then its named 4-D layers (each once). */
export function defaultLayers(model: LoadedModel, watch: readonly WatchedLayer[]): LayerInfo[] {
  const out = new Map<string, LayerInfo>();
  for (const w of watch) {
    const layer = findLayer(model, w.layer);
    if (layer && layer.channels) out.set(layer.tensor, layer);
  }
  for (const layer of model.layers) if (layer.alias !== undefined && layer.opType !== 'Output' && (layer.height ?? 0) > 0) out.set(layer.tensor, layer);
  return [...out.values()];
}

async function pickFolder(): Promise<vscode.Uri> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Index Image Folder',
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: 'Index',
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  if (!picked?.[0]) throw new Cancelled();
  return picked[0];
}

function resolveFolder(folder: string): { root: string; folder: string } {
  const first = vscode.workspace.workspaceFolders?.[0];
  if (!first) throw new Error('open a workspace folder first: the index is stored in it');
  const abs = path.isAbsolute(folder) ? path.resolve(folder) : path.resolve(first.uri.fsPath, folder);
  const ws = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(abs));
  if (!ws || !isInside(ws.uri.fsPath, abs)) throw new Error(`${abs} is outside the workspace; pick a folder inside it`);
  return { root: ws.uri.fsPath, folder: abs };
}

async function pickMany<T extends vscode.QuickPickItem>(items: T[], title: string): Promise<T[]> {
  if (items.length <= 1) return items;
  const picked = await vscode.window.showQuickPick(items, { title, canPickMany: true });
  if (!picked || picked.length === 0) throw new Cancelled();
  return picked;
}

async function previousIndex(dir: string, layers: readonly LayerInfo[]): Promise<{ manifest: IndexManifest; matrices: Map<string, LayerMatrices> } | undefined> {
  const read = await readIndexManifest(dir);
  if (!('manifest' in read)) return undefined;
  const matrices = new Map<string, LayerMatrices>();
  try {
    for (const l of layers) {
      const m = await readLayer(dir, read.manifest, l.tensor);
      if (!m) return undefined;
      matrices.set(l.tensor, m);
    }
  } catch {
    return undefined; // a damaged previous index is simply rebuilt
  }
  return { manifest: read.manifest, matrices };
}

function eta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const s = Math.round(ms / 1000);
  return s < 60 ? `, ${s} s left` : `, ${Math.floor(s / 60)} min ${s % 60} s left`;
}

export async function indexImageFolder(registry: SceneRegistry, service: DatasetIndexService, log: Log, rawArgs: unknown): Promise<IndexFolderSummary | undefined> {
  const args = argsOf(rawArgs);
  const ask = args === undefined;
  const scene = registry.active;
  if (!scene) throw new Error('open a scene (*.perturber.json) in the scene editor first: its models index the folder');
  requireLoadableModels(scene.models.frameModels(), args?.models);
  const loaded = scene.models.frameModels().filter((m): m is typeof m & { model: LoadedModel } => m.model !== undefined);
  if (loaded.length === 0) throw new Error('no model of the active scene is loaded yet');
  const target = resolveFolder(args?.folder ?? (await pickFolder()).fsPath);

  let chosen = loaded;
  if (args?.models) {
    const missing = args.models.filter((id) => !loaded.some((m) => m.id === id));
    if (missing.length > 0) throw new Error(`the scene has no loaded model ${missing.join(', ')} (loaded: ${loaded.map((m) => m.id).join(', ')})`);
    chosen = loaded.filter((m) => args.models!.includes(m.id));
  } else if (ask) {
    const items = loaded.map((m) => ({ label: m.id, description: m.model.manifest.displayName, picked: true, entry: m }));
    chosen = (await pickMany(items, 'Models to index the folder with')).map((i) => i.entry);
  }

  const plans: { id: string; model: LoadedModel; layers: LayerInfo[]; output: string }[] = [];
  for (const entry of chosen) {
    let layers: LayerInfo[];
    if (args?.layers) {
      layers = args.layers.map((name) => {
        const layer = findLayer(entry.model, name);
        if (!layer?.channels) throw new Error(`${entry.id} has no layer "${name}" with channels`);
        return layer;
      });
    } else {
      const defaults = defaultLayers(entry.model, entry.watch);
      layers = defaults;
      if (ask) {
        const maps = entry.model.layers.filter((l) => l.opType !== 'Output' && (l.height ?? 0) > 0);
        const items = layerChoices(maps, entry.model.manifest.layerAliases).map((c) => ({ ...c, picked: defaults.includes(c.layer) }));
        layers = (await pickMany(items, `Layers of ${entry.id} to index (named and watched ones preselected)`)).map((i) => i.layer);
      }
    }
    if (layers.length === 0) throw new Error(`${entry.id} has no named or watched 4-D layers; pass args.layers`);
    const output = path.join(target.root, '.perturber', 'index', ...indexSubfolder(entry.model.sha256, path.relative(target.root, target.folder).split(path.sep).join('/')).split('/'));
    plans.push({ id: entry.id, model: entry.model, layers, output });
  }

  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Indexing images', cancellable: true },
    async (progress, token) => {
      const summaries: ModelIndexSummary[] = [];
      for (const plan of plans) {
        if (token.isCancellationRequested) break;
        let last = 0;
        const built = await buildIndex({
          model: plan.model,
          root: target.root,
          folder: target.folder,
          layers: plan.layers,
          previous: await previousIndex(plan.output, plan.layers),
          isCancelled: () => token.isCancellationRequested,
          onProgress: ({ done, total, etaMs }) => {
            const share = total > 0 ? (100 * done) / total / plans.length : 0;
            progress.report({ message: `${plan.id}: ${done} / ${total}${eta(etaMs)}`, increment: share - last });
            last = share;
          },
        });
        await writeIndex(plan.output, built.manifest, built.matrices);
        service.notifyWritten(plan.output);
        const summary: ModelIndexSummary = {
          model: plan.id,
          output: plan.output,
          layers: plan.layers.map((l) => l.alias ?? l.tensor),
          images: built.manifest.images.length,
          computed: built.computed,
          reused: built.reused,
          skipped: built.manifest.skipped,
          msPerImage: built.computed > 0 ? (built.timings.decodeMs + built.timings.preprocessMs + built.timings.inferenceMs + built.timings.reduceMs) / built.computed : 0,
          partial: built.manifest.partial,
        };
        log.info(
          `indexed ${summary.images} images of ${path.relative(target.root, target.folder) || '.'} with ${plan.id} (${summary.computed} computed, ` +
            `${summary.reused} reused, ${summary.skipped.length} skipped, ${summary.msPerImage.toFixed(1)} ms per image${summary.partial ? ', cancelled: partial' : ''}) -> ${plan.output}`,
        );
        for (const s of summary.skipped) log.warn(`index: skipped ${s.path}: ${s.reason}`);
        summaries.push(summary);
      }
      return { folder: target.folder, models: summaries };
    },
  );
}

export function registerIndexImageFolder(registry: SceneRegistry, service: DatasetIndexService, log: Log): vscode.Disposable {
  return vscode.commands.registerCommand('perturber.indexImageFolder', async (rawArgs?: unknown): Promise<IndexFolderSummary | undefined> => {
    try {
      const summary = await indexImageFolder(registry, service, log, rawArgs);
      if (summary && rawArgs === undefined) {
        const images = summary.models.map((m) => `${m.model}: ${m.images} images${m.skipped.length ? `, ${m.skipped.length} skipped (see the Perturber output)` : ''}${m.partial ? ' (cancelled: partial)' : ''}`);
        void vscode.window.showInformationMessage(`Indexed ${path.basename(summary.folder)}: ${images.join('; ')}`);
      }
      return summary;
    } catch (error) {
      if (error instanceof Cancelled) return undefined;
      const message = `Index image folder: ${errorMessage(error)}`;
      log.error(message);
      if (rawArgs !== undefined) throw new Error(message);
      showUserError(message);
      return undefined;
    }
  });
}

/** The dataset index feature: the service (for the activations panel and the API) and the command. */
export function registerDatasetIndex(registry: SceneRegistry, log: Log): { service: DatasetIndexService; disposable: vscode.Disposable } {
  const service = new DatasetIndexService(() => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath));
  const command = registerIndexImageFolder(registry, service, log);
  return { service, disposable: vscode.Disposable.from(command, { dispose: () => service.dispose() }) };
}
