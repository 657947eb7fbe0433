import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { addGraphOutputs, inspectModel, layerCandidates, OnnxFormatError } from '../../core/onnxGraph';

// Compiled to out/test/unit; models stay in the source tree.
const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURE = readFileSync(path.join(REPO, 'models', 'fixture', 'fixture.onnx'));
const SHARED_MODELS = path.resolve(REPO, '..', 'shared', 'models');
const MOBILENET_V2 = path.join(SHARED_MODELS, 'mobilenet_v2_1.0_224.onnx');

/** Deterministic pseudo-random floats in [-1, 1) (a 32-bit LCG), so runs are comparable. */
function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** A hand-made one-node model, for naming schemes and malformed graphs. */
function tinyModel(nodes: onnx.INodeProto[]): Uint8Array {
  const floatInfo = (name: string): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: 1 } } });
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'tiny', node: nodes, input: [floatInfo('x')], output: nodes.length ? [floatInfo('y')] : [] },
  }).finish();
}

test('inspect the fixture: names, shapes, ops, parameters', () => {
  const info = inspectModel(FIXTURE);
  assert.equal(info.irVersion, 7);
  assert.deepEqual(info.opsets, [{ domain: '', version: 13 }]);
  assert.match(info.producer, /make_fixture\.py/);
  assert.deepEqual(info.inputs, [{ name: 'input', elemType: 'float32', dims: ['batch', 3, 64, 64] }]);
  assert.deepEqual(info.outputs, [{ name: 'logits', elemType: 'float32', dims: ['batch', 8] }]);
  assert.equal(info.nodeCount, 11);
  assert.deepEqual(info.opCounts, { Conv: 3, Relu: 3, MaxPool: 2, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
  // conv1 3->16 3x3, conv2 16->32, conv3 32->64 (BatchNorm folded into the convs), fc 64->8, with biases.
  assert.equal(info.parameterCount, 16 * 27 + 16 + 32 * 144 + 32 + 64 * 288 + 64 + 64 * 8 + 8);
  assert.equal(info.externalData, false);
});

test('layer candidates of the fixture, in graph order, with manifest aliases', () => {
  const aliases = { conv1: 'conv1_relu', conv3: 'conv3_relu' };
  const layers = layerCandidates(FIXTURE, aliases);
  assert.deepEqual(
    layers.map((l) => [l.tensor, l.opType, l.alias ?? '']),
    [
      ['conv1', 'Conv', ''], ['conv1_relu', 'Relu', 'conv1'], ['pool1', 'MaxPool', ''],
      ['conv2', 'Conv', ''], ['conv2_relu', 'Relu', ''], ['pool2', 'MaxPool', ''],
      ['conv3', 'Conv', ''], ['conv3_relu', 'Relu', 'conv3'],
    ],
  );
  assert.equal(layers[1].nodeName, 'conv1_relu');
});

test('garbage, truncated and empty bytes are OnnxFormatError', () => {
  const garbage = Uint8Array.from(seeded(4096, 7), (v) => Math.floor((v + 1) * 128));
  assert.throws(() => inspectModel(garbage), OnnxFormatError);
  assert.throws(() => inspectModel(FIXTURE.subarray(0, Math.floor(FIXTURE.length / 2))), OnnxFormatError);
  assert.throws(() => inspectModel(FIXTURE.subarray(0, 40)), OnnxFormatError);
  assert.throws(() => inspectModel(new Uint8Array(0)), /empty/);
  assert.throws(() => inspectModel(new TextEncoder().encode('{"version": 1}')), OnnxFormatError);
  assert.throws(() => layerCandidates(garbage), OnnxFormatError);
  assert.throws(() => addGraphOutputs(garbage, []), OnnxFormatError);
});

test('a model with an empty graph is OnnxFormatError', () => {
  assert.throws(() => inspectModel(tinyModel([])), (e: unknown) => e instanceof OnnxFormatError && /empty graph/.test(e.message));
});

test('torch.onnx scoped names get a readable module path; custom domains are not layers', () => {
  const tensor = '/features/features.3/conv/conv.0/conv.0.2/Clip_output_0';
  const bytes = tinyModel([
    { opType: 'Clip', input: ['x'], output: [tensor], name: '/features/features.3/conv/conv.0/conv.0.2/Clip' },
    { opType: 'Relu', input: [tensor], output: ['r'], domain: 'com.example' },
    { opType: 'Relu', input: ['r'], output: ['y'] },
  ]);
  const layers = layerCandidates(bytes);
  assert.deepEqual(layers.map((l) => [l.tensor, l.humanName]), [[tensor, 'features.3.conv.0.2'], ['y', undefined]]);
  assert.deepEqual(inspectModel(bytes).opCounts, { Clip: 1, 'com.example.Relu': 1, Relu: 1 });
});

test('addGraphOutputs: unknown tensors are named in the error; existing outputs are not repeated', () => {
  assert.throws(() => addGraphOutputs(FIXTURE, ['conv1_relu', 'no_such_tensor']), /"no_such_tensor"/);
  const out = addGraphOutputs(FIXTURE, ['logits', 'conv2_relu', 'conv2_relu']);
  assert.deepEqual(inspectModel(out).outputs, [
    { name: 'logits', elemType: 'float32', dims: ['batch', 8] },
    { name: 'conv2_relu', elemType: 'float32', dims: [] },
  ]);
});

test('addGraphOutputs + onnxruntime-node: activations come back, logits unchanged', async () => {
  const tensors = layerCandidates(FIXTURE).map((l) => l.tensor);
  const original = await ort.InferenceSession.create(FIXTURE);
  const extended = await ort.InferenceSession.create(addGraphOutputs(FIXTURE, tensors));
  assert.deepEqual([...extended.outputNames].sort(), ['logits', ...tensors].sort());
  const feeds = { input: new ort.Tensor('float32', seeded(2 * 3 * 64 * 64, 42), [2, 3, 64, 64]) };
  const a = await original.run(feeds);
  const b = await extended.run(feeds);
  assert.deepEqual(Array.from(b.logits.data as Float32Array), Array.from(a.logits.data as Float32Array));
  assert.deepEqual(b.conv1_relu.dims, [2, 16, 64, 64]);
  assert.deepEqual(b.pool2.dims, [2, 32, 16, 16]);
  assert.deepEqual(b.conv3_relu.dims, [2, 64, 16, 16]);
  assert.ok((b.conv1_relu.data as Float32Array).every((v) => v >= 0), 'post-ReLU values are >= 0');
  await original.release();
  await extended.release();
});

test('MobileNet v2 from ../shared/models: outputs, op counts, layers', (t) => {
  if (!existsSync(MOBILENET_V2)) {
    t.skip(`${MOBILENET_V2} not present`);
    return;
  }
  const bytes = readFileSync(MOBILENET_V2);
  const info = inspectModel(bytes);
  assert.deepEqual(info.inputs, [{ name: 'input', elemType: 'float32', dims: ['batch', 3, 224, 224] }]);
  assert.deepEqual(info.outputs, [{ name: 'logits', elemType: 'float32', dims: ['batch', 1001] }]);
  assert.equal(info.opCounts.Conv, 53);
  assert.equal(info.opCounts.Clip, 35);
  assert.equal(info.opCounts.Add, 10);
  assert.equal(info.nodeCount, 101);
  assert.equal(info.parameterCount, 3489099);
  const layers = layerCandidates(bytes);
  assert.ok(layers.length > 50, `${layers.length} layer candidates`);
  const expand = layers.find((l) => l.tensor === 'MobilenetV2_expanded_conv_1_expand_Relu6');
  assert.deepEqual(expand && [expand.opType, expand.humanName], ['Clip', 'expanded_conv_1/expand']);
});
