/**
 * "Index Image Folder" in a real extension host, on the lab trio's scene reduced to the standard model (a copy: the
 * sample stays untouched): `perturber.indexImageFolder` with args indexes a folder of lab sample images plus a
 * corrupt file, writes index.json, the .npy matrices and the top-k files under .perturber/index/, lists the images
 * and the skipped file, reuses every image on a re-run, and the API's `neuronExamples` (DatasetIndexService.examples)
 * gives k examples in descending activation with PNG thumbnails. Then "Similar to this scene" end to end: the
 * activations panel's `similarImages` message (injected as its webview would post it) makes the host list the indexed
 * images nearest to the current frame, which must be a brute-force cosine ranking of the index's means against the
 * frame's channel means (every channel of the layer is watched, so the API's lastResults holds them). Last, a manifest
 * with a bad `input.resize` gets VS Code's schema diagnostics at the bad values.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { decodeNpy } from '../../core/attacks/npy';
import { waitFor } from './waitFor';

interface Api {
  lastResults(): { frameId: number; predictions: { id: string; top: unknown[] }[]; activations: { id: string; layers: { layer: string; neurons: { index: number; mean: number }[] }[] }[] } | undefined;
  neuronExamples(modelId: string, layer: string, neuron: number, k: number): Promise<{ path: string; thumbnail: string; activation: number }[] | undefined>;
  injectPanelMessage(kind: 'activations', raw: unknown): boolean;
  lastNeuronInsights(): { sceneName: string; similar?: { modelId: string; layer: string; frameId: number; images: { path: string; thumbnail: string; distance: number }[]; error?: string } } | undefined;
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
      assert.ok(fs.statSync(path.join(s.output, layer.topk)).size > IMAGES * layer.channels * 4, layer.topk);
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

  test('Similar to this scene: the panel request lists the indexed images nearest to the frame by cosine distance', async () => {
    const ext = vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!;
    const api = await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // Every channel of conv2 is watched: the frame's channel means are then in lastResults. Feature visualisations
    // of 48 neurons are not wanted here (two cores): off for this test.
    const settings = vscode.workspace.getConfiguration('perturber');
    await settings.update('featureVis.enabled', false, vscode.ConfigurationTarget.Workspace);
    try {
      const scene = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
      scene.name = 'Similar to this scene';
      scene.models = scene.models.filter((m: { id: string }) => m.id === 'standard');
      const channels = 48;
      scene.models[0].watch = [{ layer: 'conv2', neurons: [...Array(channels).keys()] }];
      scene.perturbations = [];
      const sceneFile = path.join(root, 'similar-scene.perturber.json');
      fs.writeFileSync(sceneFile, JSON.stringify(scene, null, 2));
      const folder = path.join(root, 'similar-images');
      fs.mkdirSync(folder, { recursive: true });
      const samplesDir = path.join(ext.extensionPath, 'models', 'lab', 'samples');
      for (const f of fs.readdirSync(samplesDir).filter((n) => n.endsWith('.png')).sort().slice(0, 12)) fs.copyFileSync(path.join(samplesDir, f), path.join(folder, f));

      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(sceneFile), 'perturber.sceneEditor');
      await waitFor('the standard model loaded', () => (api.lastResults()?.predictions.find((p) => p.id === 'standard')?.top.length ?? 0) > 0, 90_000);
      const summary = (await vscode.commands.executeCommand('perturber.indexImageFolder', { folder: 'similar-images', layers: ['conv2'] })) as Summary;
      const output = summary.models[0].output;
      const index = JSON.parse(fs.readFileSync(path.join(output, 'index.json'), 'utf8'));
      const { data: means, shape } = decodeNpy(new Uint8Array(fs.readFileSync(path.join(output, index.layers[0].means))));
      assert.deepStrictEqual(shape, [12, channels]);

      await vscode.commands.executeCommand('perturber.showActivations');
      await waitFor('the activations panel open', () => {
        try {
          return api.injectPanelMessage('activations', { type: 'similarImages', modelId: 'standard', layer: 'conv2' });
        } catch {
          return false; // not open yet
        }
      }, 30_000);
      // The similar images and the results of one and the same frame, read in one go.
      const seen = await waitFor(
        'similar images of the newest frame',
        () => {
          const similar = api.lastNeuronInsights()?.similar;
          const results = api.lastResults();
          if (!similar || !results || similar.layer !== 'conv2' || similar.images.length === 0 || similar.frameId !== results.frameId) return undefined;
          return { similar, results };
        },
        90_000,
        () => JSON.stringify({ similar: api.lastNeuronInsights()?.similar && { ...api.lastNeuronInsights()!.similar!, images: api.lastNeuronInsights()!.similar!.images.length }, frame: api.lastResults()?.frameId }),
      );
      assert.strictEqual(seen.similar.error, undefined);
      const watched = seen.results.activations.find((m) => m.id === 'standard')!.layers.find((l) => l.layer === 'conv2')!;
      const frame = new Float32Array(channels);
      for (const n of watched.neurons) frame[n.index] = n.mean;
      assert.strictEqual(watched.neurons.length, channels);

      // Brute force: the cosine distance of every indexed row to the frame, nearest first, ties by row.
      const brute = index.images
        .map((image: { path: string }, row: number) => {
          let dot = 0, a = 0, b = 0;
          for (let c = 0; c < channels; c++) {
            const v = means[row * channels + c];
            dot += v * frame[c];
            a += v * v;
            b += frame[c] * frame[c];
          }
          return { path: image.path, distance: a === 0 || b === 0 ? 1 : 1 - dot / Math.sqrt(a * b) };
        })
        .sort((x: { distance: number }, y: { distance: number }) => x.distance - y.distance);
      const got = seen.similar.images;
      assert.strictEqual(got.length, 8, 'the panel asks for 8');
      for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].distance <= got[i].distance, 'sorted by cosine distance');
      assert.deepStrictEqual(got.map((g) => g.path), brute.slice(0, 8).map((b: { path: string }) => b.path));
      got.forEach((g, i) => assert.ok(Math.abs(g.distance - brute[i].distance) < 1e-6, `${g.path}: ${g.distance} vs ${brute[i].distance}`));
      for (const g of got) assert.match(g.thumbnail, /^data:image\/png;base64,/);
      console.log(`SIMILAR conv2: frame ${seen.similar.frameId}, nearest ${got.slice(0, 3).map((g) => `${path.basename(g.path)} ${g.distance.toFixed(4)}`).join(', ')}; farthest indexed ${brute[brute.length - 1].distance.toFixed(4)}`);
    } finally {
      await settings.update('featureVis.enabled', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  test('a bad input.resize in a manifest is marked at the bad values in the editor', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(root, 'bad-resize.model.json');
    const manifest = { version: 1, displayName: 'Bad resize', input: { name: 'x', width: 8, height: 8, resize: { mode: 'fill', cropFraction: 0 } }, output: { name: 'y' }, labels: [] };
    const text = JSON.stringify(manifest, null, 2);
    fs.writeFileSync(file, text);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    try {
      const diags = await waitFor('two schema diagnostics', () => {
        const d = vscode.languages.getDiagnostics(doc.uri);
        return d.length >= 2 && d;
      }, 30_000, () => JSON.stringify(vscode.languages.getDiagnostics(doc.uri).map((d) => d.message)));
      const at = (needle: string) => doc.positionAt(text.indexOf(needle) + needle.indexOf(':') + 2);
      for (const [needle, what] of [['"mode": "fill"', /"centerCrop", "stretch", "pad"/], ['"cropFraction": 0', /exclusive minimum of 0/]] as const) {
        const d = diags.find((x) => x.range.contains(at(needle)));
        assert.ok(d, `a diagnostic at ${needle}: ${JSON.stringify(diags.map((x) => [x.message, x.range.start.line, x.range.start.character]))}`);
        assert.match(d.message, what);
      }
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
    }
  });
});
