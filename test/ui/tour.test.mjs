// The walkthrough, followed by a user in the real workbench (code-server + headless Chromium): an empty folder, the
// "Get started with Perturber" walkthrough's buttons and the command palette. Each step's picture is taken here:
// test-results/screenshots/tour-*.png, copied into media/tour/ (walkthrough media, README tour) by
// `node scripts/tour-images.mjs`. The steps check what the user would see: the sample copied and rendered, three
// models' results, the attack's files and its effect, feature visualisations, a sweep's CSV and its view.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { launchChromium } from '../../scripts/browser.mjs';
import { REPO, newRunDir, startCodeServer, workbenchUrl } from '../../scripts/codeServer.mjs';
import { bundleFrame, openWorkbench, runCommand, waitForFrameIdAbove } from './workbench.mjs';

const SHOTS = join(REPO, 'test-results', 'screenshots');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server;
let browser;
let page;
let workspace;
const consoleLines = [];

async function shot(name, frame) {
  // The pointer off the tabs and controls: no hover tooltip in the picture.
  await page.mouse.move(1000, 995);
  await sleep(300);
  const target = frame ? await frame.frameElement() : page;
  await target.screenshot({ path: join(SHOTS, `tour-${name}.png`) });
}

async function until(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Opens (or focuses) the Perturber walkthrough through the palette, as a user would find it again. */
async function openWalkthrough() {
  await runCommand(page, 'Welcome: Open Walkthrough...');
  const input = page.locator('.quick-input-widget input');
  await input.fill('Get started with Perturber');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with Perturber' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.locator('.getting-started-step', { hasText: 'Open a sample scene' }).first().waitFor({ state: 'visible', timeout: 20_000 });
}

const step = (title) => page.locator('.getting-started-step', { hasText: title }).first();

/** Closes the walkthrough's tab (it opens in the focused group, in front of the panels the pictures are of). */
async function closeWalkthrough() {
  const tab = page.locator('.tabs-container .tab', { hasText: 'Welcome' }).first();
  if ((await tab.count()) === 0) return;
  await tab.hover();
  await tab.locator('.tab-actions .action-label').first().click();
  await tab.waitFor({ state: 'detached', timeout: 10_000 });
}

/** Expands the step, clicks its button, and closes the walkthrough again. */
async function clickStepButton(title, button) {
  await openWalkthrough();
  const s = step(title);
  if (!((await s.getAttribute('class')) ?? '').includes('expanded')) await s.locator('.step-title').click();
  const b = s.locator('a.monaco-button', { hasText: button }).first();
  await b.waitFor({ state: 'visible', timeout: 10_000 });
  await b.click();
  await closeWalkthrough();
}

/** Whether the walkthrough shows the step as done (its checkbox), read with the walkthrough open, then closed. */
async function stepDone(title) {
  await openWalkthrough();
  const done = (await step(title).locator('[role="checkbox"]').getAttribute('aria-checked')) === 'true';
  await closeWalkthrough();
  return done;
}

/** Types `label` into the open quick pick and accepts the row showing it. */
async function pickRow(label) {
  await page.locator('.quick-input-widget input').fill(label);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** Our webview frame for `bundle` once `selector` shows in it, found again if the webview was reloaded meanwhile. */
async function frameShowing(bundle, selector, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await bundleFrame(page, bundle, Math.max(1000, deadline - Date.now()));
    try {
      await frame.locator(selector).first().waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
      return frame;
    } catch (error) {
      if (!/detached/i.test(error.message) || Date.now() > deadline) throw error;
    }
  }
}

/** The single scene editor tab showing `file` is active and its webview has painted a frame. */
async function sceneEditorFor(file) {
  await page.locator('.tabs-container .tab.active', { hasText: file }).first().waitFor({ state: 'visible', timeout: 30_000 });
  return frameShowing('scene', 'canvas#view', 90_000);
}

/** Ctrl+S on the scene's tab, as the user keeps the change (closing a dirty editor would ask). */
async function save(file) {
  await page.locator('.tabs-container .tab', { hasText: file }).first().click();
  await page.keyboard.press('Control+S');
  await page.locator('.tabs-container .tab.dirty', { hasText: file }).first().waitFor({ state: 'detached', timeout: 15_000 });
}

async function closeAllEditors() {
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
}

/** Model columns of a panel with a frame after `min`; returns the frame id. */
async function panelFrame(bundle, min) {
  const panel = await frameShowing(bundle, '.model-column', 90_000);
  const id = await waitForFrameIdAbove(panel, bundle, min, 90_000);
  return { panel, id };
}

describe('the walkthrough, step by step, in the workbench', { timeout: 600_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const runDir = newRunDir('tour');
    workspace = join(runDir, 'workspace');
    mkdirSync(workspace, { recursive: true });
    server = await startCodeServer({ workspace, runDir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err.message}`));
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    await openWorkbench(page, workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: REPO }));
    // Room for the editors: the pictures are of the scene and the panels, not the file tree.
    await runCommand(page, 'View: Close Primary Side Bar');
  });

  // A step that failed half-way may leave a picker open; the next step starts from a clean window.
  afterEach(async (t) => {
    const debug = join(REPO, 'test-results', 'tour-debug');
    mkdirSync(debug, { recursive: true });
    await page?.screenshot({ path: join(debug, `${t.name.slice(0, 40).replace(/\W+/g, '-')}.png`) }).catch(() => {});
    await page?.keyboard.press('Escape').catch(() => {});
  });

  after(async () => {
    writeFileSync(join(REPO, 'test-results', 'tour-console.log'), consoleLines.join('\n') + '\n');
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it('lists the walkthrough; its first button copies the teapot sample into the empty folder and opens it', async () => {
    await openWalkthrough();
    assert.equal(await step('Open a sample scene').count(), 1);
    for (const title of ['Compare models side by side', 'Morph texture vs shape', 'Run a targeted attack', 'See what a neuron responds to', 'Run a sweep']) {
      assert.equal(await step(title).count(), 1, `no walkthrough step "${title}"`);
    }
    await sleep(800); // the step's image fades in
    await shot('walkthrough');
    assert.equal(await step('Open a sample scene').locator('[role="checkbox"]').getAttribute('aria-checked'), 'false', 'step 1 done before anything happened');

    await clickStepButton('Open a sample scene', 'Open the Teapot Sample');
    const scene = await sceneEditorFor('teapot.perturber.json');
    assert.equal(readFileSync(join(workspace, 'teapot.perturber.json'), 'utf8'), readFileSync(join(REPO, 'samples', 'teapot.perturber.json'), 'utf8'));
    await until('the scene editor frame counter', async () => /frame \d+/.test(await scene.locator('body').innerText()), 60_000);
    await sleep(1000);
    await shot('scene-editor', scene);
    assert.equal(await stepDone('Open a sample scene'), true, 'opening a sample did not complete step 1');
  });

  it('compares the lab trio: three models in the predictions panel', async () => {
    await closeAllEditors();
    await clickStepButton('Compare models side by side', 'Open the Lab Trio');
    await sceneEditorFor('lab-trio.perturber.json');
    await clickStepButton('Compare models side by side', 'Show Predictions');
    await page.locator('.tabs-container .tab', { hasText: 'lab-trio.perturber.json' }).first().click();
    const { panel } = await panelFrame('predictions', 0);
    await panel.locator('.model-column').nth(2).waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await panel.locator('.model-column').count(), 3, 'three models side by side');
    assert.equal(await stepDone('Compare models side by side'), true);
    await page.locator('.tabs-container .tab', { hasText: 'lab-trio.perturber.json' }).first().click();
    // The picture: the scene beside the predictions alone (the activations panel has its own step).
    const activationsTab = page.locator('.tabs-container .tab', { hasText: 'Perturber Activations' }).first();
    await activationsTab.hover();
    await activationsTab.locator('.tab-actions .action-label').first().click();
    await activationsTab.waitFor({ state: 'detached', timeout: 10_000 });
    await page.locator('.tabs-container .tab', { hasText: 'lab-trio.perturber.json' }).first().click();
    await sleep(1500);
    await shot('compare-models');
  });

  it('attacks the lab trio towards "car" through the palette and its pickers; the attack files appear', async () => {
    // The attack works on the scene editor in front (the palette offers it there).
    await page.locator('.tabs-container .tab', { hasText: 'lab-trio.perturber.json' }).first().click();
    await runCommand(page, 'Perturber: Attack Scene');
    // Model (the first, standard), the target class, then "Attack" with the default parameters.
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'the model to attack' }).waitFor({ state: 'visible', timeout: 20_000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'should see' }).waitFor({ state: 'visible', timeout: 20_000 });
    await input.fill('car');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'car' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Enter');
    // The parameters: 40 steps instead of 10 (epsilon stays 8/255), then "Attack".
    const params = page.locator('.quick-input-widget', { hasText: 'parameters' });
    await params.waitFor({ state: 'visible', timeout: 20_000 });
    await pickRow('Steps');
    await page.locator('.quick-input-widget', { hasText: 'Steps' }).waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('40');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Steps' }).filter({ hasText: '40' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await pickRow('Attack');
    const attacks = join(workspace, '.perturber', 'attacks');
    const recordFile = await until('the attack record', async () => (existsSync(attacks) ? readdirSync(attacks).find((f) => f.endsWith('.json')) : undefined), 180_000);
    const record = JSON.parse(readFileSync(join(attacks, recordFile), 'utf8'));
    assert.equal(record.target.label, 'car');
    assert.equal(record.stepsDone, 40);
    assert.ok(existsSync(join(attacks, record.files.npy)), 'the delta .npy is written');
    const standard = record.targetProbability.find((p) => p.model === 'standard');
    assert.ok(standard.after > standard.before, `p(car) on the attacked model: ${standard.before} -> ${standard.after}`);
    console.log(`# attack: p(car) ${record.targetProbability.map((p) => `${p.model} ${p.before.toExponential(1)} -> ${p.after.toExponential(1)}`).join(', ')}`);
    // The attack is an edit of the open document (an \`adversarial\` step); the panels show its effect.
    await page.locator('.tabs-container .tab.dirty', { hasText: 'lab-trio.perturber.json' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await save('lab-trio.perturber.json');
    await sleep(1000);
    await shot('attack');
  });

  it('shows feature visualisations beside the watched neurons', async () => {
    await runCommand(page, 'Perturber: Show Activations');
    // One editor group, the activations panel in front: the whole window for the neurons.
    await runCommand(page, 'View: Single Column Editor Layout');
    await page.locator('.tabs-container .tab', { hasText: 'Perturber Activations' }).first().click();
    const activations = await frameShowing('activations', '.model-column .neuron', 90_000);
    // Feature visualisations are computed in the background (Lucid's 512 steps); wait for the first layer's.
    // Lab models take one neuron per batch (~5 s each here); wait for a few and bring the first into view.
    await until('four feature visualisations', async () => (await activations.locator('img.fv-thumb:not([hidden])').count()) >= 4, 300_000);
    await activations.locator('img.fv-thumb:not([hidden])').first().evaluate((img) => img.closest('.neuron')?.scrollIntoView({ block: 'center' }));
    await sleep(1000);
    await shot('activations', activations);
  });

  it('morphs the texture from fur to tabby in the scene editor', async () => {
    await closeAllEditors();
    await clickStepButton('Morph texture vs shape', 'Open the Texture Morph Sample');
    const scene = await sceneEditorFor('texture-morph-dog-cat.perturber.json');
    await runCommand(page, 'Perturber: Show Predictions');
    const { panel, id } = await panelFrame('predictions', 0);
    const field = scene.locator('[data-path="material.textureMorph"] vscode-textfield input, [data-path="material.textureMorph"] input[type="number"]').first();
    await scene.locator('.controls:not(.disabled)').first().waitFor({ state: 'visible', timeout: 30_000 });
    await field.fill('0.8');
    await field.press('Enter');
    await page.locator('.tabs-container .tab.dirty', { hasText: 'texture-morph-dog-cat.perturber.json' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await waitForFrameIdAbove(panel, 'predictions after the morph', id, 60_000);
    await sleep(1000);
    await shot('texture-morph');
    await save('texture-morph-dog-cat.perturber.json');
    assert.equal(await stepDone('Morph texture vs shape'), true, 'moving the texture morph did not complete its step');
  });

  it('runs the shape-bias sweep and shows its results', async () => {
    await closeAllEditors();
    await clickStepButton('Run a sweep', 'Open the Shape Bias Sample');
    await sceneEditorFor('shape-bias.perturber.json');
    await runCommand(page, 'Perturber: Run Sweep');
    const summary = join(workspace, '.perturber', 'runs', 'shape-bias', 'summary.json');
    await until('the sweep summary.json', async () => existsSync(summary) && /shapeBias|shape_bias/i.test(readFileSync(summary, 'utf8')), 300_000);
    const rows = readFileSync(join(workspace, '.perturber', 'runs', 'shape-bias', 'results.csv'), 'utf8').trim().split('\n').length - 1;
    assert.equal(rows, 3 * 90 * 3, 'one row per configuration (3 azimuths x 90 cue-conflict pairs) x model (3)');
    await runCommand(page, 'Perturber: Show Sweep Results');
    // The pick of runs under .perturber/runs/: the one just made.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'shape-bias' }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await page.keyboard.press('Enter');
    const results = await frameShowing('sweepResults', 'canvas', 90_000);
    await until('the shape bias table', async () => /shape bias/i.test(await results.locator('body').innerText()), 60_000);
    await sleep(1500);
    await shot('sweep-results', results);
  });
});
