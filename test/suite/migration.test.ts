/**
 * Old scene files in the real extension host: a version 1 file opens in the scene editor, renders and gets
 * results, without being rewritten or flagged. (The rewrite on the first edit from the UI is the pure
 * `sceneTextEdits`, unit-tested in test/unit/sceneUpgrade.test.ts; a UI edit needs the webview.)
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { waitFor } from './waitFor';

interface Api {
  lastResults(): { frameId: number; predictions: { id: string; top: { label: string }[]; error?: string }[] } | undefined;
}
const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

const V1_SCENE = {
  version: 1,
  name: 'Old format',
  object: { kind: 'builtin', name: 'mug', color: '#2f5fd0', yaw: -35, pitch: 10, roll: 0, scale: 1 },
  background: { kind: 'color', color: '#a8cdeb' },
  models: [{ id: 'v1model', path: 'builtin:fixture', watch: [{ layer: 'conv1', neurons: [0, 1] }] }],
};

suite('migration: version 1 scene files', () => {
  let api: Api;

  suiteSetup(async () => {
    api = (await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate());
  });

  test('a version 1 file opens in the scene editor and gets results, unchanged and without diagnostics', async () => {
    const file = path.join(root(), 'old-format.perturber.json');
    const text = `${JSON.stringify(V1_SCENE, null, 2)}\n`;
    fs.writeFileSync(file, text);
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    const results = await waitFor('results of the v1 scene', () => {
      const r = api.lastResults();
      return r && r.predictions.map((p) => p.id).join() === 'v1model' && r;
    }, 60_000);
    assert.ok(!results.predictions[0].error, results.predictions[0].error);
    assert.strictEqual(results.predictions[0].top.length, 5);
    const perturber = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'perturber' || d.severity === vscode.DiagnosticSeverity.Error);
    assert.deepStrictEqual(perturber.map((d) => d.message), []);
    // Opening is not an edit: the file stays version 1 until the user changes something in the scene editor.
    const document = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    assert.strictEqual(document?.getText(), text);
    assert.strictEqual(document?.isDirty, false);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
