/**
 * One open scene editor: its document sync, its models, its frame pipeline and the dispatch of the webview's
 * messages. Created by the SceneEditorProvider for each webview panel, registered in the SceneRegistry.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isAccepted, parseSceneMessage } from '../../core/messageGuards';
import { assertNever, type FrameImage, type SceneToHost } from '../../core/protocol';
import { opCatalog } from '../../core/perturbations/registry';
import type { FloatImage } from '../../core/perturbations/types';
import type { Scene, SceneEdit } from '../../core/sceneTypes';
import { readConfig } from '../config';
import { imageBeforeStep } from '../inference/framePerturbation';
import { FramePipeline, type FrameResults } from '../inference/framePipeline';
import { PerturbationFiles } from '../inference/perturbationFiles';
import type { ModelLocator } from '../inference/modelLocator';
import type { ModelStore } from '../inference/modelStore';
import type { LoopTimingLog } from '../../core/loopTimings';
import { RenderClient } from '../sweep/renderClient';
import type { Log } from '../log';
import { CheckpointTrends } from './checkpointTrends';
import { LIVE_RELOAD, reloadRetry } from './modelReloads';
import { SaliencyService } from './saliencyService';
import { SceneDocumentSync } from './sceneDocumentSync';
import { SceneModels } from './sceneModels';
import { SceneSweep } from './sceneSweep';
import { modelStatus } from './sceneStatus';
import type { OpenScene, PanelState, SceneRegistry } from './sceneRegistry';

export interface SceneServices {
  log: Log;
  diagnostics: vscode.DiagnosticCollection;
  locator: ModelLocator;
  store: ModelStore;
  registry: SceneRegistry;
  timings: LoopTimingLog;
  /** Opens the result panels beside the editor; `reveal` also brings already open ones to the front. */
  showPanels(reveal: boolean): void;
}

export class SceneSession implements OpenScene, vscode.Disposable {
  readonly models: SceneModels;
  /** "Show along checkpoints" (off by default). */
  readonly trends: CheckpointTrends;
  /** The scene view's "Saliency" mode (off until the webview turns it on). */
  readonly saliency: SaliencyService;
  private readonly sync: SceneDocumentSync;
  private readonly pipeline: FramePipeline;
  private readonly disposables: vscode.Disposable[] = [];
  private results: FrameResults | undefined;
  private lastStatus = '';
  private panelsShown = false;
  /** The webview's before/after view shows the perturbed model input: send it with every frame. */
  private modelInputWanted = false;
  /** Perturbation problems already logged (each distinct text once, not once per frame). */
  private readonly reportedProblems = new Set<string>();
  /** The .npy files the scene's steps name (adversarial perturbations), loaded for the pipeline. */
  readonly perturbationFiles: PerturbationFiles;
  /** Renders other scenes than the document's in the webview (sweeps). */
  readonly renders = new RenderClient(
    (message) => this.sync.post(message),
    () => {
      if (!this.panel.visible) this.panel.reveal(undefined, true);
    },
  );
  /** The Sweep section's buttons and run state. */
  readonly sweep: SceneSweep;
  /** The status line shows a perturbation problem; the current frame had one (cleared when a frame has none). */
  private problemShown = false;
  private frameHadProblems = false;

  constructor(
    readonly document: vscode.TextDocument,
    readonly panel: vscode.WebviewPanel,
    private readonly services: SceneServices,
    /** Told when the page reports `ready` (it reloads the page when that does not happen). */
    private readonly loader?: { ready(): void },
  ) {
    const { log } = services;
    this.models = new SceneModels(document.uri, services.locator, services.store, log, {
      retry: reloadRetry,
      pollMs: LIVE_RELOAD.pollMs,
      // A pattern family changed under the scene: its checkpoint index follows the file it showed (one undoable edit).
      checkpointMoved: (index, checkpoint) => void this.sync.applyEdits([{ path: ['models', index, 'checkpoint'], value: checkpoint }]),
    });
    this.sync = new SceneDocumentSync(document, panel.webview, services.diagnostics, {
      renderSizes: () => this.models.renderSizes(),
      modelErrors: () => this.models.errors(),
      checkpointFamilies: () => this.models.families(),
    }, log);
    this.trends = new CheckpointTrends({
      store: services.store,
      models: this.models,
      sceneName: () => this.sceneName(),
      topK: () => readConfig().topK,
      onChange: () => services.registry.trendChanged(this),
      onError: (message) => log.error(`${this.fileName()}: ${message}`),
    });
    this.saliency = new SaliencyService({
      models: () => this.models.frameModels(),
      modelInput: () => this.lastModelInput(),
      post: (message) => this.sync.post(message),
      steps: () => readConfig().saliencySteps,
    });
    const root = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath ?? path.dirname(document.uri.fsPath);
    this.perturbationFiles = new PerturbationFiles(document.uri.fsPath, root, () => this.pipeline.refresh());
    this.pipeline = new FramePipeline(
      {
        models: () => this.models.frameModels(),
        sceneName: () => this.sceneName(),
        topK: () => readConfig().topK,
        perturbations: () => this.scene()?.perturbations ?? [],
        resources: (steps) => this.perturbationFiles.prepare(steps),
      },
      (results) => {
        this.results = results;
        this.clearProblemStatus();
        if (!results.refresh) services.timings.frameDone(results.frameId, results.webview, results.timing);
        services.registry.panelStateChanged(this);
        this.trends.frameDone(results.frameId);
        this.saliency.frameDone(results.frameId, results.predictions);
      },
      (frameId, totalMs) => this.sync.post({ type: 'frameDone', frameId, totalMs }),
      (message) => log.error(`${this.fileName()}: ${message}`),
      {
        onModelInput: (frameId, images) => {
          this.modelInput = { frameId, images };
          if (this.modelInputWanted) this.sync.post({ type: 'modelInput', frameId, images: images() });
        },
        onPerturbationProblems: (problems) => this.perturbationProblems(problems),
        onModelImages: (frameId, find) => this.trends.frameInputs(frameId, find),
      },
    );
    this.sweep = new SceneSweep(document, () => this.scene(), (message) => this.sync.post(message), log);
    this.disposables.push(
      this.sweep,
      this.trends,
      this.models,
      this.sync,
      this.sync.onDidParse(({ scene }) => {
        if (scene) this.models.update(scene.models);
        this.sweep.sceneChanged();
      }),
      this.models.onDidChange(() => this.modelsChanged()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === document && e.contentChanges.length > 0) this.sync.postScene();
      }),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      this.watchPerturbationFiles(),
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.active) services.registry.focus(this);
      }),
    );
    // Parse now so models start loading before the webview has even booted.
    this.sync.current();
  }

  scene(): Scene | null {
    return this.sync.current().scene;
  }

  get lastResults(): FrameResults | undefined {
    return this.results;
  }

  private modelInput: { frameId: number; images: () => FrameImage[] } | undefined;

  /** What the models saw of the last frame, one RGBA image per input size (the API's `lastModelInput`). */
  lastModelInput(): { frameId: number; images: FrameImage[] } | undefined {
    return this.modelInput && { frameId: this.modelInput.frameId, images: this.modelInput.images() };
  }

  panelState(): PanelState {
    const scene = this.scene();
    if (!scene) return { kind: 'empty', reason: `${this.fileName()} has errors; see the Problems view` };
    if (scene.models.length === 0) return { kind: 'empty', reason: `${scene.name} has no models; add one with "Perturber: Add Model"` };
    if (this.results) return { kind: 'results', results: this.results };
    const errors = this.models.errors();
    if (errors.length === scene.models.length) {
      return { kind: 'empty', reason: `No model of ${scene.name} could be loaded: ${errors.map((e) => e.message).join('; ')}` };
    }
    return { kind: 'empty', reason: `Waiting for the first frame of ${scene.name}…` };
  }

  /** Reloads the scene's models (settings, trust or model files changed). */
  reloadModels(): void {
    this.models.reloadAll();
  }

  /** Resolves when no frame is being processed. */
  idle(): Promise<void> {
    return this.pipeline.idle();
  }

  dispose(): void {
    this.renders.dispose();
    this.pipeline.dispose();
    this.saliency.dispose();
    this.perturbationFiles.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** Clears diagnostics if no other editor shows this document. */
  clearDiagnosticsIfLast(): void {
    if (!this.services.registry.all().some((s) => s.document === this.document)) this.sync.clearDiagnostics();
  }

  private fileName(): string {
    return path.basename(this.document.uri.fsPath);
  }

  private sceneName(): string {
    return this.scene()?.name ?? this.fileName();
  }

  private modelsChanged(): void {
    this.sync.postScene();
    this.postStatus();
    // A scene whose models all failed renders nothing: tell the panels why rather than leave them blank.
    this.services.registry.panelStateChanged(this);
  }

  /** Logs each distinct perturbation problem once and shows the latest in the status line (never per frame). */
  private perturbationProblems(problems: readonly string[]): void {
    this.frameHadProblems = true;
    for (const p of problems) this.problemsSeen.add(p);
    const fresh = problems.filter((p) => !this.reportedProblems.has(p));
    if (fresh.length === 0) return;
    for (const p of fresh) {
      this.reportedProblems.add(p);
      this.services.log.warn(`${this.fileName()}: ${p}`);
    }
    this.sync.post({ type: 'status', level: 'error', text: `Perturbations: ${fresh.join('; ')}` });
    this.lastStatus = '';
    this.problemShown = true;
  }

  private postStatus(): void {
    const { level, text } = modelStatus(this.models, vscode.workspace.isTrusted);
    if (text === this.lastStatus) return;
    this.lastStatus = text;
    this.sync.post({ type: 'status', level, text });
  }

  /** Messages from the scene view refused at the boundary (each one logged); the API's `rejectedMessages`. */
  rejectedMessages = 0;

  /**
   * A message from the scene view: checked, then handled, or logged and dropped. Public for the API's test-only
   * `injectSceneMessage`; returns whether it was accepted.
   */
  receive(raw: unknown): boolean {
    const message = parseSceneMessage(raw);
    if (!isAccepted(message)) {
      this.rejectedMessages++;
      this.services.log.warn(`${this.fileName()}: ignored a message from the scene view: ${message.error}`);
      return false;
    }
    this.handle(message);
    return true;
  }

  private handle(message: SceneToHost): void {
    switch (message.type) {
      case 'ready':
        this.loader?.ready();
        // The panels open once the scene's page is up: three webviews loading at once on a busy machine is
        // when VS Code's webview resource loading stalls (see webviewLoader.ts).
        if (!this.panelsShown) {
          this.panelsShown = true;
          this.services.showPanels(false);
        }
        // A reloaded page asks again for the model input (and the saliency map) if its saved state shows it.
        this.modelInputWanted = false;
        this.saliency.setView({ enabled: false, method: 'gradient' });
        this.sync.post({ type: 'perturbationOps', ops: opCatalog() });
        this.sync.postScene();
        this.lastStatus = '';
        this.postStatus();
        this.renders.resend();
        void this.sweep.refresh(true);
        return;
      case 'edit':
        // The walkthrough's "Morph texture vs shape" step is done once the user moves the texture morph.
        if (message.edits.some((e) => e.path[0] === 'material' && e.path[1] === 'textureMorph')) {
          void vscode.commands.executeCommand('setContext', 'perturber.textureMorphEdited', true);
        }
        void this.sync.applyEdits(message.edits);
        return;
      case 'frame':
        this.pipeline.submit(message);
        return;
      case 'openAsJson':
        void vscode.commands.executeCommand('vscode.openWith', this.document.uri, 'default');
        return;
      case 'showPanels':
        this.services.showPanels(true);
        return;
      case 'problem':
        this.services.log.warn(`${this.fileName()}: ${message.message}`);
        return;
      case 'modelInputView':
        this.modelInputWanted = message.enabled;
        // Show the last frame's at once rather than wait for the next frame.
        if (message.enabled && this.modelInput) {
          this.sync.post({ type: 'modelInput', frameId: this.modelInput.frameId, images: this.modelInput.images() });
        }
        return;
      case 'saliencyView':
        this.saliency.setView(message);
        return;
      case 'rendered':
      case 'renderFailed':
        this.renders.receive(message);
        return;
      case 'runSweep':
        void this.sweep.run();
        return;
      case 'showSweepResults':
        void this.sweep.showResults();
        return;
      default:
        assertNever(message);
    }
  }

  // ---------------------------------------------------------------- stored perturbations and the attack command

  /** Every perturbation problem of this editor's frames so far (the extension tests read it through the API). */
  private readonly problemsSeen = new Set<string>();

  perturbationProblemsSeen(): string[] {
    return [...this.problemsSeen];
  }

  /** Runs the last frame again (a stored perturbation changed); false before the first frame. */
  refreshFrame(): boolean {
    return this.pipeline.refresh();
  }

  /** The last frame's rendered image of a size (a model's input size), if a frame came yet. */
  lastFrameImage(width: number, height: number): { frameId: number; image: FrameImage } | undefined {
    return this.pipeline.lastImage(width, height);
  }

  /**
   * What a model of this size saw of the last frame just before perturbation step `index` (the enabled steps before
   * it applied, with this scene's files): the attack's starting point. An error when no frame came yet.
   */
  modelInputBefore(width: number, height: number, index: number): { image: FloatImage; problems: string[] } | { error: string } {
    const frame = this.pipeline.lastImage(width, height);
    if (!frame) return { error: `no ${width}x${height} frame yet: wait until the scene view has rendered the scene` };
    const steps = this.scene()?.perturbations ?? [];
    try {
      return imageBeforeStep(frame.image, steps, index, this.perturbationFiles.prepare(steps.slice(0, index)));
    } catch (error) {
      return { error: `the perturbations before step ${index + 1} failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** Applies scene edits as one undoable WorkspaceEdit (after any edit still being applied). */
  applySceneEdits(edits: readonly SceneEdit[]): Promise<void> {
    return this.sync.applyEdits(edits);
  }

  private watchPerturbationFiles(): vscode.Disposable {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.npy');
    const changed = (uri: vscode.Uri): void => this.perturbationFiles.changed(uri.fsPath);
    watcher.onDidChange(changed);
    watcher.onDidCreate(changed);
    watcher.onDidDelete(changed);
    return watcher;
  }

  /** A frame without perturbation problems puts the model status back in place of the last problem shown. */
  private clearProblemStatus(): void {
    if (this.problemShown && !this.frameHadProblems) {
      this.problemShown = false;
      this.lastStatus = '';
      this.postStatus();
    }
    this.frameHadProblems = false;
  }
}
