/**
 * Feature visualisation in a real extension host (src/featureVis, through the API's `featureVis`): on
 * builtin:lab/standard a visualisation with few steps is computed, cached as PNG + JSON under
 * `<workspace>/.perturber/cache/featureVis/<sha256[0..16]>/`, a second request is 'ready' at once from the cache, and
 * another model file (builtin:lab/adversarial: other bytes, another sha256) uses another cache entry. A per-run seed
 * keeps earlier runs' cache from answering; the files written are removed at the end. A workspace model file
 * overwritten at the same path with another model's bytes is reloaded and gets another cache folder.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

type State = { state: string; png?: string; activation?: number; randomActivation?: number; message?: string; reason?: string };
interface Api {
  featureVis(
    modelPath: string,
    request: { layer: string; neurons: number[]; settings?: Record<string, unknown>; wait?: boolean },
  ): Promise<{ states: State[]; files: (string | undefined)[]; sha256: string }>;
}

suite('host: feature visualisation', () => {
  test('computed, cached as PNG under .perturber/cache/featureVis/, ready at once when asked again; another model file, another entry', async function () {
    this.timeout(120_000);
    const api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const settings = { size: 32, steps: 8, seed: 1000 + (Date.now() % 100000) };
    const written: string[] = [];
    try {
      const first = await api.featureVis('builtin:lab/standard', { layer: 'mixed3b', neurons: [3, 9], settings, wait: true });
      for (const f of first.files) if (f) written.push(f, f.replace(/\.png$/, '.json'));
      assert.deepStrictEqual(first.states.map((s) => s.state), ['ready', 'ready'], JSON.stringify(first.states.map((s) => s.message ?? s.reason ?? s.state)));
      const folder = path.join(root, '.perturber', 'cache', 'featureVis', first.sha256.slice(0, 16));
      for (const file of first.files) {
        assert.ok(file && path.dirname(file) === folder, `${file} is in ${folder}`);
        assert.ok(fs.existsSync(file!), `${file} exists`);
        assert.deepStrictEqual([...fs.readFileSync(file!).subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
        const record = JSON.parse(fs.readFileSync(file!.replace(/\.png$/, '.json'), 'utf8'));
        assert.strictEqual(record.layer, 'mixed3b');
        assert.strictEqual(record.settings.seed, settings.seed);
      }
      const again = await api.featureVis('builtin:lab/standard', { layer: 'mixed3b', neurons: [3], settings });
      assert.strictEqual(again.states[0].state, 'ready', 'at once, without waiting');
      assert.strictEqual(again.states[0].png, first.states[0].png);
      const other = await api.featureVis('builtin:lab/adversarial', { layer: 'mixed3b', neurons: [3], settings });
      assert.notStrictEqual(other.sha256, first.sha256);
      assert.notStrictEqual(other.files[0], first.files[0]);
      assert.ok(['queued', 'running'].includes(other.states[0].state), `another model file is not served from the cache: ${other.states[0].state}`);
      const otherDone = await api.featureVis('builtin:lab/adversarial', { layer: 'mixed3b', neurons: [3], settings, wait: true });
      for (const f of otherDone.files) if (f) written.push(f, f.replace(/\.png$/, '.json'));
      assert.strictEqual(otherDone.states[0].state, 'ready');
      assert.ok(fs.existsSync(otherDone.files[0]!));
      await assert.rejects(api.featureVis('builtin:lab/standard', { layer: 'nope', neurons: [1], settings }), /no layer "nope"/);
    } finally {
      for (const f of written) fs.rmSync(f, { force: true });
    }
  });

  test('a workspace model file overwritten at the same path: the next request is not served from the old cache entry', async function () {
    this.timeout(180_000);
    const api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const lab = path.join(vscode.extensions.getExtension('perturber.perturber-vscode')!.extensionPath, 'models', 'lab');
    const dir = path.join(root, 'fv-overwrite');
    const onnx = path.join(dir, 'model.onnx');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(lab, 'standard.onnx'), onnx);
    fs.copyFileSync(path.join(lab, 'standard.model.json'), path.join(dir, 'model.model.json'));
    const settings = { size: 32, steps: 4, seed: 5000 + (Date.now() % 100000) };
    const folders: string[] = [];
    try {
      const first = await api.featureVis(onnx, { layer: 'mixed3b', neurons: [3], settings, wait: true });
      assert.strictEqual(first.states[0].state, 'ready', JSON.stringify(first.states[0]));
      folders.push(path.dirname(first.files[0]!));
      assert.strictEqual((await api.featureVis(onnx, { layer: 'mixed3b', neurons: [3], settings })).states[0].state, 'ready', 'cached');
      // The same path, another model's bytes (the adversarial lab model: the same size, other weights).
      await new Promise((r) => setTimeout(r, 50));
      fs.copyFileSync(path.join(lab, 'adversarial.onnx'), onnx);
      const later = new Date(Date.now() + 2000);
      fs.utimesSync(onnx, later, later);
      const second = await api.featureVis(onnx, { layer: 'mixed3b', neurons: [3], settings });
      assert.notStrictEqual(second.sha256, first.sha256, 'the model was reloaded: another sha256');
      assert.notStrictEqual(path.dirname(second.files[0]!), folders[0], 'another cache folder');
      assert.strictEqual(path.basename(second.files[0]!), path.basename(first.files[0]!), 'the same key inside it');
      assert.ok(['queued', 'running'].includes(second.states[0].state), `served at once (stale): ${second.states[0].state}`);
      const done = await api.featureVis(onnx, { layer: 'mixed3b', neurons: [3], settings, wait: true });
      folders.push(path.dirname(done.files[0]!));
      assert.strictEqual(done.states[0].state, 'ready');
      assert.notStrictEqual(done.states[0].png, first.states[0].png, 'the new model made another image');
      assert.ok(fs.existsSync(done.files[0]!) && fs.existsSync(first.files[0]!), 'both entries are on disk');
    } finally {
      for (const f of folders) {
        for (const name of fs.existsSync(f) ? fs.readdirSync(f) : []) {
          const record = name.endsWith('.json') ? JSON.parse(fs.readFileSync(path.join(f, name), 'utf8')) : undefined;
          if (record?.settings?.seed === settings.seed) {
            fs.rmSync(path.join(f, name), { force: true });
            fs.rmSync(path.join(f, name.replace(/\.json$/, '.png')), { force: true });
          }
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
