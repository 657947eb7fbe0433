/**
 * DatasetIndexService on a written index of the lab model: examples are the top-k of the stored means (descending,
 * thumbnails with the map over the crop), similar images by cosine distance, no index for another model or layer,
 * the newest index wins, and onDidChange fires when an index is written. The examples come from the stored top-k file
 * (a rewritten file changes them; an index without one, or with a damaged one, is ranked from its means). The map
 * overlay is checked pixel by pixel against the plain crop and the neuron's own map (src/datasetIndex/thumbnail.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { indexSubfolder, topKOfChannel } from '../../core/datasetIndex';
import { DatasetIndexService } from '../../src/datasetIndex/datasetIndexService';
import { buildIndex } from '../../src/datasetIndex/indexer';
import { writeIndex } from '../../src/datasetIndex/indexFiles';
import { DIM, TINT } from '../../src/datasetIndex/thumbnail';
import { encodeTopk } from '../../src/datasetIndex/topkFile';
import { readImageFile } from '../../src/imageFiles';
import { loadModel, type LoadedModel } from '../../src/inference/loadModel';
import { fitToModel, runModel } from '../../src/inference/runModel';
import { LAB, writeFolder } from './datasetFolder';

const SETTINGS = { threads: 1, executionProviders: ['cpu'] };

function decodeDataUrl(url: string): PNG {
  assert.match(url, /^data:image\/png;base64,/);
  return PNG.sync.read(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
}

test('examples, similar, newest index wins, onDidChange', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'perturber-service-'));
  const model = await loadModel({ onnxPath: path.join(LAB, 'standard.onnx'), manifestPath: path.join(LAB, 'standard.model.json'), allowedRoots: [LAB] }, SETTINGS);
  try {
    const { folder, valid } = writeFolder(root);
    const layers = model.layers.filter((l) => l.alias === 'conv2' || l.alias === 'mixed3a');
    const built = await buildIndex({ model, root, folder, layers });
    const dir = path.join(root, '.perturber', 'index', indexSubfolder(model.sha256, built.manifest.folder));
    const service = new DatasetIndexService(() => [root]);
    let changes = 0;
    service.onDidChange(() => changes++);
    assert.equal(await service.examples(model, layers[0].tensor, 0, 3), undefined, 'nothing indexed yet');
    await writeIndex(dir, built.manifest, built.matrices);
    service.notifyWritten(dir);
    assert.equal(changes, 1);

    const tensor = layers[1].tensor;
    const means = built.matrices.get(tensor)!.means;
    for (const neuron of [0, 5]) {
      const examples = (await service.examples(model, tensor, neuron, 4))!;
      const expected = topKOfChannel(means, neuron, 4);
      assert.deepEqual(examples.map((e) => e.path), expected.map((r) => valid[r.image]));
      assert.deepEqual(examples.map((e) => e.activation), expected.map((r) => r.value));
      for (let i = 1; i < examples.length; i++) assert.ok(examples[i - 1].activation >= examples[i].activation, 'descending');
      const png = decodeDataUrl(examples[0].thumbnail);
      assert.deepEqual([png.width, png.height], [64, 64]);
    }
    assert.equal(await service.examples(model, 'no-such-layer', 0, 3), undefined);
    assert.deepEqual(await service.examples(model, tensor, 10_000, 3), []);

    // The stored row of image 6 is its own nearest neighbour.
    const row = means.data.slice(6 * means.cols, 7 * means.cols);
    const similar = (await service.similar(model, tensor, row, 3))!;
    assert.equal(similar.length, 3);
    assert.equal(similar[0].path, valid[6]);
    assert.ok(similar[0].distance < 1e-6);
    assert.ok(similar[1].distance >= similar[0].distance && similar[2].distance >= similar[1].distance);
    decodeDataUrl(similar[1].thumbnail);
    await assert.rejects(service.similar(model, tensor, row.subarray(1), 3), /channel means/);

    // A deleted image is left out; the next one fills in.
    const top = (await service.examples(model, tensor, 2, 2))!;
    unlinkSync(path.join(root, top[0].path));
    const service2 = new DatasetIndexService(() => [root]);
    const after = (await service2.examples(model, tensor, 2, 2))!;
    assert.equal(after.length, 2);
    assert.ok(!after.some((e) => e.path === top[0].path));

    // A newer index of another folder (only images/more) wins.
    const more = await buildIndex({ model, root, folder: path.join(folder, 'more'), layers });
    const moreDir = path.join(root, '.perturber', 'index', indexSubfolder(model.sha256, more.manifest.folder));
    await writeIndex(moreDir, { ...more.manifest, created: new Date(Date.now() + 1000).toISOString() }, more.matrices);
    service2.notifyWritten(moreDir);
    const fromMore = (await service2.examples(model, tensor, 0, 10))!;
    assert.ok(fromMore.length > 0 && fromMore.every((e) => e.path.startsWith('images/more/')), JSON.stringify(fromMore.map((e) => e.path)));
  } finally {
    await model.session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

/** Bilinear value of an h x w map at pixel (x, y) of a size x size image, pixel centres aligned, edges clamped. */
function upsampled(map: Float32Array, w: number, h: number, x: number, y: number, size: number): number {
  const fx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / size - 0.5));
  const fy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / size - 0.5));
  const [x0, y0] = [Math.floor(fx), Math.floor(fy)];
  const [x1, y1] = [Math.min(w - 1, x0 + 1), Math.min(h - 1, y0 + 1)];
  const v = (xx: number, yy: number) => map[yy * w + xx];
  return (v(x0, y0) * (x1 - fx || 1) + v(x1, y0) * (fx - x0)) * (y1 - fy || 1) + (v(x0, y1) * (x1 - fx || 1) + v(x1, y1) * (fx - x0)) * (fy - y0);
}

async function neuronMap(model: LoadedModel, crop: { width: number; height: number; pixels: Uint8Array }, layer: string, neuron: number) {
  const run = await runModel({ id: 't', model, watch: [{ layer, neurons: [neuron] }], image: crop, topK: 1 });
  const l = run.activations.layers[0];
  return { map: l.neurons[0].map, width: l.width, height: l.height };
}

/** `model` over writeFolder(root) at one layer (by alias), the index written where the service looks. */
async function indexLabFolder(model: LoadedModel, root: string, alias: string) {
  const { folder, valid } = writeFolder(root);
  const layer = model.layers.find((l) => l.alias === alias)!;
  const built = await buildIndex({ model, root, folder, layers: [layer] });
  const dir = path.join(root, '.perturber', 'index', indexSubfolder(model.sha256, built.manifest.folder));
  await writeIndex(dir, built.manifest, built.matrices);
  return { folder, valid, layer, built, dir };
}

test('thumbnails: the neuron map over the crop, silent areas dimmed to 35 %, the peak near the crop, one per neuron', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'perturber-overlay-'));
  const model = await loadModel({ onnxPath: path.join(LAB, 'standard.onnx'), manifestPath: path.join(LAB, 'standard.model.json'), allowedRoots: [LAB] }, SETTINGS);
  try {
    const { folder, valid, layer, built, dir } = await indexLabFolder(model, root, 'mixed3a');
    const service = new DatasetIndexService(() => [root]);
    const all = valid.length;
    // Plain crops: the similar-images thumbnails (no map), which are the model-input crops (64 px = the input size).
    const plain = new Map((await service.similar(model, layer.tensor, new Float32Array(layer.channels!).fill(1), all))!.map((s) => [s.path, decodeDataUrl(s.thumbnail)]));
    assert.equal(plain.size, all);
    const first = fitToModel(await readImageFile(path.join(root, valid[0])), model);
    assert.deepEqual(new Uint8Array(plain.get(valid[0])!.data), first.pixels, 'the plain thumbnail is the crop');

    let checked = 0;
    const thumbs = new Map<number, { path: string; pixels: Buffer; map: Float32Array }>();
    for (let neuron = 0; neuron < layer.channels! && checked < 2; neuron++) {
      const [top] = (await service.examples(model, layer.tensor, neuron, 1))!;
      const crop = plain.get(top.path)!;
      const thumb = decodeDataUrl(top.thumbnail);
      const { map, width, height } = await neuronMap(model, { width: 64, height: 64, pixels: new Uint8Array(crop.data) }, 'mixed3a', neuron);
      const max = Math.max(...map);
      let silent = 0, hot = 0, worst = 0;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const a = max > 0 ? Math.min(1, Math.max(0, upsampled(map, width, height, x, y, 64) / max)) : 0;
          const heat = [Math.min(1, 3 * a), Math.min(1, Math.max(0, 3 * a - 1)), Math.min(1, Math.max(0, 3 * a - 2))];
          for (let c = 0; c < 3; c++) {
            const p = crop.data[(y * 64 + x) * 4 + c];
            const t = thumb.data[(y * 64 + x) * 4 + c];
            worst = Math.max(worst, Math.abs(t - (p * (DIM + (1 - DIM) * a) * (1 - TINT * a) + 255 * TINT * a * heat[c])));
            if (a === 0) assert.equal(t, Math.round(p * DIM), `neuron ${neuron}: silent pixel (${x}, ${y}) dimmed to 35 %`);
            if (a >= 0.9) assert.ok(t >= 0.55 * p && t >= p - 0.1 * 255 - 1, `neuron ${neuron}: hot pixel (${x}, ${y}) ${t} vs crop ${p}`);
          }
          if (a === 0) silent++;
          if (a >= 0.9) hot++;
        }
      }
      assert.ok(worst <= 0.5 + 1e-9, `neuron ${neuron}: max |thumbnail - documented overlay| = ${worst}`);
      if (silent > 0 && hot > 0) {
        checked++;
        thumbs.set(neuron, { path: top.path, pixels: thumb.data, map });
      }
    }
    assert.equal(checked, 2, 'two neurons with silent and hot areas on their top image');

    // Two neurons on the same image: different maps give different thumbnails.
    const [n1, n2] = [...thumbs.keys()];
    const image = thumbs.get(n1)!.path;
    const other = (await service.examples(model, layer.tensor, n2, all))!.find((e) => e.path === image)!;
    const otherMap = (await neuronMap(model, { width: 64, height: 64, pixels: new Uint8Array(plain.get(image)!.data) }, 'mixed3a', n2)).map;
    assert.notDeepEqual(Array.from(otherMap), Array.from(thumbs.get(n1)!.map), 'the two maps differ');
    assert.notDeepEqual(decodeDataUrl(other.thumbnail).data, thumbs.get(n1)!.pixels, 'so do the thumbnails');
  } finally {
    await model.session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test('examples come from the stored top-k file; without one (an older index) or with a damaged one, from the means', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'perturber-topk-service-'));
  const model = await loadModel({ onnxPath: path.join(LAB, 'standard.onnx'), manifestPath: path.join(LAB, 'standard.model.json'), allowedRoots: [LAB] }, SETTINGS);
  try {
    const { folder, valid, layer, built, dir } = await indexLabFolder(model, root, 'conv2');
    const means = built.matrices.get(layer.tensor)!.means;
    const byMeans = (neuron: number) => topKOfChannel(means, neuron, 4).map((r) => valid[r.image]);
    const paths = async (neuron: number) => (await new DatasetIndexService(() => [root]).examples(model, layer.tensor, neuron, 4))!.map((e) => e.path);
    assert.deepEqual(await paths(3), byMeans(3));

    // A rewritten top-k file (every channel: images in reverse order) is what the examples follow.
    const rows = valid.length;
    const k = Math.min(rows, 16);
    const reversed = Int32Array.from({ length: layer.channels! * k }, (_, i) => rows - 1 - (i % k));
    const indexJson = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'));
    const topkFile = path.join(dir, indexJson.layers[0].topk);
    writeFileSync(topkFile, encodeTopk({ rows: layer.channels!, cols: k, data: reversed }));
    assert.deepEqual(await paths(3), [...valid].reverse().slice(0, 4));
    const examples = (await new DatasetIndexService(() => [root]).examples(model, layer.tensor, 3, 2))!;
    assert.deepEqual(examples.map((e) => e.activation), [rows - 1, rows - 2].map((i) => means.data[i * means.cols + 3]), 'activations from the means');

    // Damaged (an entry past the last image): ranked from the means.
    writeFileSync(topkFile, encodeTopk({ rows: layer.channels!, cols: k, data: reversed.map((v) => v + 1) }));
    assert.deepEqual(await paths(3), byMeans(3));
    // An index written before top-k files: no `topk` in index.json.
    writeFileSync(topkFile, encodeTopk({ rows: layer.channels!, cols: k, data: reversed }));
    delete indexJson.layers[0].topk;
    writeFileSync(path.join(dir, 'index.json'), JSON.stringify(indexJson));
    assert.deepEqual(await paths(3), byMeans(3));
  } finally {
    await model.session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
