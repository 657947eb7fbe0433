/**
 * The model inspector (issue 10) in a real extension host: an `.onnx` copied into the sample workspace opens in
 * `perturber.modelInspector`; what the webview is sent (through the API's test accessor) matches the `onnx`
 * package's numbers (test/unit/fixtures/modelSummary/reference.json); the layers come from the model store's probe;
 * "Create manifest" writes the proposed manifest once and never overwrites it; "Add to scene" appends the model to a
 * scene file as one undoable edit; a corrupt or truncated file gives an error state, and the extension keeps working.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { HostToInspector } from '../../core/inspectorMessages';
import type { Scene, SceneModel } from '../../core/sceneTypes';
import { waitFor } from './waitFor';

/** Mirrors the inspector part of PerturberApi (src/api.ts) and ModelInspectorHandle (src/modelInspector). */
interface InspectorHandle {
  readonly onnxPath: string;
  posted(): HostToInspector[];
  receive(raw: unknown): boolean;
  addToScene(sceneUri?: vscode.Uri, layers?: readonly string[]): Promise<SceneModel | undefined>;
}
interface PerturberApi {
  modelInspector(onnxPath?: string): InspectorHandle | undefined;
}

const EXTENSION_ID = 'perturber.perturber-vscode';
const VIEW_TYPE = 'perturber.modelInspector';

type Model = Extract<HostToInspector, { type: 'model' }>;
type Layers = Extract<HostToInspector, { type: 'layers' }>;

function latest<T extends HostToInspector['type']>(handle: InspectorHandle, type: T): Extract<HostToInspector, { type: T }> | undefined {
  return handle.posted().filter((m): m is Extract<HostToInspector, { type: T }> => m.type === type).at(-1);
}

suite('model inspector: .onnx files open in a read-only inspector', () => {
  let api: PerturberApi;
  let root: string;
  let extensionPath: string;
  const created: string[] = [];

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<PerturberApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    api = await ext.activate();
    extensionPath = ext.extensionPath;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder open');
    root = folder.uri.fsPath;
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const file of created) fs.rmSync(file, { force: true });
  });

  function copyInto(name: string, bytes: Uint8Array): string {
    const file = path.join(root, name);
    fs.writeFileSync(file, bytes);
    created.push(file);
    return file;
  }

  async function open(file: string): Promise<InspectorHandle> {
    const started = Date.now();
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
    const handle = await waitFor(`an inspector of ${path.basename(file)}`, () => api.modelInspector(file), 20_000);
    await waitFor(`the summary of ${path.basename(file)}`, () => handle.posted().some((m) => m.type === 'model' || m.type === 'inspectError'), 20_000);
    console.log(`model inspector: ${path.basename(file)} summarised ${Date.now() - started} ms after openWith`);
    return handle;
  }

  test('the fixture model: summary as the onnx package counts it, layers from the probe, manifest absent', async () => {
    const reference = JSON.parse(fs.readFileSync(path.join(extensionPath, 'test', 'unit', 'fixtures', 'modelSummary', 'reference.json'), 'utf8'));
    const expected = reference['models/fixture/fixture.onnx'];
    const file = copyInto('inspector-fixture.onnx', fs.readFileSync(path.join(extensionPath, 'models', 'fixture', 'fixture.onnx')));
    const handle = await open(file);
    const model = latest(handle, 'model') as Model;
    assert.ok(model, `no model message: ${JSON.stringify(handle.posted()).slice(0, 300)}`);
    assert.strictEqual(model.file, 'inspector-fixture.onnx');
    assert.deepStrictEqual(Object.fromEntries(model.summary.ops.map((o) => [o.op, o.count])), expected.ops);
    assert.strictEqual(model.summary.parameterCount, expected.parameterCount);
    assert.strictEqual(model.summary.weightBytes, expected.weightBytes);
    assert.deepStrictEqual(model.summary.inputs, expected.inputs);
    assert.deepStrictEqual(model.summary.gradients, { supported: true, input: 'input', unsupported: [] });
    assert.deepStrictEqual(model.manifest, { state: 'absent', file: 'inspector-fixture.model.json' });

    const layers = await waitFor('the layers', () => latest(handle, 'layers'), 60_000) as Layers;
    assert.strictEqual(layers.probed, true, layers.note);
    const conv = layers.layers.filter((l) => l.op === 'Conv' || l.op === 'Relu');
    assert.ok(conv.length >= 3, JSON.stringify(layers.layers.map((l) => l.name)));
    for (const l of conv) assert.ok(l.shape.length === 3 && l.shape.every((d) => typeof d === 'number' && d > 0), `${l.name}: ${JSON.stringify(l.shape)}`);
    assert.deepStrictEqual(layers.layers.at(-1)?.shape, [8], 'the output layer: 8 classes');
  });

  test('Create manifest writes the proposed manifest once; the view then shows it fitting; it is never overwritten', async () => {
    const file = path.join(root, 'inspector-fixture.onnx');
    const manifestPath = path.join(root, 'inspector-fixture.model.json');
    created.push(manifestPath);
    const handle = await open(file);
    const before = handle.posted().length;
    assert.strictEqual(handle.receive({ type: 'createManifest' }), true);
    const shown = await waitFor('a model message with the manifest present', () => {
      const m = handle.posted().slice(before).filter((x): x is Model => x.type === 'model').at(-1);
      return m?.manifest.state === 'present' ? m.manifest : undefined;
    }, 20_000);
    assert.ok(shown.state === 'present');
    assert.deepStrictEqual(shown.problems, []);
    assert.strictEqual(shown.manifest?.input.name, 'input');
    assert.strictEqual(shown.manifest?.input.width, 64);
    const text = fs.readFileSync(manifestPath, 'utf8');
    // The first create's own notice may come after the model message above: wait for it before counting.
    const wrote = await waitFor('the notice of the write', () => handle.posted().slice(before).find((m) => m.type === 'notice'), 10_000);
    assert.ok(wrote.type === 'notice' && !wrote.failed && /Wrote inspector-fixture\.model\.json/.test(wrote.text), JSON.stringify(wrote));

    const count = handle.posted().length;
    handle.receive({ type: 'createManifest' });
    const refused = await waitFor('the refusal', () => handle.posted().slice(count).find((m) => m.type === 'notice'), 10_000);
    assert.ok(refused.type === 'notice' && refused.failed && /exists already/.test(refused.text), JSON.stringify(refused));
    assert.strictEqual(fs.readFileSync(manifestPath, 'utf8'), text, 'the manifest was rewritten');

    // Messages the guard refuses change nothing.
    assert.strictEqual(handle.receive({ type: 'createManifest', path: '/etc/passwd' }), false);
    assert.strictEqual(handle.receive({ type: 'deleteModel' }), false);
    assert.strictEqual(handle.receive(null), false);
  });

  test('Add to scene appends the model to a scene file as one undoable edit', async () => {
    const onnx = path.join(root, 'inspector-fixture.onnx');
    const sceneFile = path.join(root, 'inspector-scene.perturber.json');
    fs.copyFileSync(path.join(root, 'mug-on-sky.perturber.json'), sceneFile);
    created.push(sceneFile);
    const handle = await open(onnx);
    const layers = await waitFor('the layers', () => latest(handle, 'layers'), 60_000);
    const layer = layers.layers.find((l) => l.op === 'Conv' || l.op === 'Relu');
    assert.ok(layer);
    const sceneUri = vscode.Uri.file(sceneFile);
    const added = await handle.addToScene(sceneUri, [layer.tensor]);
    assert.ok(added, 'nothing was added');
    assert.strictEqual(added.path, 'inspector-fixture.onnx');
    assert.strictEqual(added.watch.length, 1);

    const document = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === sceneFile);
    assert.ok(document, 'the scene is not open');
    const scene = JSON.parse(document.getText()) as Scene;
    assert.deepStrictEqual(scene.models.map((m) => m.id), ['fixture', added.id]);
    assert.deepStrictEqual(scene.models[1].watch[0].layer, added.watch[0].layer);
    const notice = latest(handle, 'notice');
    assert.ok(notice && !notice.failed && notice.text.includes(added.id), JSON.stringify(notice));

    await vscode.commands.executeCommand('vscode.openWith', sceneUri, 'perturber.sceneEditor');
    await vscode.commands.executeCommand('undo');
    await waitFor('one undo to take the model out', () => (JSON.parse(document.getText()) as Scene).models.length === 1, 10_000);
    await vscode.commands.executeCommand('redo');
    assert.ok(await document.save(), 'saved (closing a dirty editor would ask)');
  });

  test('MobileNetV2 of ../shared/models (when present): summary and probed layers, with timings', async function () {
    const file = path.resolve(extensionPath, '..', 'shared', 'models', 'mobilenet_v2_1.0_224.onnx');
    if (!fs.existsSync(file)) {
      this.skip();
      return;
    }
    const started = Date.now();
    const handle = await open(file);
    const model = latest(handle, 'model');
    assert.ok(model, JSON.stringify(handle.posted()).slice(0, 300));
    assert.ok(model.summary.parameterCount > 3e6 && model.summary.gradients.supported, JSON.stringify(model.summary.gradients));
    const summaryMs = Date.now() - started;
    const layers = await waitFor('the layers', () => latest(handle, 'layers'), 120_000);
    console.log(`model inspector: MobileNetV2 (${model.summary.fileBytes} bytes) summary ${summaryMs} ms, ${layers.layers.length} layers ${Date.now() - started} ms after openWith (probed: ${layers.probed})`);
    assert.ok(layers.layers.length > 50, String(layers.layers.length));
  });

  test('a corrupt, a text and a truncated .onnx give an error state naming the problem', async () => {
    const fixture = fs.readFileSync(path.join(extensionPath, 'models', 'fixture', 'fixture.onnx'));
    const cases: [string, Uint8Array, RegExp][] = [
      ['inspector-corrupt.onnx', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24), /not a readable ONNX model/],
      ['inspector-text.onnx', new TextEncoder().encode('version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n'), /not a readable ONNX model/],
      ['inspector-truncated.onnx', fixture.subarray(0, 5000), /not a readable ONNX model/],
      ['inspector-empty.onnx', new Uint8Array(0), /empty/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const handle = await open(copyInto(name, bytes));
      const posted = handle.posted();
      const error = posted.find((m) => m.type === 'inspectError');
      assert.ok(error && error.type === 'inspectError', `${name}: ${JSON.stringify(posted).slice(0, 300)}`);
      assert.strictEqual(error.file, name);
      assert.match(error.message, pattern, name);
      assert.ok(!posted.some((m) => m.type === 'model' || m.type === 'layers'), name);
    }
    // The extension still answers: the fixture inspector reads its file again.
    const again = await open(path.join(root, 'inspector-fixture.onnx'));
    assert.ok(latest(again, 'model'));
  });
});
