/**
 * Issue 9 in a real extension host: the predictions panel, the activations panel and the sweep results view get
 * more than 1,000 malformed messages each (test/unit/messageFuzzCases.ts, the seeded generator of the guards' unit
 * test, PANEL_SPECS / SWEEP_SPECS), handed to them as if their webview had posted them (`api.injectPanelMessage`,
 * `api.injectSweepResultsMessage`: the same guard and dispatch as onDidReceiveMessage). Each one is refused: the
 * injection says so, nothing throws, the view's refusal count grows by one and one refusal line appears in the
 * Perturber log file. Afterwards the views still work: the panels' own webviews report painting a new frame, a valid
 * injected message is accepted, and the sweep results view still shows its rows and opens a configuration.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { sceneEditsToTextEdits } from '../../core/sceneEdit';
import type { LoopTimingRecord } from '../../core/loopTimings';
import { generate, PANEL_SPECS, SWEEP_SPECS, type MessageSpec } from '../unit/messageFuzzCases';
import { teapot, writeScene, writeSweepRun } from './securityFixtures';
import { sleep, waitFor } from './waitFor';

type PanelKind = 'predictions' | 'activations';

interface Api {
  lastResults(): { frameId: number; predictions: { id: string; top: unknown[] }[] } | undefined;
  loopTimings(): LoopTimingRecord[];
  clearLoopTimings(): void;
  injectPanelMessage(kind: PanelKind, raw: unknown): boolean;
  rejectedPanelMessages(kind: PanelKind): number;
  injectSweepResultsMessage(raw: unknown): boolean;
  rejectedSweepResultsMessages(): number;
  logFile(): string | undefined;
}

interface SweepHandle {
  lastPosted(): { type: string; rows?: string[][] } | undefined;
  refresh(): Promise<void>;
}

const FUZZ_COUNT = 1000;
/** The start of the line each view logs for a refused message (src/panels/resultsPanel.ts, showSweepResults.ts). */
const LOG_PREFIX: Record<PanelKind | 'sweepResults', string> = {
  predictions: 'Perturber Predictions panel: ignored a message: ',
  activations: 'Perturber Activations panel: ignored a message: ',
  sweepResults: 'sweep results view: ignored a message (',
};

/** How often `prefix` occurs in the Perturber log (rotated copies included: Perturber*.log beside it). */
function logCount(file: string, prefix: string): number {
  const dir = path.dirname(file);
  const stem = path.basename(file, '.log');
  let n = 0;
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!name.startsWith(stem) || !name.endsWith('.log')) continue;
    n += fs.readFileSync(path.join(dir, name), 'utf8').split(prefix).length - 1;
  }
  return n;
}

/**
 * Injects FUZZ_COUNT malformed messages from the seeded generator through `inject`; returns how many were refused
 * and what was accepted or threw (both must stay empty).
 */
async function fuzz(specs: MessageSpec[], seed: number, inject: (raw: unknown) => boolean): Promise<{ injected: number; accepted: string[]; threw: string[] }> {
  const accepted: string[] = [];
  const threw: string[] = [];
  let injected = 0;
  // In batches, so the huge arrays among them are not all alive at once.
  for (let batch = 0; injected < FUZZ_COUNT; batch++) {
    for (const c of generate(seed + batch, specs, 200)) {
      if (c.expect !== 'reject' || injected >= FUZZ_COUNT) continue;
      injected++;
      try {
        if (inject(c.msg)) accepted.push(c.how);
      } catch (error) {
        threw.push(`${c.how}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await sleep(0);
  }
  return { injected, accepted, threw };
}

async function moveCamera(document: vscode.TextDocument, azimuth: number): Promise<void> {
  const spans = sceneEditsToTextEdits(document.getText(), [{ path: ['camera', 'azimuth'], value: azimuth }]);
  const edit = new vscode.WorkspaceEdit();
  for (const s of spans) edit.replace(document.uri, new vscode.Range(document.positionAt(s.offset), document.positionAt(s.offset + s.length)), s.content);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the camera edit was refused');
}

/** The newest frame both panels' webviews reported painted (after `after`). */
function paintedByBoth(api: Api, after: number): number | undefined {
  const r = api.loopTimings().filter((t) => t.frameId > after && t.paintMs.predictions !== undefined && t.paintMs.activations !== undefined);
  return r.length > 0 ? r[r.length - 1].frameId : undefined;
}

suite('security: fuzzed panel and sweep results messages through the host', () => {
  let api: Api;
  let root: string;
  let sceneFile: string;
  let logFile: string;

  suiteSetup(async function () {
    this.timeout(180_000);
    api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = api.logFile();
    assert.ok(file, 'the API names no log file');
    logFile = file;
    sceneFile = writeScene(path.join(root, 'security', 'panel-fuzz.perturber.json'), teapot(root, 'Panel fuzz'));
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(sceneFile), 'perturber.sceneEditor', vscode.ViewColumn.One);
    await waitFor('the fixture model\'s first results', () => (api.lastResults()?.predictions.find((p) => p.id === 'fixture')?.top.length ?? 0) > 0, 120_000);
    // The panels were closed with the other editors above (the scene editor shows them only once per window): show
    // them, and count only frames painted from now on (the timing log still holds earlier suites' frames).
    api.clearLoopTimings();
    await vscode.commands.executeCommand('perturber.showPredictions');
    await vscode.commands.executeCommand('perturber.showActivations');
    await moveCamera(await vscode.workspace.openTextDocument(sceneFile), 5);
    // Both panels' webviews are up: they report painting frames.
    await waitFor('a frame painted by both panels', () => paintedByBoth(api, -1), 120_000);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  for (const [i, kind] of (['predictions', 'activations'] as const).entries()) {
    test(`${kind} panel: ${FUZZ_COUNT} malformed messages each refused and logged; the panel still paints`, async function () {
      this.timeout(240_000);
      const rejectedBefore = api.rejectedPanelMessages(kind);
      const logBefore = logCount(logFile, LOG_PREFIX[kind]);
      const { injected, accepted, threw } = await fuzz(PANEL_SPECS, 20261200 + 1000 * i, (raw) => api.injectPanelMessage(kind, raw));
      assert.deepStrictEqual(threw.slice(0, 10), [], `injections threw (${threw.length})`);
      assert.deepStrictEqual(accepted.slice(0, 10), [], `accepted malformed messages (${accepted.length})`);
      assert.strictEqual(injected, FUZZ_COUNT);
      assert.strictEqual(api.rejectedPanelMessages(kind) - rejectedBefore, injected, 'one refusal per malformed message');
      const logged = await waitFor(`${injected} refusal lines in ${logFile}`, () => {
        const n = logCount(logFile, LOG_PREFIX[kind]) - logBefore;
        return n >= injected && n;
      }, 60_000, () => `${logCount(logFile, LOG_PREFIX[kind]) - logBefore} so far`);
      assert.strictEqual(logged, injected, 'one log line per refusal');

      // A well-formed message still goes through (and is not counted): `ready` re-posts the panel's state.
      assert.strictEqual(api.injectPanelMessage(kind, { type: 'ready' }), true);
      assert.strictEqual(api.rejectedPanelMessages(kind) - rejectedBefore, injected);
      // The panel's own webview still answers: a new frame is painted by both panels.
      const newest = paintedByBoth(api, -1) ?? -1;
      await moveCamera(await vscode.workspace.openTextDocument(sceneFile), 20 + 15 * i);
      const frame = await waitFor('a frame painted by both panels after the fuzzing', () => paintedByBoth(api, newest), 90_000);
      assert.ok(frame > newest);
      console.log(`PANEL_FUZZ ${kind}: ${injected} malformed messages injected, ${injected} refused, ${logged} log lines; frame ${frame} painted afterwards`);
    });
  }

  test(`sweep results view: ${FUZZ_COUNT} malformed messages each refused and logged; the view still shows and opens results`, async function () {
    this.timeout(240_000);
    const runScene = writeScene(path.join(root, 'security', 'sweep-fuzz.perturber.json'), teapot(root, 'Sweep fuzz'));
    const run = writeSweepRun(root, runScene, 'security-fuzz');
    const handle = await vscode.commands.executeCommand<SweepHandle | undefined>('perturber.showSweepResults', { run });
    assert.ok(handle, 'Show Sweep Results returned nothing');
    assert.strictEqual(handle.lastPosted()?.type, 'sweepResults');
    const rowsBefore = handle.lastPosted()?.rows?.length;
    assert.strictEqual(rowsBefore, 2);
    const rejectedBefore = api.rejectedSweepResultsMessages();
    const logBefore = logCount(logFile, LOG_PREFIX.sweepResults);
    const { injected, accepted, threw } = await fuzz(SWEEP_SPECS, 20261300, (raw) => api.injectSweepResultsMessage(raw));
    assert.deepStrictEqual(threw.slice(0, 10), [], `injections threw (${threw.length})`);
    assert.deepStrictEqual(accepted.slice(0, 10), [], `accepted malformed messages (${accepted.length})`);
    assert.strictEqual(api.rejectedSweepResultsMessages() - rejectedBefore, injected, 'one refusal per malformed message');
    const logged = await waitFor(`${injected} refusal lines in ${logFile}`, () => {
      const n = logCount(logFile, LOG_PREFIX.sweepResults) - logBefore;
      return n >= injected && n;
    }, 60_000, () => `${logCount(logFile, LOG_PREFIX.sweepResults) - logBefore} so far`);
    assert.strictEqual(logged, injected, 'one log line per refusal');

    // Results still arrive: the run is read again and posted with its rows.
    await handle.refresh();
    assert.strictEqual(handle.lastPosted()?.type, 'sweepResults');
    assert.strictEqual(handle.lastPosted()?.rows?.length, rowsBefore);
    // A valid message still works: `openConfiguration` writes configuration 1 as a scene and opens it.
    const config = path.join(run, 'configs', 'config-1.perturber.json');
    fs.rmSync(config, { force: true });
    assert.strictEqual(api.injectSweepResultsMessage({ type: 'openConfiguration', index: 1 }), true);
    await waitFor('configuration 1 opened in the scene editor', () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .some((t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === 'perturber.sceneEditor' && t.input.uri.fsPath === config),
    60_000);
    assert.strictEqual(JSON.parse(fs.readFileSync(config, 'utf8')).camera.azimuth, 30, 'configuration 1 has azimuth 30');
    assert.strictEqual(api.rejectedSweepResultsMessages() - rejectedBefore, injected);
    console.log(`SWEEP_FUZZ ${injected} malformed messages injected, ${injected} refused, ${logged} log lines; configuration 1 opened afterwards`);
  });
});
