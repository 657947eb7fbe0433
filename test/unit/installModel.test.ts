/**
 * Installing a catalogue-shaped entry from a local HTTP server: the verified file, the shipped ImageNet label
 * file and a manifest checked against the downloaded graph (the fixture model stands in for a zoo model), reuse
 * of a verified file, and nothing left behind when the checksum is wrong.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { parseManifest } from '../../core/manifest';
import type { CatalogEntry } from '../../core/modelCatalog';
import { installModel } from '../../src/download/installModel';

const REPO = path.join(__dirname, '..', '..', '..');
const MODEL = fs.readFileSync(path.join(REPO, 'models', 'fixture', 'fixture.onnx'));
const LABELS = path.join(REPO, 'models', 'labels', 'imagenet1000.txt');

let server: http.Server;
let base = '';
let hits = 0;
let dir: string;

before(async () => {
  server = http.createServer((req, res) => {
    hits++;
    if (req.url === '/fixture.onnx') res.writeHead(200, { 'content-length': MODEL.length }).end(MODEL);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'perturber-install-'));
});
after(() => {
  server.closeAllConnections();
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A zoo-like entry for the fixture, with names that are wrong on purpose (the graph's must win). */
function entry(over: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    id: 'test-fixture',
    displayName: 'Test fixture',
    description: 'served from 127.0.0.1',
    fileName: 'fixture-download.onnx',
    url: `${base}/fixture.onnx`,
    size: MODEL.length,
    sha256: createHash('sha256').update(MODEL).digest('hex'),
    licence: 'MIT',
    homepage: base,
    input: { name: 'data', width: 64, height: 64, layout: 'NCHW', channelOrder: 'RGB', range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    output: { name: 'prob', kind: 'logits' },
    aliases: [
      { alias: 'block1', pattern: '^conv1' },
      { alias: 'block2', pattern: '^(conv2|pool2)' },
      { alias: 'missing', pattern: '^inception_3a/' },
    ],
    ...over,
  };
}

test('installs the file, the label file and a valid manifest whose names come from the graph', async () => {
  const folder = path.join(dir, 'a', 'models');
  const result = await installModel({ entry: entry(), folder, labelsSource: LABELS, allowLoopbackHttp: true });
  assert.equal(result.onnxPath, path.join(folder, 'fixture-download.onnx'));
  assert.equal(result.manifestPath, path.join(folder, 'fixture-download.model.json'));
  assert.equal(result.labelsPath, path.join(folder, 'imagenet1000.txt'));
  assert.equal(result.reused, false);
  assert.ok(fs.readFileSync(result.onnxPath).equals(MODEL));
  assert.equal(fs.readFileSync(result.labelsPath, 'utf8'), fs.readFileSync(LABELS, 'utf8'));
  const { manifest, errors } = parseManifest(fs.readFileSync(result.manifestPath, 'utf8'));
  assert.deepEqual(errors, []);
  assert.ok(manifest);
  assert.equal(manifest.input.name, 'input');
  assert.equal(manifest.output.name, 'logits');
  assert.equal(manifest.labels, 'imagenet1000.txt');
  assert.equal(manifest.labelOffset, 0);
  // The last matching layer tensor, in graph order; an alias matching nothing is left out, with a note.
  assert.deepEqual(manifest.layerAliases, { block1: 'conv1_relu', block2: 'pool2' });
  assert.deepEqual(result.notes, [
    'input "data" is not in the graph; using "input"',
    'output "prob" is not in the graph; using "logits"',
    'layer alias "missing" left out: no layer matches /^inception_3a//',
  ]);
  assert.deepEqual(fs.readdirSync(folder).sort(), ['fixture-download.model.json', 'fixture-download.onnx', 'imagenet1000.txt']);
});

test('reuses a verified file without a request, and keeps a manifest the user edited', async () => {
  const folder = path.join(dir, 'b');
  await installModel({ entry: entry(), folder, labelsSource: LABELS, allowLoopbackHttp: true });
  const manifestPath = path.join(folder, 'fixture-download.model.json');
  const edited = fs.readFileSync(manifestPath, 'utf8').replace('"Test fixture"', '"My fixture"');
  fs.writeFileSync(manifestPath, edited);
  const before = hits;
  const result = await installModel({ entry: entry(), folder, labelsSource: LABELS, allowLoopbackHttp: true, reuse: true });
  assert.equal(result.reused, true);
  assert.equal(hits, before, 'no request for a verified file');
  assert.equal(result.manifestKept, true);
  assert.equal(fs.readFileSync(manifestPath, 'utf8'), edited);
  // Without reuse it downloads again (and still keeps the edited manifest).
  const again = await installModel({ entry: entry(), folder, labelsSource: LABELS, allowLoopbackHttp: true, reuse: false });
  assert.equal(again.reused, false);
  assert.equal(hits, before + 1);
});

test('a label file of another name already there is left alone: the labels go to <model>.labels.txt', async () => {
  const folder = path.join(dir, 'c');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'imagenet1000.txt'), 'my own labels\n');
  const result = await installModel({ entry: entry(), folder, labelsSource: LABELS, allowLoopbackHttp: true });
  assert.equal(fs.readFileSync(path.join(folder, 'imagenet1000.txt'), 'utf8'), 'my own labels\n');
  assert.equal(result.labelsPath, path.join(folder, 'fixture-download.labels.txt'));
  assert.equal(parseManifest(fs.readFileSync(result.manifestPath, 'utf8')).manifest?.labels, 'fixture-download.labels.txt');
});

test('a wrong checksum leaves nothing in the folder but the error', async () => {
  const folder = path.join(dir, 'd');
  const wrong = '0'.repeat(64);
  await assert.rejects(
    installModel({ entry: entry({ sha256: wrong }), folder, labelsSource: LABELS, allowLoopbackHttp: true }),
    new RegExp(`checksum mismatch: expected SHA-256 ${wrong}, got [0-9a-f]{64}`),
  );
  assert.deepEqual(fs.readdirSync(folder), []);
});

test('catalogue-style entries get no http: without the test hook the loopback URL is refused', async () => {
  const folder = path.join(dir, 'e');
  const before = hits;
  await assert.rejects(installModel({ entry: entry(), folder, labelsSource: LABELS }), /only https is allowed/);
  assert.equal(hits, before);
  assert.deepEqual(fs.readdirSync(folder), []);
});
