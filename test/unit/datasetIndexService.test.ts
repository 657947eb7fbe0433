/**
 * DatasetIndexService on a written index of the lab model: examples are the top-k of the stored means (descending,
 * thumbnails with the map over the crop), similar images by cosine distance, no index for another model or layer,
 * the newest index wins, and onDidChange fires when an index is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { indexSubfolder, topKOfChannel } from '../../core/datasetIndex';
import { DatasetIndexService } from '../../src/datasetIndex/datasetIndexService';
import { buildIndex } from '../../src/datasetIndex/indexer';
import { writeIndex } from '../../src/datasetIndex/indexFiles';
import { loadModel } from '../../src/inference/loadModel';
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
