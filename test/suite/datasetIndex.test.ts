/**
 * "Index Image Folder" in a real extension host, on the lab trio's scene reduced to the standard model (a copy: the
 * sample stays untouched): `perturber.indexImageFolder` with args indexes a folder of lab sample images plus a
 * corrupt file, writes index.json and the .npy matrices under .perturber/index/, lists the images and the skipped
 * file, reuses every image on a re-run, and the API's `neuronExamples` (DatasetIndexService.examples) gives k
 * examples in descending activation with PNG thumbnails.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { waitFor } from './waitFor';

interface Api {
  lastResults(): { predictions: { id: string; top: unknown[] }[] } | undefined;
  neuronExamples(modelId: string, layer: string, neuron: number, k: number): Promise<{ path: string; thumbnail: string; activation: number }[] | undefined>;
}

interface Summary {
  folder: string;
  models: { model: string; output: string; layers: string[]; images: number; computed: number; reused: number; skipped: { path: string; reason: string }[]; msPerImage: number; partial: boolean }[];
}

const IMAGES = 8;

suite('host: dataset index (Index Image Folder)', () => {
  test('indexes a folder, re-runs incrementally, and serves top-k examples', async () => {
    const ext = vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!;
    const api = await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;

    const scene = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
    scene.models = scene.models.filter((m: { id: string }) => m.id === 'standard');
    scene.models[0].watch = [{ layer: 'mixed3a', neurons: [0, 1, 2] }];
    const sceneFile = path.join(root, 'dataset-index.perturber.json');
    fs.writeFileSync(sceneFile, JSON.stringify(scene, null, 2));

    const folder = path.join(root, 'dataset-images');
    fs.mkdirSync(path.join(folder, 'nested'), { recursive: true });
    const samples = fs.readdirSync(path.join(ext.extensionPath, 'models', 'lab', 'samples')).filter((f) => f.endsWith('.png')).sort().slice(0, IMAGES);
    samples.forEach((f, i) => fs.copyFileSync(path.join(ext.extensionPath, 'models', 'lab', 'samples', f), path.join(folder, i % 3 === 0 ? 'nested' : '', f)));
    fs.writeFileSync(path.join(folder, 'broken.jpg'), 'not a jpeg');

    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(sceneFile), 'perturber.sceneEditor');
    await waitFor('the standard model loaded', () => (api.lastResults()?.predictions.find((p) => p.id === 'standard')?.top.length ?? 0) > 0, 90_000);

    const summary = (await vscode.commands.executeCommand('perturber.indexImageFolder', { folder: 'dataset-images', layers: ['mixed3a', 'conv2'] })) as Summary;
    assert.strictEqual(summary.models.length, 1);
    const [s] = summary.models;
    assert.deepStrictEqual([s.model, s.images, s.computed, s.partial], ['standard', IMAGES, IMAGES, false]);
    assert.deepStrictEqual(s.skipped.map((x) => x.path), ['dataset-images/broken.jpg']);
    assert.ok(s.msPerImage > 0);
    assert.ok(s.output.startsWith(path.join(root, '.perturber', 'index')), s.output);
    const index = JSON.parse(fs.readFileSync(path.join(s.output, 'index.json'), 'utf8'));
    assert.strictEqual(index.images.length, IMAGES);
    assert.deepStrictEqual(
      index.images.map((i: { path: string }) => path.basename(i.path)).sort(),
      [...samples].sort(),
    );
    assert.deepStrictEqual(index.layers.map((l: { alias: string }) => l.alias), ['mixed3a', 'conv2']);
    for (const layer of index.layers) {
      for (const file of [layer.means, layer.max]) assert.ok(fs.statSync(path.join(s.output, file)).size > IMAGES * layer.channels * 4, file);
    }

    const again = (await vscode.commands.executeCommand('perturber.indexImageFolder', { folder: 'dataset-images', layers: ['mixed3a', 'conv2'] })) as Summary;
    assert.deepStrictEqual([again.models[0].reused, again.models[0].computed], [IMAGES, 0]);

    const k = 3;
    const examples = await api.neuronExamples('standard', 'mixed3a', 1, k);
    assert.ok(examples, 'an index covers mixed3a');
    assert.strictEqual(examples.length, k);
    for (let i = 1; i < k; i++) assert.ok(examples[i - 1].activation >= examples[i].activation, 'descending activation');
    for (const e of examples) {
      assert.match(e.thumbnail, /^data:image\/png;base64,/);
      assert.ok(index.images.some((i: { path: string }) => i.path === e.path), e.path);
    }
    assert.strictEqual(await api.neuronExamples('standard', 'conv1', 0, k), undefined, 'conv1 was not indexed');

    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('perturber.indexImageFolder', { folder: path.dirname(root) })),
      /outside the workspace/,
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
