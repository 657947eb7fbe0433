/**
 * "Perturber: Attack Scene" in a real extension host on the lab trio (a copy of samples/lab-trio.perturber.json):
 * a targeted Linf PGD on the standard model writes the .npy/.json/.png files, puts an enabled `adversarial` step
 * naming the .npy into the scene, and the panels' results then show the target as the standard model's top-1; the
 * adversarially trained model gives the target a lower probability (it resists); disabling the step brings the
 * clean prediction back. A cancelled run (the `cancelAfterSteps` test hook) keeps its partial file, and a malformed
 * .npy named by the step is reported as a perturbation problem while the models keep running on the clean frame.
 * A long attack shows in the panels before the command resolves; an L2 attack stays in its ball; a model with an
 * operator without a gradient rule (Sin) makes both gradient commands fail naming it, writing nothing.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { decodeNpy } from '../../core/attacks/npy';
import { writeSinModel } from './sinModel';
import { waitFor } from './waitFor';

interface Top {
  label: string;
  probability: number;
}
interface Api {
  lastResults(): { frameId: number; predictions: { id: string; top: Top[]; error?: string }[] } | undefined;
  perturbationProblems(): string[];
  trustReport(): { lastUserError?: string };
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
  test('a long attack updates the panels while it runs; the cancel hook keeps the partial result', async function () {
    this.timeout(300_000);
    const t0 = Date.now();
    const clean = allAnswered(api);
    assert.ok(clean);
    const start = clean.frameId;
    const carOf = (r: NonNullable<ReturnType<Api['lastResults']>>) => r.predictions.find((p) => p.id === 'standard')?.top.find((t) => t.label === TARGET)?.probability;
    // Not awaited: the frames must show the attack while it runs. A gradient of the lab model takes ~3 ms alone, far
    // more here with the frames re-run every 300 ms (measured: the first live frame after 0.7 s, the 150 steps done
    // after 5.4 s; 41 s for 600 steps on a loaded machine), so the run spans several live updates. The notification's Cancel button cannot be pressed
    // from a test, so the cancel is the command's test hook (the same isCancelled path as the button's token).
    let resolved = false;
    const running = Promise.resolve(
      vscode.commands.executeCommand('perturber.attackScene', { model: 'standard', target: TARGET, norm: 'linf', epsilon: 8 / 255, stepSize: 1 / 255, steps: 1000, seed: 2, cancelAfterSteps: 150 }),
    ).then((s) => {
      resolved = true;
      return s as Summary;
    });
    const live = await waitFor(
      'a frame showing the attack in progress',
      () => {
        const r = api.lastResults();
        return r && r.frameId > start && (carOf(r) ?? 0) > 0.05 && { frameId: r.frameId, car: carOf(r)!, resolved };
      },
      60_000,
      () => JSON.stringify(api.lastResults()?.predictions.find((p) => p.id === 'standard')?.top),
    );
    console.log(`live frame ${live.frameId} after ${((Date.now() - t0) / 1000).toFixed(1)} s: standard p(${TARGET}) = ${live.car.toFixed(3)} (clean: ${carOf(clean) ?? 'not in the top-k'}), command resolved: ${live.resolved}`);
    assert.strictEqual(live.resolved, false, 'the frame with the adversarial step arrived before the command resolved');
    const summary = await running;
    assert.deepStrictEqual([summary.cancelled, summary.stepsDone], [true, 150]);
    console.log(`the attack resolved after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const record = JSON.parse(fs.readFileSync(summary.files.json, 'utf8'));
    assert.deepStrictEqual([record.cancelled, record.stepsDone, record.objectivePerStep.length], [true, 150, 151]);
    const npy = decodeNpy(fs.readFileSync(summary.files.npy));
    const maxAbs = npy.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(maxAbs > 0 && maxAbs <= 8 / 255 + 1e-6, `max |delta| = ${maxAbs}`);
  });

  test('an L2 attack (epsilon 1.0) records norm l2, and the stored delta is in the L2 ball', async () => {
    const summary = (await vscode.commands.executeCommand('perturber.attackScene', {
      model: 'standard', target: TARGET, norm: 'l2', epsilon: 1.0, stepSize: 0.25, steps: 10, randomStart: true, seed: 4,
    })) as Summary;
    assert.deepStrictEqual([summary.cancelled, summary.stepsDone], [false, 10]);
    const record = JSON.parse(fs.readFileSync(summary.files.json, 'utf8'));
    assert.strictEqual(record.norm, 'l2');
    assert.strictEqual(record.epsilon, 1);
    assert.ok(record.objectivePerStep[10] > record.objectivePerStep[0], `log p(${TARGET}) rose: ${record.objectivePerStep[0]} -> ${record.objectivePerStep[10]}`);
    const npy = decodeNpy(fs.readFileSync(summary.files.npy));
    const l2 = Math.sqrt(npy.data.reduce((sum, v) => sum + v * v, 0));
    console.log(`L2 attack: ||delta||_2 = ${l2.toFixed(4)}, log p ${record.objectivePerStep[0].toFixed(3)} -> ${record.objectivePerStep[10].toFixed(3)}`);
    assert.ok(l2 > 0.5 && l2 <= 1.0 + 1e-5, `||delta||_2 = ${l2}`);
  });

  test('a model with an operator without a gradient rule: both commands name the operator, nothing is written', async () => {
    writeSinModel(path.join(root, 'sin'));
    const scene = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
    scene.name = 'Unsupported operator';
    scene.models = [{ id: 'sin', path: 'sin/sin.onnx', watch: [{ layer: 'conv1', neurons: [0, 1] }] }];
    const file = path.join(root, 'attack-sin.perturber.json');
    fs.writeFileSync(file, JSON.stringify(scene, null, 2) + '\n');
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'perturber.sceneEditor');
    await waitFor('predictions of the Sin model', () => (api.lastResults()?.predictions.find((p) => p.id === 'sin')?.top.length ?? 0) > 0, 60_000, () =>
      JSON.stringify(api.lastResults()?.predictions.map((p) => [p.id, p.error])),
    );
    const attacks = path.join(root, '.perturber', 'attacks');
    const neurons = path.join(root, '.perturber', 'neurons');
    const listing = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
    const before = [listing(attacks), listing(neurons)];
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('perturber.attackScene', { model: 'sin', target: 'beta', steps: 3 })),
      /Attack Scene: Sin test model uses the ONNX operator Sin \(node "sin"\), which the gradient engine has no rule for/,
    );
    // The notification the user sees (attackScene shows it even when called with arguments).
    assert.match(api.trustReport().lastUserError ?? '', /Attack Scene: .*operator Sin \(node "sin"\)/);
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('perturber.findRelevantNeurons', { model: 'sin', class: 'beta', layer: 'conv1', method: 'attribution', k: 2 })),
      /Find Class-Relevant Neurons: Sin test model uses the ONNX operator Sin \(node "sin"\)/,
    );
    assert.deepStrictEqual([listing(attacks), listing(neurons)], before, 'no attack or ranking file was written');
    const text = (await vscode.workspace.openTextDocument(vscode.Uri.file(file))).getText();
    assert.ok(!text.includes('adversarial'), 'no adversarial step entered the scene');
  });
});
