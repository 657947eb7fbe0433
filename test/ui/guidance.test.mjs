// Guidance in the webviews. Hover help on every control of the scene editor: each input, select, slider, checkbox
// and button of the controls (object, shape, material, silhouette, background, light, camera, models, perturbation
// steps) sits in an element whose tooltip says what it changes and names its place in the scene file ("<path> in
// the scene file"). Empty states that say what to do next: no model in the scene, no layer watched.
// Run: `node --test test/ui/guidance.test.mjs`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deliverScene, harnessSuite, shot } from './harnessPage.mjs';

/** One op per kind of parameter (number, integer, colour, choice), in the shape of opCatalog(). */
const OPS = [
  { id: 'blurA', label: 'Blur A', group: 'filter', description: 'Blurs.', random: false,
    params: [{ name: 'sigma', label: 'Sigma', help: 'Blur radius in pixels.', kind: 'number', min: 0, max: 10, step: 0.1, default: 1.5 }] },
  { id: 'tint', label: 'Tint', group: 'filter', description: 'Tints.', random: false,
    params: [{ name: 'color', label: 'Colour', help: 'The tint colour.', kind: 'color', default: '#ff0000' }] },
  { id: 'noiseZ', label: 'Noise Z', group: 'imagenet-c noise', description: 'Adds noise.', random: true,
    params: [
      { name: 'severity', label: 'Severity', help: 'ImageNet-C severity.', kind: 'integer', min: 1, max: 5, step: 1, default: 3 },
      { name: 'mode', label: 'Mode', help: 'Which channels.', kind: 'choice', options: ['rgb', 'grey'], default: 'rgb' },
    ] },
];

/** A scene that shows every section's controls: textures and their morph, a shape morph, an image background. */
const SCENE = {
  version: 2,
  name: 'Hover help',
  object: { kind: 'builtin', name: 'dog', seed: 0, params: {}, morph: { target: 'cat', amount: 0.3 }, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
  material: {
    color: '#c08040',
    texture: { kind: 'builtin', name: 'fur', seed: 0 },
    texture2: { kind: 'builtin', name: 'tabby', seed: 0 },
    textureMorph: 0.5, textureScale: 1, roughness: 0.6, metalness: 0,
  },
  silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
  background: { kind: 'procedural', name: 'sky', seed: 0, blur: 1, rotation: 0, brightness: 1 },
  light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
  camera: { azimuth: 0, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
  models: [{ id: 'fixture', path: 'builtin:fixture', watch: [{ layer: 'conv1', neurons: [0, 1] }] }],
  perturbations: [
    { op: 'blurA', enabled: true, seed: 0, params: { sigma: 2 } },
    { op: 'tint', enabled: true, seed: 0, params: { color: '#00ff00' } },
    { op: 'noiseZ', enabled: false, seed: 7, params: { severity: 4, mode: 'grey' } },
  ],
};

const CONTROL = 'input, select, textarea, button, vscode-slider, vscode-textfield, vscode-checkbox, vscode-single-select';

describe('guidance: hover help and empty states (Chromium)', () => {
  const suite = harnessSuite({ bundles: ['scene', 'predictions', 'activations'] });

  test('every control of every section has a tooltip naming its place in the scene file', async () => {
    const page = await suite.open('scene');
    await page.evaluate((ops) => window.__deliver({ type: 'perturbationOps', ops }), OPS);
    await deliverScene(page, { docVersion: 1, scene: SCENE });
    await page.locator('[data-path="material.textureMorph"]').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.perturbation-step, [data-path^="perturbations"]').first().waitFor({ state: 'visible', timeout: 10_000 });

    // Controls inside the editing area (not the header's "Show panels"/"Open as JSON" or the view tabs).
    const controls = await page.evaluate((selector) => {
      const out = [];
      for (const el of document.querySelectorAll(selector)) {
        if (el.closest('header, .view-tabs, .view-modes, #status, #problems') || el.closest('[hidden]')) continue;
        if (el.parentElement?.closest('vscode-slider, vscode-textfield, vscode-single-select, vscode-checkbox')) continue;
        if (!el.closest('.controls, .perturbations, .model-list')) continue;
        let title = '';
        for (let node = el; node && !title; node = node.parentElement) title = node.getAttribute('title') ?? '';
        const label = el.getAttribute('aria-label') ?? el.closest('[data-path]')?.getAttribute('data-path') ?? el.textContent?.trim().slice(0, 30) ?? '';
        out.push({ tag: el.tagName.toLowerCase(), label, title });
      }
      return out;
    }, CONTROL);
    console.log(`# ${controls.length} controls checked`);
    assert.ok(controls.length >= 60, `only ${controls.length} controls found: the selector no longer sees the controls`);
    const bare = controls.filter((c) => !/ in the scene file/.test(c.title));
    assert.deepEqual(bare, [], 'controls without hover help naming their place in the scene file');
    // The perturbation steps say which array entry they edit.
    const stepTitles = controls.filter((c) => /perturbations\.\d+/.test(c.title));
    assert.ok(stepTitles.length >= 6, `perturbation step controls name their entry: ${stepTitles.length}`);
    await shot(page, 'hover-help');
    await page.close();
    assert.deepEqual(suite.errors, []);
  });

  test('empty states say what to do next: no model (both panels), no layer watched (activations)', async () => {
    const timing = { transferMs: 0.4, perturbMs: 0.3, preprocessMs: 1.2, runMs: 18.5, extractMs: 0.8, postedAt: 0 };
    for (const bundle of ['predictions', 'activations']) {
      const page = await suite.open(bundle, { viewport: { width: 900, height: 300 } });
      await page.evaluate(({ type, timing }) => window.__deliver({ type, frameId: 3, sceneName: 'Empty scene', timing, models: [] }), { type: bundle, timing });
      const text = await page.locator('#empty').innerText();
      assert.match(text, /No model in this scene: add one with "Perturber: Add Model"/, `${bundle}: ${text}`);
      if (bundle === 'activations') {
        const noWatch = { id: 'fixture', displayName: 'Fixture', layers: [] };
        await page.evaluate(({ timing, model }) => window.__deliver({ type: 'activations', frameId: 4, sceneName: 'Empty scene', timing, models: [model] }), { timing, model: noWatch });
        await page.locator('.model-column .hint').first().waitFor({ state: 'visible', timeout: 5000 });
        assert.match(await page.locator('.model-column .hint').first().innerText(), /No layers watched: add some under "watch".*Find Class-Relevant Neurons/);
        await shot(page, 'empty-no-layers');
      }
      await page.close();
    }
    assert.deepEqual(suite.errors, []);
  });
});
