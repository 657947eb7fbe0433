// The scene editor's "Perturbations" section and before/after view in a real browser (Debian Chromium via
// playwright-core, the fake host of scripts/webview-harness.mjs): controls built from the catalogue the host sends,
// add/reorder/toggle/remove/parameter edits as messages, and the model input view (clean = the page's own frame,
// perturbed = the host's image), kept across a reload. Screenshot: test-results/screenshots/perturbations.png.
// Run: `node --test test/ui/perturbations.test.mjs` (builds the webviews first when the bundles are stale).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { launchChromium } from '../../scripts/browser.mjs';
import { startHarness } from '../../scripts/webview-harness.mjs';
import { deliverScene, ensureBundles, lastFrame, openPage, posted, shot, SHOTS, waitForFrames } from './harnessPage.mjs';

/** A catalogue in the shape of opCatalog(): one op per kind of parameter, in two groups. */
const OPS = [
  { id: 'blurA', label: 'Blur A', group: 'filter', description: 'Blurs.', random: false,
    params: [{ name: 'sigma', label: 'Sigma', help: 'Blur radius in pixels.', kind: 'number', min: 0, max: 10, step: 0.1, default: 1.5, scalesWithSize: true }] },
  { id: 'tint', label: 'Tint', group: 'filter', description: 'Tints.', random: false,
    params: [
      { name: 'alpha', label: 'Alpha', help: 'How much of the image stays.', kind: 'number', min: 0, max: 1, step: 0.01, default: 0.5 },
      { name: 'color', label: 'Colour', help: 'The tint colour.', kind: 'color', default: '#ff0000' },
    ] },
  { id: 'noiseZ', label: 'Noise Z', group: 'imagenet-c noise', description: 'Adds noise.', random: true,
    params: [
      { name: 'severity', label: 'Severity', help: 'ImageNet-C severity.', kind: 'integer', min: 1, max: 5, step: 1, default: 3 },
      { name: 'mode', label: 'Mode', help: 'Which channels.', kind: 'choice', options: ['rgb', 'grey'], default: 'rgb' },
    ] },
];

function scene(perturbations = []) {
  return {
    version: 2,
    name: 'Perturbation UI test',
    object: { kind: 'builtin', name: 'sphere', seed: 0, params: {}, morph: null, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#20c040', texture: null, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: '#3050d0', blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
    camera: { azimuth: 0, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [{ id: 'fixture', path: 'builtin:fixture', watch: [] }],
    perturbations,
  };
}

const STEPS = [
  { op: 'blurA', enabled: true, seed: 0, params: { sigma: 2 } },
  { op: 'tint', enabled: true, seed: 0, params: { alpha: 0.25, color: '#00ff00' } },
  { op: 'noiseZ', enabled: false, seed: 7, params: { severity: 4, mode: 'grey' } },
];

/** The last `edit` message's edits. */
async function lastEdit(page) {
  const edits = await posted(page, 'edit');
  return edits.at(-1)?.edits;
}

/** The RGBA pixels drawn on canvas#model-input. */
function canvasPixels(page) {
  return page.evaluate(() => {
    const c = document.querySelector('#model-input');
    return { width: c.width, height: c.height, kind: c.dataset.kind, pixels: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data) };
  });
}

describe('perturbations in the scene editor (Chromium)', () => {
  let harness;
  let browser;
  const errors = [];
  const open = () => openPage(browser, harness, 'scene', { onError: (text) => errors.push(text) });

  before(async () => {
    ensureBundles();
    mkdirSync(SHOTS, { recursive: true });
    harness = await startHarness({});
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  test('the picker lists the catalogue by group; adding sends the list with the new step at its defaults', async () => {
    const page = await open();
    await page.evaluate((ops) => window.__deliver({ type: 'perturbationOps', ops }), OPS);
    await deliverScene(page, { docVersion: 1, scene: scene() });
    const groups = await page.locator('select.add-perturbation optgroup').evaluateAll((gs) => gs.map((g) => [g.label, [...g.children].map((o) => o.value)]));
    assert.deepEqual(groups, [['Filters', ['blurA', 'tint']], ['ImageNet-C: noise', ['noiseZ']]]);
    await page.locator('select.add-perturbation').selectOption('noiseZ');
    assert.deepEqual(await lastEdit(page), [
      { path: ['perturbations'], value: [{ op: 'noiseZ', enabled: true, seed: 0, params: { severity: 3, mode: 'rgb' } }] },
    ]);
    assert.equal(await page.locator('select.add-perturbation').inputValue(), '', 'the picker goes back to its prompt');
    await page.close();
  });

  test('each step gets controls from its ParamSpecs; reorder, toggle, remove and parameters send edits', async () => {
    const page = await open();
    await page.evaluate((ops) => window.__deliver({ type: 'perturbationOps', ops }), OPS);
    await deliverScene(page, { docVersion: 1, scene: scene(STEPS) });
    const steps = page.locator('.perturbation-step');
    assert.deepEqual(await steps.evaluateAll((s) => s.map((e) => e.dataset.op)), ['blurA', 'tint', 'noiseZ']);
    // Numbers: slider + number field with hover help; colour: a colour input; choice: a select; seed only for random ops.
    const sigma = page.locator('[data-path="perturbations.0.params.sigma"]');
    assert.equal(await sigma.locator('vscode-slider').count(), 1);
    assert.match(await sigma.getAttribute('title'), /Blur radius in pixels\. Given for a 224 px frame/);
    assert.equal(await sigma.locator('input[type=range]').inputValue(), '2');
    assert.equal(await page.locator('[data-path="perturbations.1.params.color"] input[type=color]').inputValue(), '#00ff00');
    assert.equal(await page.locator('[data-path="perturbations.2.params.mode"] select').inputValue(), 'grey');
    assert.equal(await page.locator('[data-path="perturbations.2.params.severity"] input[type=range]').getAttribute('step'), '1');
    assert.equal(await page.locator('[data-path="perturbations.0.seed"]').count(), 0, 'no seed for a deterministic op');
    assert.equal(await page.locator('[data-path="perturbations.2.seed"] vscode-textfield').count(), 1);
    assert.equal(await steps.nth(2).locator('.step-enabled').isChecked(), false);
    await shot(page, 'perturbations-controls', page.locator('section[data-group="Perturbations"]'));

    await steps.nth(0).locator('button.step-down').click();
    assert.deepEqual(await lastEdit(page), [{ path: ['perturbations'], value: [STEPS[1], STEPS[0], STEPS[2]] }]);
    // The view shows the move at once, so the next one starts from it: [tint, blurA, noiseZ] -> [tint, noiseZ, blurA].
    await steps.nth(2).locator('button.step-up').click();
    assert.deepEqual(await lastEdit(page), [{ path: ['perturbations'], value: [STEPS[1], STEPS[2], STEPS[0]] }]);
    // The document (an undo, say) wins again once delivered.
    await deliverScene(page, { docVersion: 2, scene: scene(STEPS) });
    await page.waitForFunction(() => document.querySelectorAll('.perturbation-step')[0]?.dataset.op === 'blurA');
    await steps.nth(1).locator('button.step-remove').click();
    assert.deepEqual(await lastEdit(page), [{ path: ['perturbations'], value: [STEPS[0], STEPS[2]] }]);
    await deliverScene(page, { docVersion: 3, scene: scene(STEPS) });
    await page.waitForFunction(() => document.querySelectorAll('.perturbation-step').length === 3);
    await steps.nth(2).locator('.step-enabled').check();
    assert.deepEqual(await lastEdit(page), [{ path: ['perturbations', 2, 'enabled'], value: true }]);
    await page.locator('[data-path="perturbations.2.params.mode"] select').selectOption('rgb');
    assert.deepEqual(await lastEdit(page), [{ path: ['perturbations', 2, 'params', 'mode'], value: 'rgb' }]);
    const field = page.locator('[data-path="perturbations.0.params.sigma"] vscode-textfield input');
    await field.fill('4.5');
    await field.press('Enter');
    await page.waitForFunction(() => window.__posted.filter((m) => m.type === 'edit').at(-1).edits[0].path.at(-1) === 'sigma');
    assert.deepEqual(await lastEdit(page), [{ path: ['perturbations', 0, 'params', 'sigma'], value: 4.5 }]);
    const seed = page.locator('[data-path="perturbations.2.seed"] vscode-textfield input');
    await seed.fill('12');
    await seed.press('Enter');
    await page.waitForFunction(() => window.__posted.filter((m) => m.type === 'edit').at(-1).edits[0].path.at(-1) === 'seed');
    assert.deepEqual(await lastEdit(page), [{ path: ['perturbations', 2, 'seed'], value: 12 }]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('before/after: clean shows the frame pixel for pixel, perturbed the host image; the mode survives a reload', async () => {
    const page = await open();
    await page.evaluate((ops) => window.__deliver({ type: 'perturbationOps', ops }), OPS);
    await deliverScene(page, { docVersion: 1, scene: scene(STEPS.slice(0, 2)) }, 48);
    await waitForFrames(page, 1);
    assert.equal(await page.locator('#model-input').isHidden(), true, 'the scene view by default');

    await page.locator('#view-mode button[data-mode="clean"]').click();
    await page.waitForFunction(() => document.querySelector('#model-input')?.dataset.kind === 'clean');
    assert.equal(await page.locator('canvas#view').isHidden(), true);
    const frame = await lastFrame(page);
    const clean = await canvasPixels(page);
    assert.deepEqual([clean.width, clean.height], [48, 48]);
    assert.deepEqual(clean.pixels, frame.pixels, 'the clean view is exactly the frame the host got');
    assert.equal(
      await page.locator('#model-input').evaluate((c) => getComputedStyle(c).imageRendering),
      'pixelated',
    );
    assert.deepEqual(await posted(page, 'modelInputView'), [], 'the host is not asked for images in the clean mode');
    await shot(page, 'perturbations-clean', page.locator('.view-column'));

    await page.locator('#view-mode button[data-mode="perturbed"]').click();
    assert.deepEqual(await posted(page, 'modelInputView'), [{ type: 'modelInputView', enabled: true }]);
    // The host's image: a 48x48 quadrant pattern (nothing the renderer would draw).
    await page.evaluate(() => {
      const pixels = new Uint8Array(48 * 48 * 4);
      for (let i = 0; i < 48 * 48; i++) {
        const x = i % 48, y = Math.floor(i / 48);
        pixels.set([x < 24 ? 250 : 10, y < 24 ? 200 : 30, (x + y) * 2, 255], i * 4);
      }
      window.__hostImage = Array.from(pixels);
      window.__deliver({ type: 'modelInput', frameId: 1, images: [{ width: 48, height: 48, pixels }] });
    });
    await page.waitForFunction(() => document.querySelector('#model-input')?.dataset.kind === 'perturbed');
    const perturbed = await canvasPixels(page);
    assert.deepEqual(perturbed.pixels, await page.evaluate(() => window.__hostImage));
    const path = await shot(page, 'perturbations', page.locator('.view-column'));
    assert.ok(path.endsWith('perturbations.png'));

    await page.reload();
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    assert.deepEqual(await posted(page, 'modelInputView'), [{ type: 'modelInputView', enabled: true }], 'asked again after the reload');
    assert.equal(await page.locator('#view-mode button[data-mode="perturbed"]').getAttribute('aria-pressed'), 'true');
    await page.locator('#view-mode button[data-mode="scene"]').click();
    assert.deepEqual((await posted(page, 'modelInputView')).at(-1), { type: 'modelInputView', enabled: false });
    assert.equal(await page.locator('canvas#view').isVisible(), true);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
