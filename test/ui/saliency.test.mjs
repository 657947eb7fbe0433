// The scene view's "Saliency" mode in a real browser (Debian Chromium via playwright-core, the fake host of
// scripts/webview-harness.mjs): turning it on sends `saliencyView`, a posted `saliency` map is drawn as a heatmap over
// its model input (exact blend checked at two pixels), the class and method pickers send the picked values, an
// error is shown as text, and leaving the mode turns it off. Screenshot: test-results/screenshots/saliency.png.
// Run: `node --test test/ui/saliency.test.mjs` (builds the webviews first when the bundles are stale).
import assert from 'node:assert/strict';

import { describe, test } from 'node:test';
import { deliverScene, harnessSuite, posted, shot, waitForFrames } from './harnessPage.mjs';

const SIZE = 48;
const LABELS = ['dog', 'cat', 'car', 'chair', 'airplane'];
const TOP = [
  { index: 2, label: 'car', probability: 0.7 },
  { index: 0, label: 'dog', probability: 0.2 },
];

function scene() {
  return {
    version: 2,
    name: 'Saliency UI test',
    object: { kind: 'builtin', name: 'sphere', seed: 0, params: {}, morph: null, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#20c040', texture: null, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: '#3050d0', blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
    camera: { azimuth: 0, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [{ id: 'lab', path: 'builtin:lab', watch: [] }, { id: 'other', path: 'builtin:other', watch: [] }],
    perturbations: [],
  };
}

/** Posts a `saliency` message: a grey input, and a map that is 1 in a disc right of centre and 0 elsewhere. */
function deliverSaliency(page, extra = {}) {
  return page.evaluate(({ size, top, extra }) => {
    const map = new Float32Array(size * size);
    const pixels = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = y * size + x;
        map[i] = (x - 32) ** 2 + (y - 24) ** 2 < 64 ? 1 : 0;
        pixels.set([128, 128, 128, 255], i * 4);
      }
    }
    window.__deliver({
      type: 'saliency', frameId: 3, model: 'lab', classIndex: 2, label: 'car', method: 'gradient',
      width: size, height: size, map, input: { width: size, height: size, pixels }, top, ...extra,
    });
  }, { size: SIZE, top: TOP, extra });
}

function pixelAt(page, x, y) {
  return page.evaluate(([x, y]) => Array.from(document.querySelector('#model-input').getContext('2d').getImageData(x, y, 1, 1).data), [x, y]);
}

describe('saliency mode of the scene view (Chromium)', () => {
  const suite = harnessSuite({ bundles: ['scene'] });
  const { errors } = suite;

  test('turning it on asks the host; a posted map is drawn over the input; pickers send their values', async () => {
    const page = await suite.open('scene');
    await deliverScene(page, { docVersion: 1, scene: scene() }, SIZE);
    await waitForFrames(page, 1);
    assert.deepEqual(await posted(page, 'saliencyView'), [], 'nothing asked before the mode is on');
    assert.equal(await page.locator('.saliency-controls').isHidden(), true);

    await page.locator('#view-mode button[data-mode="saliency"]').click();
    assert.deepEqual(await posted(page, 'saliencyView'), [{ type: 'saliencyView', enabled: true, method: 'gradient', classIndex: null }]);
    await page.locator('.saliency-controls').waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await page.locator('.model-input-message').textContent(), /Computing the saliency map/);

    await page.evaluate((labels) => window.__deliver({ type: 'saliencyModels', models: [
      { id: 'lab', displayName: 'Lab standard', labels, labelOffset: 0 },
      { id: 'other', displayName: 'Other', labels: ['a', 'b'], labelOffset: 1 },
    ] }), LABELS);
    await deliverSaliency(page);
    await page.waitForFunction(() => document.querySelector('#model-input')?.dataset.kind === 'saliency');
    const data = await page.locator('#model-input').evaluate((c) => ({ ...c.dataset, width: c.width, height: c.height, hidden: c.hidden }));
    assert.deepEqual(
      [data.width, data.height, data.frameId, data.model, data.method, data.classIndex, data.hidden],
      [SIZE, SIZE, '3', 'lab', 'gradient', '2', false],
    );
    // Map 0: the input unchanged; map 1: 20% grey + 80% viridis' last colour (#fde725).
    assert.deepEqual(await pixelAt(page, 2, 2), [128, 128, 128, 255]);
    const hot = await pixelAt(page, 32, 24);
    const expected = [0xfd, 0xe7, 0x25].map((c) => Math.round(128 * 0.2 + c * 0.8));
    hot.slice(0, 3).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1, `hot pixel ${hot} vs ${expected}`));
    assert.match(await page.locator('.saliency-caption').textContent(), /Gradient for “car”/);
    assert.equal(await page.locator('.model-input-message').isHidden(), true);

    // The class picker lists "top-1", the top predictions with probabilities, then the other labels.
    const options = await page.locator('#saliency-class option').allTextContents();
    assert.deepEqual(options, ['Top-1 (follows the prediction)', 'car (70.0%)', 'dog (20.0%)', 'cat', 'chair', 'airplane']);
    const shotPath = await shot(page, 'saliency', page.locator('.view-column'));
    assert.ok(shotPath.endsWith('saliency.png'));

    await page.locator('#saliency-method').selectOption('integratedGradients');
    assert.deepEqual((await posted(page, 'saliencyView')).at(-1), { type: 'saliencyView', enabled: true, method: 'integratedGradients', classIndex: null, model: 'lab' });
    await page.locator('#saliency-class').selectOption('0');
    assert.deepEqual((await posted(page, 'saliencyView')).at(-1), { type: 'saliencyView', enabled: true, method: 'integratedGradients', classIndex: 0, model: 'lab' });
    // A gradient map still in flight for the old method is not drawn over the new request's view.
    await deliverSaliency(page, { frameId: 4 });
    assert.equal(await page.locator('#model-input').evaluate((c) => c.dataset.frameId), '3');
    // An error from the host is shown as text.
    await deliverSaliency(page, { frameId: 5, method: 'integratedGradients', error: 'no gradient rule for ONNX operator Foo', map: new Float32Array(0) });
    await page.waitForFunction(() => !document.querySelector('.model-input-message').hidden);
    assert.match(await page.locator('.model-input-message').textContent(), /No saliency map: no gradient rule for ONNX operator Foo/);

    // The mode survives a reload (asked again), and leaving it turns the host's work off.
    await page.reload();
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    assert.deepEqual(await posted(page, 'saliencyView'), [{ type: 'saliencyView', enabled: true, method: 'integratedGradients', classIndex: 0, model: 'lab' }]);
    await page.locator('#view-mode button[data-mode="scene"]').click();
    assert.equal((await posted(page, 'saliencyView')).at(-1).enabled, false);
    assert.equal(await page.locator('.saliency-controls').isHidden(), true);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
