/**
 * Faults (issue 9) in a real extension host, on copies of the lab trio sample (three models):
 * - the predictions and activations panels closed (their tabs, through `vscode.window.tabGroups`) in the middle of a
 *   burst of camera edits, the burst going on, then both shown again: nothing is logged at error level, no promise
 *   rejection goes unhandled, the host still answers, and the reopened panels paint the final frame, whose results
 *   equal a fresh run of the final scene;
 * - the scene file deleted while its scene editor is open, and renamed while open (`WorkspaceEdit.renameFile`): no
 *   error, no unhandled rejection, no scene editor session left on the old document once its editor is gone, no
 *   results reported for a file that no longer exists, and the renamed file opens with results (and editing it never
 *   brings the old file back). What VS Code itself does to the open custom editor is observed, printed
 *   (`FAULTS_OBSERVED`), and written down at each test.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { parseScene } from '../../core/scene';
import type { LoopTimingRecord } from '../../core/loopTimings';
import { allModels, LAB_TRIO_MODELS, moveCamera, type Predictions } from './labTrioEdits';
import { sleep, waitFor } from './waitFor';


interface Api {
  lastResults(): { frameId: number; predictions: Predictions[] } | undefined;
  classify(modelPath: string, image: { width: number; height: number; pixels: Uint8Array }): Promise<{ label: string; probability: number }[]>;
  loopTimings(): LoopTimingRecord[];
  clearLoopTimings(): void;
  errorsLogged(): string[];
  openScenes(): string[];
  lastModelInput(): { frameId: number; images: { width: number; height: number; pixels: Uint8Array }[] } | undefined;
}

/** How many bytes of the models' input images differ between two frames (for the failure messages). */
function inputDiff(a: ReturnType<Api['lastModelInput']>, b: ReturnType<Api['lastModelInput']>): number {
  if (!a || !b || a.images.length !== b.images.length) return -1;
  let n = 0;
  a.images.forEach((image, i) => image.pixels.forEach((v, k) => (n += v === b.images[i].pixels[k] ? 0 : 1)));
  return n;
}

const MODELS = LAB_TRIO_MODELS;
const BURST = 120;
const SCENE_EDITOR = 'perturber.sceneEditor';

function allTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs);
}

/** The tab of a result panel (its webview's view type ends with the panel's). */
function panelTab(viewType: string): vscode.Tab | undefined {
  return allTabs().find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(viewType));
}

/** The tabs that show `uri`, in whatever editor (custom or text), as `label (kind)` for the observations. */
function tabsOf(uri: vscode.Uri): vscode.Tab[] {
  const key = uri.toString();
  return allTabs().filter((t) => (t.input instanceof vscode.TabInputCustom || t.input instanceof vscode.TabInputText) && t.input.uri.toString() === key);
}

function describeTabs(uri: vscode.Uri): string[] {
  return tabsOf(uri).map((t) => `${t.label} (${t.input instanceof vscode.TabInputCustom ? t.input.viewType : 'text'}${t.isDirty ? ', dirty' : ''})`);
}

/** Writes a copy of the lab trio scene named `name` under the workspace root and returns its URI. */
function labCopy(root: string, file: string, name: string, azimuth: number): vscode.Uri {
  const scene = JSON.parse(fs.readFileSync(path.join(root, 'lab-trio.perturber.json'), 'utf8'));
  scene.name = name;
  scene.camera.azimuth = azimuth;
  fs.writeFileSync(path.join(root, file), JSON.stringify(scene, null, 2) + '\n');
  return vscode.Uri.file(path.join(root, file));
}

/** Opens `uri` in the scene editor (first group) and waits for that editor's session and all three models' results. */
async function openScene(api: Api, uri: vscode.Uri): Promise<{ frameId: number; predictions: Predictions[] }> {
  api.clearLoopTimings();
  await vscode.commands.executeCommand('vscode.openWith', uri, SCENE_EDITOR, vscode.ViewColumn.One);
  await waitFor(`a scene editor session on ${path.basename(uri.fsPath)}`, () => api.openScenes().includes(uri.toString()), 60_000, () => api.openScenes().join(', '));
  return waitFor(`results of ${path.basename(uri.fsPath)}`, () => api.loopTimings().length > 0 && allModels(api), 120_000);
}

/** Waits until the last results stayed the same for 3 s (the loop has settled). */
async function settled(api: Api, what: string): Promise<{ frameId: number; predictions: Predictions[] }> {
  let last = -1;
  let since = Date.now();
  return waitFor(
    what,
    () => {
      const r = allModels(api);
      if (!r || r.frameId !== last) {
        last = r?.frameId ?? -1;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since > 3000 ? r : undefined;
    },
    180_000,
    () => String(last),
  );
}

async function hostAnswers(api: Api): Promise<void> {
  const pixels = new Uint8Array(64 * 64 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) & 255));
  const top = await api.classify('builtin:lab/standard', { width: 64, height: 64, pixels });
  assert.ok(top.length > 0 && Number.isFinite(top[0].probability), 'classify answers');
}

suite('faults: panels closed mid-burst, scene files deleted or renamed while open', () => {
  let api: Api;
  let root: string;
  let errorsBefore = 0;
  const rejections: string[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(reason instanceof Error ? `${reason.message}\n${reason.stack ?? ''}` : String(reason));
  };

  suiteSetup(async function () {
    this.timeout(60_000);
    api = await vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // The extension host runs the extension and these tests in one process: an unhandled rejection anywhere shows here.
    process.on('unhandledRejection', onRejection);
  });

  suiteTeardown(async () => {
    process.off('unhandledRejection', onRejection);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  setup(() => {
    errorsBefore = api.errorsLogged().length;
    rejections.length = 0;
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  /** Nothing logged at error level since the test began, no unhandled rejection (given 1.5 s to surface). */
  async function noFaults(what: string): Promise<void> {
    await sleep(1500);
    assert.deepStrictEqual(api.errorsLogged().slice(errorsBefore), [], `${what}: errors logged`);
    assert.deepStrictEqual(rejections, [], `${what}: unhandled rejections`);
  }

  test('panels closed during a burst of edits: no error, the host answers, reopened panels show the final frame = a fresh run', async function () {
    this.timeout(420_000);
    const uri = labCopy(root, 'faults-panels.perturber.json', 'Faults: panels', 10);
    await openScene(api, uri);
    await vscode.commands.executeCommand('perturber.showPredictions');
    await vscode.commands.executeCommand('perturber.showActivations');
    await waitFor('both panel tabs', () => panelTab('perturber.predictions') && panelTab('perturber.activations'), 60_000);
    await waitFor('both panels painting', () => api.loopTimings().some((r) => r.paintMs.predictions !== undefined && r.paintMs.activations !== undefined), 120_000);
    const document = await vscode.workspace.openTextDocument(uri);
    errorsBefore = api.errorsLogged().length;
    const closing: Thenable<boolean>[] = [];
    let azimuth = 10;
    for (let i = 1; i <= BURST; i++) {
      azimuth = 10 + (i % 70);
      await moveCamera(document, azimuth);
      // Closed while frames are in flight (not awaited: the burst goes on while VS Code disposes the webviews).
      if (i === BURST / 3) closing.push(vscode.window.tabGroups.close(panelTab('perturber.predictions')!));
      if (i === BURST / 2) closing.push(vscode.window.tabGroups.close(panelTab('perturber.activations')!));
    }
    assert.deepStrictEqual(await Promise.all(closing), [true, true], 'both panel tabs closed');
    assert.strictEqual(panelTab('perturber.predictions'), undefined);
    assert.strictEqual(panelTab('perturber.activations'), undefined);
    const final = await settled(api, 'the loop to settle after the burst');
    const finalInput = api.lastModelInput();
    assert.strictEqual(parseScene(document.getText()).scene?.camera.azimuth, azimuth, 'the document holds the last edit');
    const record = api.loopTimings().find((r) => r.frameId === final.frameId);
    assert.ok(record, 'the final frame was timed');
    assert.deepStrictEqual(record.paintMs, {}, 'no panel painted the final frame while both were closed');
    await hostAnswers(api);

    await vscode.commands.executeCommand('perturber.showPredictions');
    await vscode.commands.executeCommand('perturber.showActivations');
    const painted = await waitFor(
      'the reopened panels to paint the final frame',
      () => {
        const r = api.loopTimings().find((t) => t.frameId === final.frameId);
        return r && r.paintMs.predictions !== undefined && r.paintMs.activations !== undefined ? r : undefined;
      },
      120_000,
      () => JSON.stringify(api.loopTimings().slice(-2)),
    );
    assert.ok(painted);
    assert.strictEqual(api.lastResults()?.frameId, final.frameId, 'no newer frame came: the panels show the final one');
    console.log(`FAULTS_PANELS ${JSON.stringify({ edits: BURST, closedAt: [BURST / 3, BURST / 2], framesProcessed: api.loopTimings().length, finalFrame: final.frameId })}`);
    await noFaults('panels closed mid-burst');

    // A fresh run of the final scene: saved first (closing an editor on a dirty file asks whether to save, and a test
    // run's dialog service answers "Don't Save": the edits would be lost), then a new editor on the same file.
    assert.strictEqual(await document.save(), true, 'the final scene was saved');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('the scene editor to close', () => api.openScenes().length === 0, 30_000);
    await openScene(api, uri);
    assert.strictEqual(parseScene((await vscode.workspace.openTextDocument(uri)).getText()).scene?.camera.azimuth, azimuth, 'the fresh editor shows the final scene');
    const fresh = await settled(api, 'the fresh run to settle');
    const diff = inputDiff(finalInput, api.lastModelInput());
    let maxDiff = 0;
    const show = (r: typeof final, id: string): string => r.predictions.find((p) => p.id === id)!.top.map((t) => `${t.label} ${t.probability.toFixed(5)}`).join(', ');
    for (const id of MODELS) {
      const a = final.predictions.find((p) => p.id === id)!.top;
      const b = fresh.predictions.find((p) => p.id === id)!.top;
      const what = `${id}: after the burst [${show(final, id)}], fresh [${show(fresh, id)}]; ${diff} input bytes differ`;
      assert.deepStrictEqual(a.map((t) => t.label), b.map((t) => t.label), what);
      for (let k = 0; k < a.length; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[k].probability - b[k].probability));
        assert.ok(Math.abs(a[k].probability - b[k].probability) < 1e-3, what);
      }
    }
    console.log(`FAULTS_PANELS fresh run: max probability difference ${maxDiff}, ${diff} model input bytes differ`);
  });

  // Observed (code-server 4.139.1 = VS Code 1.139.1), printed as FAULTS_OBSERVED delete: after
  // `workspace.fs.delete` the scene editor tab stays open under the same label, with its webview; the TextDocument is
  // neither closed nor dirty, so the session goes on serving it (as a text editor on a deleted file would: saving
  // writes the file again). Closing the tab disposes the session without a save prompt and nothing writes the file.
  // Before the fix the results of the deleted scene were still reported (`lastResults`) after its editor closed.
  test('the scene file deleted while open: no error, no session or results left for it once its editor is closed', async function () {
    this.timeout(300_000);
    const uri = labCopy(root, 'faults-delete.perturber.json', 'Faults: delete', 25);
    await openScene(api, uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.workspace.fs.delete(uri);
    await sleep(2000);
    const observed = {
      tabs: describeTabs(uri),
      sessionOpen: api.openScenes().includes(uri.toString()),
      documentClosed: document.isClosed,
      documentDirty: document.isDirty,
      fileExists: fs.existsSync(uri.fsPath),
    };
    console.log(`FAULTS_OBSERVED delete ${JSON.stringify(observed)}`);
    assert.strictEqual(observed.fileExists, false);
    await hostAnswers(api);
    // Closed by the user (or already by VS Code): whatever editor is left on the deleted file goes.
    for (const tab of tabsOf(uri)) await vscode.window.tabGroups.close(tab);
    await waitFor('no scene editor session on the deleted file', () => !api.openScenes().includes(uri.toString()), 30_000, () => api.openScenes().join(', '));
    assert.deepStrictEqual(api.openScenes(), [], 'no scene editor is open');
    // This scene made the latest results; its file is gone, so none are reported any more.
    await waitFor('no results reported for the deleted scene', () => api.lastResults() === undefined, 30_000, () => String(api.lastResults()?.frameId));
    assert.strictEqual(fs.existsSync(uri.fsPath), false, 'closing the editor did not write the file back');
    await hostAnswers(api);
    await noFaults('scene file deleted while open');
  });

  // Observed, printed as FAULTS_OBSERVED rename: `WorkspaceEdit.renameFile` makes VS Code replace the editor itself:
  // the tab on the old file is gone (its webview panel disposed, so the session on the old document ends and the old
  // TextDocument is closed), and a scene editor tab on the new file opens in its place (a new webview, resolved anew:
  // a new session on the new document). The old file is not written again by later edits.
  test('the scene file renamed while open: no error, no session left on the old file, the new file opens with results', async function () {
    this.timeout(300_000);
    const oldUri = labCopy(root, 'faults-rename-a.perturber.json', 'Faults: rename', 40);
    const newUri = vscode.Uri.file(path.join(root, 'faults-rename-b.perturber.json'));
    fs.rmSync(newUri.fsPath, { force: true });
    await openScene(api, oldUri);
    const oldDocument = await vscode.workspace.openTextDocument(oldUri);
    const edit = new vscode.WorkspaceEdit();
    edit.renameFile(oldUri, newUri);
    assert.strictEqual(await vscode.workspace.applyEdit(edit), true, 'the rename was applied');
    await sleep(2000);
    const observed = {
      oldTabs: describeTabs(oldUri),
      newTabs: describeTabs(newUri),
      oldDocumentClosed: oldDocument.isClosed,
      sessions: api.openScenes().map((s) => path.basename(vscode.Uri.parse(s).fsPath)),
      oldFileExists: fs.existsSync(oldUri.fsPath),
      newFileExists: fs.existsSync(newUri.fsPath),
    };
    console.log(`FAULTS_OBSERVED rename ${JSON.stringify(observed)}`);
    assert.deepStrictEqual([observed.oldFileExists, observed.newFileExists], [false, true]);
    // Whatever VS Code left on the old file is closed; the new file is opened in the scene editor unless it is already.
    for (const tab of tabsOf(oldUri)) await vscode.window.tabGroups.close(tab);
    await waitFor('no scene editor session on the old file', () => !api.openScenes().includes(oldUri.toString()), 30_000, () => api.openScenes().join(', '));
    if (!tabsOf(newUri).some((t) => t.input instanceof vscode.TabInputCustom)) {
      await vscode.commands.executeCommand('vscode.openWith', newUri, SCENE_EDITOR, vscode.ViewColumn.One);
    }
    await waitFor('one scene editor session, on the new file', () => api.openScenes().join() === newUri.toString(), 60_000, () => api.openScenes().join(', '));
    // Editing the renamed scene works on the new file (its results come) and never brings the old one back.
    const document = await vscode.workspace.openTextDocument(newUri);
    api.clearLoopTimings();
    await moveCamera(document, 55);
    await waitFor('results of the renamed scene after an edit', () => api.loopTimings().length > 0 && allModels(api), 120_000);
    assert.strictEqual(parseScene(document.getText()).scene?.camera.azimuth, 55);
    await document.save();
    assert.strictEqual(fs.existsSync(oldUri.fsPath), false, 'the old file was not written again');
    assert.strictEqual(parseScene(fs.readFileSync(newUri.fsPath, 'utf8')).scene?.camera.azimuth, 55);
    await hostAnswers(api);
    await noFaults('scene file renamed while open');
  });
});
