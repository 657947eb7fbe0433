/**
 * Neuron insights (issue 7) in a real extension host: a copy of the lab trio sample with a small watch list and a
 * light `featureVis` section; the API's `lastNeuronInsights()` must list exactly the watched neurons of every loaded
 * model, each with a feature-visualisation state. A malformed `featureVis` section is a diagnostic at the bad value.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { sleep, waitFor } from './waitFor';

interface Insight {
  modelId: string;
  layer: string;
  neuron: number;
  objective?: string;
  unit?: { x: number; y: number };
  featureVis: { state: string; reason?: string; message?: string; progress?: number; png?: string };
  examples?: unknown[];
}
interface Api {
  lastResults(): { frameId: number; activations: { id: string; layers: { layer: string }[] }[] } | undefined;
  lastNeuronInsights(): { sceneName: string; insights: Insight[] } | undefined;
  injectPanelMessage(kind: 'activations', raw: unknown): boolean;
  rejectedPanelMessages(kind: 'activations'): number;
}

const WATCH = [{ layer: 'mixed3b', neurons: [0, 3] }];

/** [width, height] of a data: URL PNG, from its IHDR chunk. */
function pngSize(url: string | undefined): [number, number] {
  assert.match(url ?? '', /^data:image\/png;base64,/);
  const bytes = Buffer.from(url!.split(',')[1], 'base64');
  assert.deepStrictEqual([...bytes.subarray(12, 16)].map((b) => String.fromCharCode(b)).join(''), 'IHDR');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

suite('host: neuron insights', () => {
  let api: Api;
  let root: string;
  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('lastNeuronInsights lists every watched neuron of the scene with a feature-visualisation state', async () => {
    const scene = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
    scene.name = 'Lab trio insights';
    for (const model of scene.models) model.watch = WATCH;
    // Small and short: the test machine has two cores. A per-run seed keeps earlier runs' cache from answering.
    scene.featureVis = { size: 32, steps: 8, batch: 2, seed: 2000 + (Date.now() % 100000) };
    const file = path.join(root, 'insights-lab-trio.perturber.json');
    fs.writeFileSync(file, JSON.stringify(scene, null, 2) + '\n');
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'perturber.sceneEditor');

    const ids: string[] = scene.models.map((m: { id: string }) => m.id);
    const expected = ids.flatMap((id) => WATCH.flatMap((w) => w.neurons.map((n) => `${id} ${w.layer} ${n}`))).sort();
    const insights = await waitFor(
      'insights of every watched neuron',
      () => {
        const x = api.lastNeuronInsights();
        if (!x || x.sceneName !== scene.name) return undefined;
        const listed = x.insights.map((i) => `${i.modelId} ${i.layer} ${i.neuron}`).sort();
        return JSON.stringify(listed) === JSON.stringify(expected) && x;
      },
      90_000,
      () => JSON.stringify(api.lastNeuronInsights()?.insights.map((i) => [i.modelId, i.layer, i.neuron, i.featureVis.state])),
    );
    for (const insight of insights.insights) {
      const fv = insight.featureVis;
      const where = `${insight.modelId} ${insight.layer} #${insight.neuron}: ${JSON.stringify(fv).slice(0, 200)}`;
      // The extension connects its feature-visualisation service: never 'off' here (the setting is on by default).
      assert.ok(['queued', 'running', 'ready'].includes(fv.state), where);
      if (fv.state === 'running') assert.ok(fv.progress! >= 0 && fv.progress! <= 1, where);
      if (fv.state === 'ready') assert.match(fv.png ?? '', /^data:image\/png;base64,/, where);
      assert.strictEqual(insight.objective, 'channel', where);
    }
    console.log('NEURON INSIGHTS', JSON.stringify(insights.insights.map((i) => [i.modelId, i.neuron, i.featureVis.state])));
    // The images arrive (8 steps at 32 px are quick), made with the scene's settings: 32 x 32 PNGs.
    const ready = await waitFor(
      'every feature visualisation ready',
      () => {
        const x = api.lastNeuronInsights();
        return x && x.insights.length === expected.length && x.insights.every((i) => i.featureVis.state === 'ready') && x;
      },
      120_000,
      () => JSON.stringify(api.lastNeuronInsights()?.insights.map((i) => [i.modelId, i.neuron, i.featureVis.state, i.featureVis.message ?? i.featureVis.reason])),
    );
    for (const insight of ready.insights) assert.deepStrictEqual(pngSize(insight.featureVis.png), [32, 32], `${insight.modelId} #${insight.neuron}`);
    // Neurons the scene stops watching leave the list.
    const edit = new vscode.WorkspaceEdit();
    const document = await vscode.workspace.openTextDocument(file);
    for (const model of scene.models) model.watch = [{ layer: 'mixed3b', neurons: [3] }];
    edit.replace(document.uri, new vscode.Range(0, 0, document.lineCount, 0), JSON.stringify(scene, null, 2) + '\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(
      'insights of the new watch list',
      () => {
        const x = api.lastNeuronInsights();
        return x && x.insights.length === ids.length && x.insights.every((i) => i.neuron === 3 && i.layer === 'mixed3b');
      },
      60_000,
      () => JSON.stringify(api.lastNeuronInsights()?.insights.map((i) => [i.modelId, i.layer, i.neuron])),
    );
    await document.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a malformed featureVis section is a diagnostic at the bad value', async () => {
    const text = '{\n  "version": 2,\n  "name": "bad featureVis",\n  "featureVis": { "steps": 64, "learningRate": -0.5 }\n}\n';
    const file = path.join(root, 'insights-bad-featurevis.perturber.json');
    fs.writeFileSync(file, text);
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    const offset = text.indexOf('-0.5');
    const document = await vscode.workspace.openTextDocument(uri);
    const at = document.positionAt(offset);
    const diagnostic = await waitFor(
      'a diagnostic on featureVis.learningRate',
      () => vscode.languages.getDiagnostics(uri).find((d) => d.range.start.isEqual(at)),
      30_000,
      () => JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => [d.message, d.source, d.range.start.line, d.range.start.character])),
    );
    // VS Code's JSON service reports schema problems (as warnings) from the contributed schema; the scene editor
    // shows the parser's error ("featureVis.learningRate must be > 0") in its problems list.
    assert.match(diagnostic.message, /exclusive minimum of 0|must be > 0/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  /** A one-model copy of the lab trio sample watching `neurons` of mixed3b, with this `featureVis`; opened in the scene editor. */
  async function openScene(name: string, neurons: number[], featureVis: Record<string, unknown>) {
    const scene = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
    scene.name = name;
    scene.models = scene.models.slice(0, 1);
    scene.models[0].watch = [{ layer: 'mixed3b', neurons }];
    scene.featureVis = featureVis;
    const file = path.join(root, `${name.replace(/\W+/g, '-')}.perturber.json`);
    fs.writeFileSync(file, JSON.stringify(scene, null, 2) + '\n');
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    await waitFor(`insights of ${name}`, () => api.lastNeuronInsights()?.sceneName === name && api.lastNeuronInsights()!.insights.length === neurons.length, 90_000);
    return { file, uri, scene, document: await vscode.workspace.openTextDocument(uri) };
  }

  /** Every file under .perturber/cache/featureVis/ (relative paths). */
  function cacheFiles(): string[] {
    const dir = path.join(root, '.perturber', 'cache', 'featureVis');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).flatMap((sub) => fs.readdirSync(path.join(dir, sub)).map((f) => path.join(sub, f))).sort();
  }

  test('the Visualise selector: the panel message edits featureVis.objective (one undo restores it); the next sidecar records the kind', async function () {
    this.timeout(180_000);
    const seed = 3000 + (Date.now() % 100000);
    const { uri, document, scene } = await openScene('Insights objective', [3], { size: 32, steps: 4, seed });
    await vscode.commands.executeCommand('perturber.showActivations');
    const inject = (raw: unknown) => api.injectPanelMessage('activations', raw);
    // Garbage is refused and changes nothing.
    const refusedBefore = api.rejectedPanelMessages('activations');
    assert.strictEqual(inject({ type: 'featureVisObjective', objective: 'units' }), false);
    assert.strictEqual(inject({ type: 'featureVisObjective' }), false);
    assert.strictEqual(api.rejectedPanelMessages('activations'), refusedBefore + 2);
    assert.strictEqual(inject({ type: 'featureVisObjective', objective: 'unit' }), true);
    const edited = await waitFor('featureVis.objective "unit" in the document', () => JSON.parse(document.getText()).featureVis?.objective === 'unit' && JSON.parse(document.getText()), 30_000, () => document.getText().slice(-300));
    assert.deepStrictEqual(edited.featureVis, { ...scene.featureVis, objective: 'unit' }, 'only the objective changed');
    // The next visualisation: the centre unit of mixed3b's 16 x 16 map, recorded in the .json beside the PNG.
    const insight = await waitFor(
      'a unit visualisation ready',
      () => {
        const x = api.lastNeuronInsights();
        const i = x?.sceneName === 'Insights objective' ? x.insights[0] : undefined;
        return i?.objective === 'unit' && i.featureVis.state === 'ready' && i;
      },
      120_000,
      () => JSON.stringify(api.lastNeuronInsights()?.insights.map((i) => [i.objective, i.unit, i.featureVis.state, i.featureVis.message])),
    );
    assert.deepStrictEqual(insight.unit, { x: 8, y: 8 });
    const records = cacheFiles().filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(root, '.perturber', 'cache', 'featureVis', f), 'utf8')));
    const mine = records.filter((r) => r.settings?.seed === seed);
    // (The channel image of the scene as first opened may have been made before the edit: its record says so.)
    for (const r of mine) assert.strictEqual(r.objective, r.unit ? 'unit' : 'channel', JSON.stringify(r));
    assert.deepStrictEqual(mine.filter((r) => r.objective === 'unit').map((r) => [r.unit, r.neuron, r.layer, r.negative]), [[{ y: 8, x: 8 }, 3, 'mixed3b', false]]);
    // One undo (in the scene's editor) restores the section as it was.
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    await vscode.commands.executeCommand('undo');
    await waitFor('the objective undone', () => JSON.parse(document.getText()).featureVis?.objective === undefined, 10_000, () => document.getText().slice(-300));
    assert.deepStrictEqual(JSON.parse(document.getText()).featureVis, scene.featureVis);
    await waitFor('the panel back on the channel', () => api.lastNeuronInsights()?.insights[0]?.objective === 'channel', 30_000);
    await document.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('perturber.cancelFeatureVis: the states become cancelled and no PNG is written afterwards', async function () {
    this.timeout(180_000);
    // Long enough (4096 steps at 128 px) that nothing finishes before the cancel.
    const seed = 4000 + (Date.now() % 100000);
    await openScene('Insights cancel', [0, 1, 2], { size: 128, steps: 4096, seed });
    await waitFor('work queued or running', () => api.lastNeuronInsights()?.insights.some((i) => ['queued', 'running'].includes(i.featureVis.state)), 60_000);
    await vscode.commands.executeCommand('perturber.cancelFeatureVis');
    const cancelled = await waitFor(
      'every state cancelled',
      () => {
        const x = api.lastNeuronInsights();
        return x?.sceneName === 'Insights cancel' && x.insights.every((i) => i.featureVis.state === 'off' && /cancelled/.test(i.featureVis.reason ?? '')) && x;
      },
      30_000,
      () => JSON.stringify(api.lastNeuronInsights()?.insights.map((i) => [i.featureVis.state, i.featureVis.reason])),
    );
    assert.strictEqual(cancelled.insights.length, 3);
    const after = cacheFiles();
    await sleep(5000);
    assert.deepStrictEqual(cacheFiles(), after, 'no cache file appeared after the cancel');
    const records = after.filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(root, '.perturber', 'cache', 'featureVis', f), 'utf8')));
    assert.strictEqual(records.filter((r) => r.settings?.seed === seed).length, 0, 'a cancelled visualisation was cached');
    // Still cancelled (the panel does not ask again for the same neurons and settings).
    assert.ok(api.lastNeuronInsights()!.insights.every((i) => i.featureVis.state === 'off'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
