// The committed lab trio (models/lab: standard, texture-randomised, adversarial and their checkpoints): the manifests
// parse, every checkpoint file exists, the aliased block tensors are in each graph with the expected channels, and
// onnxruntime-node classifies the committed sample renders (models/lab/samples) exactly as PyTorch did when
// models/lab/evaluate.py wrote samples/expected.json and results.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { parseManifest } from '../../core/manifest';
import type { ModelManifest } from '../../core/manifestTypes';
import { addGraphOutputs, layerCandidates } from '../../core/onnxGraph';
import { toModelInput } from '../../core/preprocess';

const DIR = path.resolve(__dirname, '..', '..', '..', 'models', 'lab');
const VARIANTS = ['standard', 'texture-randomised', 'adversarial'];
const CLASSES = ['dog', 'cat', 'car', 'chair', 'airplane', 'boat', 'house', 'tree', 'teapot', 'bottle'];
/** Channels of each named block (models/lab/labnet.py) and its spatial size at 64 px. */
const BLOCKS: Record<string, [number, number]> = {
  conv1: [24, 32],
  conv2: [48, 16],
  mixed3a: [80, 16],
  mixed3b: [112, 16],
  mixed4a: [144, 8],
  mixed4b: [168, 8],
};

interface Expected {
  files: string[];
  labels: number[];
  models: Record<string, { predictions: number[]; logits: number[][] }>;
}
const expected = JSON.parse(readFileSync(path.join(DIR, 'samples', 'expected.json'), 'utf8')) as Expected;
const results = JSON.parse(readFileSync(path.join(DIR, 'results.json'), 'utf8')) as { samples: { accuracy: Record<string, number> } };

function manifestOf(variant: string): ModelManifest {
  const { manifest, errors } = parseManifest(readFileSync(path.join(DIR, `${variant}.model.json`), 'utf8'));
  assert.deepEqual(errors, [], `${variant}.model.json`);
  assert.ok(manifest);
  return manifest;
}

test('the lab manifests parse and list 64 px [0,1] inputs, the 10 classes, the block aliases and their checkpoints', () => {
  for (const variant of VARIANTS) {
    const m = manifestOf(variant);
    assert.deepEqual(m.labels, CLASSES);
    assert.equal(m.labelOffset, 0);
    assert.deepEqual([m.input.name, m.input.width, m.input.height, m.input.layout, m.input.range], ['input', 64, 64, 'NCHW', [0, 1]]);
    assert.deepEqual(Object.keys(m.layerAliases), Object.keys(BLOCKS));
    assert.equal(m.output.name, 'logits');
    if (variant === 'standard') {
      assert.equal(m.checkpoints, undefined);
      continue;
    }
    const list = Array.isArray(m.checkpoints) ? m.checkpoints : [];
    assert.ok(list.length >= 6, `${variant}: at least 6 checkpoints, listed`);
    const steps = list.map((c) => c.step ?? -1);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), `${variant}: checkpoints in training order`);
    assert.equal(list[list.length - 1].path, `${variant}.onnx`, 'the last checkpoint is the model itself');
    for (const c of list) assert.ok(existsSync(path.join(DIR, c.path)), `${variant}: ${c.path} exists`);
    if (variant === 'adversarial') assert.equal(list[0].path, 'standard.onnx', 'the fine-tuning starts from standard');
  }
});

test('every lab ONNX file has the aliased block tensors, with the expected shapes when run', async () => {
  const input = new ort.Tensor('float32', new Float32Array(3 * 64 * 64).fill(0.5), [1, 3, 64, 64]);
  const aliases = manifestOf('standard').layerAliases;
  for (const file of Object.keys(expected.models)) {
    const bytes = readFileSync(path.join(DIR, file));
    const candidates = layerCandidates(bytes, aliases);
    for (const [alias, tensor] of Object.entries(aliases)) {
      const found = candidates.find((c) => c.tensor === tensor);
      assert.ok(found, `${file}: tensor ${tensor} is a layer candidate`);
      assert.equal(found.alias, alias);
      assert.equal(found.opType, alias.startsWith('mixed') ? 'Concat' : 'Relu', `${file}: ${alias}`);
    }
    const session = await ort.InferenceSession.create(addGraphOutputs(bytes, Object.values(aliases)));
    const out = await session.run({ input });
    for (const [alias, [channels, size]] of Object.entries(BLOCKS)) {
      assert.deepEqual(out[aliases[alias]].dims, [1, channels, size, size], `${file}: ${alias}`);
    }
    assert.deepEqual(out.logits.dims, [1, CLASSES.length]);
  }
});

test('onnxruntime-node classifies the committed sample renders exactly as PyTorch did (predictions and accuracy)', async () => {
  const manifest = manifestOf('standard');
  const inputs = expected.files.map((file) => {
    const png = PNG.sync.read(readFileSync(path.join(DIR, 'samples', file)));
    const data = toModelInput({ width: png.width, height: png.height, pixels: new Uint8Array(png.data) }, manifest.input);
    return new ort.Tensor('float32', data, [1, 3, 64, 64]);
  });
  for (const [file, want] of Object.entries(expected.models)) {
    const session = await ort.InferenceSession.create(path.join(DIR, file));
    const predictions: number[] = [];
    for (let k = 0; k < inputs.length; k++) {
      const logits = Array.from((await session.run({ input: inputs[k] })).logits.data as Float32Array);
      logits.forEach((v, j) => assert.ok(Math.abs(v - want.logits[k][j]) < 1e-3, `${file} image ${k} logit ${j}: ${v} vs ${want.logits[k][j]}`));
      predictions.push(logits.indexOf(Math.max(...logits)));
    }
    assert.deepEqual(predictions, want.predictions, file);
    const accuracy = predictions.filter((p, k) => p === expected.labels[k]).length / predictions.length;
    assert.equal(Math.round(accuracy * 1e4) / 1e4, results.samples.accuracy[file], `${file}: accuracy on the samples`);
  }
});
