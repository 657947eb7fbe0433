/**
 * Entry point: creates the shared services and wires the features together. Each feature registers itself
 * and returns Disposables; nothing here knows how a feature works.
 */
import * as vscode from 'vscode';
import { LoopTimingLog } from '../core/loopTimings';
import { createApi, type PerturberApi } from './api';
import { registerAddModel } from './commands/addModel';
import { registerAttackScene } from './commands/attackScene';
import { registerClassifyImage } from './commands/classifyImage';
import { registerDatasetIndex } from './datasetIndex/indexImageFolder';
import { featureVisApi, registerFeatureVis } from './featureVis/featureVisUi';
import { registerDownloadModel } from './commands/downloadModel';
import { registerNewScene } from './commands/newScene';
import { registerOpenSample } from './commands/openSample';
import { registerOpenSceneCommands } from './commands/openScene';
import { registerRelevantNeurons } from './commands/relevantNeurons';
import { reportModelWarnings } from './commands/proposedManifest';
import { readConfig } from './config';
import { Classifier } from './inference/classifier';
import { ModelLocator } from './inference/modelLocator';
import { ModelStore } from './inference/modelStore';
import { OutputLog } from './log';
import { ResultsPanels } from './panels/resultsPanels';
import { registerModelReloads } from './sceneEditor/modelReloads';
import { registerSceneFileDiagnostics } from './sceneEditor/sceneFileDiagnostics';
import { registerManifestDiagnostics } from './manifestDiagnostics';
import { registerSceneEditor } from './sceneEditor/sceneEditorProvider';
import { registerRunSweep } from './sweep/runSweepCommand';
import { registerShowSweepResults } from './sweepResults/showSweepResults';
import { registerModelInspector } from './modelInspector/modelInspectorProvider';
import { SceneRegistry } from './sceneEditor/sceneRegistry';

export function activate(context: vscode.ExtensionContext): PerturberApi {
  const log = new OutputLog();
  const registry = new SceneRegistry();
  const locator = new ModelLocator(context.extensionUri);
  const store = new ModelStore({
    settings: () => {
      const { threads, executionProviders } = readConfig();
      return { threads, executionProviders };
    },
    onWarnings: (model) => reportModelWarnings(model, log),
    onError: (message) => log.error(message),
  });
  const diagnostics = vscode.languages.createDiagnosticCollection('perturber-models');
  const timings = new LoopTimingLog();
  const panels = new ResultsPanels(context.extensionUri, registry, log, timings);
  const classifier = new Classifier(locator, store);
  const datasetIndex = registerDatasetIndex(registry, log);
  const sweepResults = registerShowSweepResults(context.extensionUri, log);
  const inspectors = registerModelInspector(context.extensionUri, { registry, locator, store, log });
  // Feature visualisations wait while frames flow (within the last 500 ms): exploring a scene comes first.
  const quiet = async (): Promise<void> => {
    while (Date.now() - timings.lastFrameAt < 500) await new Promise((r) => setTimeout(r, 100));
  };
  const featureVis = registerFeatureVis(context, log, () => panels.insights.cancelFeatureVis(), quiet);
  panels.insights.setSources({ dataset: datasetIndex.service, featureVis: featureVis.service });

  context.subscriptions.push(
    log,
    registry,
    store,
    diagnostics,
    panels,
    registerSceneEditor(context.extensionUri, {
      log,
      diagnostics,
      locator,
      store,
      registry,
      timings,
      showPanels: (reveal) => panels.showBoth(reveal),
    }),
    registerModelReloads(store, registry),
    registerSceneFileDiagnostics(),
    registerManifestDiagnostics(),
    registerNewScene(),
    registerOpenSample(context.extensionUri),
    registerOpenSceneCommands(registry),
    registerAddModel({ registry, locator, store, log }),
    registerClassifyImage({ classifier, registry, panels, log }),
    registerDownloadModel({ extensionUri: context.extensionUri, registry, log }),
    registerAttackScene(registry, log),
    registerRelevantNeurons(registry, log),
    registerRunSweep(registry, log),
    sweepResults,
    inspectors.disposable,
    datasetIndex.disposable,
    featureVis.disposable,
  );
  log.info(`activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted: model files are not loaded'})`);
  return createApi(classifier, registry, timings, panels.insights, datasetIndex.service, featureVisApi(featureVis.service, locator, store, context.globalStorageUri), {
    panel: (kind) => panels.panel(kind),
    sweepResults: () => sweepResults.latest(),
    logFile: vscode.Uri.joinPath(context.logUri, 'Perturber.log').fsPath,
    errorsLogged: () => log.errorsLogged(),
  }, store, inspectors);
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
