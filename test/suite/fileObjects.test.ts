/**
 * Objects from workspace files through the real VS Code API: a missing object file and one outside the workspace are
 * diagnostics at `object.path`; a real OBJ+MTL model (copied from ../shared/assets/objects when present) runs.
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

function writeScene(name: string, objectPath: string, modelId: string): vscode.Uri {
  const file = path.join(root(), `${name}.perturber.json`);
  const scene = {
    version: 2,
    name,
    object: { kind: 'file', path: objectPath, yaw: 30, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    models: [{ id: modelId, path: 'builtin:fixture', watch: [] }],
  };
  fs.writeFileSync(file, JSON.stringify(scene, null, 2));
  return vscode.Uri.file(file);
}

/** The text a diagnostic's range covers. */
async function coveredText(uri: vscode.Uri, diagnostic: vscode.Diagnostic): Promise<string> {
  const document = await vscode.workspace.openTextDocument(uri);
  return document.getText(diagnostic.range);
}

suite('file objects: workspace OBJ/glTF files as the scene object', () => {
  let api: Api;
  suiteSetup(async () => {
    api = (await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate());
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a missing object file is a diagnostic at object.path', async () => {
    const uri = writeScene('missing-object', 'models3d/nope.obj', 'missing');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    const diagnostic = await waitFor('diagnostic', () => vscode.languages.getDiagnostics(uri).find((d) => /object file/.test(d.message)));
    assert.strictEqual(diagnostic.message, 'object file not found: models3d/nope.obj');
    assert.strictEqual(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(await coveredText(uri, diagnostic), '"models3d/nope.obj"');
  });

  test('an object file outside the workspace folder is refused', async () => {
    const outside = path.join(path.dirname(root()), 'outside.obj');
    fs.writeFileSync(outside, 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n');
    const uri = writeScene('outside-object', '../outside.obj', 'outside');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    const diagnostic = await waitFor('diagnostic', () => vscode.languages.getDiagnostics(uri).find((d) => /object file/.test(d.message)));
    assert.match(diagnostic.message, /object file "\.\.\/outside\.obj" is outside the workspace folder/);
    assert.strictEqual(await coveredText(uri, diagnostic), '"../outside.obj"');
  });

  test('a real OBJ+MTL model with its texture runs without errors', async function () {
    const ext = vscode.extensions.getExtension('perturber.perturber-vscode')!;
    const source = path.resolve(ext.extensionPath, '..', 'shared', 'assets', 'objects', 'dog');
    if (!fs.existsSync(source)) {
      console.log(`no real models at ${source}; skipped`);
      this.skip();
    }
    const target = path.join(root(), 'models3d', 'dog');
    fs.mkdirSync(target, { recursive: true });
    for (const name of fs.readdirSync(source)) fs.copyFileSync(path.join(source, name), path.join(target, name));
    const uri = writeScene('real-dog', 'models3d/dog/dog.obj', 'dogfile');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    const results = await waitFor('results of the dog scene', () => {
      const r = api.lastResults();
      return r && r.predictions.some((p) => p.id === 'dogfile') && r;
    }, 60_000);
    assert.ok(results.predictions.every((p) => !p.error && p.top.length > 0), JSON.stringify(results.predictions));
    assert.deepStrictEqual(vscode.languages.getDiagnostics(uri).map((d) => d.message), []);
  });
});
