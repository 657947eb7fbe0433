/**
 * Sweeps in a real extension host, on copies of samples/lab-trio.perturber.json with a small grid (camera azimuth x
 * a blur sigma, two models):
 * (a) the CSV's numbers equal running each configuration one by one through the editor's normal loop;
 * (b) a run stopped like a kill mid-write (the stopAfter hook leaves half a configuration's rows in the file), then
 *     resumed, gives a CSV byte-identical to an uninterrupted run's; running a complete run again adds nothing;
 *     a changed spec with the same name goes to a new folder.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { applyConfiguration, expandConfigurations } from '../../core/sweep/configurations';
import { csvRecords, formatNumber } from '../../core/sweep/results';
import type { SweepSpec } from '../../core/sweep/types';
import { parseScene } from '../../core/scene';
import { waitFor, sleep } from './waitFor';

interface Api {
  lastResults():
    | {
        frameId: number;
        predictions: { id: string; top: { label: string; probability: number }[]; error?: string }[];
        activations: { id: string; layers: { layer: string; neurons: { index: number; mean: number }[] }[] }[];
      }
    | undefined;
  loopTimings(): unknown[];
  clearLoopTimings(): void;
}

interface Summary {
  folder: string;
  done: number;
  rows: number;
  complete: boolean;
  resumedAt: number;
  stopped?: string;
  alreadyComplete?: boolean;
  configurations: number;
  perModel: Record<string, { rows: number }>;
}

const SPEC: SweepSpec = {
  name: 'grid-a',
  parameters: [
    { path: 'camera.azimuth', values: [-60, 0, 45] },
    { path: 'perturbations[0].params.sigma', values: [0.5, 1.5] },
  ],
  models: ['standard', 'texture-randomised'],
  record: { topK: 3, neurons: true },
};

function sceneText(root: string, sweep: SweepSpec | undefined, azimuth = 10): string {
  const value = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
  value.perturbations = [{ op: 'gaussianBlur', enabled: true, seed: 0, params: { sigma: 0.25 } }];
  value.camera.azimuth = azimuth;
  value.models = value.models.map((m: { watch: unknown[] }) => ({ ...m, watch: [{ layer: 'mixed3b', neurons: [0, 1] }] }));
  if (sweep) value.sweep = sweep;
  return JSON.stringify(value, null, 2) + '\n';
}

async function sweep(uri: vscode.Uri, stopAfter?: number): Promise<Summary> {
  const summary = await vscode.commands.executeCommand<Summary | undefined>('perturber.runSweep', { scene: uri.toString(), ...(stopAfter !== undefined ? { stopAfter } : {}) });
  assert.ok(summary, 'the sweep failed (see the Perturber output)');
  return summary;
}

suite('host: sweeps', () => {
  let api: Api;
  let root: string;
  suiteSetup(async () => {
    api = (await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate()) as Api;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the CSV equals running each configuration one by one through the editor', async () => {
    const fileA = path.join(root, 'sweep-a.perturber.json');
    fs.writeFileSync(fileA, sceneText(root, SPEC));
    const summary = await sweep(vscode.Uri.file(fileA));
    assert.strictEqual(summary.complete, true);
    assert.strictEqual(summary.rows, 12);
    const rows = csvRecords(fs.readFileSync(path.join(summary.folder, 'results.csv'), 'utf8'));
    assert.strictEqual(rows.length, 12);

    // One by one: a scene without a sweep, edited to each configuration; the editor's loop answers.
    const fileOne = path.join(root, 'sweep-one.perturber.json');
    const text = sceneText(root, undefined);
    fs.writeFileSync(fileOne, text);
    const uri = vscode.Uri.file(fileOne);
    // lastResults() is the newest results of any scene (kept after its editor closes), and this scene's first frame
    // can equal the sweep scene's last one to the byte (same camera, frame ids count per editor): wait for a frame
    // processed after the sweep scene's editor closed, as the loop timing log records them.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api.clearLoopTimings();
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    const complete = () => {
      const r = api.lastResults();
      return r && SPEC.models!.every((id) => (r.predictions.find((p) => p.id === id)?.top.length ?? 0) > 0) && r;
    };
    await waitFor('the first frame of the one-by-one scene', () => api.loopTimings().length > 0 && complete(), 90_000);
    // The editor may send several frames of one state (a model or texture finished loading), some late: a state's
    // results are the first ones whose predictions differ from the previous state's, once no new frame came for 1.5 s.
    const numbers = (r: { predictions: unknown }) => JSON.stringify(r.predictions);
    const settled = async (what: string, previousNumbers?: string) => {
      let last = await waitFor(what, () => { const r = complete(); return r && numbers(r) !== previousNumbers && r; }, 60_000);
      for (;;) {
        await sleep(1500);
        const now = api.lastResults()!;
        if (now.frameId === last.frameId) return now;
        last = now;
      }
    };
    let previousState = numbers(await settled('the one-by-one scene to settle'));
    const base = parseScene(text).scene!;
    const spec = { ...SPEC };
    for (const config of expandConfigurations(spec)) {
      const configured = applyConfiguration(base, spec, config);
      const doc = await vscode.workspace.openTextDocument(uri);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), JSON.stringify(configured, null, 2) + '\n');
      assert.ok(await vscode.workspace.applyEdit(edit));
      const results = await settled(`results of configuration ${config.index}`, previousState);
      previousState = numbers(results);
      for (const id of SPEC.models!) {
        const row = rows.find((r) => r.config === String(config.index) && r.model === id);
        assert.ok(row, `row ${config.index} ${id}`);
        assert.strictEqual(row['camera.azimuth'], String(config.values[0]));
        assert.strictEqual(row['perturbations[0].params.sigma'], String(config.values[1]));
        const p = results.predictions.find((x) => x.id === id)!;
        for (let k = 0; k < 3; k++) {
          assert.strictEqual(row[`top${k + 1}_label`], p.top[k].label, `config ${config.index} ${id} top${k + 1}`);
          assert.strictEqual(row[`top${k + 1}_prob`], formatNumber(p.top[k].probability), `config ${config.index} ${id} top${k + 1} probability`);
        }
        const layer = results.activations.find((a) => a.id === id)!.layers.find((l) => l.layer === 'mixed3b')!;
        for (const n of layer.neurons) assert.strictEqual(row[`n:mixed3b:${n.index}`], formatNumber(n.mean), `config ${config.index} ${id} neuron ${n.index}`);
      }
    }
    // Different configurations gave different numbers (the comparison above is not comparing constants).
    assert.ok(new Set(rows.map((r) => r.top1_prob)).size > 2);
  });

  test('a killed sweep resumes to a CSV identical to an uninterrupted run; a finished one adds nothing', async () => {
    const uninterrupted = fs.readFileSync(path.join(root, '.perturber', 'runs', 'grid-a', 'results.csv'));
    const fileB = path.join(root, 'sweep-b.perturber.json');
    fs.writeFileSync(fileB, sceneText(root, { ...SPEC, name: 'grid-b' }));
    const uri = vscode.Uri.file(fileB);
    const killed = await sweep(uri, 2);
    assert.strictEqual(killed.stopped, 'stopAfter');
    assert.strictEqual(killed.done, 2);
    assert.strictEqual(killed.rows, 4);
    const csv = path.join(killed.folder, 'results.csv');
    const progress = JSON.parse(fs.readFileSync(path.join(killed.folder, 'progress.json'), 'utf8'));
    assert.ok(fs.statSync(csv).size > progress.bytes, 'the kill left a torn write after the last complete configuration');
    assert.ok(!uninterrupted.equals(fs.readFileSync(csv)));

    const resumed = await sweep(uri);
    assert.strictEqual(resumed.resumedAt, 2);
    assert.strictEqual(resumed.complete, true);
    assert.strictEqual(resumed.folder, killed.folder);
    assert.ok(uninterrupted.equals(fs.readFileSync(csv)), 'the resumed CSV is byte-identical to the uninterrupted one');

    const again = await sweep(uri);
    assert.strictEqual(again.alreadyComplete, true);
    assert.strictEqual(again.rows, 12);
    assert.ok(uninterrupted.equals(fs.readFileSync(csv)), 'no duplicated rows');

    // The same name with another spec never touches the old run: it goes to grid-b-2.
    fs.writeFileSync(fileB, sceneText(root, { ...SPEC, name: 'grid-b', parameters: [{ path: 'camera.azimuth', values: [5] }] }));
    await waitFor('the changed scene to parse', async () => {
      const doc = await vscode.workspace.openTextDocument(uri);
      return doc.getText().includes('"values": [\n          5');
    }, 20_000);
    await sleep(500);
    const other = await sweep(uri);
    assert.strictEqual(path.basename(other.folder), 'grid-b-2');
    assert.strictEqual(other.rows, 2);
    assert.ok(uninterrupted.equals(fs.readFileSync(csv)), 'the old run is untouched');
  });
});
