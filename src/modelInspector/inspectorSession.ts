/**
 * One open model inspector: its webview's messages (checked by core/inspectorMessages.ts's guard), what it was sent,
 * and the buttons: Create manifest (the proposed one, never over a file), Edit manifest (as text), Add to scene. The
 * view follows the `.onnx` file and its manifest: a change on disk is read again and posted.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isInspectorMessage, parseInspectorMessage, type HostToInspector } from '../../core/inspectorMessages';
import { assertNever } from '../../core/protocol';
import type { SceneModel } from '../../core/sceneTypes';
import type { AddModelServices } from '../commands/addModel';
import { writeProposedManifest } from '../commands/proposedManifest';
import { manifestPathFor } from '../inference/modelPaths';
import { errorMessage } from '../log';
import type { WebviewLoader } from '../webviewLoader';
import { addToScene } from './addToScene';
import { inspectFile, inspectLayers } from './inspectorData';

const REFRESH_MS = 300;

/** What tests (through the extension API) see of an open inspector. */
export interface ModelInspectorHandle {
  readonly onnxPath: string;
  /** Every message posted to the webview so far, oldest first. */
  posted(): HostToInspector[];
  /** Hands `raw` to the inspector as if its webview had posted it; false when the guard refused it. */
  receive(raw: unknown): boolean;
  /** "Add to scene" with the choices given: the scene file (opened when needed) and the layers (aliases or tensors). */
  addToScene(sceneUri?: vscode.Uri, layers?: readonly string[]): Promise<SceneModel | undefined>;
  /** Reads the files again and posts the result (resolves when the summary is posted; layers follow). */
  refresh(): Promise<void>;
}

export class InspectorSession implements ModelInspectorHandle, vscode.Disposable {
  readonly onnxPath: string;
  private readonly history: HostToInspector[] = [];
  /** The latest model/error and layers messages, sent again when the webview (re)loads. */
  private current: HostToInspector[] = [];
  private ready = false;
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    uri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    private readonly loader: WebviewLoader,
    private readonly services: AddModelServices,
  ) {
    this.onnxPath = uri.fsPath;
    const base = path.basename(this.onnxPath).replace(/\.onnx$/i, '');
    const pattern = new vscode.RelativePattern(vscode.Uri.file(path.dirname(this.onnxPath)), `{${base}.onnx,${base}.model.json}`);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const changed = (): void => this.scheduleRefresh();
    this.disposables.push(
      watcher,
      watcher.onDidChange(changed),
      watcher.onDidCreate(changed),
      watcher.onDidDelete(changed),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
    );
  }

  posted(): HostToInspector[] {
    return [...this.history];
  }

  receive(raw: unknown): boolean {
    const message = parseInspectorMessage(raw);
    if (!isInspectorMessage(message)) {
      this.services.log.error(`model inspector: ignored a message (${message.error})`);
      return false;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.loader.ready();
        // A reloaded page (hidden and shown again) starts empty: it gets what is known now; a read in flight follows.
        for (const m of this.current) void this.panel.webview.postMessage(m);
        break;
      case 'createManifest':
        void this.createManifest();
        break;
      case 'editManifest':
        void this.editManifest();
        break;
      case 'addToScene':
        this.addToScene().catch(() => undefined);
        break;
      default:
        assertNever(message);
    }
    return true;
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const started = Date.now();
    const inspection = await inspectFile(this.onnxPath);
    if (generation !== this.generation) return;
    this.current = [];
    this.post(inspection.message);
    if (inspection.message.type === 'inspectError') {
      this.services.log.warn(`model inspector: ${inspection.message.message}`);
      return;
    }
    this.services.log.info(`model inspector: ${path.basename(this.onnxPath)} summarised in ${Date.now() - started} ms`);
    const bytes = inspection.bytes;
    if (!bytes) return;
    void inspectLayers(this.onnxPath, bytes, this.services.locator, this.services.store).then((layers) => {
      if (generation !== this.generation) return;
      this.post(layers);
      this.services.log.info(`model inspector: ${layers.layers.length} layers of ${path.basename(this.onnxPath)} after ${Date.now() - started} ms`);
    });
  }

  async addToScene(sceneUri?: vscode.Uri, layers?: readonly string[]): Promise<SceneModel | undefined> {
    try {
      const added = await addToScene(this.services, this.onnxPath, sceneUri, layers);
      if (!added) return undefined;
      const watched = added.model.watch.map((w) => w.layer).join(', ') || 'no layers';
      this.notice(`Added "${added.model.id}" to ${path.basename(added.scene.document.uri.fsPath)} (watching ${watched}). Undo in the scene editor takes it out again.`, false);
      return added.model;
    } catch (error) {
      this.notice(`Add to scene: ${errorMessage(error)}`, true);
      throw error;
    }
  }

  dispose(): void {
    this.generation++;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.disposables.forEach((d) => d.dispose());
  }

  private post(message: HostToInspector): void {
    this.history.push(message);
    if (message.type !== 'notice') this.current.push(message);
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private notice(text: string, failed: boolean): void {
    (failed ? this.services.log.error : this.services.log.info).call(this.services.log, `model inspector: ${text}`);
    this.post({ type: 'notice', text, failed });
  }

  private scheduleRefresh(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, REFRESH_MS);
  }

  private async createManifest(): Promise<void> {
    try {
      await writeProposedManifest(this.onnxPath, this.services.log);
      this.notice(`Wrote ${path.basename(manifestPathFor(this.onnxPath))} from the graph; check its preprocessing and labels.`, false);
      await this.refresh();
    } catch (error) {
      const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
      this.notice(exists ? `${path.basename(manifestPathFor(this.onnxPath))} exists already; it was not overwritten.` : `Create manifest: ${errorMessage(error)}`, true);
    }
  }

  private async editManifest(): Promise<void> {
    const manifestPath = manifestPathFor(this.onnxPath);
    try {
      await fs.stat(manifestPath);
      const document = await vscode.workspace.openTextDocument(manifestPath);
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    } catch (error) {
      this.notice(`Edit manifest: ${errorMessage(error)}`, true);
    }
  }
}
