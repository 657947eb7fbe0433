/**
 * The lab trio in a real extension host: samples/lab-trio.perturber.json (a cat shape wearing the dog's fur) names
 * its models `builtin:lab/...`, which resolve to the extension's models/lab/. The scene webview renders it and
 * the three models answer as models/lab/README.md reports: the texture-biased standard and adversarial models
 * say "dog" (the fur), the shape-biased texture-randomised model says "cat" (the shape).
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { waitFor } from './waitFor';

interface Api {
  lastResults():
    | { frameId: number; predictions: { id: string; top: { label: string; probability: number }[]; error?: string }[] }
    | undefined;
}

suite('host: the lab trio sample', () => {
  test('standard and adversarial follow the texture (dog), texture-randomised the shape (cat)', async () => {
    const api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const uri = vscode.Uri.file(path.join(root, 'lab-trio.perturber.json'));
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    const ids = ['standard', 'texture-randomised', 'adversarial'];
    const results = await waitFor(
      'predictions of all three lab models',
      () => {
        const r = api.lastResults();
        return r && ids.every((id) => (r.predictions.find((p) => p.id === id)?.top.length ?? 0) > 0) && r;
      },
      90_000,
      () => JSON.stringify(api.lastResults()?.predictions.map((p) => [p.id, p.error, p.top[0]?.label])),
    );
    const top1 = Object.fromEntries(results.predictions.map((p) => [p.id, p.top[0].label]));
    assert.deepStrictEqual(top1, { standard: 'dog', 'texture-randomised': 'cat', adversarial: 'dog' });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
