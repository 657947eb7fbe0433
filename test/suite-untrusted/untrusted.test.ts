/**
 * Every command in an untrusted workspace (README "In an untrusted workspace"; src/trust.ts), in a real extension
 * host that opened the folder in restricted mode (scripts/run-tests.mjs stage `untrusted`). A scene with a built-in
 * model (lab/adversarial, a checkpoint family) and a workspace model file (a copy of the fixture model): the built-in
 * one runs everywhere, the workspace one is refused with the trust message, the workspace settings
 * test/fixtures/untrusted-workspace/.vscode/settings.json sets are applied except the restricted ones, and no
 * workspace .onnx ever reaches the model store (the last test).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { waitFor } from '../suite/waitFor';

type Top = { label: string; probability: number }[];
interface Api {
  lastResults(): { frameId: number; predictions: { id: string; top: Top; error?: string }[] } | undefined;
  lastCheckpointTrend(): { modelId: string; checkpoints: { current?: boolean; error?: string }[]; error?: string } | undefined;
  featureVis(modelPath: string, request: { layer: string; neurons: number[]; settings?: Record<string, unknown>; wait?: boolean }): Promise<{ states: { state: string }[] }>;
  trustReport(): { trusted: boolean; lastUserError?: string; modelFiles: string[]; sceneStatus?: string };
  lastModelInput(): { frameId: number } | undefined;
  modelInspector(onnxPath?: string): { posted(): { type: string; probed?: boolean; note?: string }[] } | undefined;
}

const ID = 'perturber.perturber-vscode';
/** What every refusal says: that trust is why, and how to grant it. */
const REFUSAL = /untrusted workspace[\s\S]*trust the workspace to allow it \("Manage Workspace Trust"/;
const WS_MODEL = 'trust-models/ws.onnx';

function run<T>(command: string, ...args: unknown[]): Promise<T> {
  return Promise.resolve(vscode.commands.executeCommand<T>(command, ...args));
}

/** A refusal: the command rejects (called with arguments) or shows it (the recorded last error); either names trust. */
async function refusal(api: Api, command: string, ...args: unknown[]): Promise<string> {
  const before = api.trustReport().lastUserError;
  let text: string | undefined;
  try {
    const result = await run<unknown>(command, ...args);
    const shown = api.trustReport().lastUserError;
    assert.notStrictEqual(shown, before, `${command} neither refused nor showed an error; it returned ${JSON.stringify(result)?.slice(0, 200)}`);
    text = shown;
  } catch (error) {
    text = error instanceof Error ? error.message : String(error);
  }
  assert.match(text ?? '', REFUSAL, `${command}: ${text}`);
  return text ?? '';
}

function results(api: Api, id: string) {
  return api.lastResults()?.predictions.find((p) => p.id === id);
}

suite('untrusted workspace: every command', () => {
  let api: Api;
  let root: string;
  let extensionPath: string;
  let scene: vscode.Uri;

  suiteSetup(async function () {
    this.timeout(120_000);
    // The whole suite means nothing in a trusted window: stop at once, loudly.
    assert.strictEqual(vscode.workspace.isTrusted, false, 'the workspace is TRUSTED: code-server must run without --disable-workspace-trust');
    const extension = vscode.extensions.getExtension<Api>(ID)!;
    api = await extension.activate();
    extensionPath = extension.extensionPath;
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    fs.mkdirSync(path.join(root, 'trust-models'), { recursive: true });
    fs.copyFileSync(path.join(extensionPath, 'models', 'fixture', 'fixture.onnx'), path.join(root, WS_MODEL));
    fs.copyFileSync(path.join(extensionPath, 'models', 'fixture', 'fixture.model.json'), path.join(root, 'trust-models', 'ws.model.json'));
    fs.mkdirSync(path.join(root, 'trust-images'), { recursive: true });
    for (const name of ['texture-fur.png', 'object-mug.png']) fs.copyFileSync(path.join(extensionPath, 'test', 'ui', 'golden', name), path.join(root, 'trust-images', name));
    const value = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
    value.models = [
      { id: 'adversarial', path: 'builtin:lab/adversarial', checkpoint: null, watch: [{ layer: 'mixed3b', neurons: [0, 1] }] },
      { id: 'ws', path: WS_MODEL, watch: [{ layer: 'conv1', neurons: [0] }] },
    ];
    // Cheap feature visualisations of the watched neurons: the suite waits for them once (featureVis test).
    value.featureVis = { size: 32, steps: 4 };
    value.sweep = { name: 'trust', parameters: [{ path: 'camera.azimuth', values: [0, 30] }], models: ['adversarial'], record: { topK: 3 } };
    const file = path.join(root, 'trust-mixed.perturber.json');
    fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
    scene = vscode.Uri.file(file);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await run('perturber.openInSceneEditor', scene);
    await waitFor('the built-in model\'s predictions', () => (results(api, 'adversarial')?.top.length ?? 0) > 0, 90_000, () => JSON.stringify(api.lastResults()?.predictions));
  });

  suiteTeardown(async () => {
    for (const doc of vscode.workspace.textDocuments) if (doc.isDirty) await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the folder opened in restricted mode, and the API says so', () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
    assert.strictEqual(api.trustReport().trusted, false);
  });

  test('restricted settings (searchPaths, executionProviders) are ignored; the other workspace settings apply', () => {
    const file = JSON.parse(fs.readFileSync(path.join(root, '.vscode', 'settings.json'), 'utf8'));
    assert.deepStrictEqual(file['perturber.models.searchPaths'], ['search'], 'the fixture sets it');
    assert.deepStrictEqual(file['perturber.inference.executionProviders'], ['cuda'], 'the fixture sets it');
    const c = vscode.workspace.getConfiguration();
    assert.deepStrictEqual(c.get('perturber.models.searchPaths'), []);
    assert.deepStrictEqual(c.get('perturber.inference.executionProviders'), ['cpu']);
    assert.strictEqual(c.inspect('perturber.models.searchPaths')?.workspaceValue, undefined);
    assert.strictEqual(c.get('perturber.predictions.topK'), 3, 'the same file\'s unrestricted setting applies');
    assert.strictEqual(results(api, 'adversarial')?.top.length, 3, 'the panels show topK = 3 predictions');
  });

  test('openInSceneEditor, showPredictions, showActivations, openAsJson: the scene renders, the built-in model runs, the status says why the workspace model does not', async () => {
    const ws = results(api, 'ws');
    assert.ok(ws && ws.top.length === 0, JSON.stringify(ws));
    assert.match(ws.error ?? '', REFUSAL);
    const status = api.trustReport().sceneStatus ?? '';
    assert.match(status, /^Restricted mode: models\[1\] not loaded, since model files from the workspace are not loaded/, status);
    assert.match(status, /Manage Workspace Trust/, status);
    await run('perturber.showPredictions');
    await run('perturber.showActivations');
    await run('perturber.openAsJson', scene);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, scene.fsPath, 'the scene as JSON');
    await run('perturber.openInSceneEditor', scene);
    // The next commands need a frame of the reopened editor.
    await waitFor('a frame of the reopened scene editor', () => api.lastModelInput(), 60_000);
  });

  test('classifyImage: a built-in model and the scene\'s built-in model classify; a workspace model is refused', async () => {
    const image = vscode.Uri.file(path.join(root, 'trust-images', 'object-mug.png'));
    const builtin = await run<{ id: string; top: Top }[]>('perturber.classifyImage', image, 'builtin:fixture');
    assert.strictEqual(builtin[0].top.length, 3);
    const withScene = await run<{ id: string; top: Top; error?: string }[]>('perturber.classifyImage', image);
    assert.strictEqual(withScene.find((p) => p.id === 'adversarial')?.top.length, 3);
    assert.match(withScene.find((p) => p.id === 'ws')?.error ?? '', REFUSAL);
    await refusal(api, 'perturber.classifyImage', image, WS_MODEL);
  });

  test('downloadModel is refused at once, before looking at its arguments', async () => {
    const text = await refusal(api, 'perturber.downloadModel', 'no-such-model');
    assert.match(text, /Downloading a model is disabled/);
    assert.ok(!fs.existsSync(path.join(root, 'models')), 'no models/ folder');
  });

  test('attackScene: the built-in model is attacked; the workspace model is refused', async () => {
    await refusal(api, 'perturber.attackScene', { model: 'ws', target: 0 });
    assert.match(api.trustReport().lastUserError ?? '', REFUSAL, 'the notification too');
    const summary = await run<{ stepsDone: number; files: { npy: string } }>('perturber.attackScene', { model: 'adversarial', target: 'car', steps: 2, randomStart: false });
    assert.strictEqual(summary.stepsDone, 2);
    assert.ok(fs.existsSync(summary.files.npy), summary.files.npy);
  });

  test('findRelevantNeurons: the built-in model ranks; the workspace model is refused', async () => {
    await refusal(api, 'perturber.findRelevantNeurons', { model: 'ws', class: 0, layer: 'conv1' });
    const ranking = await run<{ top: number[]; csv: string }>('perturber.findRelevantNeurons', { model: 'adversarial', class: 'dog', layer: 'mixed3b', k: 2 });
    assert.strictEqual(ranking.top.length, 2);
    assert.ok(fs.existsSync(ranking.csv), ranking.csv);
  });

  test('indexImageFolder: the built-in model indexes; the workspace model is refused', async () => {
    await refusal(api, 'perturber.indexImageFolder', { folder: 'trust-images', models: ['ws'] });
    const summary = await run<{ models: { model: string; images: number }[] }>('perturber.indexImageFolder', { folder: 'trust-images', models: ['adversarial'], layers: ['mixed3b'] });
    assert.deepStrictEqual(summary.models.map((m) => [m.model, m.images]), [['adversarial', 2]]);
  });

  test('checkpoint trend: a built-in family is plotted and saved; the workspace model is refused', async () => {
    await refusal(api, 'perturber.showCheckpointTrend', 'ws');
    assert.strictEqual(await run<string | null>('perturber.showCheckpointTrend', 'adversarial'), 'adversarial');
    const trend = await waitFor('the trend along the checkpoints', () => {
      const t = api.lastCheckpointTrend();
      return t && (t.error !== undefined || (t.checkpoints.length === 6 && t.checkpoints[5].current)) && t;
    }, 60_000, () => JSON.stringify(api.lastCheckpointTrend()));
    assert.strictEqual(trend.error, undefined, trend.error);
    assert.deepStrictEqual(trend.checkpoints.map((c) => c.error), Array(6).fill(undefined), 'every built-in checkpoint ran');
    const files = await run<vscode.Uri[]>('perturber.saveCheckpointTrend');
    for (const f of files) assert.ok(fs.existsSync(f.fsPath), f.fsPath);
    assert.strictEqual(await run<string | null>('perturber.showCheckpointTrend', null), null);
  });

  test('runSweep runs on the built-in model, showSweepResults shows it; a sweep that needs the workspace model is refused', async () => {
    const summary = await run<{ complete: boolean; rows: number; folder: string } | undefined>('perturber.runSweep', { scene: scene.toString() });
    assert.ok(summary?.complete, `the sweep failed: ${api.trustReport().lastUserError}`);
    assert.strictEqual(summary.rows, 2);
    assert.ok(await run<unknown>('perturber.showSweepResults', { run: summary.folder }), 'a results view');
    await run('perturber.openInSceneEditor', scene);
    const doc = await vscode.workspace.openTextDocument(scene);
    const value = JSON.parse(doc.getText());
    value.sweep.models = ['adversarial', 'ws'];
    const edit = new vscode.WorkspaceEdit();
    edit.replace(scene, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), JSON.stringify(value, null, 2) + '\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const text = await refusal(api, 'perturber.runSweep', { scene: scene.toString() });
    assert.match(text, /^Run Sweep: models not loaded: ws /);
  });

  test('feature visualisation: of a built-in model, yes; of a workspace model, refused; cancelFeatureVis answers', async () => {
    const settings = { size: 32, steps: 4, seed: 7 };
    const done = await api.featureVis('builtin:fixture', { layer: 'conv1', neurons: [0], settings, wait: true });
    assert.deepStrictEqual(done.states.map((s) => s.state), ['ready']);
    await assert.rejects(api.featureVis(WS_MODEL, { layer: 'conv1', neurons: [0], settings }), REFUSAL);
    await run('perturber.cancelFeatureVis');
  });

  test('newScene and openSample: new scenes use built-in models, which run; addModel takes a built-in file, refuses a workspace one', async () => {
    const uri = vscode.Uri.file(path.join(root, 'trust-new.perturber.json'));
    await run('perturber.newScene', uri);
    await waitFor('the new scene\'s fixture predictions', () => (results(api, 'fixture')?.top.length ?? 0) > 0, 60_000);
    await refusal(api, 'perturber.addModel', vscode.Uri.file(path.join(root, WS_MODEL)), ['conv1']);
    const added = await run<{ id: string; path: string }>('perturber.addModel', vscode.Uri.file(path.join(extensionPath, 'models', 'fixture', 'fixture.onnx')), ['conv1']);
    assert.deepStrictEqual([added.id, added.path], ['fixture-2', 'builtin:fixture']);
    const sample = await run<vscode.Uri>('perturber.openSample', 'teapot');
    assert.ok(sample && fs.existsSync(sample.fsPath));
  });

  test('inspectModel shows a workspace model\'s graph without running it (the note says why); a built-in one is run', async () => {
    const layersOf = async (file: string) => {
      await run('perturber.inspectModel', vscode.Uri.file(file));
      return waitFor(`the inspector's layers of ${path.basename(file)}`, () => api.modelInspector(file)?.posted().find((m) => m.type === 'layers'), 30_000);
    };
    const ws = await layersOf(path.join(root, WS_MODEL));
    assert.strictEqual(ws.probed, false);
    assert.match(ws.note ?? '', REFUSAL);
    const builtin = await layersOf(path.join(extensionPath, 'models', 'fixture', 'fixture.onnx'));
    assert.strictEqual(builtin.probed, true, builtin.note);
  });

  // Last, after every command had its chance to read one.
  test('no workspace model file ever reached the model store; built-in ones did', () => {
    const files = api.trustReport().modelFiles;
    const models = path.join(extensionPath, 'models') + path.sep;
    assert.ok(files.some((f) => f.startsWith(models)), `built-in models were loaded: ${files.join(', ')}`);
    const outside = files.filter((f) => !f.startsWith(models));
    assert.deepStrictEqual(outside, [], 'model files loaded from outside the extension');
  });
});
