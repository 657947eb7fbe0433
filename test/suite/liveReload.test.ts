/**
 * Live reload while training, in a real extension host. A scene runs a workspace copy of the fixture hue classifier
 * (`live/hue.onnx`) on a plain red frame (an alphaColor perturbation, so every model sees one known image). A
 * training script's re-export is played by writing another checkpoint's bytes over the file in chunks: the scene's
 * predictions become what `classify()` says of the new file, while the scene file stays as it was (not dirtied). A
 * truncated file is a located error, not a crash, and restoring it brings results back. A manifest whose
 * `checkpoints` is a pattern grows and shrinks with its folder, keeping the scene on the checkpoint file it showed.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { FrameImage, Prediction } from '../../core/protocol';
import { sleep, waitFor } from './waitFor';

interface ModelResult {
  id: string;
  top: Prediction[];
  error?: string;
  checkpoint?: { label: string; index: number; count: number };
}
interface Api {
  classify(p: string, img: FrameImage, options?: { checkpoint?: number | null }): Promise<Prediction[]>;
  lastResults(): { frameId: number; predictions: ModelResult[] } | undefined;
  lastCheckpointTrend(): { checkpoints: { label: string }[] } | undefined;
  checkpointFamily(modelId: string): { stops: { value: number | null; label: string; step?: number }[]; files: string[]; current: number } | undefined;
}

function same(actual: Prediction[], expected: Prediction[]): boolean {
  return actual.length === expected.length && actual.every((p, i) => p.label === expected[i].label && Math.abs(p.probability - expected[i].probability) < 1e-4);
}

function text(top: Prediction[]): string {
  return top.map((p) => `${p.label} ${p.probability.toFixed(4)}`).join(', ');
}

/** Writes `bytes` over `file` in `chunks` pieces with pauses, the way a training script's export lands on disk. */
async function writeInChunks(file: string, bytes: Buffer, chunks: number, pauseMs: number): Promise<void> {
  const fd = fs.openSync(file, 'w');
  try {
    const size = Math.ceil(bytes.length / chunks);
    for (let offset = 0; offset < bytes.length; offset += size) {
      fs.writeSync(fd, bytes, offset, Math.min(size, bytes.length - offset));
      fs.fsyncSync(fd);
      await sleep(pauseMs);
    }
  } finally {
    fs.closeSync(fd);
  }
}

suite('live reload while training', () => {
  let api: Api;
  let root: string;
  let uri: vscode.Uri;
  let fixtures: string;
  let fixtureBytes: Buffer;
  let manifest: Record<string, unknown>;
  const plainRed: FrameImage = { width: 64, height: 64, pixels: new Uint8Array(64 * 64 * 4) };
  for (let i = 0; i < 64 * 64; i++) plainRed.pixels.set([230, 20, 20, 255], i * 4);

  const resultOf = (id: string): ModelResult | undefined => api.lastResults()?.predictions.find((p) => p.id === id);
  const describe = (id: string) => () => JSON.stringify(resultOf(id) ?? null);

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
    const ext = vscode.extensions.getExtension('perturber.perturber-vscode')!;
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    fixtures = path.join(ext.extensionPath, 'test', 'fixtures', 'checkpoints');
    fixtureBytes = fs.readFileSync(path.join(ext.extensionPath, 'models', 'fixture', 'fixture.onnx'));
    manifest = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'models', 'fixture', 'fixture.model.json'), 'utf8'));
    delete manifest.$schema;
    fs.mkdirSync(path.join(root, 'live'), { recursive: true });
    fs.writeFileSync(path.join(root, 'live', 'hue.onnx'), fixtureBytes);
    fs.writeFileSync(path.join(root, 'live', 'hue.model.json'), JSON.stringify(manifest, null, 2));
    // A family that follows a folder: runs/ckpt_2 (step 0 weights) and runs/ckpt_10 (step 2 weights) so far.
    fs.mkdirSync(path.join(root, 'pattern', 'runs'), { recursive: true });
    fs.writeFileSync(path.join(root, 'pattern', 'pat.onnx'), fixtureBytes);
    fs.writeFileSync(path.join(root, 'pattern', 'pat.model.json'), JSON.stringify({ ...manifest, checkpoints: 'runs/ckpt_*.onnx' }, null, 2));
    fs.copyFileSync(path.join(fixtures, 'hue-step0.onnx'), path.join(root, 'pattern', 'runs', 'ckpt_2.onnx'));
    fs.copyFileSync(path.join(fixtures, 'hue-step2.onnx'), path.join(root, 'pattern', 'runs', 'ckpt_10.onnx'));

    const scene = JSON.parse(fs.readFileSync(path.join(root, 'teapot.perturber.json'), 'utf8'));
    scene.name = 'Live reload';
    // `ref` (the built-in fixture) keeps 64 px frames coming while `hue` is in error.
    scene.models = [
      { id: 'hue', path: 'live/hue.onnx', watch: [{ layer: 'conv1', neurons: [0] }] },
      { id: 'pat', path: 'pattern/pat.onnx', checkpoint: 1 },
      { id: 'ref', path: 'builtin:fixture' },
    ];
    scene.perturbations = [{ op: 'alphaColor', params: { alpha: 0, color: '#e61414' } }];
    const file = path.join(root, 'live-reload.perturber.json');
    fs.writeFileSync(file, JSON.stringify(scene, null, 2) + '\n');
    uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
  });

  test('a model re-exported over its file reloads: new predictions, same scene, document not dirtied', async () => {
    const before = await api.classify('live/hue.onnx', plainRed);
    await waitFor('the first results of hue', () => { const r = resultOf('hue'); return r && same(r.top, before) && r; }, 60_000, describe('hue'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const textBefore = doc.getText();
    const versionBefore = doc.version;

    const started = Date.now();
    await writeInChunks(path.join(root, 'live', 'hue.onnx'), fs.readFileSync(path.join(fixtures, 'hue-step0.onnx')), 4, 120);
    const written = Date.now();
    const after = await api.classify('live/hue.onnx', plainRed);
    assert.ok(!same(after, before), `the new file answers differently (${text(after)} vs ${text(before)})`);
    assert.strictEqual(after[0].label, 'green', 'step 0 of the hue family answers green on red');
    const errors: string[] = [];
    await waitFor(
      'the predictions of the re-exported model',
      () => {
        const r = resultOf('hue');
        if (r?.error !== undefined) errors.push(r.error);
        return r && same(r.top, after) && r;
      },
      60_000,
      describe('hue'),
    );
    console.log(`live reload: new predictions ${Date.now() - written} ms after the last chunk (${written - started} ms of writing)`);
    assert.deepStrictEqual(errors, [], 'no half-written file was loaded');
    assert.strictEqual(doc.getText(), textBefore, 'the scene file (camera, perturbations, models) is unchanged');
    assert.strictEqual(doc.version, versionBefore);
    assert.strictEqual(doc.isDirty, false);
    assert.ok(same(resultOf('ref')!.top, await api.classify('builtin:fixture', plainRed)), 'the other models are untouched');
  });

  test('a truncated file is a located error and no crash; restoring it brings the results back', async () => {
    const file = path.join(root, 'live', 'hue.onnx');
    fs.writeFileSync(file, fixtureBytes.subarray(0, fixtureBytes.length >> 1));
    const diagnostic = await waitFor('the reload error', () => {
      const d = vscode.languages.getDiagnostics(uri).find((x) => /hue\.onnx changed on disk and cannot be loaded/.test(x.message));
      return d ?? false;
    });
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.strictEqual(doc.getText(diagnostic.range), '"live/hue.onnx"', 'located at models[0].path');
    assert.match(diagnostic.message, /not a readable ONNX model/);
    await waitFor('the error in the panels', () => { const r = resultOf('hue'); return r && /cannot be loaded/.test(r.error ?? '') && r; }, 60_000, describe('hue'));
    const ref = resultOf('ref');
    assert.ok(ref && ref.top.length > 0 && ref.error === undefined, 'the other models keep running');

    fs.writeFileSync(file, fixtureBytes);
    const restored = await api.classify('live/hue.onnx', plainRed);
    assert.strictEqual(restored[0].label, 'red');
    await waitFor('results of the restored file', () => { const r = resultOf('hue'); return r && r.error === undefined && same(r.top, restored) && r; }, 60_000, describe('hue'));
    await waitFor('the diagnostic to go', () => !vscode.languages.getDiagnostics(uri).some((x) => /cannot be loaded/.test(x.message)));
    assert.strictEqual(doc.isDirty, false);
  });

  test('a pattern family grows and shrinks with its folder; the scene stays on its checkpoint file; the trend follows', async () => {
    const runs = path.join(root, 'pattern', 'runs');
    const family = (count: number) =>
      waitFor(`a family of ${count} stops`, () => { const f = api.checkpointFamily('pat'); return f && f.stops.length === count && f; }, 60_000, () => JSON.stringify(api.checkpointFamily('pat') ?? null));
    const first = await family(3);
    assert.deepStrictEqual(first.stops.map((s) => s.label), ['step 2', 'step 10', 'final']);
    assert.strictEqual(path.basename(first.files[first.current]), 'ckpt_10.onnx');
    assert.strictEqual(await vscode.commands.executeCommand('perturber.showCheckpointTrend', 'pat'), 'pat');
    await waitFor('a trend of 3 checkpoints', () => api.lastCheckpointTrend()?.checkpoints.length === 3);

    // A new checkpoint after the others: the family grows, the index (and the document) stay.
    fs.copyFileSync(path.join(fixtures, 'hue-step1.onnx'), path.join(runs, 'ckpt_20.onnx'));
    const grown = await family(4);
    assert.deepStrictEqual(grown.stops.map((s) => [s.label, s.step]), [['step 2', 2], ['step 10', 10], ['step 20', 20], ['final', undefined]]);
    assert.strictEqual(path.basename(grown.files[grown.current]), 'ckpt_10.onnx');
    await waitFor('a trend of 4 checkpoints', () => api.lastCheckpointTrend()?.checkpoints.length === 4);
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.strictEqual(doc.isDirty, false);

    // One sorting before the shown file: the scene's index follows ckpt_10 (one edit of models[1].checkpoint).
    fs.copyFileSync(path.join(fixtures, 'hue-step1.onnx'), path.join(runs, 'ckpt_5.onnx'));
    const inserted = await family(5);
    assert.deepStrictEqual(inserted.stops.map((s) => s.label), ['step 2', 'step 5', 'step 10', 'step 20', 'final']);
    await waitFor('the scene to follow its file', () => /"checkpoint": 2/.test(doc.getText()));
    const followed = await family(5);
    assert.strictEqual(path.basename(followed.files[followed.current]), 'ckpt_10.onnx');
    const expected = await api.classify('pattern/pat.onnx', plainRed, { checkpoint: 2 });
    assert.ok(!same(expected, await api.classify('pattern/pat.onnx', plainRed, { checkpoint: 1 })), 'checkpoint 1 (ckpt_5) is another file');
    await waitFor('pat on ckpt_10', () => { const r = resultOf('pat'); return r && r.checkpoint?.label === 'step 10' && same(r.top, expected) && r; }, 60_000, describe('pat'));

    // One goes: the family shrinks and the scene follows again.
    fs.rmSync(path.join(runs, 'ckpt_2.onnx'));
    await family(4);
    await waitFor('the scene to follow its file again', () => /"checkpoint": 1/.test(doc.getText()));
    const shrunk = await family(4);
    assert.strictEqual(path.basename(shrunk.files[shrunk.current]), 'ckpt_10.onnx');

    await vscode.commands.executeCommand('perturber.showCheckpointTrend', null);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('a checkpoint pattern leaving the manifest folder is a located diagnostic in the manifest', async () => {
    const file = path.join(root, 'pattern', 'bad.model.json');
    fs.writeFileSync(file, JSON.stringify({ ...manifest, checkpoints: { pattern: '../../elsewhere/ckpt_*.onnx' } }, null, 2));
    const doc = await vscode.workspace.openTextDocument(file);
    const diagnostic = await waitFor('the manifest diagnostic', () => vscode.languages.getDiagnostics(doc.uri).find((d) => d.source === 'perturber') ?? false);
    assert.strictEqual(doc.getText(diagnostic.range), '"../../elsewhere/ckpt_*.onnx"');
    assert.match(diagnostic.message, /^checkpoint pattern "..\/..\/elsewhere\/ckpt_\*.onnx" leaves the manifest's folder$/);
  });
});
