/**
 * Problems of open model manifests (`*.model.json`) that the contributed JSON schema cannot express, located in the
 * text: checkpoint paths and patterns that leave the manifest's folder, absolute paths, URLs, `**` in a pattern
 * (core/checkpointPattern.ts `manifestPathProblems`). Syntax and schema errors come from VS Code's JSON service.
 */
import { findNodeAtLocation, parse, parseTree } from 'jsonc-parser';
import * as vscode from 'vscode';
import { trackOpenDocuments } from './openDocumentDiagnostics';
import { manifestPathProblems } from '../core/checkpointPattern';

export function isManifestDocument(document: vscode.TextDocument): boolean {
  return document.uri.path.endsWith('.model.json');
}

function diagnosticsOf(document: vscode.TextDocument): vscode.Diagnostic[] {
  const text = document.getText();
  const value: unknown = parse(text, [], { allowTrailingComma: true });
  const problems = manifestPathProblems(value);
  if (problems.length === 0) return [];
  const root = parseTree(text);
  return problems.map((p) => {
    const node = root && findNodeAtLocation(root, p.path);
    const start = document.positionAt(node?.offset ?? 0);
    const end = document.positionAt((node?.offset ?? 0) + (node?.length ?? 0));
    const what = p.path[p.path.length - 1] === 'path' ? 'checkpoint path' : 'checkpoint pattern';
    const diagnostic = new vscode.Diagnostic(new vscode.Range(start, end), `${what} "${p.value}" ${p.problem}`, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'perturber';
    return diagnostic;
  });
}

/** Keeps the Problems view's entries for open manifests current. */
export function registerManifestDiagnostics(): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('perturber-manifests');
  const update = (document: vscode.TextDocument): void => {
    if (isManifestDocument(document)) collection.set(document.uri, diagnosticsOf(document));
  };
  return trackOpenDocuments(collection, update);
}
