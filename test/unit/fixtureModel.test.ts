import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { extractNeurons } from '../../core/activations';
import { predictionsFromOutput } from '../../core/classify';
import { parseManifest } from '../../core/manifest';
import { addGraphOutputs } from '../../core/onnxGraph';
import { toModelInput } from '../../core/preprocess';
import type { FrameImage } from '../../core/protocol';

const DIR = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture');

interface ExpectedCase {
  colour: [number, number, number];
  logits: number[];
  top1: string;
  conv1Mean: number[];
}
interface Expected {
  tolerance: { logits: number; conv1Mean: number };
  cases: ExpectedCase[];
}

const expected = JSON.parse(readFileSync(path.join(DIR, 'fixture.expected.json'), 'utf8')) as Expected;

/** The formula image of fixture.expected.json: grey, with a disc of radius 18 at (32, 32) in `colour`. */
function discImage([r, g, b]: [number, number, number]): FrameImage {
  const pixels = new Uint8Array(64 * 64 * 4);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const inside = (x - 32) ** 2 + (y - 32) ** 2 <= 18 ** 2;
      pixels.set(inside ? [r, g, b, 255] : [128, 128, 128, 255], (y * 64 + x) * 4);
    }
  }
  return { width: 64, height: 64, pixels };
}

test('the fixture manifest is valid and describes the 64 px NCHW ImageNet-normalised input', () => {
  const { manifest, errors } = parseManifest(readFileSync(path.join(DIR, 'fixture.model.json'), 'utf8'));
  assert.deepEqual(errors, []);
  assert.ok(manifest);
  assert.deepEqual(manifest.labels, ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'pink']);
  assert.deepEqual(manifest.layerAliases, { conv1: 'conv1_relu', conv2: 'conv2_relu', conv3: 'conv3_relu' });
  assert.deepEqual([manifest.input.width, manifest.input.height, manifest.input.layout], [64, 64, 'NCHW']);
});

test('onnxruntime-node on the formula images reproduces the reference logits, top-1 and conv1 means', async () => {
  const { manifest } = parseManifest(readFileSync(path.join(DIR, 'fixture.model.json'), 'utf8'));
  assert.ok(manifest);
  const labels = manifest.labels as string[];
  const conv1 = manifest.layerAliases.conv1;
  const session = await ort.InferenceSession.create(addGraphOutputs(readFileSync(path.join(DIR, 'fixture.onnx')), [conv1]));
  try {
    for (const c of expected.cases) {
      const input = toModelInput(discImage(c.colour), manifest.input);
      const out = await session.run({ [manifest.input.name]: new ort.Tensor('float32', input, [1, 3, 64, 64]) });
      const logits = out[manifest.output.name].data as Float32Array;
      assert.equal(logits.length, c.logits.length);
      logits.forEach((v, i) => {
        assert.ok(Math.abs(v - c.logits[i]) <= expected.tolerance.logits, `${c.colour} logit ${i}: ${v} vs ${c.logits[i]}`);
      });
      const top = predictionsFromOutput(logits, manifest, labels, 1);
      assert.equal(top[0].label, c.top1);
      assert.ok(top[0].probability > 0.9, `confident ${c.top1}: ${top[0].probability}`);
      const act = out[conv1];
      const { neurons } = extractNeurons(act.data as Float32Array, act.dims, 'NCHW', [0, 1, 2, 3]);
      neurons.forEach((n, i) => {
        assert.ok(Math.abs(n.mean - c.conv1Mean[i]) <= expected.tolerance.conv1Mean, `${c.colour} conv1[${i}]: ${n.mean} vs ${c.conv1Mean[i]}`);
      });
    }
  } finally {
    await session.release();
  }
});
