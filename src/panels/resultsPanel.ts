/**
 * The mechanics shared by the two result panels: one singleton WebviewPanel per kind, created beside the editor
 * or revived after a reload by a serializer, which always shows the last message it was given (re-posted when the
 * webview (re)loads or becomes visible, since hidden webviews are not kept alive).
 */
import * as vscode from 'vscode';
import { isAccepted, parsePanelMessage } from '../../core/messageGuards';
import { assertNever, type HostToPanel, type PanelToHost } from '../../core/protocol';
import type { LoopTimingLog, PanelName } from '../../core/loopTimings';
import type { Log } from '../log';
import type { PanelState } from '../sceneEditor/sceneRegistry';
import { webviewHtml, webviewOptions, type WebviewName } from '../webviewHtml';
import { WebviewLoader } from '../webviewLoader';

/** What distinguishes the predictions panel from the activations panel. */
export interface ResultsPanelKind {
  viewType: string;
  /** Which stage of the loop timings this panel's paints are. */
  name: PanelName;
  title: string;
  webview: WebviewName;
  /** The message that shows a scene's panel state in this panel. */
  message(state: PanelState): HostToPanel;
}

export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private loader: WebviewLoader | undefined;
  private last: HostToPanel = { type: 'empty', reason: 'Open a scene (*.perturber.json) to see results here.' };
  /** The "Show along checkpoints" state, re-posted with `last` (a panel shows both). */
  private lastTrend: HostToPanel = { type: 'checkpointTrend', modelId: null };
  /** The neurons' insights (activations panel only), re-posted with `last`. */
  private lastInsights: HostToPanel | undefined;
  /** The last frame the webview reported painted (for logs and timing checks). */
  lastPaintedFrame = -1;

  constructor(
    readonly kind: ResultsPanelKind,
    private readonly extensionUri: vscode.Uri,
    private readonly log: Log,
    private readonly timings: LoopTimingLog,
    /** The panel's requests: the checkpoint trend (turn it on/off, save it), neuron insights (open, cancel, similar). */
    private readonly onRequest?: (message: PanelToHost) => void,
  ) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Creates the panel beside the active editor, or reveals it if `reveal` and it exists. */
  show(options: { preserveFocus: boolean; reveal: boolean; column?: vscode.ViewColumn }): void {
    if (this.panel) {
      if (options.reveal) this.panel.reveal(undefined, options.preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      this.kind.viewType,
      this.kind.title,
      { viewColumn: options.column ?? vscode.ViewColumn.Beside, preserveFocus: options.preserveFocus },
      webviewOptions(this.extensionUri),
    );
    this.attach(panel);
  }

  /** Takes over a panel VS Code restored after a reload. */
  revive(panel: vscode.WebviewPanel): void {
    if (this.panel && this.panel !== panel) {
      // Only one panel per kind: a second restored one (two windows' state merged) is closed.
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(this.extensionUri);
    this.attach(panel);
  }

  /** Shows `message` now (if visible) and whenever the webview becomes visible or reloads. */
  post(message: HostToPanel): void {
    this.last = message;
    // A hidden tab has no live webview: sending every frame's activation maps there would only cost IPC.
    if (this.panel?.visible) void this.panel.webview.postMessage(message);
  }

  /** Shows the checkpoint trend state now (if visible) and whenever the webview becomes visible or reloads. */
  postTrend(message: HostToPanel): void {
    this.lastTrend = message;
    if (this.panel?.visible) void this.panel.webview.postMessage(message);
  }

  /** Shows the neurons' insights now (if visible) and whenever the webview becomes visible or reloads. */
  postInsights(message: HostToPanel): void {
    this.lastInsights = message;
    if (this.panel?.visible) void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
    this.detach();
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    const loader = new WebviewLoader(
      panel,
      () => webviewHtml(panel.webview, this.extensionUri, this.kind.webview, this.kind.title),
      this.log,
      this.kind.title,
      undefined,
      undefined,
      () => this.recreate(),
    );
    this.loader = loader;
    loader.load();
    this.panelDisposables.push(
      loader,
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.visible) this.repost(webviewPanel);
      }),
      panel.onDidDispose(() => this.detach()),
    );
  }

  private repost(panel: vscode.WebviewPanel): void {
    void panel.webview.postMessage(this.last);
    void panel.webview.postMessage(this.lastTrend);
    if (this.lastInsights) void panel.webview.postMessage(this.lastInsights);
  }

  /** Replaces a panel whose page never loaded with a new one in the same place. */
  private recreate(): void {
    const old = this.panel;
    const column = old?.viewColumn;
    this.detach();
    old?.dispose();
    this.show({ preserveFocus: true, reveal: true, column });
  }

  private detach(): void {
    this.panel = undefined;
    this.loader = undefined;
    for (const d of this.panelDisposables.splice(0)) d.dispose();
  }

  /** Messages from the webview refused at the boundary (each one logged); the API's `rejectedPanelMessages`. */
  rejectedMessages = 0;

  /**
   * A message from the webview: checked, then handled, or logged and dropped. Public for the API's test-only
   * `injectPanelMessage`; returns whether it was accepted.
   */
  receive(raw: unknown): boolean {
    const message = parsePanelMessage(raw);
    if (!isAccepted(message)) {
      this.rejectedMessages++;
      this.log.warn(`${this.kind.title} panel: ignored a message: ${message.error}`);
      return false;
    }
    switch (message.type) {
      case 'ready':
        this.loader?.ready();
        if (this.panel) this.repost(this.panel);
        break;
      case 'checkpointTrend':
      case 'saveCheckpointTrend':
      case 'openImage':
      case 'cancelFeatureVis':
      case 'featureVisObjective':
      case 'similarImages':
        void this.onRequest?.(message);
        break;
      case 'painted':
        this.lastPaintedFrame = message.frameId;
        this.timings.painted(this.kind.name, message.frameId, message.receivedAt, message.paintMs);
        break;
      default:
        assertNever(message);
    }
    return true;
  }
}
