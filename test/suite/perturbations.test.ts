/**
 * Image perturbations end to end in a real extension host: the scene webview renders, the host applies the
 * scene's `perturbations` to every frame and the fixture model (a hue classifier) sees the result. An
 * `alphaColor` step with alpha 0 turns the orange teapot into plain red, so the predictions must be those of a
 * plain red image, and the model input the API reports must be that red; disabling the step by a document edit
 * (as the scene editor's checkbox does) brings the rendered teapot back.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { waitFor } from './waitFor';

interface Image {
  width: number;
  height: number;
  pixels: Uint8Array;
}
interface Api {
  classify(p: string, img: Image): Promise<{ label: string; probability: number }[]>;
  lastResults(): { frameId: number; predictions: { id: string; top: { label: string; probability: number }[]; error?: string }[] } | undefined;
  lastModelInput(): { frameId: number; images: Image[] } | undefined;
}

const RED = [230, 20, 20];

function isPlain(image: Image, [r, g, b]: number[]): boolean {
  for (let i = 0; i < image.pixels.length; i += 4) {
    if (image.pixels[i] !== r || image.pixels[i + 1] !== g || image.pixels[i + 2] !== b || image.pixels[i + 3] !== 255) return false;
  }
  return true;
}

suite('host: image perturbations', () => {
  let api: Api;
  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
  });

  test('alphaColor alpha 0 makes the fixture model see (and predict) the colour; disabling it restores the scene', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(root, 'perturbed-red.perturber.json');
    const scene = JSON.parse(fs.readFileSync(path.join(root, 'teapot.perturber.json'), 'utf8'));
    scene.name = 'Teapot faded to red';
    scene.models[0].watch = [];
    scene.perturbations = [{ op: 'alphaColor', params: { alpha: 0, color: '#e61414' } }];
    fs.writeFileSync(file, JSON.stringify(scene, null, 2) + '\n');
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');

    const plainRed: Image = { width: 64, height: 64, pixels: new Uint8Array(64 * 64 * 4) };
    for (let i = 0; i < 64 * 64; i++) plainRed.pixels.set([...RED, 255], i * 4);
    const expected = await api.classify('builtin:fixture', plainRed);
    assert.strictEqual(expected[0].label, 'red');

    const input = await waitFor('a red model input', () => {
      const x = api.lastModelInput();
      return x && x.images.length === 1 && isPlain(x.images[0], RED) && x;
    });
    const results = await waitFor('results of the perturbed frame', () => {
      const r = api.lastResults();
      return r && r.frameId >= input.frameId && r.predictions[0]?.top.length > 0 && r;
    });
    const top = results.predictions[0].top;
    assert.deepStrictEqual(top.map((p) => p.label), expected.map((p) => p.label));
    top.forEach((p, i) => assert.ok(Math.abs(p.probability - expected[i].probability) < 1e-4, `${p.label}: ${p.probability} vs ${expected[i].probability}`));

    // The scene editor's checkbox is this document edit: the teapot (orange on grey) is what the model sees again.
    const doc = await vscode.workspace.openTextDocument(uri);
    const at = doc.getText().indexOf('"op": "alphaColor"');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, doc.positionAt(at), '"enabled": false, ');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const clean = await waitFor('an unperturbed model input', () => {
      const x = api.lastModelInput();
      return x && x.frameId > input.frameId && !isPlain(x.images[0], RED) && x;
    });
    const pixels = clean.images[0].pixels;
    const corner = [...pixels.slice(0, 3)];
    assert.ok(corner.every((v) => Math.abs(v - 128) <= 2), `grey background in the corner, got ${corner}`);
    const after = await waitFor('results of the clean frame', () => {
      const r = api.lastResults();
      return r && r.frameId >= clean.frameId && r.predictions[0]?.top.length > 0 && r;
    });
    assert.notStrictEqual(after.predictions[0].top[0].label, 'red', 'the orange teapot is not red');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
