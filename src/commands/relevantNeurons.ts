/**
 * `perturber.findRelevantNeurons` ("Find Class-Relevant Neurons"): for a model of the active scene, a class and a
 * 4-D layer, ranks the layer's channels on the last model input (by attribution = activation x gradient of the class
 * logit summed over space, or by mean activation), puts the top k into the model's `watch` for that layer as one
 * undoable edit (so the activations panel shows them at once), and writes every channel's scores as CSV under
 * `.perturber/neurons/`. With an args object (`{ model, class, layer, method, k }`) it asks nothing (tests). The
 * gradient work shows a cancellable notification; a cancel writes nothing (neither the edit nor the CSV).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { rankingCsv, type ChannelScore, type RankingMethod } from '../../core/attribution';
import { layerChoices } from '../../core/layerNames';
import type { LayerInfo } from '../../core/manifestTypes';
import { sceneEditsToTextEdits } from '../../core/sceneEdit';
import type { SceneEdit } from '../../core/sceneTypes';
import { readConfig } from '../config';
import { rankLayer } from '../inference/explain';
import { findLayer, type LoadedModel } from '../inference/loadModel';
import { errorMessage, type Log } from '../log';
import { requireLoadableModels, showUserError } from '../trust';
import type { OpenScene, SceneRegistry } from '../sceneEditor/sceneRegistry';

export interface RelevantNeuronsArgs {
  model?: string;
  /** A label index (number) or a label (string). */
  class?: number | string;
  layer?: string;
  method?: RankingMethod;
  k?: number;
  /** Test hook: behave as if the user pressed the notification's Cancel once the ranking is computed. */
  cancelBeforeWrite?: boolean;
}

export interface RelevantNeuronsResult {
  model: string;
  /** The layer as the scene's watch list names it. */
  layer: string;
  /** Output index (label index + the manifest's labelOffset) and label. */
  classIndex: number;
  label: string;
  method: RankingMethod;
  /** The channels written to the watch list, best first. */
  top: number[];
  /** Every channel, sorted by the method. */
  scores: ChannelScore[];
  csv: string;
}

/** Thrown when the user dismissed a picker: nothing to report. */
class Cancelled extends Error {}

function argsOf(raw: unknown): RelevantNeuronsArgs | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the arguments must be an object { model, class, layer, method, k }');
  const a = raw as Record<string, unknown>;
  const out: RelevantNeuronsArgs = {};
  if (a.model !== undefined) {
    if (typeof a.model !== 'string') throw new Error('args.model must be a model id of the scene');
    out.model = a.model;
  }
  if (a.class !== undefined) {
    if (typeof a.class !== 'string' && !(typeof a.class === 'number' && Number.isInteger(a.class))) throw new Error('args.class must be a label index or a label');
    out.class = a.class;
  }
  if (a.layer !== undefined) {
    if (typeof a.layer !== 'string') throw new Error('args.layer must be a layer alias or tensor name');
    out.layer = a.layer;
  }
  if (a.method !== undefined) {
    if (a.method !== 'attribution' && a.method !== 'meanActivation') throw new Error('args.method must be "attribution" or "meanActivation"');
    out.method = a.method;
  }
  if (a.k !== undefined) {
    if (typeof a.k !== 'number' || !Number.isInteger(a.k) || a.k < 1 || a.k > 64) throw new Error('args.k must be an integer in 1..64');
    out.k = a.k;
  }
  if (a.cancelBeforeWrite !== undefined) {
    if (typeof a.cancelBeforeWrite !== 'boolean') throw new Error('args.cancelBeforeWrite must be true or false');
    out.cancelBeforeWrite = a.cancelBeforeWrite;
  }
  return out;
}

async function pick<T extends vscode.QuickPickItem>(items: T[], title: string): Promise<T> {
  const picked = await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true });
  if (!picked) throw new Cancelled();
  return picked;
}

async function pickModel(scene: OpenScene, wanted: string | undefined, ask: boolean): Promise<{ id: string; model: LoadedModel }> {
  const loaded = scene.models.frameModels().filter((m): m is typeof m & { model: LoadedModel } => m.model !== undefined);
  if (wanted !== undefined) {
    const found = loaded.find((m) => m.id === wanted);
    if (!found) throw new Error(`the scene has no loaded model "${wanted}" (loaded: ${loaded.map((m) => m.id).join(', ') || 'none'})`);
    return found;
  }
  if (loaded.length === 0) throw new Error('no model of the scene is loaded');
  if (loaded.length === 1 || !ask) return loaded[0];
  const item = await pick(loaded.map((m) => ({ label: m.id, description: m.model.manifest.displayName, entry: m })), 'Find class-relevant neurons of');
  return item.entry;
}

function resolveClass(model: LoadedModel, wanted: number | string): number {
  const { labels, manifest } = model;
  if (typeof wanted === 'string') {
    const index = labels.indexOf(wanted);
    if (index < 0) throw new Error(`${manifest.displayName} has no class "${wanted}"`);
    return index + manifest.labelOffset;
  }
  const classes = model.layers.find((l) => l.opType === 'Output')?.channels ?? labels.length + manifest.labelOffset;
  if (wanted < 0 || wanted + manifest.labelOffset >= classes) throw new Error(`class ${wanted} is out of range: ${manifest.displayName} has ${classes - manifest.labelOffset} classes`);
  return wanted + manifest.labelOffset;
}

async function pickClass(scene: OpenScene, id: string, model: LoadedModel): Promise<number> {
  const { labels, manifest } = model;
  const top = scene.lastResults?.predictions.find((p) => p.id === id)?.top ?? [];
  const topItems = top.map((p) => ({ label: p.label, description: `${(100 * p.probability).toFixed(1)}% now`, index: p.index }));
  const shown = new Set(top.map((p) => p.index));
  const rest = labels.map((label, i) => ({ label, description: `class ${i}`, index: i + manifest.labelOffset })).filter((c) => !shown.has(c.index));
  const separator = { label: 'all classes', kind: vscode.QuickPickItemKind.Separator, index: -1 };
  const items = [...topItems, ...(topItems.length > 0 && rest.length > 0 ? [separator] : []), ...rest];
  if (items.length === 0) throw new Error(`${manifest.displayName} has no labels; pass the class index as an argument`);
  return (await pick(items, `Class whose relevant neurons to find (${id}, top predictions first)`)).index;
}

async function pickLayer(model: LoadedModel): Promise<{ name: string; layer: LayerInfo }> {
  const maps = model.layers.filter((l) => l.opType !== 'Output' && l.height !== undefined);
  if (maps.length === 0) throw new Error(`${model.manifest.displayName} has no 4-D layers to rank`);
  const choices = layerChoices(maps, model.manifest.layerAliases);
  const item = await pick(choices, 'Layer whose channels to rank');
  return { name: item.layer.alias ?? item.layer.tensor, layer: item.layer };
}

async function pickMethod(): Promise<RankingMethod> {
  const items: (vscode.QuickPickItem & { method: RankingMethod })[] = [
    { label: 'Attribution', description: 'activation × gradient of the class logit, summed over space', method: 'attribution' },
    { label: 'Mean activation', description: 'how strongly each channel fires on this image', method: 'meanActivation' },
  ];
  return (await pick(items, 'Rank the channels by')).method;
}

/** The watch-list edit: replace the neurons of the entry naming this layer, or append an entry. */
function watchEdit(scene: OpenScene, modelId: string, model: LoadedModel, layer: LayerInfo, name: string, neurons: number[]): SceneEdit {
  const parsed = scene.scene();
  if (!parsed) throw new Error('the scene has errors; fix them first');
  const m = parsed.models.findIndex((x) => x.id === modelId);
  if (m < 0) throw new Error(`model ${modelId} is no longer in the scene`);
  const watch = parsed.models[m].watch ?? [];
  const w = watch.findIndex((entry) => findLayer(model, entry.layer)?.tensor === layer.tensor);
  if (w >= 0) return { path: ['models', m, 'watch', w, 'neurons'], value: neurons };
  if (watch.length >= 16) throw new Error(`${modelId} already watches 16 layers (the most a scene allows); remove one first`);
  return { path: ['models', m, 'watch', watch.length], value: { layer: name, neurons } };
}

async function applyEdit(scene: OpenScene, edit: SceneEdit): Promise<void> {
  const document = scene.document;
  const spans = sceneEditsToTextEdits(document.getText(), [edit]);
  const workspaceEdit = new vscode.WorkspaceEdit();
  for (const span of spans) {
    workspaceEdit.replace(document.uri, new vscode.Range(document.positionAt(span.offset), document.positionAt(span.offset + span.length)), span.content);
  }
  if (!(await vscode.workspace.applyEdit(workspaceEdit))) throw new Error('the editor refused the edit');
}

async function writeCsv(scene: OpenScene, modelId: string, layer: string, label: string, scores: ChannelScore[]): Promise<string> {
  const uri = scene.document.uri;
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
  const sceneName = path.basename(uri.fsPath).replace(/\.perturber\.json$/i, '');
  const file = `${sceneName}-${modelId}-${layer}-${label}`.replace(/[^\w.-]+/g, '_') + '.csv';
  const dir = path.join(folder, '.perturber', 'neurons');
  await fs.mkdir(dir, { recursive: true });
  const target = path.join(dir, file);
  await fs.writeFile(target, rankingCsv(scores));
  return target;
}

export async function findRelevantNeurons(registry: SceneRegistry, rawArgs: unknown): Promise<RelevantNeuronsResult> {
  const args = argsOf(rawArgs);
  const ask = args === undefined;
  const scene = registry.active;
  if (!scene) throw new Error('open a scene (*.perturber.json) in the scene editor first');
  requireLoadableModels(scene.models.frameModels(), args?.model !== undefined ? [args.model] : undefined);
  const { id, model } = await pickModel(scene, args?.model, ask);
  const { width, height } = model.manifest.input;
  const input = scene.lastModelInput();
  const image = input?.images.find((i) => i.width === width && i.height === height);
  if (!input || !image) throw new Error(`no ${width}x${height} frame of the scene yet: wait until the scene view has rendered it`);

  const classIndex = args?.class !== undefined ? resolveClass(model, args.class) : ask ? await pickClass(scene, id, model) : undefined;
  if (classIndex === undefined) throw new Error('args.class is required');
  let name: string;
  let layer: LayerInfo | undefined;
  if (args?.layer !== undefined) {
    name = args.layer;
    layer = findLayer(model, name);
    if (!layer) throw new Error(`${model.manifest.displayName} has no layer "${name}"`);
  } else if (ask) ({ name, layer } = await pickLayer(model));
  else throw new Error('args.layer is required');
  const method = args?.method ?? (ask ? await pickMethod() : 'attribution');
  const k = Math.min(args?.k ?? readConfig().neuronsTopK, layer.channels ?? 0);

  const chosen = layer;
  // The gradient graph is built on the first use of this (class, layer) pair: seconds on a GoogLeNet-sized model.
  const { ranking, top, csv } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Find Class-Relevant Neurons (${id}, ${name})`, cancellable: true },
    async (progress, token) => {
      progress.report({ message: `building the gradient graph of ${model.manifest.displayName} (first use only) and running it on frame ${input.frameId}…` });
      const ranked = await rankLayer(model, image, classIndex, chosen, method);
      // Cancelled while the graph was built or run: nothing is written (neither the watch-list edit nor the CSV).
      if (token.isCancellationRequested || args?.cancelBeforeWrite) throw new Cancelled();
      progress.report({ message: `writing the top ${k} to the watch list and every channel to the CSV…` });
      const best = ranked.scores.slice(0, k).map((s) => s.channel);
      await applyEdit(scene, watchEdit(scene, id, model, chosen, name, best));
      return { ranking: ranked, top: best, csv: await writeCsv(scene, id, name, ranked.label, ranked.scores) };
    },
  );
  const score = (s: ChannelScore) => (method === 'attribution' ? s.attribution : s.meanActivation).toPrecision(3);
  void vscode.window.showInformationMessage(
    `Perturber: ${name} neurons most ${method === 'attribution' ? 'relevant to' : 'active on'} "${ranking.label}" (frame ${input.frameId}): ` +
      `${ranking.scores.slice(0, 3).map((s) => `#${s.channel} (${score(s)})`).join(', ')}; top ${k} now watched, all in ${vscode.workspace.asRelativePath(csv)}`,
  );
  return { model: id, layer: name, classIndex, label: ranking.label, method, top, scores: ranking.scores, csv };
}

export function registerRelevantNeurons(registry: SceneRegistry, log: Log): vscode.Disposable {
  return vscode.commands.registerCommand('perturber.findRelevantNeurons', async (rawArgs?: unknown) => {
    try {
      return await findRelevantNeurons(registry, rawArgs);
    } catch (error) {
      if (error instanceof Cancelled) return undefined;
      const message = `Find Class-Relevant Neurons: ${errorMessage(error)}`;
      log.error(message);
      // Called with arguments (tests, other extensions): the caller gets the error; from the palette, the user does.
      if (rawArgs !== undefined) throw new Error(message);
      showUserError(message);
      return undefined;
    }
  });
}
