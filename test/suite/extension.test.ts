/**
 * Extension-host tests: the real `vscode` API inside code-server (scripts/extensionTests.mjs), or VS Code desktop
 * under @vscode/test-electron. The workspace is a temporary copy of samples/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { findNodeAtLocation, parse as parseJsonc, parseTree } from 'jsonc-parser';
import type { LayerInfo } from '../../core/manifestTypes';
import type { FrameImage, ModelActivations, ModelPredictions, Prediction } from '../../core/protocol';
import type { Scene } from '../../core/sceneTypes';
import { waitFor } from './waitFor';

/** Mirrors PerturberApi in src/api.ts (docs/CONTRACTS.md); kept local so the tests do not compile host code. */
interface PerturberApi {
  classify(modelPath: string, image: FrameImage): Promise<Prediction[]>;
  lastResults(): { frameId: number; predictions: ModelPredictions[]; activations: ModelActivations[] } | undefined;
  listLayers(modelPath: string): Promise<LayerInfo[]>;
}

const EXTENSION_ID = 'perturber.perturber-vscode';
const CONTRACT_COMMANDS = [
  'perturber.newScene',
  'perturber.addModel',
  'perturber.showPredictions',
  'perturber.showActivations',
  'perturber.openAsJson',
  'perturber.openInSceneEditor',
  'perturber.classifyImage',
];
const CAT_CLASSES = /^(tiger cat|Egyptian cat|tabby|Persian cat|Siamese cat)/;

function extension(): vscode.Extension<PerturberApi> {
  const ext = vscode.extensions.getExtension<PerturberApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

async function activeApi(): Promise<PerturberApi> {
  const api = await extension().activate();
  assert.ok(api, 'activate() returned no API');
  return api;
}

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder open (the runner opens a copy of samples/)');
  return folder.uri.fsPath;
}

function sceneUri(): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceRoot(), 'teapot.perturber.json'));
}

function readScene(file: string): Scene {
  return parseJsonc(fs.readFileSync(file, 'utf8')) as Scene;
}

async function openSceneEditor(): Promise<void> {
  await vscode.commands.executeCommand('vscode.openWith', sceneUri(), 'perturber.sceneEditor');
  await waitFor('the scene editor tab', () => {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputCustom && input.viewType === 'perturber.sceneEditor' && input;
  }, 20_000);
}

/** The fixed test input of models/fixture/fixture.expected.json: grey 128 and a disc of radius 18 at (32, 32). */
function formulaImage(colour: number[], size = 64): FrameImage {
  const pixels = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - 32) ** 2 + (y - 32) ** 2 <= 18 ** 2;
      const i = (y * size + x) * 4;
      pixels[i] = inside ? colour[0] : 128;
      pixels[i + 1] = inside ? colour[1] : 128;
      pixels[i + 2] = inside ? colour[2] : 128;
      pixels[i + 3] = 255;
    }
  }
  return { width: size, height: size, pixels };
}

function softmax(x: number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** The top-1 label from whatever perturber.classifyImage returns (Prediction[], { predictions }, { top } or a label). */
function topLabel(result: unknown): string | undefined {
  if (typeof result === 'string') return result;
  if (Array.isArray(result)) return topLabel(result[0]);
  if (result && typeof result === 'object') {
    const r = result as Record<string, unknown>;
    if (typeof r.label === 'string') return r.label;
    for (const key of ['predictions', 'top']) if (key in r) return topLabel(r[key]);
  }
  return undefined;
}

suite('Perturber extension', () => {
  let api: PerturberApi;

  suiteSetup(async function () {
    this.timeout(60_000);
    api = await activeApi();
  });

  suiteTeardown(() => {
    // Under F5 the workspace is the repo's samples/ itself: leave nothing behind.
    fs.rmSync(path.join(workspaceRoot(), '.perturber-test'), { recursive: true, force: true });
  });

  test('activates and returns the PerturberApi', () => {
    assert.strictEqual(extension().isActive, true);
    for (const fn of ['classify', 'lastResults', 'listLayers'] as const) {
      assert.strictEqual(typeof api[fn], 'function', `api.${fn} is not a function`);
    }
  });

  test('every contributed command is registered', async () => {
    const contributed: { command: string }[] = extension().packageJSON.contributes?.commands ?? [];
    const ids = contributed.map((c) => c.command);
    for (const id of CONTRACT_COMMANDS) assert.ok(ids.includes(id), `package.json does not contribute ${id}`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = ids.filter((id) => !registered.has(id));
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('fixture model: expected top-1 for the formula images', async () => {
    const dir = path.join(extension().extensionPath, 'models', 'fixture');
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'fixture.expected.json'), 'utf8')) as {
      cases: { colour: number[]; logits: number[]; top1: string }[];
      tolerance?: { logits?: number };
    };
    assert.ok(expected.cases.length > 0, 'fixture.expected.json has no cases');
    for (const c of expected.cases) {
      const predictions = await api.classify(path.join(dir, 'fixture.onnx'), formulaImage(c.colour));
      assert.ok(predictions.length > 0, `no predictions for colour ${c.colour}`);
      assert.strictEqual(predictions[0].label, c.top1, `colour ${c.colour}: top-1 ${predictions[0].label}, expected ${c.top1}`);
      const p = softmax(c.logits)[predictions[0].index];
      assert.ok(Math.abs(predictions[0].probability - p) < 1e-3, `colour ${c.colour}: probability ${predictions[0].probability}, expected ${p}`);
    }
  });

  test('listLayers names the fixture model layers and aliases, named ones first', async () => {
    const layers = await api.listLayers(path.join(extension().extensionPath, 'models', 'fixture', 'fixture.onnx'));
    const conv1 = layers.find((l) => l.tensor === 'conv1_relu');
    assert.ok(conv1, `conv1_relu not among ${layers.map((l) => l.tensor).join(', ')}`);
    assert.strictEqual(conv1.alias, 'conv1');
    // Named layers first, as in the Add Model picker: the manifest's conv1..conv3, then the rest, the output last.
    assert.deepStrictEqual(layers.slice(0, 3).map((l) => l.alias), ['conv1', 'conv2', 'conv3']);
    assert.ok(layers.slice(3).every((l) => l.alias === undefined));
    assert.strictEqual(layers[layers.length - 1].tensor, 'logits');
  });

  test('teapot scene opens in the custom editor', async () => {
    await openSceneEditor();
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(input instanceof vscode.TabInputCustom);
    assert.strictEqual(input.viewType, 'perturber.sceneEditor');
    assert.strictEqual(path.basename(input.uri.fsPath), 'teapot.perturber.json');
  });

  test('the opened scene is rendered and classified: predictions and activations arrive', async () => {
    await openSceneEditor();
    const scene = readScene(sceneUri().fsPath);
    assert.ok(scene.models?.length > 0, 'teapot.perturber.json has no models');
    const complete = () => {
      const r = api.lastResults();
      if (!r) return undefined;
      const ok = scene.models.every((m) => {
        const pred = r.predictions.find((p) => p.id === m.id);
        const act = r.activations.find((a) => a.id === m.id);
        return pred && !pred.error && pred.top.length === 5 && act && !act.error &&
          m.watch.every((w) => act.layers.find((l) => l.layer === w.layer)?.neurons.length === w.neurons.length);
      });
      return ok && r;
    };
    const results = await waitFor('lastResults() with predictions and activations for every model of the scene', complete, 60_000,
      () => JSON.stringify(api.lastResults(), (k, v) => (k === 'map' ? `[${(v as Float32Array).length} values]` : v)).slice(0, 1500));
    for (const m of scene.models) {
      const pred = results.predictions.find((p) => p.id === m.id)!;
      const probs = pred.top.map((p) => p.probability);
      assert.ok(probs.every((p, i) => p >= 0 && p <= 1 && (i === 0 || p <= probs[i - 1])), `${m.id}: top-5 not sorted probabilities: ${probs}`);
      const act = results.activations.find((a) => a.id === m.id)!;
      for (const w of m.watch) {
        const layer = act.layers.find((l) => l.layer === w.layer)!;
        assert.deepStrictEqual(layer.neurons.map((n) => n.index), w.neurons, `${m.id}/${w.layer}: neuron indices`);
        for (const n of layer.neurons) {
          assert.strictEqual(n.map.length, layer.height * layer.width, `${m.id}/${w.layer}#${n.index}: map size`);
          assert.ok(Number.isFinite(n.mean), `${m.id}/${w.layer}#${n.index}: mean ${n.mean}`);
        }
      }
    }
  });

  test('a WorkspaceEdit re-renders the scene, and undo restores the text', async () => {
    await openSceneEditor();
    const doc = await vscode.workspace.openTextDocument(sceneUri());
    const original = doc.getText();
    const before = await waitFor('a first frame', () => api.lastResults()?.frameId, 60_000);
    const node = findNodeAtLocation(parseTree(original)!, ['camera', 'azimuth']);
    assert.ok(node && typeof node.value === 'number', 'teapot.perturber.json has no numeric camera.azimuth');
    const azimuth = ((node.value as number) + 37) % 360;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(node.offset), doc.positionAt(node.offset + node.length)), String(azimuth));
    assert.ok(await vscode.workspace.applyEdit(edit), 'applyEdit refused the edit');
    assert.strictEqual((parseJsonc(doc.getText()) as Scene).camera.azimuth, azimuth);
    await waitFor(`a frame after ${before} for the edited document`, () => (api.lastResults()?.frameId ?? 0) > before, 30_000,
      () => `frameId ${api.lastResults()?.frameId}`);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo to restore the original text', () => doc.getText() === original, 10_000,
      () => `camera.azimuth ${(parseJsonc(doc.getText()) as Scene).camera?.azimuth}`);
  });

  test('perturber.classifyImage: MobileNet v2 calls chelsea.png a cat', async function () {
    const shared = path.resolve(extension().extensionPath, '..', 'shared');
    const onnx = path.join(shared, 'models', 'mobilenet_v2_1.0_224.onnx');
    if (!fs.existsSync(onnx)) {
      this.skip();
      return;
    }
    // A copy beside its manifest (x.model.json next to x.onnx), inside the test workspace.
    const dir = path.join(workspaceRoot(), '.perturber-test', 'mobilenet');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(onnx, path.join(dir, 'mobilenet_v2_1.0_224.onnx'));
    fs.copyFileSync(path.join(shared, 'models', 'imagenet_labels.txt'), path.join(dir, 'imagenet_labels.txt'));
    fs.copyFileSync(
      path.join(extension().extensionPath, 'test', 'fixtures', 'mobilenet_v2_1.0_224.model.json'),
      path.join(dir, 'mobilenet_v2_1.0_224.model.json'),
    );
    const result = await vscode.commands.executeCommand(
      'perturber.classifyImage',
      vscode.Uri.file(path.join(shared, 'assets', 'photos', 'chelsea.png')),
      vscode.Uri.file(path.join(dir, 'mobilenet_v2_1.0_224.onnx')),
    );
    const label = topLabel(result);
    assert.ok(label && CAT_CLASSES.test(label), `top-1 ${JSON.stringify(label)} is not a cat class (result ${JSON.stringify(result)?.slice(0, 400)})`);
  });
});
