// The model inspector's webview (webview/inspector/) in Chromium with the harness's fake host
// (scripts/webview-harness.mjs). The summaries delivered are the `onnx` package's numbers for two of the repo's
// models (test/unit/fixtures/modelSummary/reference.json): the page must show them (operator bars in count order,
// symbolic dimensions marked, the key figures), post the buttons' messages, name unsupported operators, and show an
// error state for a file that is not a model. Screenshots: test-results/screenshots/inspector*.png.
// Run: `node --test test/ui/inspector.test.mjs` (builds the webviews first when the bundles are missing or stale).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { harnessSuite, posted, ROOT, shot } from './harnessPage.mjs';

const reference = JSON.parse(readFileSync(join(ROOT, 'test', 'unit', 'fixtures', 'modelSummary', 'reference.json'), 'utf8'));

/** A `model` message as the host builds it, from a reference entry; `gradients` and `manifest` as given. */
function modelMessage(file, ref, { gradients, manifest }) {
  const ops = Object.entries(ref.ops)
    .map(([op, count]) => ({ op, count }))
    .sort((a, b) => b.count - a.count || (a.op < b.op ? -1 : 1));
  return {
    type: 'model',
    file,
    summary: {
      fileBytes: ref.fileBytes,
      irVersion: ref.irVersion,
      opsets: ref.opsets,
      producer: ref.producer,
      graphName: 'main_graph',
      inputs: ref.inputs,
      outputs: ref.outputs,
      nodeCount: ref.nodeCount,
      ops,
      initializerCount: ref.initializerCount,
      parameterCount: ref.parameterCount,
      weightBytes: ref.weightBytes,
      externalData: false,
      gradients,
    },
    manifest,
  };
}

const GOOGLENET = reference['test/unit/fixtures/models/googlenet.graph.onnx'];
const INCEPTION = [['conv1', 64, 112], ['conv2', 64, 56], ['conv3', 192, 56], ['inception3a', 256, 28], ['inception3b', 480, 28], ['inception4a', 512, 14], ['inception4b', 512, 14], ['inception4c', 512, 14], ['inception4d', 528, 14], ['inception4e', 832, 14], ['inception5a', 832, 7], ['inception5b', 1024, 7]];
const LAYERS = [
  ...INCEPTION.map(([name, c, s]) => ({ name, tensor: name.startsWith('conv') ? `/${name}/Relu_output_0` : `/${name}/Concat_output_0`, op: name.startsWith('conv') ? 'Relu' : 'Concat', shape: [c, s, s], named: true })),
  { name: 'maxpool1', tensor: '/maxpool1/MaxPool_output_0', op: 'MaxPool', shape: [64, 56, 56], named: false },
  { name: 'logits', tensor: 'logits', op: 'Output', shape: [1000], named: false },
];
const MANIFEST = {
  state: 'present',
  file: 'googlenet.model.json',
  problems: [],
  manifest: {
    version: 1,
    displayName: 'GoogLeNet (torchvision)',
    input: { name: 'input', width: 224, height: 224, layout: 'NCHW', channelOrder: 'RGB', range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    output: { name: 'logits', kind: 'logits' },
    labels: 'imagenet1000.txt',
    labelOffset: 0,
    layerAliases: Object.fromEntries(LAYERS.filter((l) => l.named).map((l) => [l.name, l.tensor])),
  },
};

describe('model inspector in Chromium', () => {
  const suite = harnessSuite({ bundles: ['inspector'] });
  const { errors } = suite;

  test('summary, operator bars, shapes, manifest and layers; the buttons post their messages', async () => {
    const page = await suite.open('inspector', { viewport: { width: 1180, height: 940 } });
    const message = modelMessage('googlenet.onnx', GOOGLENET, { gradients: { supported: true, input: 'input', unsupported: [] }, manifest: MANIFEST });
    await page.evaluate((m) => window.__deliver(m), message);
    await page.waitForFunction(() => document.body.dataset.state === 'model');

    // Operators: one row per op type, most frequent first, each with its count; the longest bar is the first.
    const rows = await page.$$eval('#op-list .op-row', (list) => list.map((r) => ({ op: r.dataset.op, count: Number(r.dataset.count), width: r.querySelector('.op-fill').getBoundingClientRect().width })));
    assert.deepEqual(rows.map((r) => [r.op, r.count]), message.summary.ops.map((o) => [o.op, o.count]));
    assert.equal(rows.reduce((n, r) => n + r.count, 0), GOOGLENET.nodeCount);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].width <= rows[i - 1].width + 0.5, `bar ${rows[i].op} longer than ${rows[i - 1].op}`);
    assert.ok(Math.abs(rows[1].width / rows[0].width - rows[1].count / rows[0].count) < 0.05);

    // Key figures and the input's symbolic batch dimension.
    const params = await page.textContent('[data-tile="parameters"] .tile-detail');
    assert.ok(params.startsWith(GOOGLENET.parameterCount.toLocaleString('en-US')), params);
    assert.equal(await page.textContent('[data-tile="gradients"] .tile-value'), 'supported');
    assert.equal(await page.textContent('tr[data-tensor="input"] .dim.symbolic'), 'batch');
    assert.match(await page.textContent('#opsets'), /ai\.onnx 13/);
    assert.match(await page.textContent('#gradients'), /Gradients: supported/);
    assert.match(await page.textContent('#manifest'), /fits the graph/);
    assert.equal(await page.textContent('[data-tile="layers"] .tile-value'), '…');

    await page.evaluate((layers) => window.__deliver({ type: 'layers', layers, probed: true }), LAYERS);
    await page.waitForFunction((n) => document.body.dataset.layers === String(n), LAYERS.length);
    assert.equal(await page.locator('#layer-table tbody tr').count(), LAYERS.length);
    assert.equal(await page.textContent('#layer-table tr[data-layer="inception4a"] .shape'), '512 × 14 × 14');
    assert.equal(await page.textContent('[data-tile="layers"] .tile-value'), String(LAYERS.length));

    await page.click('#add-to-scene');
    await page.click('#edit-manifest');
    await page.waitForFunction(() => window.__posted.length >= 3);
    assert.deepEqual((await page.evaluate(() => window.__posted)).map((m) => m.type), ['ready', 'addToScene', 'editManifest']);
    await page.evaluate(() => window.__deliver({ type: 'notice', text: 'Added "googlenet" to lab-trio.perturber.json (watching inception4a).', failed: false }));
    assert.match(await page.textContent('#notice'), /Added "googlenet"/);
    await shot(page, 'inspector');
  });

  test('unsupported operators are named; no manifest offers Create manifest; graph-only layers say why', async () => {
    const page = await suite.open('inspector', { viewport: { width: 1180, height: 900 } });
    const ref = reference['models/fixture/fixture.onnx'];
    const ops = { ...ref.ops, Erf: 2 };
    const message = modelMessage('fixture-erf.onnx', { ...ref, ops, nodeCount: ref.nodeCount + 2 }, {
      gradients: { supported: false, input: 'input', unsupported: [{ op: 'Erf', count: 2 }] },
      manifest: { state: 'absent', file: 'fixture-erf.model.json' },
    });
    await page.evaluate((m) => window.__deliver(m), message);
    await page.waitForFunction(() => document.body.dataset.state === 'model');
    assert.deepEqual(await page.$$eval('#unsupported-ops li', (l) => l.map((e) => e.dataset.op)), ['Erf']);
    assert.match(await page.textContent('#gradients'), /not supported[\s\S]*Attacks, saliency/);
    assert.equal(await page.getAttribute('#op-list .op-row[data-op="Erf"]', 'class'), 'op-row unsupported');
    assert.equal(await page.textContent('[data-tile="gradients"] .tile-value'), 'unsupported');
    await page.evaluate(() =>
      window.__deliver({ type: 'layers', probed: false, note: 'The model was not run (the manifest\'s input "image" is not an input of the graph); shapes are those the graph records.', layers: [{ name: 'conv1', tensor: 'conv1', op: 'Conv', shape: [null, null, null], named: false }] }),
    );
    await page.waitForFunction(() => document.body.dataset.layers === '1');
    assert.match(await page.textContent('#layers'), /was not run/);
    assert.equal(await page.textContent('#layer-table .shape'), '? × ? × ?');
    await page.click('#create-manifest');
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'createManifest'));
    await shot(page, 'inspector-unsupported');
  });

  test('a file that is not a model shows the reason, not a blank page', async () => {
    const page = await suite.open('inspector', { viewport: { width: 900, height: 360 } });
    const text = 'corrupt.onnx is not a readable ONNX model: not an ONNX model, or a truncated one (protobuf decoding failed: index out of range: 61 + 10 > 64)';
    await page.evaluate((m) => window.__deliver(m), { type: 'inspectError', file: 'corrupt.onnx', message: text });
    await page.waitForFunction(() => document.body.dataset.state === 'error');
    assert.equal(await page.isVisible('#inspect-error'), true);
    assert.equal(await page.isVisible('#content'), false);
    assert.equal(await page.textContent('#inspect-error .error-message'), text);
    assert.equal(await page.locator('#add-to-scene').count(), 0);
    await shot(page, 'inspector-error');
  });

  test('the bundle leaves the protobuf decoder out (the page only formats what the host decoded)', () => {
    const bundle = readFileSync(join(ROOT, 'dist', 'webview', 'inspector.js'), 'utf8');
    assert.ok(!/protobufjs|onnx-proto/.test(bundle), 'dist/webview/inspector.js bundles onnx-proto');
  });

  test('light theme', async () => {
    const page = await suite.open('inspector', { viewport: { width: 1180, height: 760 }, theme: 'light' });
    await page.evaluate((m) => window.__deliver(m), modelMessage('googlenet.onnx', GOOGLENET, { gradients: { supported: true, input: 'input', unsupported: [] }, manifest: MANIFEST }));
    await page.evaluate((layers) => window.__deliver({ type: 'layers', layers, probed: true }), LAYERS);
    await page.waitForFunction((n) => document.body.dataset.layers === String(n), LAYERS.length);
    await shot(page, 'inspector-light');
    assert.deepEqual(errors, []);
  });
});
