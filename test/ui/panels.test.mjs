// The predictions and activations panels in a real browser (Debian Chromium via playwright-core), without VS Code: the
// harness fakes the host (scripts/webview-harness.mjs). Checks the DOM hooks of docs/CONTRACTS.md, the panels'
// painting and revival from state, and saves screenshots to test-results/screenshots/.
// Run: `node --test test/ui/panels.test.mjs` (builds the webviews first when the bundles are missing or stale).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { launchChromium } from '../../scripts/browser.mjs';
import { startHarness } from '../../scripts/webview-harness.mjs';
import { ensureBundles, openPage, posted, shot, SHOTS } from './harnessPage.mjs';

// ---------------------------------------------------------------- fixtures

const TIMING = { transferMs: 0.4, perturbMs: 0.3, preprocessMs: 1.2, runMs: 18.5, extractMs: 0.8, postedAt: 0 };

function predictionsMessage(frameId) {
  return {
    type: 'predictions',
    frameId,
    sceneName: 'UI test scene',
    timing: TIMING,
    models: [
      {
        id: 'standard',
        displayName: 'GoogLeNet (standard)',
        top: [
          { index: 849, label: 'teapot', probability: 0.62 },
          { index: 505, label: 'coffeepot', probability: 0.21 },
          { index: 968, label: 'cup', probability: 0.08 },
          { index: 899, label: 'water jug', probability: 0.04 },
          { index: 725, label: 'pitcher, ewer, a very long class name that has to be shortened', probability: 0.02 },
        ],
      },
      {
        id: 'robust',
        displayName: 'GoogLeNet (adversarially trained)',
        top: [
          { index: 505, label: 'coffeepot', probability: 0.48 },
          { index: 849, label: 'teapot', probability: 0.4 },
          { index: 968, label: 'cup', probability: 0.05 },
          { index: 504, label: 'coffee mug', probability: 0.03 },
          { index: 828, label: 'strainer', probability: 0.01 },
        ],
      },
      { id: 'broken', displayName: 'Broken model', top: [], error: 'Could not load models/broken.onnx: invalid protobuf' },
    ],
  };
}

/** Plain arrays for the maps (the page turns them into Float32Array before delivering). */
function activationsMessage(frameId) {
  const size = 12;
  const map = (fn) => Array.from({ length: size * size }, (_, i) => fn(i % size, Math.floor(i / size)));
  const neuron = (index, fn) => {
    const values = map(fn);
    return { index, mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values), map: values };
  };
  const layer = (name, neurons) => ({ layer: name, tensor: `${name}/Relu:0`, channels: 64, height: size, width: size, neurons });
  return {
    type: 'activations',
    frameId,
    sceneName: 'UI test scene',
    timing: TIMING,
    models: [
      {
        id: 'standard',
        displayName: 'GoogLeNet (standard)',
        layers: [
          layer('conv1', [
            neuron(0, (x) => x / (size - 1)),
            neuron(1, (_, y) => y / (size - 1)),
            neuron(2, (x, y) => Math.exp(-((x - 6) ** 2 + (y - 6) ** 2) / 8) * 3),
            neuron(3, (x, y) => 0.01 * ((x + y) % 2)),
          ]),
          layer('mixed4a', [neuron(7, (x, y) => Math.sin(x / 2) * Math.cos(y / 3)), neuron(12, () => 0.5)]),
        ],
      },
      {
        id: 'robust',
        displayName: 'GoogLeNet (adversarially trained)',
        layers: [layer('conv1', [neuron(0, (x, y) => (x * y) / 121), neuron(1, () => 0), neuron(2, (x) => -x), neuron(3, (x, y) => x - y)])],
      },
    ],
  };
}

// ---------------------------------------------------------------- tests

describe('result panels in Chromium', () => {
  let harness;
  let browser;
  const errors = [];
  const open = (name, options = {}) => openPage(browser, harness, name, { ...options, onError: (text) => errors.push(`${name}: ${text}`) });

  before(async () => {
    ensureBundles(['predictions', 'activations']);
    mkdirSync(SHOTS, { recursive: true });
    harness = await startHarness();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  test('predictions panel: a column and chart per model, frame id, painted, revived from state', async () => {
    const page = await open('predictions', { viewport: { width: 1100, height: 420 } });
    assert.match(await page.locator('#empty').innerText(), /Waiting/);
    await page.evaluate((m) => window.__deliver(m), predictionsMessage(7));
    await page.waitForFunction(() => document.body.dataset.frameId === '7');
    assert.equal(await page.locator('.model-column[data-model-id]').count(), 3);
    for (const id of ['standard', 'robust', 'broken']) {
      assert.equal(await page.locator(`.model-column[data-model-id="${id}"] canvas`).count(), 1, `no chart canvas for ${id}`);
    }
    assert.match(await page.locator('.model-column[data-model-id="broken"] .model-error').innerText(), /invalid protobuf/);
    const painted = await posted(page, 'painted');
    assert.equal(painted.at(-1).frameId, 7);
    assert.ok(painted.at(-1).paintMs >= 0 && painted.at(-1).receivedAt > 0);
    await page.waitForTimeout(100);
    await shot(page, 'predictions');

    // Next frame reuses the columns; a model that left the scene goes.
    const next = predictionsMessage(8);
    next.models = next.models.slice(0, 2);
    next.models[0].top[0].probability = 0.9;
    await page.evaluate((m) => window.__deliver(m), next);
    await page.waitForFunction(() => document.body.dataset.frameId === '8');
    assert.equal(await page.locator('.model-column[data-model-id]').count(), 2);

    await page.waitForTimeout(400); // state saving is debounced
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.frameId === '8', null, { timeout: 10000 });
    assert.equal(await page.locator('.model-column[data-model-id]').count(), 2, 'not revived from state');

    await page.evaluate(() => window.__deliver({ type: 'empty', reason: 'No scene is open.' }));
    assert.match(await page.locator('#empty').innerText(), /No scene is open/);
    assert.equal(await page.evaluate(() => document.body.dataset.frameId), undefined);
    await page.close();

    const light = await open('predictions', { viewport: { width: 1100, height: 420 }, theme: 'light' });
    await light.evaluate((m) => window.__deliver(m), predictionsMessage(9));
    await light.waitForFunction(() => document.body.dataset.frameId === '9');
    await light.waitForTimeout(100);
    await shot(light, 'predictions-light');
    await light.close();
  });

  test('activations panel: neuron tiles with heatmaps, colour-scale switch persisted', async () => {
    const page = await open('activations', { viewport: { width: 1100, height: 640 } });
    const deliver = (m) =>
      page.evaluate((message) => {
        for (const model of message.models) for (const layer of model.layers) for (const n of layer.neurons) n.map = new Float32Array(n.map);
        window.__deliver(message);
      }, m);
    await deliver(activationsMessage(4));
    await page.waitForFunction(() => document.body.dataset.frameId === '4');
    assert.equal(await page.locator('.model-column[data-model-id]').count(), 2);
    const tiles = page.locator('.model-column[data-model-id="standard"] .neuron[data-layer="conv1"][data-neuron]');
    assert.equal(await tiles.count(), 4);
    for (let i = 0; i < 4; i++) {
      assert.equal(await tiles.nth(i).locator('canvas').count(), 1);
      assert.match(await tiles.nth(i).locator('.neuron-mean').innerText(), /^-?[\d.]+(e[+-]\d+)?$/);
    }
    assert.equal(await page.locator('.neuron[data-layer="mixed4a"][data-neuron="12"] .neuron-mean').innerText(), '0.5');
    assert.equal((await posted(page, 'painted')).at(-1).frameId, 4);

    // Neuron 3 of conv1 has a tiny range: dark under the shared scale, full range per neuron.
    const brightest = () =>
      page.locator('.model-column[data-model-id="standard"] .neuron[data-layer="conv1"][data-neuron="3"] canvas').evaluate((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let max = 0;
        for (let i = 0; i < d.length; i += 4) max = Math.max(max, d[i] + d[i + 1] + d[i + 2]);
        return max;
      });
    const shared = await brightest();
    await page.waitForTimeout(100);
    await shot(page, 'activations-shared');
    await page.locator('#color-scale').selectOption('per-neuron');
    const perNeuron = await brightest();
    assert.ok(perNeuron > shared + 200, `per-neuron scale should brighten a low-range neuron (${shared} -> ${perNeuron})`);
    await shot(page, 'activations-per-neuron');

    await page.waitForTimeout(400);
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.frameId === '4', null, { timeout: 10000 });
    assert.equal(await page.locator('#color-scale').inputValue(), 'per-neuron', 'colour scale not persisted');
    assert.equal(await page.locator('.neuron[data-layer][data-neuron]').count(), 10, 'tiles not revived from state');
    assert.ok((await brightest()) > shared + 200, 'revived maps differ');

    await page.evaluate(() => window.__deliver({ type: 'empty', reason: 'The scene has no models.' }));
    assert.match(await page.locator('#empty').innerText(), /no models/);
    await page.close();
  });

  test('no page errors or CSP violations', () => {
    assert.deepEqual(errors, []);
  });
});
