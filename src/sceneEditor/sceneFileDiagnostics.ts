/**
 * Problems of every open scene file in the Problems view, whether it is shown in the scene editor or as JSON.
 * Only what VS Code's JSON language service cannot know (it already reports syntax and schema errors from the
 * contributed schema): unsupported versions, duplicate model ids, remote URLs, size and depth limits.
 */
import * as vscode from 'vscode';
import { trackOpenDocuments } from '../openDocumentDiagnostics';
import { parseScene } from '../../core/scene';

export function isSceneDocument(document: vscode.TextDocument): boolean {
  return document.uri.path.endsWith('.perturber.json');
}

export function registerSceneFileDiagnostics(): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('perturber');
  const update = (document: vscode.TextDocument): void => {
    if (!isSceneDocument(document)) return;
    const { diagnostics } = parseScene(document.getText());
    collection.set(
      document.uri,
      diagnostics
        .filter((d) => d.source !== 'json')
        .map((d) => {
          const range = new vscode.Range(document.positionAt(d.offset), document.positionAt(d.offset + d.length));
          const severity = d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
          const diagnostic = new vscode.Diagnostic(range, d.message, severity);
          diagnostic.source = 'perturber';
          return diagnostic;
        }),
    );
  };
  return trackOpenDocuments(collection, update);
}
