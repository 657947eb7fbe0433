/**
 * Checkpoint families end to end in a real extension host, on the committed family of test/fixtures/checkpoints
 * (the fixture hue classifier with known changes per checkpoint) copied into the workspace. The scene fades its
 * frame to plain red (an alphaColor perturbation), so every model sees one known image and the scene's predictions
 * can be compared with `classify()` of the same checkpoint. Setting `checkpoint` by a document edit (as the slider
 * does) switches the model; a bad index and a missing file are readable errors; "Show along checkpoints" runs
 * every checkpoint on the frame and saves CSV.
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
interface Prediction {
  label: string;
  probability: number;
}
interface Trend {
  frameId: number;
  checkpoints: { label: string; current: boolean; error?: string }[];
  classes: { label: string; probabilities: (number | null)[] }[];
  neurons: { layer: string; neuron: number; means: (number | null)[] }[];
}
interface Api {
  classify(p: string, img: Image, options?: { checkpoint?: number | null }): Promise<Prediction[]>;
  lastResults(): { frameId: number; predictions: { id: string; top: Prediction[]; error?: string; checkpoint?: { label: string; index: number; count: number } }[] } | undefined;
  lastCheckpointTrend(): Trend | undefined;
}

const RED = [230, 20, 20];

function assertSame(actual: Prediction[], expected: Prediction[], what: string): void {
  assert.deepStrictEqual(actual.map((p) => p.label), expected.map((p) => p.label), what);
  actual.forEach((p, i) => assert.ok(Math.abs(p.probability - expected[i].probability) < 1e-4, `${what}: ${p.label} ${p.probability} vs ${expected[i].probability}`));
}

suite('host: checkpoint families', () => {
  let api: Api;
  let root: string;
  let uri: vscode.Uri;
  const plainRed: Image = { width: 64, height: 64, pixels: new Uint8Array(64 * 64 * 4) };
  for (let i = 0; i < 64 * 64; i++) plainRed.pixels.set([...RED, 255], i * 4);

  /** Replaces the scene's `"checkpoint": ...` value the way the slider's WorkspaceEdit does. */
  async function setCheckpoint(value: number | null): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const match = /"checkpoint": (null|\d+)/.exec(doc.getText());
    assert.ok(match, 'the scene has a checkpoint');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(doc.positionAt(match.index), doc.positionAt(match.index + match[0].length)), `"checkpoint": ${value}`);
    assert.ok(await vscode.workspace.applyEdit(edit));
  }

  function resultsOf(label: string, after = 0) {
    return waitFor(`results of checkpoint ${label}`, () => {
      const r = api.lastResults();
      const hue = r?.predictions.find((p) => p.id === 'hue');
      return r && r.frameId > after && hue?.checkpoint?.label === label && hue.top.length > 0 && { frameId: r.frameId, hue };
    });
  }

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
    const ext = vscode.extensions.getExtension('perturber.perturber-vscode')!;
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const family = path.join(root, 'family');
    fs.mkdirSync(family, { recursive: true });
    const source = path.join(ext.extensionPath, 'test', 'fixtures', 'checkpoints');
    for (const name of fs.readdirSync(source).filter((f) => /\.(onnx|json)$/.test(f))) fs.copyFileSync(path.join(source, name), path.join(family, name));
    fs.copyFileSync(path.join(ext.extensionPath, 'models', 'fixture', 'fixture.onnx'), path.join(family, 'hue.onnx'));
    const scene = JSON.parse(fs.readFileSync(path.join(root, 'teapot.perturber.json'), 'utf8'));
    scene.name = 'Checkpoint family';
    // A second model keeps 64 px frames coming while the family model is in error.
    scene.models = [{ id: 'hue', path: 'family/hue.onnx', checkpoint: 0, watch: [{ layer: 'conv1', neurons: [0, 1] }] }, { id: 'ref', path: 'builtin:fixture' }];
    scene.perturbations = [{ op: 'alphaColor', params: { alpha: 0, color: '#e61414' } }];
    const file = path.join(root, 'checkpoints.perturber.json');
    fs.writeFileSync(file, JSON.stringify(scene, null, 2) + '\n');
    uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
  });

  test('checkpoint 0 runs step 0 (as classify says), a document edit switches to step 2', async () => {
    const expected0 = await api.classify('family/hue.onnx', plainRed, { checkpoint: 0 });
    assert.strictEqual(expected0[0].label, 'green', 'step 0 of the family answers green');
    const first = await resultsOf('step 0');
    assertSame(first.hue.top, expected0, 'checkpoint 0');
    assert.deepStrictEqual(first.hue.checkpoint, { label: 'step 0', index: 0, count: 4 });

    const expected2 = await api.classify('family/hue.onnx', plainRed, { checkpoint: 2 });
    assert.notDeepStrictEqual(expected2.map((p) => p.probability), expected0.map((p) => p.probability));
    await setCheckpoint(2);
    const second = await resultsOf('step 2', first.frameId);
    assertSame(second.hue.top, expected2, 'checkpoint 2');

    const final = await api.classify('family/hue.onnx', plainRed);
    await setCheckpoint(null);
    const third = await resultsOf('final', second.frameId);
    assertSame(third.hue.top, final, 'checkpoint null (the own file)');
    assert.strictEqual(third.hue.top[0].label, 'red');
  });

  test('"Show along checkpoints" runs every checkpoint on the frame; CSV is saved under .perturber/', async () => {
    const selected = await vscode.commands.executeCommand<string | null>('perturber.showCheckpointTrend', 'hue');
    assert.strictEqual(selected, 'hue');
    const trend = await waitFor('a trend', () => {
      const t = api.lastCheckpointTrend();
      return t && t.checkpoints.length === 4 && t.checkpoints[3].current && t;
    });
    assert.deepStrictEqual(trend.checkpoints.map((c) => [c.label, c.error]), [['step 0', undefined], ['step 1', undefined], ['step 2', undefined], ['final', undefined]]);
    assert.strictEqual(trend.classes[0].label, 'red', 'the classes are the current (final) checkpoint\'s top-k');
    const step0 = await api.classify('family/hue.onnx', plainRed, { checkpoint: 0 });
    const redAt0 = step0.find((p) => p.label === 'red');
    if (redAt0) assert.ok(Math.abs(trend.classes[0].probabilities[0]! - redAt0.probability) < 1e-4);
    assert.deepStrictEqual(trend.neurons.map((n) => `${n.layer}#${n.neuron}`), ['conv1#0', 'conv1#1']);
    // conv1 of step k is the final's times 0.25 + 0.75 k/3 (make_checkpoints.py).
    for (const n of trend.neurons) n.means.forEach((m, k) => assert.ok(Math.abs(m! - (0.25 + 0.25 * k) * n.means[3]!) < 1e-3, `${n.neuron}@${k}`));

    const files = await vscode.commands.executeCommand<vscode.Uri[]>('perturber.saveCheckpointTrend');
    assert.strictEqual(files.length, 2);
    const predictions = fs.readFileSync(files[0].fsPath, 'utf8').trim().split('\n');
    assert.ok(files[0].fsPath.startsWith(path.join(root, '.perturber')), files[0].fsPath);
    assert.strictEqual(predictions[0], 'checkpoint,step,class_index,class,probability');
    assert.strictEqual(predictions.length, 1 + 4 * trend.classes.length);
    assert.match(fs.readFileSync(files[1].fsPath, 'utf8'), /^checkpoint,step,layer,neuron,mean\nstep 0,0,conv1,0,/);

    assert.strictEqual(await vscode.commands.executeCommand('perturber.showCheckpointTrend', null), null);
    assert.strictEqual(api.lastCheckpointTrend(), undefined);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('perturber.showCheckpointTrend', 'nope')), /"nope" is not a checkpoint family/);
  });

  test('an index beyond the family is a located diagnostic and the model\'s error; a missing file names its checkpoint', async () => {
    await setCheckpoint(7);
    const diags = await waitFor('a checkpoint diagnostic', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => /beyond the checkpoint family/.test(x.message));
      return d.length > 0 && d;
    });
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.strictEqual(doc.getText(diags[0].range), '7', 'located at the index');
    assert.match(diags[0].message, /checkpoint 7 is beyond the checkpoint family of hue.model.json \(3 checkpoints: 0..2\)/);
    await waitFor('the model error', () => {
      const hue = api.lastResults()?.predictions.find((p) => p.id === 'hue');
      return hue && /beyond the checkpoint family/.test(hue.error ?? '') && hue;
    });

    fs.rmSync(path.join(root, 'family', 'hue-step1.onnx'));
    await setCheckpoint(1);
    const missing = await waitFor('the missing-file error', () => {
      const hue = api.lastResults()?.predictions.find((p) => p.id === 'hue');
      return hue && /model file not found/.test(hue.error ?? '') && hue;
    });
    assert.match(missing.error!, /^checkpoint 1 \("step 1"\) of hue.model.json: model file not found: .*hue-step1.onnx/);
    // Back to a good checkpoint: the model runs again (nothing crashed).
    await setCheckpoint(2);
    await resultsOf('step 2');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
