/**
 * Which scene editors are open and which one is active (the last one whose webview panel had focus), so the
 * commands and the result panels act on "the active scene" without globals. Also the place results are announced.
 */
import * as vscode from 'vscode';
import type { FrameImage } from '../../core/protocol';
import type { Scene } from '../../core/sceneTypes';
import type { FrameResults } from '../inference/framePipeline';
import type { CheckpointTrends } from './checkpointTrends';
import type { SaliencyService } from './saliencyService';
import type { SceneModels } from './sceneModels';

/** What the result panels show for a scene: its latest results, or why there are none. */
export type PanelState = { kind: 'results'; results: FrameResults } | { kind: 'empty'; reason: string };

/** The view of an open scene editor that commands and panels use. */
export interface OpenScene {
  readonly document: vscode.TextDocument;
  readonly panel: vscode.WebviewPanel;
  readonly models: SceneModels;
  /** The scene's "Show along checkpoints" view. */
  readonly trends: CheckpointTrends;
  /** The scene view's "Saliency" mode. */
  readonly saliency: SaliencyService;
  /** The parsed scene (null while the file does not parse). */
  scene(): Scene | null;
  panelState(): PanelState;
  readonly lastResults: FrameResults | undefined;
  /** What the models saw of the last frame (after the scene's perturbations), one image per input size. */
  lastModelInput(): { frameId: number; images: FrameImage[] } | undefined;
  /** Every distinct perturbation problem of its frames so far (a step skipped: a bad file, an unknown op). */
  perturbationProblemsSeen?(): string[];
}

export class SceneRegistry implements vscode.Disposable {
  /** Open scene editors, least recently focused first. */
  private readonly scenes: OpenScene[] = [];
  private readonly activeChanged = new vscode.EventEmitter<OpenScene | undefined>();
  private readonly stateChanged = new vscode.EventEmitter<OpenScene>();
  private readonly trendsChanged = new vscode.EventEmitter<OpenScene>();
  /**
   * The most recent results of any scene and its file, kept after its editor closes (for the API) unless that file
   * is gone (deleted or renamed away): results of a scene that no longer exists are not reported.
   */
  private latest: { results: FrameResults; uri: vscode.Uri } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  readonly onDidChangeActive = this.activeChanged.event;
  /** A scene has new results or a new reason for having none. */
  readonly onDidChangePanelState = this.stateChanged.event;
  /** A scene's "Show along checkpoints" view was turned on or off, or has a new result. */
  readonly onDidChangeTrend = this.trendsChanged.event;

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.perturber.json', true, true, false);
    this.disposables.push(
      watcher,
      watcher.onDidDelete((uri) => void this.forgetIfGone(uri)),
      vscode.workspace.onDidDeleteFiles(({ files }) => files.forEach((uri) => void this.forgetIfGone(uri))),
      vscode.workspace.onDidRenameFiles(({ files }) => files.forEach(({ oldUri }) => void this.forgetIfGone(oldUri))),
    );
  }

  get active(): OpenScene | undefined {
    return this.scenes[this.scenes.length - 1];
  }

  all(): readonly OpenScene[] {
    return this.scenes;
  }

  add(scene: OpenScene): vscode.Disposable {
    this.scenes.push(scene);
    this.activeChanged.fire(scene);
    return new vscode.Disposable(() => {
      const index = this.scenes.indexOf(scene);
      if (index < 0) return;
      const wasActive = index === this.scenes.length - 1;
      this.scenes.splice(index, 1);
      if (wasActive) this.activeChanged.fire(this.active);
      void this.forgetIfGone(scene.document.uri);
    });
  }

  /** The scene's panel got focus. */
  focus(scene: OpenScene): void {
    const index = this.scenes.indexOf(scene);
    if (index < 0 || index === this.scenes.length - 1) return;
    this.scenes.splice(index, 1);
    this.scenes.push(scene);
    this.activeChanged.fire(scene);
  }

  /** Called by a scene when its panel state changed. */
  panelStateChanged(scene: OpenScene): void {
    const state = scene.panelState();
    if (state.kind === 'results') this.latest = { results: state.results, uri: scene.document.uri };
    this.stateChanged.fire(scene);
  }

  /** Called by a scene when its checkpoint trend changed. */
  trendChanged(scene: OpenScene): void {
    this.trendsChanged.fire(scene);
  }

  /** The active scene's latest results, else the latest of any scene. */
  latestResults(): FrameResults | undefined {
    return this.active?.lastResults ?? this.latest?.results;
  }

  /** Drops the kept results of `uri`'s scene when no editor shows it and the file does not exist (any more). */
  private async forgetIfGone(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    if (this.latest?.uri.toString() !== key || this.scenes.some((s) => s.document.uri.toString() === key)) return;
    const exists = await vscode.workspace.fs.stat(uri).then(
      () => true,
      () => false,
    );
    if (!exists && this.latest?.uri.toString() === key && !this.scenes.some((s) => s.document.uri.toString() === key)) this.latest = undefined;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.activeChanged.dispose();
    this.stateChanged.dispose();
    this.trendsChanged.dispose();
  }
}
