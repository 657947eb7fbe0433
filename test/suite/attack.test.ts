/**
 * "Perturber: Attack Scene" in a real extension host on the lab trio (a copy of samples/lab-trio.perturber.json):
 * a targeted Linf PGD on the standard model writes the .npy/.json/.png files, puts an enabled `adversarial` step
 * naming the .npy into the scene, and the panels' results then show the target as the standard model's top-1; the
 * adversarially trained model gives the target a lower probability (it resists); disabling the step brings the
 * clean prediction back. A cancelled run (the `cancelAfterSteps` test hook) keeps its partial file, and a malformed
 * .npy named by the step is reported as a perturbation problem while the models keep running on the clean frame.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { decodeNpy } from '../../core/attacks/npy';
import { waitFor } from './waitFor';

interface Top {
  label: string;
  probability: number;
}
interface Api {
  lastResults(): { frameId: number; predictions: { id: string; top: Top[]; error?: string }[] } | undefined;
  perturbationProblems(): string[];
}
interface Summary {
  files: { npy: string; json: string; png: string; deltaPng: string };
  stepFile: string;
  stepIndex: number;
  target: { index: number; label: string };
  stepsDone: number;
  cancelled: boolean;
  probabilities: { model: string; before: number | null; after: number | null; error?: string }[];
}
interface SceneJson {
  perturbations?: { op: string; enabled?: boolean; params: Record<string, unknown> }[];
}

const IDS = ['standard', 'texture-randomised', 'adversarial'];
const TARGET = 'car';

function top1(api: Api, id: string): string | undefined {
  return api.lastResults()?.predictions.find((p) => p.id === id)?.top[0]?.label;
}

function allAnswered(api: Api, since = -1) {
  const r = api.lastResults();
  return r && r.frameId > since && IDS.every((id) => (r.predictions.find((p) => p.id === id)?.top.length ?? 0) > 0) && r;
}

async function rewrite(uri: vscode.Uri, change: (scene: SceneJson) => void): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const scene = JSON.parse(doc.getText()) as SceneJson;
  change(scene);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), JSON.stringify(scene, null, 2) + '\n');
  assert.ok(await vscode.workspace.applyEdit(edit));
}

suite('host: Attack Scene (targeted PGD)', () => {
  let api: Api;
  let uri: vscode.Uri;
  let root: string;

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = path.join(root, 'attack-trio.perturber.json');
    fs.copyFileSync(path.join(root, 'lab-trio.perturber.json'), file);
    uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor');
    await waitFor('predictions of all three lab models', () => allAnswered(api), 90_000, () =>
      JSON.stringify(api.lastResults()?.predictions.map((p) => [p.id, p.error, p.top[0]?.label])),
    );
  });

  suiteTeardown(async () => {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri?.fsPath);
    if (doc?.isDirty) await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Linf PGD makes the standard model see the target; the adversarial model resists; disabling the step restores it', async () => {
    const clean = allAnswered(api);
    assert.ok(clean, 'results of all three models');
    const cleanTop1 = Object.fromEntries(clean.predictions.map((p) => [p.id, p.top[0].label]));
    assert.notStrictEqual(cleanTop1.standard, TARGET, 'the target must not be the clean top-1');

    const summary = (await vscode.commands.executeCommand('perturber.attackScene', {
      model: 'standard',
      target: TARGET,
      norm: 'linf',
      epsilon: 8 / 255,
      stepSize: 2 / 255,
      steps: 20,
      randomStart: true,
      seed: 0,
    })) as Summary;
    console.log(`attack summary: ${JSON.stringify({ stepsDone: summary.stepsDone, probabilities: summary.probabilities })}`);
    assert.strictEqual(summary.cancelled, false);
    assert.strictEqual(summary.stepsDone, 20);
    for (const f of Object.values(summary.files)) assert.ok(fs.existsSync(f), `${f} exists`);
    assert.ok(summary.files.npy.startsWith(path.join(root, '.perturber', 'attacks') + path.sep), summary.files.npy);
    const npy = decodeNpy(fs.readFileSync(summary.files.npy));
    assert.deepStrictEqual(npy.shape, [3, 64, 64]);
    const maxAbs = npy.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(maxAbs > 0 && maxAbs <= 8 / 255 + 1e-6, `max |delta| = ${maxAbs}`);
    const record = JSON.parse(fs.readFileSync(summary.files.json, 'utf8'));
    assert.strictEqual(record.target.label, TARGET);
    assert.strictEqual(record.objectivePerStep.length, 21);
    assert.strictEqual(record.targetProbability.length, 3);

    const doc = await vscode.workspace.openTextDocument(uri);
    const steps = (JSON.parse(doc.getText()) as SceneJson).perturbations ?? [];
    const step = steps.find((s) => s.op === 'adversarial');
    assert.ok(step, 'the scene has an adversarial step');
    assert.notStrictEqual(step.enabled, false);
    assert.strictEqual(step.params.file, summary.stepFile);
    assert.strictEqual(path.resolve(root, summary.stepFile), summary.files.npy);

    const attacked = await waitFor('the standard model to see the target', () => top1(api, 'standard') === TARGET && allAnswered(api), 30_000, () =>
      JSON.stringify(api.lastResults()?.predictions.map((p) => [p.id, p.top[0]?.label, p.top[0]?.probability])),
    );
    const prob = Object.fromEntries(summary.probabilities.map((p) => [p.model, p]));
    // Measured (seed 0, 20 steps of 2/255): standard p(car) 2.1e-6 -> 0.33 (its top-1), adversarial 1.3e-5 -> 1.6e-4.
    assert.ok(prob.standard.after! > 100 * prob.standard.before!, JSON.stringify(prob.standard));
    assert.ok(record.objectivePerStep[20] > record.objectivePerStep[0], 'log p(target) rose');
    assert.ok(prob.adversarial.after! < prob.standard.after!, `adversarial ${prob.adversarial.after} < standard ${prob.standard.after}`);
    const shown = attacked.predictions.find((p) => p.id === 'standard')!.top[0].probability;
    assert.ok(Math.abs(shown - prob.standard.after!) < 1e-3, `the panels show p = ${shown}, the summary ${prob.standard.after}`);

    await rewrite(uri, (scene) => {
      for (const s of scene.perturbations ?? []) if (s.op === 'adversarial') s.enabled = false;
    });
    await waitFor('the clean prediction', () => top1(api, 'standard') === cleanTop1.standard && allAnswered(api, attacked.frameId), 30_000);
  });

  test('a cancelled attack keeps its partial result', async () => {
    const summary = (await vscode.commands.executeCommand('perturber.attackScene', {
      model: 'standard',
      target: TARGET,
      epsilon: 8 / 255,
      steps: 10,
      seed: 1,
      cancelAfterSteps: 2,
    })) as Summary;
    assert.strictEqual(summary.cancelled, true);
    assert.strictEqual(summary.stepsDone, 2);
    const npy = decodeNpy(fs.readFileSync(summary.files.npy));
    assert.deepStrictEqual(npy.shape, [3, 64, 64]);
    assert.ok(npy.data.some((v) => v !== 0), 'the partial delta is not zero');
    const record = JSON.parse(fs.readFileSync(summary.files.json, 'utf8'));
    assert.strictEqual(record.cancelled, true);
    assert.strictEqual(record.stepsDone, 2);
    // A new file each run: the first attack's result is still there.
    assert.ok(path.basename(summary.files.npy).endsWith('-2.npy'), summary.files.npy);
  });

  test('bad arguments are clear errors and write nothing', async () => {
    const folder = path.join(root, '.perturber', 'attacks');
    const before = fs.readdirSync(folder).sort();
    const cases: [unknown, RegExp][] = [
      [{ model: 'standard', target: 'unicorn' }, /no class "unicorn"/],
      [{ model: 'nope', target: 0 }, /no model "nope"/],
      [{ model: 'standard', target: 0, norm: 'l3' }, /norm must be 'linf' or 'l2'/],
      [{ model: 'standard', target: 0, epsilon: -1 }, /epsilon must be a number/],
      [{ model: 'standard' }, /target is missing/],
      [{ model: 'standard', target: 0, colour: 'red' }, /unknown argument colour/],
    ];
    for (const [args, expected] of cases) {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('perturber.attackScene', args)), expected, JSON.stringify(args));
    }
    assert.deepStrictEqual(fs.readdirSync(folder).sort(), before);
  });

  test('a malformed .npy named by the step is a problem, not a crash', async () => {
    const broken = path.join(root, '.perturber', 'attacks', 'broken.npy');
    fs.writeFileSync(broken, Buffer.from('not a numpy file'));
    const before = api.lastResults()!.frameId;
    await rewrite(uri, (scene) => {
      for (const s of scene.perturbations ?? []) {
        if (s.op !== 'adversarial') continue;
        s.enabled = true;
        s.params.file = '.perturber/attacks/broken.npy';
      }
    });
    const problem = await waitFor('a problem naming broken.npy', () => api.perturbationProblems().find((p) => p.includes('broken.npy') && !p.includes('loading')), 30_000, () =>
      JSON.stringify(api.perturbationProblems()),
    );
    assert.match(problem, /not a usable perturbation/);
    // The step is skipped: every model still answers, and the standard model sees the clean frame again.
    const after = await waitFor('results after the broken file', () => allAnswered(api, before), 30_000);
    assert.ok(after.predictions.every((p) => p.error === undefined), JSON.stringify(after.predictions.map((p) => p.error)));
    assert.notStrictEqual(top1(api, 'standard'), TARGET);
  });
});
