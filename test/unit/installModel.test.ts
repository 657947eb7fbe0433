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
import { proposeLayerNames } from '../../core/layerNames';
import { parseManifest } from '../../core/manifest';
import type { CatalogEntry } from '../../core/modelCatalog';
import { layerCandidates } from '../../core/onnxGraph';
import { installModel } from '../../src/download/installModel';
import { fixtureCatalogEntry } from './fixtureCatalogEntry';

const REPO = path.join(__dirname, '..', '..', '..');
const MODEL = fs.readFileSync(path.join(REPO, 'models', 'fixture', 'fixture.onnx'));
/** torchvision GoogLeNet, graph only (test/unit/fixtures/models): not runnable, but installing only reads the graph. */
const GOOGLENET = fs.readFileSync(path.join(REPO, 'test', 'unit', 'fixtures', 'models', 'googlenet.graph.onnx'));
const LABELS = path.join(REPO, 'models', 'labels', 'imagenet1000.txt');

let server: http.Server;
let base = '';
let hits = 0;
let dir: string;

before(async () => {
  server = http.createServer((req, res) => {
    hits++;
    const body = req.url === '/fixture.onnx' ? MODEL : req.url === '/googlenet.onnx' ? GOOGLENET : undefined;
    if (body) res.writeHead(200, { 'content-length': body.length }).end(body);
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

/** A zoo-like entry for the fixture, with input and output names that are wrong on purpose (the graph's must win). */
function entry(over: Partial<CatalogEntry> = {}): CatalogEntry {
  const { input } = fixtureCatalogEntry(base, MODEL);
  return fixtureCatalogEntry(base, MODEL, { input: { ...input, name: 'data' }, output: { name: 'prob', kind: 'logits' }, ...over });
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
  assert.deepEqual(manifest.layerAliases, {});
  assert.deepEqual(result.notes, [
    'input "data" is not in the graph; using "input"',
    'output "prob" is not in the graph; using "logits"',
  ]);
  assert.deepEqual(fs.readdirSync(folder).sort(), ['fixture-download.model.json', 'fixture-download.onnx', 'imagenet1000.txt']);
});

test('the manifest\'s layer aliases are what core/layerNames proposes for the downloaded graph', async () => {
  const folder = path.join(dir, 'g');
  const googlenet = entry({
    fileName: 'googlenet.onnx', url: `${base}/googlenet.onnx`, size: GOOGLENET.length,
    sha256: createHash('sha256').update(GOOGLENET).digest('hex'), layers: { family: 'googlenet', source: 'torchvision' },
  });
  const result = await installModel({ entry: googlenet, folder, labelsSource: LABELS, allowLoopbackHttp: true });
  const manifest = parseManifest(fs.readFileSync(result.manifestPath, 'utf8')).manifest;
  assert.deepEqual(manifest?.layerAliases, proposeLayerNames(layerCandidates(GOOGLENET)).aliases);
  assert.equal(manifest?.layerAliases.inception4c, '/inception4c/Concat_output_0');
  assert.equal(manifest?.layerAliases.mixed4c, '/inception4c/Concat_output_0');
  // Expecting another family gets the graph's names all the same, and says so.
  const caffe = await installModel({ entry: { ...googlenet, layers: { family: 'googlenet', source: 'caffe' } }, folder: path.join(dir, 'h'), labelsSource: LABELS, allowLoopbackHttp: true });
  assert.deepEqual(parseManifest(fs.readFileSync(caffe.manifestPath, 'utf8')).manifest?.layerAliases, manifest?.layerAliases);
  assert.ok(caffe.notes.includes('layer names: the graph is not the expected Caffe GoogLeNet (Inception-V1) but a torchvision GoogLeNet (Inception-V1); using its names'), caffe.notes.join('\n'));
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
