/** Keeps a diagnostic collection current for the open text documents `update` cares about: set on open and change,
 *  cleared on close. Shared by the scene files' and the manifests' Problems entries. */
import * as vscode from 'vscode';

export function trackOpenDocuments(collection: vscode.DiagnosticCollection, update: (document: vscode.TextDocument) => void): vscode.Disposable {
  vscode.workspace.textDocuments.forEach(update);
  return vscode.Disposable.from(
    collection,
    vscode.workspace.onDidOpenTextDocument(update),
    vscode.workspace.onDidChangeTextDocument((e) => update(e.document)),
    vscode.workspace.onDidCloseTextDocument((document) => collection.delete(document.uri)),
  );
}
