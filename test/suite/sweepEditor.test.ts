/**
 * The scene editor's Sweep section in a real extension host, on a copy of samples/lab-trio.perturber.json with one
 * model and a 2-configuration sweep:
 * - package.json puts Run Sweep and Show Sweep Results in the scene editor's title bar (with icons);
 * - the webview's "Run sweep" message (`runSweep`, handed to the editor as if its page had posted it) runs the sweep
 *   of that editor's scene: the run folder appears with a complete results.csv and a summary.json naming the scene
 *   file; the host reads the run's state back (readSweepRun) as done/total;
 * - "Show results" (`showSweepResults`) opens the results view of that run folder;
 * - malformed variants of the two messages are refused and counted.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { csvRecords } from '../../core/sweep/results';
import { parseScene } from '../../core/scene';
import { readSweepRun } from '../../src/sceneEditor/sceneSweep';
import { waitFor } from './waitFor';

interface Api {
  lastResults(): { frameId: number } | undefined;
  injectSceneMessage(raw: unknown): boolean;
  rejectedMessages(): number;
}

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}

const NAME = 'editor-sweep';

function sceneText(root: string): string {
  const value = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
  value.name = 'Sweep from the editor';
  value.models = value.models.filter((m: { id: string }) => m.id === 'standard').map((m: object) => ({ ...m, watch: [] }));
  value.perturbations = [];
  value.sweep = { name: NAME, parameters: [{ path: 'camera.azimuth', values: [0, 90] }], record: { topK: 2 } };
  return JSON.stringify(value, null, 2) + '\n';
}

function sweepTabs(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label)).filter((l) => l.startsWith('Sweep: '));
}

suite('host: sweeps from the scene editor', () => {
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

  test('the scene editor title bar has Run Sweep and Show Sweep Results', () => {
    const pkg = vscode.extensions.getExtension('perturber.perturber-vscode')!.packageJSON as {
      contributes: { menus: Record<string, MenuItem[]>; commands: { command: string; icon?: string }[] };
    };
    for (const [id, icon] of [['perturber.runSweep', '$(run-all)'], ['perturber.showSweepResults', '$(graph)']]) {
      const item = pkg.contributes.menus['editor/title'].find((m) => m.command === id);
      assert.ok(item, `${id} in editor/title`);
      assert.strictEqual(item.when, "activeCustomEditorId == 'perturber.sceneEditor'");
      assert.match(item.group ?? '', /^navigation/);
      assert.strictEqual(pkg.contributes.commands.find((c) => c.command === id)?.icon, icon);
    }
  });

  test('"Run sweep" from the webview runs the scene\'s sweep; "Show results" opens its run', async function () {
    this.timeout(240_000);
    const file = path.join(root, 'sweep-editor.perturber.json');
    const text = sceneText(root);
    fs.writeFileSync(file, text);
    const runDir = path.join(root, '.perturber', 'runs', NAME);
    fs.rmSync(runDir, { recursive: true, force: true });
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    await waitFor('the editor\'s first frame', () => api.lastResults() !== undefined, 120_000);

    // Malformed variants are refused (and logged) before anything runs.
    const rejected = api.rejectedMessages();
    for (const bad of [{ type: 'runsweep' }, { type: ['runSweep'] }, Object.create({ type: 'runSweep' }), { type: 'showSweepResults', __proto__: { run: 1 } }]) {
      const accepted = api.injectSceneMessage(bad);
      if (Object.getPrototypeOf(bad) === Object.prototype) assert.strictEqual(accepted, false, JSON.stringify(bad));
    }
    assert.strictEqual(api.rejectedMessages() - rejected, 4, 'each malformed message refused');
    assert.ok(!fs.existsSync(runDir), 'nothing ran');

    // "Show results" before a run: nothing to show, no view.
    assert.strictEqual(api.injectSceneMessage({ type: 'showSweepResults' }), true);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepStrictEqual(sweepTabs(), []);

    assert.strictEqual(api.injectSceneMessage({ type: 'runSweep' }), true);
    const summary = await waitFor('summary.json of the run', () => {
      try {
        return JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as { complete: boolean; rows: number; sceneFile: string; configurations: number };
      } catch {
        return undefined;
      }
    }, 180_000);
    assert.strictEqual(summary.complete, true);
    assert.strictEqual(summary.configurations, 2);
    assert.strictEqual(summary.rows, 2);
    assert.strictEqual(path.resolve(summary.sceneFile), path.resolve(file), 'the sweep of this editor\'s scene');
    const rows = csvRecords(fs.readFileSync(path.join(runDir, 'results.csv'), 'utf8'));
    assert.deepStrictEqual(rows.map((r) => [r.config, r['camera.azimuth'], r.model]), [['0', '0', 'standard'], ['1', '90', 'standard']]);

    // The state the Sweep section shows, as the host reads it.
    const scene = parseScene(text).scene!;
    const state = await readSweepRun(scene, path.join(root, '.perturber', 'runs'));
    assert.deepStrictEqual(state && { folder: state.folder, done: state.done, total: state.total, complete: state.complete, current: state.current }, { folder: runDir, done: 2, total: 2, complete: true, current: true });

    assert.strictEqual(api.injectSceneMessage({ type: 'showSweepResults' }), true);
    await waitFor('the results view of the run', () => sweepTabs().includes(`Sweep: ${NAME}`), 30_000, () => sweepTabs().join(', '));
  });

  test('the title bar buttons\' invocation (the editor\'s URI, then a context object) runs and shows that scene\'s sweep', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const file = path.join(root, 'sweep-editor.perturber.json');
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    // As VS Code calls a command of the editor/title menu: the resource, then { groupId, editorIndex }.
    const summary = await vscode.commands.executeCommand<{ alreadyComplete?: boolean; sceneFile: string; folder: string } | undefined>('perturber.runSweep', uri, { groupId: 1, editorIndex: 0 });
    assert.ok(summary, 'the title bar\'s Run Sweep failed (see the Perturber output)');
    assert.strictEqual(path.resolve(summary.sceneFile), path.resolve(file));
    assert.strictEqual(summary.alreadyComplete, true, 'the run of the previous test, complete');
    const handle = await vscode.commands.executeCommand<{ folder: string } | undefined>('perturber.showSweepResults', uri, { groupId: 1, editorIndex: 0 });
    assert.strictEqual(handle?.folder, path.join(root, '.perturber', 'runs', NAME));
  });
});
