// What each neuron responds to (issue 7) in the activations panel, in a real browser (Debian Chromium via
// playwright-core) against the webview harness: feature-visualisation thumbnails beside the right neurons, the large
// view on hover, the progress badge and Cancel, dataset examples and "Similar to this scene" posting their messages.
// Run: `node --test test/ui/neuronInsights.test.mjs` (builds the webviews first when the bundles are stale).
import assert from 'node:assert/strict';

import { describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { harnessSuite, posted, shot } from './harnessPage.mjs';

const TIMING = { transferMs: 0.4, perturbMs: 0.3, preprocessMs: 1.2, runMs: 18.5, extractMs: 0.8, postedAt: 0 };

/** A data: URL of a `size` x `size` PNG whose pixels are `pixel(x, y)` = [r, g, b]. */
function pngUrl(size, pixel) {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(x, y);
      png.data.set([r, g, b, 255], (y * size + x) * 4);
    }
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** Stripes in one colour per neuron, so a thumbnail's pixels tell which neuron's image it is. */
const COLOURS = { 0: [230, 60, 40], 2: [40, 200, 90], 7: [60, 90, 240] };
const featureVisPng = (neuron) => pngUrl(64, (x, y) => (((x >> 3) + (y >> 3)) % 2 ? COLOURS[neuron] : [250, 240, 200]));
const examplePng = (shade) => pngUrl(24, (x, y) => [shade, (x * 10) % 256, (y * 10) % 256]);

function activationsMessage(frameId) {
  const size = 8;
  const neuron = (index, scale) => {
    const map = Array.from({ length: size * size }, (_, i) => ((i % size) + Math.floor(i / size)) * scale);
    return { index, mean: map.reduce((a, b) => a + b, 0) / map.length, min: Math.min(...map), max: Math.max(...map), map };
  };
  const layer = (name, neurons) => ({ layer: name, tensor: `${name}/Relu:0`, channels: 16, height: size, width: size, neurons });
  return {
    type: 'activations',
    frameId,
    sceneName: 'Insights test',
    timing: TIMING,
    models: [
      { id: 'lab', displayName: 'Lab model', layers: [layer('conv1', [neuron(0, 1), neuron(2, 0.5), neuron(5, 2)]), layer('conv2', [neuron(7, 1)])] },
      { id: 'other', displayName: 'Other model', layers: [layer('conv1', [neuron(0, 1)])] },
    ],
  };
}

function insightsMessage() {
  return {
    type: 'neuronInsights',
    sceneName: 'Insights test',
    insights: [
      {
        modelId: 'lab',
        layer: 'conv1',
        neuron: 0,
        featureVis: { state: 'ready', png: featureVisPng(0), activation: 12.5, randomActivation: 0.8 },
        examples: [
          { path: 'images/dog 1.png', thumbnail: examplePng(250), activation: 9.25 },
          { path: 'images/cat.jpg', thumbnail: examplePng(120), activation: 4.5 },
          { path: 'images/car.png', thumbnail: examplePng(10), activation: 1.125 },
        ],
      },
      { modelId: 'lab', layer: 'conv1', neuron: 2, featureVis: { state: 'running', progress: 0.37 }, examples: [] },
      { modelId: 'lab', layer: 'conv1', neuron: 5, featureVis: { state: 'error', message: 'MaxPool has no gradient rule' } },
      { modelId: 'lab', layer: 'conv2', neuron: 7, featureVis: { state: 'ready', png: featureVisPng(7), activation: 3, randomActivation: 0.1 } },
      { modelId: 'other', layer: 'conv1', neuron: 0, featureVis: { state: 'off', reason: 'perturber.featureVis.enabled is off' } },
    ],
  };
}

/** The mean colour of an element's screenshot region, read back from a canvas the page draws the <img> into. */
async function imageColour(locator) {
  return locator.evaluate((img) => {
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let r = 0;
    let gg = 0;
    let b = 0;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] === 250 && d[i + 1] === 240) continue; // the cream stripes
      r += d[i];
      gg += d[i + 1];
      b += d[i + 2];
      n++;
    }
    return [r / n, gg / n, b / n].map(Math.round);
  });
}

describe('activations panel: neuron insights in Chromium', () => {
  const suite = harnessSuite({ bundles: ['activations'] });
  const { errors } = suite;

  test('feature visualisations beside the right neurons, hover, progress + cancel, examples and similar images', async () => {
    const page = await suite.open('activations', { viewport: { width: 1100, height: 760 } });
    const deliverActivations = (m) =>
      page.evaluate((message) => {
        for (const model of message.models) for (const layer of model.layers) for (const n of layer.neurons) n.map = new Float32Array(n.map);
        window.__deliver(message);
      }, m);
    // Insights first: they must find their tiles once the grid is built.
    await page.evaluate((m) => window.__deliver(m), insightsMessage());
    await deliverActivations(activationsMessage(3));
    await page.waitForFunction(() => document.body.dataset.frameId === '3');

    const tile = (model, layer, neuron) => page.locator(`.model-column[data-model-id="${model}"] .neuron[data-layer="${layer}"][data-neuron="${neuron}"]`);
    // Ready: a thumbnail of that neuron's own image, as tall as the map and beside it.
    for (const [layer, neuron] of [['conv1', 0], ['conv2', 7]]) {
      const thumb = tile('lab', layer, neuron).locator('.fv[data-state="ready"] img.fv-thumb');
      await thumb.waitFor({ state: 'visible', timeout: 5000 });
      assert.deepEqual(await imageColour(thumb), COLOURS[neuron], `thumbnail of ${layer} #${neuron} shows another image`);
      const map = await tile('lab', layer, neuron).locator('canvas').boundingBox();
      const box = await thumb.boundingBox();
      assert.ok(Math.abs(box.height - map.height) <= 1, `thumbnail height ${box.height} != map height ${map.height}`);
      assert.ok(Math.abs(box.y - map.y) <= 1 && box.x >= map.x + map.width, 'thumbnail not beside the map');
    }
    assert.equal(await tile('lab', 'conv1', 5).locator('img.fv-thumb').isVisible(), false);
    assert.match(await tile('lab', 'conv1', 5).locator('.fv').getAttribute('title'), /failed: MaxPool has no gradient rule/);
    assert.equal(await tile('other', 'conv1', 0).locator('.fv').getAttribute('data-state'), 'off');
    assert.match(await tile('other', 'conv1', 0).locator('.fv').getAttribute('title'), /perturber\.featureVis\.enabled is off/);

    // Hover: the 256 px view of the same image.
    const popover = page.locator('#fv-popover');
    assert.equal(await popover.isVisible(), false);
    await tile('lab', 'conv2', 7).locator('img.fv-thumb').hover();
    await popover.waitFor({ state: 'visible', timeout: 2000 });
    const large = await popover.locator('img').boundingBox();
    assert.equal(Math.round(large.width), 256);
    assert.equal(Math.round(large.height), 256);
    assert.deepEqual(await imageColour(popover.locator('img')), COLOURS[7]);
    await shot(page, 'neuron-insights-hover');
    await page.mouse.move(5, 5);
    await popover.waitFor({ state: 'hidden', timeout: 2000 });

    // Running: a progress badge; Cancel asks the host to stop.
    const running = tile('lab', 'conv1', 2).locator('.fv[data-state="running"]');
    assert.equal(await running.locator('.fv-badge').innerText(), '37%');
    assert.equal((await posted(page, 'cancelFeatureVis')).length, 0);
    await running.locator('button.fv-cancel').click();
    assert.deepEqual(await posted(page, 'cancelFeatureVis'), [{ type: 'cancelFeatureVis' }]);
    assert.equal(await tile('lab', 'conv1', 0).locator('button.fv-cancel').isVisible(), false, 'a ready image offers Cancel');

    // Examples: the neuron's images in order with their activations; a click opens the file.
    const examples = tile('lab', 'conv1', 0).locator('button.example');
    assert.deepEqual(await examples.evaluateAll((b) => b.map((x) => x.dataset.path)), ['images/dog 1.png', 'images/cat.jpg', 'images/car.png']);
    assert.deepEqual(await examples.locator('.example-activation').allInnerTexts(), ['9.25', '4.5', '1.13']);
    await examples.nth(1).click();
    assert.deepEqual(await posted(page, 'openImage'), [{ type: 'openImage', path: 'images/cat.jpg' }]);
    assert.match(await tile('lab', 'conv1', 2).locator('.examples').innerText(), /no examples/);
    assert.equal(await page.locator('#insights-hint').isVisible(), false, 'the "no images indexed" hint shows although examples came');

    // A new frame (same layout) keeps the very same thumbnail elements; a progress update changes only the badge.
    const marked = await tile('lab', 'conv1', 0).locator('img.fv-thumb').evaluate((img) => {
      img.dataset.marker = 'kept';
      return true;
    });
    assert.ok(marked);
    await deliverActivations(activationsMessage(4));
    await page.waitForFunction(() => document.body.dataset.frameId === '4');
    const next = insightsMessage();
    next.insights[1].featureVis = { state: 'running', progress: 0.81 };
    await page.evaluate((m) => window.__deliver(m), next);
    await page.waitForFunction(() => document.querySelector('.neuron[data-layer="conv1"][data-neuron="2"] .fv-badge')?.textContent === '81%');
    assert.equal(await tile('lab', 'conv1', 0).locator('img.fv-thumb').getAttribute('data-marker'), 'kept', 'thumbnail re-created');

    // Similar to this scene: pick a layer -> similarImages; the host's answer shows with distances; a click opens.
    const select = page.locator('select#similar-layer');
    assert.deepEqual(await select.locator('option').evaluateAll((o) => o.map((x) => x.value)), [
      '',
      JSON.stringify(['lab', 'conv1']),
      JSON.stringify(['lab', 'conv2']),
      JSON.stringify(['other', 'conv1']),
    ]);
    await select.selectOption(JSON.stringify(['lab', 'conv2']));
    assert.deepEqual((await posted(page, 'similarImages')).at(-1), { type: 'similarImages', modelId: 'lab', layer: 'conv2' });
    assert.match(await page.locator('#similar-note').innerText(), /Searching/);
    const withSimilar = insightsMessage();
    withSimilar.similar = {
      modelId: 'lab',
      layer: 'conv2',
      frameId: 4,
      images: [
        { path: 'images/teapot.png', thumbnail: examplePng(200), distance: 0.0421 },
        { path: 'images/mug.png', thumbnail: examplePng(90), distance: 0.31 },
      ],
    };
    await page.evaluate((m) => window.__deliver(m), withSimilar);
    const similar = page.locator('#similar button.similar-image');
    await similar.first().waitFor({ state: 'visible', timeout: 2000 });
    assert.deepEqual(await similar.locator('.similar-distance').allInnerTexts(), ['0.042', '0.310']);
    await page.waitForTimeout(100);
    await shot(page, 'neuron-insights');
    await similar.nth(1).click();
    assert.deepEqual((await posted(page, 'openImage')).at(-1), { type: 'openImage', path: 'images/mug.png' });
    await select.selectOption('');
    assert.deepEqual((await posted(page, 'similarImages')).at(-1), { type: 'similarImages', modelId: 'lab', layer: null });
    assert.equal(await similar.count(), 0);

    // An empty index says what to do.
    withSimilar.similar.images = [];
    await select.selectOption(JSON.stringify(['lab', 'conv2']));
    await page.evaluate((m) => window.__deliver(m), withSimilar);
    assert.match(await page.locator('#similar-note').innerText(), /No images indexed: run Perturber: Index Image Folder/);
    const noIndex = insightsMessage();
    for (const insight of noIndex.insights) delete insight.examples;
    await page.evaluate((m) => window.__deliver(m), noIndex);
    assert.match(await page.locator('#insights-hint').innerText(), /No images indexed: run Perturber: Index Image Folder/);
    assert.equal(await page.locator('button.example').count(), 0);

    // A neuron the host no longer reports loses its insight.
    const fewer = insightsMessage();
    fewer.insights = fewer.insights.slice(0, 1);
    await page.evaluate((m) => window.__deliver(m), fewer);
    assert.equal(await page.locator('.fv').count(), 1);
    await page.close();
  });

  test('the "Visualise" selector: shown with insights, posts featureVisObjective, and each image says its kind', async () => {
    const page = await suite.open('activations', { viewport: { width: 1100, height: 760 } });
    const selector = page.locator('select#fv-objective');
    await page.evaluate((m) => {
      for (const model of m.models) for (const layer of model.layers) for (const n of layer.neurons) n.map = new Float32Array(n.map);
      window.__deliver(m);
    }, activationsMessage(5));
    await page.waitForFunction(() => document.body.dataset.frameId === '5');
    assert.equal(await selector.isVisible(), false, 'the selector shows before a scene has watched neurons');
    const tile = (model, layer, neuron) => page.locator(`.model-column[data-model-id="${model}"] .neuron[data-layer="${layer}"][data-neuron="${neuron}"]`);
    const kindOf = (model, layer, neuron) => tile(model, layer, neuron).locator('.fv-kind');

    // The host reports the scene's objective "unit": the selector shows it, every image its unit.
    const unit = insightsMessage();
    unit.objective = 'unit';
    for (const insight of unit.insights) {
      insight.objective = 'unit';
      insight.unit = insight.layer === 'conv2' ? { x: 3, y: 1 } : { x: 4, y: 4 };
    }
    await page.evaluate((m) => window.__deliver(m), unit);
    await selector.waitFor({ state: 'visible', timeout: 2000 });
    assert.equal(await selector.inputValue(), 'unit');
    assert.deepEqual(await selector.locator('option').evaluateAll((o) => o.map((x) => x.value)), ['channel', 'unit', 'negative']);
    assert.match(await selector.getAttribute('title'), /featureVis\.objective/);
    assert.match(await selector.getAttribute('title'), /negative: .*suppresses/);
    assert.equal(await kindOf('lab', 'conv1', 0).innerText(), 'unit (4,4)');
    assert.equal(await kindOf('lab', 'conv2', 7).innerText(), 'unit (3,1)');
    assert.match(await tile('lab', 'conv1', 0).locator('.fv').getAttribute('title'), /conv1 #0 \(unit \(4,4\)\): activation 12\.5/);
    // The caption sits over the bottom of the thumbnail.
    const thumb = await tile('lab', 'conv2', 7).locator('img.fv-thumb').boundingBox();
    const caption = await kindOf('lab', 'conv2', 7).boundingBox();
    assert.ok(Math.abs(caption.y + caption.height - (thumb.y + thumb.height)) <= 1 && caption.x >= thumb.x - 1, 'caption not over the thumbnail bottom');
    await shot(page, 'neuron-insights-objective', page.locator('.model-column[data-model-id="lab"]'));
    await shot(page, 'neuron-insights-objective-page');

    // Choosing posts one message; the panel waits for the host's answer (the scene file is the truth).
    assert.equal((await posted(page, 'featureVisObjective')).length, 0);
    await selector.selectOption('negative');
    assert.deepEqual(await posted(page, 'featureVisObjective'), [{ type: 'featureVisObjective', objective: 'negative' }]);
    const negative = insightsMessage();
    negative.objective = 'negative';
    for (const insight of negative.insights) insight.objective = 'negative';
    await page.evaluate((m) => window.__deliver(m), negative);
    await page.waitForFunction(() => document.querySelector('.neuron[data-layer="conv2"][data-neuron="7"] .fv-kind')?.textContent === 'negative');
    assert.equal(await kindOf('lab', 'conv1', 0).innerText(), 'negative');
    // The channel (default) has no caption; a message without `objective` (an older host) means the channel.
    await page.evaluate((m) => window.__deliver(m), insightsMessage());
    await page.waitForFunction(() => document.querySelector('.neuron[data-layer="conv2"][data-neuron="7"] .fv-kind')?.hidden === true);
    assert.equal(await selector.inputValue(), 'channel');
    assert.equal(await kindOf('lab', 'conv1', 0).isVisible(), false);
    // No watched neurons: the selector goes away.
    await page.evaluate((m) => window.__deliver(m), { type: 'neuronInsights', sceneName: 'Insights test', insights: [] });
    await selector.waitFor({ state: 'hidden', timeout: 2000 });
    await page.close();
  });

  test('no page errors or CSP violations', () => {
    assert.deepEqual(errors, []);
  });
});
