/**
 * The feature-visualisation service as the extension uses it: the cache under `<first workspace folder>/.perturber/
 * cache/featureVis/` (no workspace folder: the extension's globalStorage, `<globalStorage>/cache/featureVis/`), the
 * setting `perturber.featureVis.enabled`, and the progress: a status bar item "Perturber: feature visualisation 3/8
 * (40%)" that cancels when clicked (command `perturber.cancelFeatureVis`) and a window-area progress while work runs.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { objectiveParts } from '../../core/featureVis/objectiveKind';
import { resolveSettings } from '../../core/featureVis/render';
import type { FeatureVisState } from '../../core/protocol';
import type { FeatureVisSettings } from '../../core/sceneTypes';
import { readFeatureVisEnabled } from '../config';
import { idFor } from '../inference/classifier';
import { findLayer } from '../inference/loadModel';
import type { ModelLocator } from '../inference/modelLocator';
import type { ModelStore } from '../inference/modelStore';
import type { Log } from '../log';
import { cachePaths, canonicalSettings } from './featureVisCache';
import { FeatureVisService, type FeatureVisProgress } from './featureVisService';

export function featureVisCacheRoot(globalStorage: vscode.Uri | undefined): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && folder.uri.scheme === 'file') return path.join(folder.uri.fsPath, '.perturber', 'cache', 'featureVis');
  if (globalStorage && globalStorage.scheme === 'file') return path.join(globalStorage.fsPath, 'cache', 'featureVis');
  return undefined;
}

/**
 * `cancel` is what the status-bar click and the Cancel command do: the activations panel's cancel (which also stops
 * it asking for the same neurons again), else the service's.
 */
export function registerFeatureVis(
  context: vscode.ExtensionContext,
  log: Log,
  cancel?: () => void,
  waitForIdle?: () => Promise<void>,
): { service: FeatureVisService; disposable: vscode.Disposable } {
  const item = vscode.window.createStatusBarItem('perturber.featureVis', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Perturber feature visualisation';
  item.command = 'perturber.cancelFeatureVis';
  item.tooltip = 'Feature visualisation running in the background: click to cancel';
  let finishWindowProgress: (() => void) | undefined;
  let reportWindow: ((p: FeatureVisProgress) => void) | undefined;
  let lastText = '';
  const onProgress = (p: FeatureVisProgress | undefined) => {
    if (!p) {
      lastText = '';
      item.hide();
      finishWindowProgress?.();
      finishWindowProgress = undefined;
      reportWindow = undefined;
      return;
    }
    const text = `${p.done}/${p.total} (${Math.round(100 * p.fraction)}%)`;
    // Called every step: only a changed text reaches the window.
    if (text === lastText) return;
    lastText = text;
    item.text = `$(sync~spin) Perturber: feature visualisation ${text}`;
    item.show();
    if (!finishWindowProgress) {
      let last = 0;
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Perturber: feature visualisation' }, (progress) => {
        reportWindow = (q) => {
          const pct = Math.round(100 * q.fraction);
          progress.report({ message: `${q.done}/${q.total} (${pct}%)`, increment: Math.max(0, pct - last) });
          last = Math.max(last, pct);
        };
        return new Promise<void>((resolve) => (finishWindowProgress = resolve));
      });
    }
    reportWindow?.(p);
  };
  const service = new FeatureVisService({
    cacheRoot: () => featureVisCacheRoot(context.globalStorageUri),
    enabled: readFeatureVisEnabled,
    waitForIdle,
    log,
    onProgress,
  });
  const disposable = vscode.Disposable.from(
    item,
    service,
    vscode.commands.registerCommand('perturber.cancelFeatureVis', () => (cancel ? cancel() : service.cancel())),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('perturber.featureVis.enabled') && !readFeatureVisEnabled()) service.cancel();
    }),
    { dispose: () => finishWindowProgress?.() },
  );
  return { service, disposable };
}

/** What `PerturberApi.featureVis` answers. */
export interface FeatureVisApiResult {
  states: FeatureVisState[];
  /** Per neuron, where its PNG is (or will be) cached; undefined without a cache folder. */
  files: (string | undefined)[];
  /** The model file's sha256 (its cache folder is the first 16 hex digits). */
  sha256: string;
}

export interface FeatureVisApiRequest {
  layer: string;
  neurons: number[];
  /** The objective kind "negative" (the same as settings.objective "negative"). */
  negative?: boolean;
  /** The objective kind "unit" at this position of the layer's map (the same as settings.objective "unit" + settings.unit). */
  unit?: { x: number; y: number };
  /** Over FEATURE_VIS_DEFAULTS, like a scene's `featureVis`. */
  settings?: Partial<FeatureVisSettings>;
  /** Wait until the work is done and answer the final states (else the states at once). */
  wait?: boolean;
}

/**
 * The API entry (for tests and other extensions): feature visualisations of channels of a model named like
 * `classify`'s (`builtin:NAME`, a path). The model stays loaded until the work is done.
 */
export function featureVisApi(service: FeatureVisService, locator: ModelLocator, store: ModelStore, globalStorage: vscode.Uri | undefined) {
  return async (modelPath: string, request: FeatureVisApiRequest): Promise<FeatureVisApiResult> => {
    const lease = await store.acquire(await locator.locateExplicit(modelPath));
    let released = false;
    const release = () => {
      if (!released) lease.release();
      released = true;
    };
    try {
      const model = lease.model;
      const layer = findLayer(model, request.layer);
      if (!layer) throw new Error(`${modelPath} has no layer "${request.layer}"`);
      const settings = resolveSettings(request.settings);
      const objective = request.unit ? 'unit' : request.negative ? 'negative' : settings.objective;
      const parts = objectiveParts({ objective, unit: request.unit ?? settings.unit }, request.layer, layer);
      const targets = request.neurons.map((neuron) => ({ model, modelId: idFor(modelPath), layer: request.layer, tensor: layer.tensor, neuron, ...parts }));
      let states = service.states(targets, settings);
      const done = service.idle();
      if (request.wait) {
        await done;
        states = service.states(targets, settings);
        release();
      } else void done.finally(release);
      const root = featureVisCacheRoot(globalStorage);
      const files = targets.map((t) => (root ? cachePaths(root, { sha256: model.sha256, tensor: t.tensor, neuron: t.neuron, unit: t.unit, negative: t.negative }, canonicalSettings(settings)).png : undefined));
      return { states, files, sha256: model.sha256 };
    } catch (error) {
      release();
      throw error;
    }
  };
}
