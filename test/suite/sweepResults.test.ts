/**
 * "Show Sweep Results" in a real extension host, on run folders written here in the runner's format (results.csv
 * through core/sweep/results.ts's csvLayout/csvRow, summary.json shaped like src/sweep/runner.ts's SweepSummary) over a
 * copy of samples/lab-trio.perturber.json: the view gets the rows; opening a configuration writes
 * configs/config-<i>.perturber.json with that configuration's values (cue-conflict pairs too), paths rebased, no
 * sweep section, and opens it in the scene editor; a malformed results.csv and a deleted scene are reported.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { parseScene } from '../../core/scene';
import type { SweepSpec } from '../../core/sweep/types';
import { writeFinishedRun } from './sweepRunFixture';
import { waitFor } from './waitFor';

interface Handle {
  folder: string;
  lastPosted():
    | { type: 'sweepResults'; run: { name: string; parameters: string[]; openProblem?: string }; header: string[]; rows: string[][] }
    | { type: 'sweepError'; message: string }
    | undefined;
  openConfiguration(index: number): Promise<string>;
  refresh(): Promise<void>;
}

const GRID: SweepSpec = {
  name: 'sr-grid',
  parameters: [
    { path: 'camera.azimuth', values: [-60, 30] },
    { path: 'light.intensity', values: [0.5, 1.5] },
  ],
  models: ['standard', 'texture-randomised'],
  record: { topK: 2 },
};

const PAIRS: SweepSpec = {
  name: 'sr-pairs',
  parameters: [{ path: 'camera.azimuth', values: [-60, 30] }],
  models: ['standard'],
  record: { topK: 2 },
  analysis: 'shapeBias',
  cueConflict: [
    { shape: 'dog', texture: { kind: 'builtin', name: 'tabby', seed: 0 }, textureClass: 'cat' },
    { shape: 'car', texture: null, textureClass: 'boat', color: '#2848a8' },
  ],
};

/** A copy of the lab trio with `spec` and a (disabled) adversarial step whose .npy path is relative to the scene. */
function writeScene(root: string, file: string, spec: SweepSpec): string {
  const value = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
  value.perturbations = [{ op: 'adversarial', enabled: false, seed: 0, params: { file: 'attacks/delta.npy', strength: 1 } }];
  value.sweep = spec;
  const text = JSON.stringify(value, null, 2) + '\n';
  fs.writeFileSync(path.join(root, file), text);
  return text;
}

/** results.csv and summary.json as the runner writes them, with made-up predictions. */
function writeRun(root: string, sceneFile: string, sceneText: string, spec: SweepSpec): string {
  return writeFinishedRun(root, path.join(root, sceneFile), sceneText, spec);
}

async function show(run: string): Promise<Handle> {
  const handle = await vscode.commands.executeCommand<Handle | undefined>('perturber.showSweepResults', { run });
  assert.ok(handle, 'Show Sweep Results returned nothing (see the Perturber output)');
  return handle;
}

function sceneEditorShows(file: string): boolean {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .some((t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === 'perturber.sceneEditor' && t.input.uri.fsPath === file);
}

suite('host: sweep results view', () => {
  let root: string;
  suiteSetup(async () => {
    await vscode.extensions.getExtension('perturber.perturber-vscode')!.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a run shows its rows; a configuration opens as a scene with its values, paths rebased, in the scene editor', async () => {
    const text = writeScene(root, 'sr-grid.perturber.json', GRID);
    const folder = writeRun(root, 'sr-grid.perturber.json', text, GRID);
    const view = await show(folder);
    const posted = view.lastPosted();
    assert.ok(posted && posted.type === 'sweepResults', JSON.stringify(posted));
    assert.deepEqual(posted.run.parameters, ['camera.azimuth', 'light.intensity']);
    assert.strictEqual(posted.rows.length, 8);
    assert.strictEqual(posted.run.openProblem, undefined);
    // The same run again: the same panel.
    assert.strictEqual(await show(folder), view);

    // Configuration 3 = (30, 1.5): the last parameter varies fastest.
    const file = await view.openConfiguration(3);
    assert.strictEqual(file, path.join(folder, 'configs', 'config-3.perturber.json'));
    const parsed = parseScene(fs.readFileSync(file, 'utf8'));
    assert.ok(parsed.scene, JSON.stringify(parsed.diagnostics));
    const scene = parsed.scene;
    assert.strictEqual(scene.camera.azimuth, 30);
    assert.strictEqual(scene.light.intensity, 1.5);
    assert.strictEqual(scene.sweep, undefined);
    assert.match(scene.name, /sr-grid #3: camera\.azimuth = 30, light\.intensity = 1\.5/);
    // The .npy path still names the same file from the new folder; built-in models are unchanged.
    assert.strictEqual(path.resolve(path.dirname(file), String(scene.perturbations[0].params.file)), path.join(root, 'attacks', 'delta.npy'));
    assert.deepEqual(scene.models.map((m) => m.path), parseScene(text).scene!.models.map((m) => m.path));
    await waitFor('config-3 in the scene editor', () => sceneEditorShows(file), 30_000);
  });

  test('cue-conflict pairs: the pair of the configuration gives shape and surface', async () => {
    const text = writeScene(root, 'sr-pairs.perturber.json', PAIRS);
    const folder = writeRun(root, 'sr-pairs.perturber.json', text, PAIRS);
    const view = await show(folder);
    // Pairs outermost: configuration 3 = pair 1 (car / boat), azimuth 30.
    const file = await view.openConfiguration(3);
    const scene = parseScene(fs.readFileSync(file, 'utf8')).scene!;
    assert.ok(scene.object.kind === 'builtin' && scene.object.name === 'car', JSON.stringify(scene.object));
    assert.strictEqual(scene.material.texture, null);
    assert.strictEqual(scene.material.color, '#2848a8');
    assert.strictEqual(scene.camera.azimuth, 30);
    const csv = fs.readFileSync(path.join(folder, 'results.csv'), 'utf8');
    assert.match(csv, /\n3,30,car,boat,standard,/);
  });

  test('a malformed results.csv and a deleted scene are reported, not thrown', async () => {
    const text = writeScene(root, 'sr-gone.perturber.json', { ...GRID, name: 'sr-gone' });
    const folder = writeRun(root, 'sr-gone.perturber.json', text, { ...GRID, name: 'sr-gone' });
    fs.appendFileSync(path.join(folder, 'results.csv'), '2,30\n');
    const view = await show(folder);
    const error = view.lastPosted();
    assert.ok(error && error.type === 'sweepError', JSON.stringify(error));
    assert.match(error.message, /results\.csv line 10 has 2 fields/);
    await assert.rejects(view.openConfiguration(0), /cannot be read/);

    const good = fs.readFileSync(path.join(folder, 'results.csv'), 'utf8').replace('2,30\n', '');
    fs.writeFileSync(path.join(folder, 'results.csv'), good);
    fs.unlinkSync(path.join(root, 'sr-gone.perturber.json'));
    await view.refresh();
    const posted = view.lastPosted();
    assert.ok(posted && posted.type === 'sweepResults', JSON.stringify(posted));
    assert.match(posted.run.openProblem ?? '', /is gone/);
    await assert.rejects(view.openConfiguration(1), /is gone/);
  });
});
