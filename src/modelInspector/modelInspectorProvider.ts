/**
 * The model inspector (issue 10): a CustomReadonlyEditorProvider for `*.onnx` (viewType `perturber.modelInspector`)
 * and the command `perturber.inspectModel(uri?)` that opens a model in it. Each editor is an InspectorSession; the
 * open ones are kept by path for the extension API's test accessor.
 */
import * as vscode from 'vscode';
import type { AddModelServices } from '../commands/addModel';
import { errorMessage } from '../log';
import { webviewHtml, webviewOptions } from '../webviewHtml';
import { WebviewLoader } from '../webviewLoader';
import { InspectorSession, type ModelInspectorHandle } from './inspectorSession';

export const MODEL_INSPECTOR_VIEW_TYPE = 'perturber.modelInspector';

class ModelDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}

  dispose(): void {
    // Nothing held: every inspector reads the file itself.
  }
}

class ModelInspectorProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  /** Open inspectors, most recently opened last. */
  readonly sessions: InspectorSession[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly services: AddModelServices,
  ) {}

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    return new ModelDocument(uri);
  }

  resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = webviewOptions(this.extensionUri);
    const title = `Model inspector: ${document.uri.path.split('/').pop() ?? ''}`;
    const loader = new WebviewLoader(panel, () => webviewHtml(panel.webview, this.extensionUri, 'inspector', title), this.services.log, 'model inspector');
    const session = new InspectorSession(document.uri, panel, loader, this.services);
    this.sessions.push(session);
    loader.load();
    void session.refresh();
    panel.onDidDispose(() => {
      const index = this.sessions.indexOf(session);
      if (index >= 0) this.sessions.splice(index, 1);
      loader.dispose();
      session.dispose();
    });
  }
}

async function pickModel(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Inspect Model',
    canSelectMany: false,
    filters: { 'ONNX models': ['onnx'] },
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0];
}

/**
 * Registers the inspector and its command. `inspector(path)` is the newest open inspector of that `.onnx` file
 * (the newest of all when `path` is absent), for the extension API.
 */
export function registerModelInspector(
  extensionUri: vscode.Uri,
  services: AddModelServices,
): { disposable: vscode.Disposable; inspector(onnxPath?: string): ModelInspectorHandle | undefined } {
  const provider = new ModelInspectorProvider(extensionUri, services);
  const registration = vscode.window.registerCustomEditorProvider(MODEL_INSPECTOR_VIEW_TYPE, provider, {
    webviewOptions: { retainContextWhenHidden: false },
    supportsMultipleEditorsPerDocument: true,
  });
  const command = vscode.commands.registerCommand('perturber.inspectModel', async (arg?: unknown) => {
    try {
      const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' && arg !== '' ? vscode.Uri.file(arg) : await pickModel();
      if (!uri) return;
      await vscode.commands.executeCommand('vscode.openWith', uri, MODEL_INSPECTOR_VIEW_TYPE);
    } catch (error) {
      services.log.error(`Inspect Model: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(`Inspect Model: ${errorMessage(error)}`);
    }
  });
  return {
    disposable: vscode.Disposable.from(registration, command),
    inspector(onnxPath) {
      const open = [...provider.sessions].reverse();
      if (onnxPath === undefined) return open[0];
      const wanted = vscode.Uri.file(onnxPath).fsPath;
      return open.find((s) => s.onnxPath === wanted);
    },
  };
}
