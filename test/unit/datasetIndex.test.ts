/**
 * The dataset index: top-k and cosine neighbours against brute force, and an index of a small folder (crops of the
 * lab samples, synthetic images, a .jpg and a .jpeg, a corrupt file) built by the indexer against a brute-force loop
 * that runs the model on each image by itself, with its own decoding (pngjs / jpeg-js), its own crop box (from the
 * manifest's cropFraction: 0.875 for the fixture model, through a manifest copy), preprocessing and session. The
 * stored top-k files (int32 [channels x k]) against an argsort of the means, ties included (and numpy's, when
 * /usr/bin/python3 has it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { decode as decodeJpeg } from 'jpeg-js';
import { extractNeurons } from '../../core/activations';
import { decodeNpy } from '../../core/attacks/npy';
import { cosineDistance, INDEX_FORMAT, INDEX_VERSION, nearestByCosine, parseIndexManifest, topKOfChannel, indexSubfolder, layerFileNames, type IndexLayer, type Matrix } from '../../core/datasetIndex';
import { parseManifest } from '../../core/manifest';
import type { LayerInfo } from '../../core/manifestTypes';
import { addGraphOutputs } from '../../core/onnxGraph';
import { resizeRgba, toModelInput } from '../../core/preprocess';
import type { FrameImage } from '../../core/protocol';
import { LAB, readPng, rng, writeFolder } from './datasetFolder';
import { buildIndex } from '../../src/datasetIndex/indexer';
import { readIndexManifest, readLayer, writeIndex } from '../../src/datasetIndex/indexFiles';
import { TOPK_K } from '../../src/datasetIndex/topkFile';
import { loadModel, type LoadedModel } from '../../src/inference/loadModel';

const REPO = path.resolve(__dirname, '..', '..', '..');
const SETTINGS = { threads: 1, executionProviders: ['cpu'] };
const K = 5;

// ---- top-k and neighbours against brute force ----

function bruteTopK(m: Matrix, c: number, k: number): number[] {
  const rows = [...Array(m.rows).keys()];
  rows.sort((a, b) => m.data[b * m.cols + c] - m.data[a * m.cols + c] || a - b);
  return rows.slice(0, k);
}

test('topKOfChannel equals a full sort (ties by image order), with many ties', () => {
  const r = rng(7);
  const rows = 57;
  const cols = 9;
  // Values on a coarse grid, so equal values are common.
  const data = Float32Array.from({ length: rows * cols }, () => Math.floor(r() * 6) / 2);
  const m = { rows, cols, data };
  for (let c = 0; c < cols; c++) {
    for (const k of [1, 3, 10, 57, 80]) {
      const got = topKOfChannel(m, c, k);
      assert.deepEqual(got.map((x) => x.image), bruteTopK(m, c, Math.min(k, rows)), `channel ${c}, k ${k}`);
      assert.deepEqual(got.map((x) => x.value), got.map((x) => data[x.image * cols + c]));
    }
  }
  assert.throws(() => topKOfChannel(m, cols, 3), /no channel/);
});

test('nearestByCosine equals brute force; zero vectors are at distance 1', () => {
  const r = rng(11);
  const rows = 40;
  const cols = 16;
  const data = Float32Array.from({ length: rows * cols }, () => (r() < 0.3 ? 0 : r() * 3));
  data.fill(0, 5 * cols, 6 * cols); // an all-zero row
  data.set(data.subarray(2 * cols, 3 * cols), 9 * cols); // a duplicate of row 2
  const m = { rows, cols, data };
  const query = data.slice(2 * cols, 3 * cols);
  const brute = [...Array(rows).keys()]
    .map((i) => {
      let dot = 0, na = 0, nb = 0;
      for (let j = 0; j < cols; j++) {
        dot += data[i * cols + j] * query[j];
        na += data[i * cols + j] ** 2;
        nb += query[j] ** 2;
      }
      return { image: i, distance: na === 0 ? 1 : 1 - dot / Math.sqrt(na * nb) };
    })
    .sort((a, b) => a.distance - b.distance || a.image - b.image);
  const got = nearestByCosine(m, query, 7);
  assert.deepEqual(got.map((n) => n.image), brute.slice(0, 7).map((n) => n.image));
  assert.deepEqual(got.slice(0, 2).map((n) => n.image), [2, 9], 'the row itself and its duplicate first');
  got.forEach((n, i) => assert.ok(Math.abs(n.distance - brute[i].distance) < 1e-12));
  assert.equal(cosineDistance([0, 0], [1, 2]), 1);
  assert.equal(nearestByCosine(m, query, rows).find((n) => n.image === 5)?.distance, 1);
});

test('file names: tensor names with separators are made safe and unique', () => {
  assert.deepEqual(layerFileNames(['a/b:0', 'a_b_0', 'conv1']).map((f) => f.means), ['a_b_0.means.npy', 'a_b_0-2.means.npy', 'conv1.means.npy']);
  assert.equal(indexSubfolder('0123456789abcdef0123', ''), '0123456789abcdef/workspace');
  assert.equal(indexSubfolder('0123456789abcdef0123', 'data/cats'), '0123456789abcdef/data__cats');
});

// ---- stored top-k files ----

/** An int32 .npy file read here, apart from the code under test: the header's dtype and shape, then the values. */
function readInt32Npy(file: string): { shape: number[]; data: Int32Array } {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 8).toString('latin1'), '\x93NUMPY\x01\x00');
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  assert.match(header, /'descr': '<i4', 'fortran_order': False/);
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header)!.slice(1).map(Number);
  assert.equal((10 + headerLength) % 64, 0, 'data aligned as numpy aligns it');
  const data = new Int32Array(shape[0] * shape[1]);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readInt32LE(10 + headerLength + 4 * i);
  return { shape, data };
}

/** Checks a layer's top-k file against bruteTopK of its means: k = min(images, TOPK_K), listed in index.json. */
function checkTopkFile(dir: string, layer: IndexLayer, means: Matrix): void {
  assert.equal(layer.topk, layer.means.replace('.means.npy', '.topk.npy'));
  const { shape, data } = readInt32Npy(path.join(dir, layer.topk!));
  const k = Math.min(means.rows, TOPK_K);
  assert.deepEqual(shape, [means.cols, k]);
  for (let c = 0; c < means.cols; c++) assert.deepEqual(Array.from(data.subarray(c * k, (c + 1) * k)), bruteTopK(means, c, k), `${layer.tensor} channel ${c}`);
}

test('index.json: a layer file name with a path separator (means, max or topk) is refused, an absent topk is fine', () => {
  const layer = { tensor: 'l', channels: 2, height: 1, width: 1, means: 'l.means.npy', max: 'l.max.npy' };
  const index = (l: object) => JSON.stringify({ format: INDEX_FORMAT, version: INDEX_VERSION, model: { file: 'm.onnx', sha256: 'ab', displayName: 'm' }, input: {}, folder: '', created: 'now', images: [], layers: [l], skipped: [] });
  assert.ok('manifest' in parseIndexManifest(index(layer)));
  assert.ok('manifest' in parseIndexManifest(index({ ...layer, topk: 'l.topk.npy' })));
  for (const bad of [{ topk: '../secret.npy' }, { topk: 'a\\b.npy' }, { topk: 3 }, { means: 'x/l.means.npy' }, { max: '..\\l.max.npy' }]) {
    const r = parseIndexManifest(index({ ...layer, ...bad }));
    assert.ok('error' in r && /layers is malformed/.test(r.error), JSON.stringify(bad));
  }
});

test('top-k files: an argsort of the means, ties by image order, k capped at 16 (numpy agrees)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'perturber-topk-'));
  try {
    const r = rng(5);
    for (const rows of [40, 6]) {
      const cols = 7;
      // Four levels only: most values tie.
      const means = { rows, cols, data: Float32Array.from({ length: rows * cols }, () => Math.floor(r() * 4)) };
      const layer: IndexLayer = { tensor: 'l', channels: cols, height: 2, width: 2, means: 'l.means.npy', max: 'l.max.npy', topk: 'l.topk.npy' };
      const images = Array.from({ length: rows }, (_, i) => ({ path: `i${i}.png`, size: 1, mtimeMs: 0 }));
      const manifest = { format: 'perturber-dataset-index', version: 1, model: { file: 'm.onnx', sha256: 'ab', displayName: 'm' }, input: { name: 'x', width: 2, height: 2, layout: 'NCHW', channelOrder: 'RGB', range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] }, folder: '', layers: [layer], images, skipped: [], partial: false, created: '2026-01-01T00:00:00.000Z' } as const;
      await writeIndex(dir, JSON.parse(JSON.stringify(manifest)), new Map([['l', { means, max: means }]]));
      checkTopkFile(dir, layer, means);
      const python = '/usr/bin/python3';
      if (existsSync(python) && spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0) {
        const script = `import numpy as np, sys, json
m = np.load(sys.argv[1] + '/l.means.npy'); t = np.load(sys.argv[1] + '/l.topk.npy')
ref = np.argsort(-m, axis=0, kind='stable')[:${Math.min(rows, TOPK_K)}].T
print(json.dumps([str(t.dtype), list(t.shape), bool((t == ref).all())]))`;
        const run = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout), ['int32', [cols, Math.min(rows, TOPK_K)], true], `numpy, ${rows} images`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- a small folder, indexed vs brute force ----

/** The box a square model input takes from a w x h image, worked out here: the centred square, times the fraction. */
function squareBox(w: number, h: number, fraction: number): [number, number, number] {
  const side = Math.round(Math.min(w, h) * fraction);
  return [Math.floor((w - side) / 2), Math.floor((h - side) / 2), side];
}

/** The reference: one session per model with the layers as outputs, each image decoded and preprocessed alone. */
async function bruteForce(onnx: string, manifestFile: string, layers: LayerInfo[], root: string, files: string[]): Promise<Map<string, Float32Array[]>> {
  const manifest = parseManifest(readFileSync(manifestFile, 'utf8')).manifest!;
  const session = await ort.InferenceSession.create(addGraphOutputs(new Uint8Array(readFileSync(onnx)), layers.map((l) => l.tensor)), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
  });
  const { width, height, layout, name } = manifest.input;
  assert.equal(width, height, 'the brute force knows square inputs only');
  const fraction = manifest.input.resize?.cropFraction ?? 1;
  const out = new Map<string, Float32Array[]>();
  try {
    for (const rel of files) {
      const bytes = readFileSync(path.join(root, rel));
      const decoded: FrameImage = /\.jpe?g$/.test(rel)
        ? (({ width: w, height: h, data }) => ({ width: w, height: h, pixels: new Uint8Array(data) }))(decodeJpeg(bytes, { formatAsRGBA: true, useTArray: true }))
        : readPng(path.join(root, rel));
      const [x0, y0, side] = squareBox(decoded.width, decoded.height, fraction);
      const square = new Uint8Array(side * side * 4);
      for (let y = 0; y < side; y++) square.set(decoded.pixels.subarray(((y0 + y) * decoded.width + x0) * 4, ((y0 + y) * decoded.width + x0 + side) * 4), y * side * 4);
      const fitted = resizeRgba({ width: side, height: side, pixels: square }, width, height);
      const feed = new ort.Tensor('float32', toModelInput(fitted, manifest.input), layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3]);
      const result = await session.run({ [name]: feed });
      out.set(
        rel,
        layers.map((l) => {
          const v = result[l.tensor];
          const all = [...Array(l.channels!).keys()];
          return Float32Array.from(extractNeurons(v.data as Float32Array, Array.from(v.dims), layout, all).neurons.map((n) => n.mean));
        }),
      );
    }
  } finally {
    await session.release();
  }
  return out;
}

function mapLayers(model: LoadedModel): LayerInfo[] {
  return model.layers.filter((l) => l.alias !== undefined && l.opType !== 'Output' && (l.height ?? 0) > 1);
}

async function checkAgainstBruteForce(onnx: string, manifestFile: string, batch: number, allowedRoots = [path.dirname(onnx)]): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'perturber-index-'));
  const model = await loadModel({ onnxPath: onnx, manifestPath: manifestFile, allowedRoots }, SETTINGS);
  try {
    const { folder, valid, corrupt } = writeFolder(root);
    const layers = mapLayers(model);
    assert.ok(layers.length >= 2, 'the model has named 4-D layers');
    const progress: number[] = [];
    const built = await buildIndex({ model, root, folder, layers, batch, onProgress: (p) => progress.push(p.done) });
    const { manifest } = built;
    assert.equal(manifest.partial, false);
    assert.deepEqual(manifest.images.map((i) => i.path), valid, 'every valid image, in path order');
    assert.ok(valid.includes('images/more/wide.jpeg') && valid.includes('images/photo.jpg'), 'both JPEG extensions are indexed');
    assert.deepEqual(manifest.skipped.map((s) => s.path), [corrupt]);
    assert.match(manifest.skipped[0].reason, /\S/);
    assert.equal(built.computed, valid.length);
    assert.equal(progress[progress.length - 1], valid.length + 1, 'progress counts every scanned image');

    const dir = path.join(root, '.perturber', 'index', indexSubfolder(model.sha256, manifest.folder));
    await writeIndex(dir, manifest, built.matrices);
    const reread = await readIndexManifest(dir);
    assert.ok('manifest' in reread, JSON.stringify(reread));
    assert.deepEqual(reread.manifest, manifest);

    const reference = await bruteForce(onnx, manifestFile, layers, root, valid);
    for (const [li, layer] of layers.entries()) {
      const m = (await readLayer(dir, manifest, layer.tensor))!;
      const npy = decodeNpy(new Uint8Array(readFileSync(path.join(dir, manifest.layers[li].means))));
      assert.deepEqual(npy.shape, [valid.length, layer.channels]);
      const ref: Matrix = { rows: valid.length, cols: layer.channels!, data: new Float32Array(valid.length * layer.channels!) };
      valid.forEach((rel, i) => ref.data.set(reference.get(rel)![li], i * ref.cols));
      let worst = 0;
      for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(ref.data[i] - m.means.data[i]));
      assert.ok(worst <= 1e-5, `${layer.tensor}: max |index - brute force| = ${worst}`);
      checkTopkFile(dir, manifest.layers[li], m.means);
      for (let c = 0; c < ref.cols; c++) {
        assert.deepEqual(topKOfChannel(m.means, c, K).map((x) => x.image), bruteTopK(ref, c, K), `${layer.tensor} channel ${c}`);
        for (let i = 0; i < ref.rows; i++) assert.ok(m.max.data[i * ref.cols + c] >= m.means.data[i * ref.cols + c] - 1e-6, 'max >= mean');
      }
    }
  } finally {
    await model.session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

test('the lab model (batch 1): same means (1e-5) and top-k per channel as running each image alone', async () => {
  await checkAgainstBruteForce(path.join(LAB, 'standard.onnx'), path.join(LAB, 'standard.model.json'), 8);
});

test('the fixture model batched by 3, cropFraction 0.875: same means and top-k as running each image alone', async () => {
  const dir = path.join(REPO, 'models', 'fixture');
  const copy = mkdtempSync(path.join(tmpdir(), 'perturber-manifest-'));
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'fixture.model.json'), 'utf8'));
    delete manifest.$schema;
    manifest.input.resize = { cropFraction: 0.875 };
    const file = path.join(copy, 'fixture.model.json');
    writeFileSync(file, JSON.stringify(manifest));
    await checkAgainstBruteForce(path.join(dir, 'fixture.onnx'), file, 3, [dir, copy]);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('a re-run reuses unchanged images, recomputes a touched one; cancelling leaves a partial index', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'perturber-index-'));
  const model = await loadModel({ onnxPath: path.join(LAB, 'standard.onnx'), manifestPath: path.join(LAB, 'standard.model.json'), allowedRoots: [LAB] }, SETTINGS);
  try {
    const { folder, valid } = writeFolder(root);
    const layers = mapLayers(model).slice(0, 2);
    const first = await buildIndex({ model, root, folder, layers });
    const touched = path.join(root, valid[3]);
    utimesSync(touched, new Date(), new Date(Date.now() + 5000));
    const second = await buildIndex({ model, root, folder, layers, previous: { manifest: first.manifest, matrices: first.matrices } });
    assert.equal(second.reused, valid.length - 1);
    assert.equal(second.computed, 1);
    for (const l of layers) assert.deepEqual(second.matrices.get(l.tensor)!.means.data, first.matrices.get(l.tensor)!.means.data);

    let calls = 0;
    const partial = await buildIndex({ model, root, folder, layers, isCancelled: () => calls++ >= 4 });
    assert.equal(partial.manifest.partial, true);
    // Four images were read before the cancel (one at a time: the lab model's batch is 1): corrupt.png and three crops.
    assert.deepEqual(partial.manifest.images.map((i) => i.path), valid.slice(0, 3));
    assert.deepEqual(partial.manifest.skipped.map((i) => i.path), ['images/corrupt.png']);
    assert.equal(partial.matrices.get(layers[0].tensor)!.means.rows, 3);

    await assert.rejects(buildIndex({ model, root, folder: path.dirname(root), layers }), /outside the workspace/);
  } finally {
    await model.session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
