/**
 * Keeps one scene webview and its TextDocument in step. The document is the truth: webview edits become one
 * WorkspaceEdit each (so undo, redo, dirty state and git diffs come free), and every document change (typing in
 * a JSON editor, undo, a git checkout) is parsed and posted back as a `scene` message. Problems go to the
 * Problems view as diagnostics located in the text.
 */
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import * as vscode from 'vscode';
import type { CheckpointFamily } from '../../core/checkpoints';
import type { HostToScene, RenderSize } from '../../core/protocol';
import { parseScene, type SceneParseResult } from '../../core/scene';
import { sceneTextEdits } from '../../core/sceneUpgrade';
import type { SceneDiagnostic, SceneEdit } from '../../core/sceneTypes';
import { errorMessage, type Log } from '../log';
import { SceneResourceFiles } from './sceneResourceFiles';

/** What the host adds to a `scene` message besides the parse: sizes to render and model problems. */
export interface SceneHostState {
  renderSizes(): RenderSize[];
  modelErrors(): { index: number; message: string; field?: 'path' | 'checkpoint' }[];
  /** `models[i].path` -> checkpoint family, for models whose manifest lists checkpoints. */
  checkpointFamilies?(): Record<string, CheckpointFamily>;
}

/** Offset and length of the value at a JSON path, or of the nearest existing parent. */
function locate(text: string, segments: (string | number)[]): { offset: number; length: number } {
  const root = parseTree(text);
  if (!root) return { offset: 0, length: 0 };
  for (let n = segments.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, segments.slice(0, n));
    if (node) return { offset: node.offset, length: node.length };
  }
  return { offset: 0, length: 0 };
}

export class SceneDocumentSync implements vscode.Disposable {
  private parsedVersion = -1;
  private parsed: SceneParseResult = { scene: null, diagnostics: [] };
  /** Webview edits are applied one at a time: each is computed against the text the previous one produced. */
  private editQueue: Promise<void> = Promise.resolve();
  private readonly parsedEmitter = new vscode.EventEmitter<SceneParseResult>();
  /** The workspace files the scene names (object, textures, background): webview URIs, checks, watchers. */
  private readonly resources: SceneResourceFiles;
  /** Fires after the document was parsed anew. */
  readonly onDidParse = this.parsedEmitter.event;

  constructor(
    private readonly document: vscode.TextDocument,
    private readonly webview: vscode.Webview,
    private readonly diagnostics: vscode.DiagnosticCollection,
    private readonly host: SceneHostState,
    private readonly log: Log,
  ) {
    this.resources = new SceneResourceFiles(document, webview, () => this.postScene());
  }

  /** The current parse of the document (re-parsed when the document's version moved on). */
  current(): SceneParseResult {
    if (this.parsedVersion !== this.document.version) {
      this.parsed = parseScene(this.document.getText());
      this.parsedVersion = this.document.version;
      this.parsedEmitter.fire(this.parsed);
    }
    return this.parsed;
  }

  /** Re-parses if needed, publishes diagnostics and posts the scene to the webview. */
  postScene(): void {
    const { scene, diagnostics: parseDiagnostics } = this.current();
    const hostDiagnostics = this.hostDiagnostics();
    const diagnostics = [...parseDiagnostics, ...hostDiagnostics];
    const resources = this.resources.resolve(scene);
    diagnostics.push(...resources.diagnostics);
    hostDiagnostics.push(...resources.diagnostics);
    // backgroundUri stays for webviews that predate resourceUris.
    const backgroundUri = scene?.background.kind === 'image' ? resources.uris[scene.background.path] : undefined;
    // Parse problems are published for every open scene file by sceneFileDiagnostics; these need the editor's models.
    this.publish(hostDiagnostics);
    const message: HostToScene = {
      type: 'scene',
      docVersion: this.document.version,
      scene,
      diagnostics,
      renderSizes: this.host.renderSizes(),
    };
    if (backgroundUri !== undefined) message.backgroundUri = backgroundUri;
    if (Object.keys(resources.uris).length > 0) message.resourceUris = resources.uris;
    const families = this.host.checkpointFamilies?.() ?? {};
    if (Object.keys(families).length > 0) message.checkpointFamilies = families;
    void this.webview.postMessage(message);
  }

  post(message: HostToScene): void {
    void this.webview.postMessage(message);
  }

  /** Applies a webview's edits as one WorkspaceEdit, after any edit still being applied. */
  applyEdits(edits: readonly SceneEdit[]): Promise<void> {
    const next = this.editQueue.then(() => this.applyNow(edits));
    this.editQueue = next.catch(() => undefined);
    return next;
  }

  /** Clears this document's diagnostics (its last editor closed). */
  clearDiagnostics(): void {
    this.diagnostics.delete(this.document.uri);
  }

  dispose(): void {
    this.resources.dispose();
    this.parsedEmitter.dispose();
  }

  private async applyNow(edits: readonly SceneEdit[]): Promise<void> {
    if (edits.length === 0) return;
    const text = this.document.getText();
    let spans;
    try {
      // An older file is rewritten as the current version in the same WorkspaceEdit: one undo restores it.
      spans = sceneTextEdits(text, edits);
    } catch (error) {
      this.post({ type: 'status', level: 'error', text: errorMessage(error) });
      return;
    }
    if (spans.length === 0) return;
    const edit = new vscode.WorkspaceEdit();
    for (const span of spans) {
      const range = new vscode.Range(this.document.positionAt(span.offset), this.document.positionAt(span.offset + span.length));
      edit.replace(this.document.uri, range, span.content);
    }
    if (!(await vscode.workspace.applyEdit(edit))) {
      this.log.warn(`${this.document.uri.fsPath}: the editor refused an edit from the scene view`);
      // Re-sync the webview with what the document really says.
      this.postScene();
    }
  }

  private hostDiagnostics(): SceneDiagnostic[] {
    const errors = this.host.modelErrors();
    if (errors.length === 0) return [];
    const text = this.document.getText();
    return errors.map(({ index, message, field = 'path' }) => ({
      message: `models[${index}]: ${message}`,
      path: `models[${index}].${field}`,
      ...locate(text, ['models', index, field]),
      severity: 'error' as const,
    }));
  }

  private publish(diagnostics: readonly SceneDiagnostic[]): void {
    const document = this.document;
    this.diagnostics.set(
      document.uri,
      diagnostics.map((d) => {
        const range = new vscode.Range(document.positionAt(d.offset), document.positionAt(d.offset + d.length));
        const diagnostic = new vscode.Diagnostic(
          range,
          d.message,
          d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        diagnostic.source = 'perturber';
        return diagnostic;
      }),
    );
  }
}
