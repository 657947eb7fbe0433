// Checkpoint families in the webviews (Debian Chromium via playwright-core, the harness fakes the host): the scene
// editor's checkpoint slider appears only for models the host names as families and edits `models[i].checkpoint`
// (one final edit per release; the last stop is "final" = null); the predictions panel's "Along checkpoints"
// toggle and the trend charts of both panels. Screenshots in test-results/screenshots/checkpoint-*.png.
// Run: `node --test test/ui/checkpoints.test.mjs` (builds the webviews first when the bundles are missing or stale).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { launchChromium } from '../../scripts/browser.mjs';
import { startHarness } from '../../scripts/webview-harness.mjs';
import { deliverScene, ensureBundles, openPage, posted, shot, SHOTS, waitForFrames } from './harnessPage.mjs';

const STOPS = [
  { value: 0, label: 'epoch 1', step: 1 },
  { value: 1, label: 'epoch 2', step: 2 },
  { value: 2, label: 'epoch 3', step: 3 },
  { value: null, label: 'final' },
];

function scene(checkpoint) {
  const family = { id: 'ft', path: 'models/ft.onnx', watch: [{ layer: 'conv1', neurons: [0, 1] }] };
  if (checkpoint !== undefined) family.checkpoint = checkpoint;
  return {
    version: 2,
    name: 'Checkpoint UI test',
    object: { kind: 'builtin', name: 'teapot', seed: 0, params: {}, morph: null, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#c08040', texture: null, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: '#808080', blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
    camera: { azimuth: 0, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [{ id: 'plain', path: 'builtin:fixture', watch: [] }, family],
    perturbations: [],
  };
}

const TIMING = { transferMs: 0.4, perturbMs: 0, preprocessMs: 1.2, runMs: 8.5, extractMs: 0.8, postedAt: 0 };
const CHECKPOINT = { label: 'epoch 2', index: 1, count: 4 };

function trend(frameId) {
  const checkpoints = STOPS.map((s, i) => ({ label: s.label, ...(s.step !== undefined ? { step: s.step } : {}), current: i === 1 }));
  return {
    frameId,
    sceneName: 'Checkpoint UI test',
    modelId: 'ft',
    displayName: 'Fine-tuned (lab)',
    checkpoints,
    classes: [
      { index: 3, label: 'cat', probabilities: [0.1, 0.35, 0.6, 0.82] },
      { index: 1, label: 'dog', probabilities: [0.7, 0.45, 0.25, 0.1] },
      { index: 7, label: 'teapot', probabilities: [0.12, 0.1, null, 0.04] },
    ],
    neurons: [
      { layer: 'conv1', neuron: 0, means: [0.2, 0.4, 0.6, 0.8] },
      { layer: 'conv1', neuron: 1, means: [1.1, 0.9, 0.5, 0.3] },
      { layer: 'mixed4a', neuron: 12, means: [0.05, 0.3, 0.2, 0.25] },
    ],
  };
}

describe('checkpoint families in the webviews', () => {
  let harness;
  let browser;
  const errors = [];
  const open = (name, options = {}) => openPage(browser, harness, name, { ...options, onError: (text) => errors.push(`${name}: ${text}`) });

  before(async () => {
    ensureBundles(['scene', 'predictions', 'activations']);
    mkdirSync(SHOTS, { recursive: true });
    harness = await startHarness();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  test('scene editor: a checkpoint slider only for families; moving it edits models[i].checkpoint', async () => {
    const page = await open('scene');
    await deliverScene(page, { docVersion: 1, scene: scene(1) });
    await waitForFrames(page, 1);
    assert.equal(await page.locator('.model-list [data-path$=".checkpoint"]').count(), 0, 'no slider before the host names a family');

    await deliverScene(page, { docVersion: 1, scene: scene(1), checkpointFamilies: { 'models/ft.onnx': { stops: STOPS } } });
    const row = page.locator('[data-path="models.1.checkpoint"]');
    await row.waitFor();
    assert.equal(await page.locator('.model-list [data-path$=".checkpoint"]').count(), 1, 'only the family model has a slider');
    assert.equal(await page.locator('[data-path="models.0.checkpoint"]').count(), 0);
    const input = row.locator('vscode-slider input[type=range]');
    assert.deepEqual(await input.evaluate((i) => [i.min, i.max, i.step, i.value]), ['0', '3', '1', '1']);
    assert.equal(await row.locator('.checkpoint-label').innerText(), 'epoch 2 (step 2) · 2/4');
    assert.match(await row.getAttribute('title'), /models\.1\.checkpoint in the scene file/);
    await row.scrollIntoViewIfNeeded();
    await shot(page, 'checkpoint-slider', page.locator('section[data-group="Models"]'));

    // Keyboard: two steps right = one final edit per key release ("change"), the last stop writes null.
    const before = (await posted(page, 'edit')).length;
    await input.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((n) => window.__posted.filter((m) => m.type === 'edit').length >= n + 2, before);
    const edits = (await posted(page, 'edit')).slice(before);
    assert.deepEqual(edits.at(-1).edits, [{ path: ['models', 1, 'checkpoint'], value: null }]);
    assert.ok(edits.every((m) => m.edits.length === 1 && m.edits[0].path.join('.') === 'models.1.checkpoint'), JSON.stringify(edits));
    assert.equal(edits.filter((m) => m.edits[0].value === 2).length, 1, 'one edit for "epoch 3"');
    assert.equal(await row.locator('.checkpoint-label').innerText(), 'final · 4/4');

    // The document says checkpoint 0: the slider follows. An index outside the family is marked.
    await deliverScene(page, { docVersion: 3, scene: scene(0), checkpointFamilies: { 'models/ft.onnx': { stops: STOPS } } });
    await page.waitForFunction(() => document.querySelector('[data-path="models.1.checkpoint"] input').value === '0', null, { timeout: 4000 });
    await deliverScene(page, { docVersion: 4, scene: scene(9), checkpointFamilies: { 'models/ft.onnx': { stops: STOPS } } });
    await page.waitForFunction(() => document.querySelector('[data-path="models.1.checkpoint"] .checkpoint-label').textContent === 'not in the family');
    assert.ok(await row.locator('.checkpoint-label.error').count());
    await page.close();
  });

  test('predictions panel: "Along checkpoints" toggle and the trend line chart', async () => {
    const page = await open('predictions', { viewport: { width: 900, height: 720 } });
    const top = [
      { index: 1, label: 'dog', probability: 0.45 },
      { index: 3, label: 'cat', probability: 0.35 },
      { index: 7, label: 'teapot', probability: 0.1 },
    ];
    await page.evaluate(
      (m) => window.__deliver(m),
      {
        type: 'predictions', frameId: 5, sceneName: 'Checkpoint UI test', timing: TIMING,
        models: [
          { id: 'plain', displayName: 'Fixture', top },
          { id: 'ft', displayName: 'Fine-tuned (lab)', top, checkpoint: CHECKPOINT },
        ],
      },
    );
    await page.waitForFunction(() => document.body.dataset.frameId === '5');
    assert.equal(await page.locator('.model-column[data-model-id="plain"] .model-checkpoint').isVisible(), false);
    const toggle = page.locator('.model-column[data-model-id="ft"] button.trend-toggle');
    assert.equal(await toggle.isVisible(), true);
    assert.match(await page.locator('.model-column[data-model-id="ft"] .checkpoint-text').innerText(), /Checkpoint epoch 2 \(2\/4\)/);
    assert.equal(await page.locator('#trend').isVisible(), false, 'the trend is off by default');
    await toggle.click();
    assert.deepEqual((await posted(page, 'checkpointTrend')).at(-1), { type: 'checkpointTrend', modelId: 'ft' });

    await page.evaluate(() => window.__deliver({ type: 'checkpointTrend', modelId: 'ft' }));
    assert.equal(await page.locator('#trend').isVisible(), true);
    assert.match(await page.locator('#trend .trend-note').innerText(), /Running every checkpoint/);
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await page.evaluate((t) => window.__deliver({ type: 'checkpointTrend', modelId: 'ft', trend: t }), trend(5));
    await page.waitForFunction(() => document.querySelector('#trend').dataset.frameId === '5');
    assert.deepEqual(await page.locator('#trend').evaluate((e) => [e.dataset.series, e.dataset.points]), ['3', '4']);
    // The chart drew something: coloured pixels on the canvas.
    const inked = await page.locator('#trend canvas').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;
      return n;
    });
    assert.ok(inked > 200, `the line chart has ${inked} coloured pixels`);
    await page.waitForTimeout(100);
    await shot(page, 'checkpoint-trend-predictions');

    await page.locator('#trend-save').click();
    assert.equal((await posted(page, 'saveCheckpointTrend')).length, 1);
    await toggle.click();
    assert.deepEqual((await posted(page, 'checkpointTrend')).at(-1), { type: 'checkpointTrend', modelId: null });
    await page.waitForTimeout(400); // state saving is debounced
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#trend')?.dataset.frameId === '5', null, { timeout: 10000 });
    await page.evaluate(() => window.__deliver({ type: 'checkpointTrend', modelId: null }));
    assert.equal(await page.locator('#trend').isVisible(), false);
    await page.close();
  });

  test('activations panel: mean of each watched neuron along the checkpoints', async () => {
    const page = await open('activations', { viewport: { width: 900, height: 520 } });
    await page.evaluate((t) => window.__deliver({ type: 'checkpointTrend', modelId: 'ft', trend: t }), trend(6));
    await page.waitForFunction(() => document.querySelector('#trend')?.dataset.frameId === '6');
    assert.deepEqual(await page.locator('#trend').evaluate((e) => [e.dataset.series, e.dataset.points]), ['3', '4']);
    assert.match(await page.locator('#trend .trend-note').innerText(), /Mean activation .* frame 6; the scene shows epoch 2/);
    await page.waitForTimeout(100);
    await shot(page, 'checkpoint-trend-activations');
    await page.locator('#trend-off').click();
    assert.deepEqual((await posted(page, 'checkpointTrend')).at(-1), { type: 'checkpointTrend', modelId: null });
    await page.close();
  });

  test('no page errors or CSP violations', () => {
    assert.deepEqual(errors, []);
  });
});
