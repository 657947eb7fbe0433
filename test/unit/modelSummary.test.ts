/**
 * The model inspector's summary (core/modelSummary.ts) against numbers the `onnx` Python package computed from the
 * same files (test/unit/fixtures/modelSummary/make_reference.py -> reference.json); gradient support on variants of
 * the fixture model built here with onnx-proto; manifest problems; bad bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { formatBytes, formatCount, formatDims } from '../../core/modelFormat';
import { summarizeModel } from '../../core/modelSummary';
import { OnnxFormatError } from '../../core/onnxGraph';

const REPO = path.resolve(__dirname, '..', '..', '..');
const REFERENCE_DIR = path.join(REPO, 'test', 'unit', 'fixtures', 'modelSummary');

interface Reference {
  fileBytes: number;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  inputs: { name: string; elemType: string; dims: (number | string | null)[] }[];
  outputs: { name: string; elemType: string; dims: (number | string | null)[] }[];
  nodeCount: number;
  ops: Record<string, number>;
  initializerCount: number;
  parameterCount: number;
  weightBytes: number;
}

const reference = JSON.parse(readFileSync(path.join(REFERENCE_DIR, 'reference.json'), 'utf8')) as Record<string, Reference>;
const FIXTURE = path.join(REPO, 'models', 'fixture', 'fixture.onnx');

for (const [file, expected] of Object.entries(reference)) {
  test(`summary of ${file} matches the onnx package's numbers`, () => {
    const { summary } = summarizeModel(readFileSync(path.join(REPO, file)));
    assert.equal(summary.fileBytes, expected.fileBytes);
    assert.equal(summary.irVersion, expected.irVersion);
    assert.deepEqual(summary.opsets, expected.opsets);
    assert.equal(summary.producer, expected.producer);
    assert.deepEqual(summary.inputs, expected.inputs);
    assert.deepEqual(summary.outputs, expected.outputs);
    assert.equal(summary.nodeCount, expected.nodeCount);
    assert.deepEqual(Object.fromEntries(summary.ops.map((o) => [o.op, o.count])), expected.ops);
    assert.equal(summary.initializerCount, expected.initializerCount);
    assert.equal(summary.parameterCount, expected.parameterCount);
    assert.equal(summary.weightBytes, expected.weightBytes);
    assert.equal(summary.externalData, false);
    // Sorted: most frequent first, ties by name.
    for (let i = 1; i < summary.ops.length; i++) {
      const [a, b] = [summary.ops[i - 1], summary.ops[i]];
      assert.ok(a.count > b.count || (a.count === b.count && a.op < b.op), `${a.op} ${a.count} before ${b.op} ${b.count}`);
    }
    assert.equal(summary.ops.reduce((n, o) => n + o.count, 0), expected.nodeCount);
  });
}

test('the repo models need no operator the gradient engine lacks', () => {
  for (const file of Object.keys(reference)) {
    const { gradients } = summarizeModel(readFileSync(path.join(REPO, file))).summary;
    assert.deepEqual({ file, ...gradients }, { file, supported: true, input: 'input', unsupported: [] });
  }
});

/** The fixture model decoded, changed by `edit`, encoded again. */
function variant(edit: (graph: onnx.GraphProto, model: onnx.ModelProto) => void): Uint8Array {
  const model = onnx.ModelProto.decode(readFileSync(FIXTURE));
  edit(model.graph as onnx.GraphProto, model);
  return onnx.ModelProto.encode(model).finish();
}

function nodeIndex(graph: onnx.GraphProto, opType: string): number {
  const i = graph.node.findIndex((n) => n.opType === opType);
  assert.ok(i >= 0, `the fixture has no ${opType}`);
  return i;
}

test('an operator without a gradient rule on the way to the logits is named, with its count', () => {
  const bytes = variant((graph) => {
    for (const node of graph.node) if (node.opType === 'Relu') node.opType = 'Erf';
    graph.node[nodeIndex(graph, 'Gemm')].domain = 'com.example';
  });
  const { gradients } = summarizeModel(bytes).summary;
  assert.equal(gradients.supported, false);
  assert.deepEqual(gradients.unsupported, [
    { op: 'Erf', count: 3 },
    { op: 'com.example.Gemm', count: 1 },
  ]);
});

test('operators off the gradient path (a side output, shape arithmetic) do not count', () => {
  const bytes = variant((graph) => {
    const flatten = nodeIndex(graph, 'Flatten');
    const node = graph.node[flatten] as onnx.NodeProto;
    // Flatten(x) -> Reshape(x, Shape(x)): Shape only feeds Reshape's shape input, which takes no gradient.
    const shapeNode = onnx.NodeProto.create({ opType: 'Shape', input: [node.input[0]], output: ['x_shape'], name: 'shape' });
    node.opType = 'Reshape';
    node.input = [node.input[0], 'x_shape'];
    node.attribute = [];
    const conv = graph.node[nodeIndex(graph, 'Conv')] as onnx.NodeProto;
    const side = onnx.NodeProto.create({ opType: 'Erf', input: [conv.output[0]], output: ['side'], name: 'side' });
    graph.node = [...graph.node.slice(0, flatten), shapeNode, ...graph.node.slice(flatten), side];
    graph.output = [...graph.output, onnx.ValueInfoProto.create({ name: 'side' })];
  });
  const { summary } = summarizeModel(bytes);
  assert.deepEqual(summary.gradients, { supported: true, input: 'input', unsupported: [] });
  assert.ok(summary.ops.some((o) => o.op === 'Erf') && summary.ops.some((o) => o.op === 'Shape'));
});

test('an opset before 11 is a reason, not a list', () => {
  const bytes = variant((_graph, model) => {
    model.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 9 })];
  });
  const { gradients } = summarizeModel(bytes).summary;
  assert.equal(gradients.supported, false);
  assert.match(gradients.reason ?? '', /opset 11 or later \(this model uses 9\)/);
});

test('the manifest: absent, fitting, schema errors, and disagreements with the graph', () => {
  const bytes = readFileSync(FIXTURE);
  assert.equal(summarizeModel(bytes).manifest, undefined);
  const text = readFileSync(FIXTURE.replace(/\.onnx$/, '.model.json'), 'utf8');
  const fits = summarizeModel(bytes, text).manifest;
  assert.deepEqual(fits?.problems, []);
  assert.equal(fits?.manifest?.input.name, 'input');

  const broken = summarizeModel(bytes, '{ "version": 1 ').manifest;
  assert.equal(broken?.manifest, null);
  assert.match(broken?.problems[0] ?? '', /not valid JSON/);
  const invalid = summarizeModel(bytes, JSON.stringify({ version: 1 })).manifest;
  assert.ok((invalid?.problems.length ?? 0) > 0 && invalid?.manifest === null);

  const value = JSON.parse(text);
  value.input = { ...value.input, name: 'image', width: 32 };
  value.output = { ...value.output, name: 'probs' };
  value.layerAliases = { ...value.layerAliases, nowhere: 'no_such_tensor' };
  const wrong = summarizeModel(bytes, JSON.stringify(value)).manifest;
  assert.ok(wrong?.manifest);
  assert.deepEqual(wrong.problems.map((p) => p.split(' ')[0]), ['/input/name', '/output/name', '/layerAliases/nowhere']);
  value.input.name = 'input';
  const size = summarizeModel(bytes, JSON.stringify(value)).manifest;
  assert.ok(size?.problems.some((p) => p === '/input says 32x64 but the graph takes 64x64'), JSON.stringify(size?.problems));
});

test('bytes that are not an ONNX model throw an OnnxFormatError with a reason', () => {
  const model = readFileSync(FIXTURE);
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['text', new TextEncoder().encode('{"this is": "json, not onnx"}')],
    ['truncated', model.subarray(0, Math.floor(model.length / 2))],
  ];
  for (const [what, bytes] of cases) {
    assert.throws(() => summarizeModel(bytes), (e: unknown) => e instanceof OnnxFormatError && e.message.length > 10, what);
  }
});

test('formatting: counts, bytes, shapes', () => {
  assert.deepEqual([formatCount(999), formatCount(24104), formatCount(3504872), formatCount(140_000)], ['999', '24.1 k', '3.50 M', '140 k']);
  assert.deepEqual([formatBytes(512), formatBytes(96416), formatBytes(13973840)], ['512 B', '94.2 KiB', '13.3 MiB']);
  assert.deepEqual([formatDims(['batch', 3, 224, 224]), formatDims([]), formatDims([null, 8])], ['[batch, 3, 224, 224]', '[?]', '[?, 8]']);
});

test('the MobileNetV2 of ../shared/models (when present): 3.5 M parameters, gradients supported', { skip: !existsSync(path.resolve(REPO, '..', 'shared', 'models', 'mobilenet_v2_1.0_224.onnx')) }, () => {
  const bytes = readFileSync(path.resolve(REPO, '..', 'shared', 'models', 'mobilenet_v2_1.0_224.onnx'));
  const { summary } = summarizeModel(bytes);
  assert.equal(summary.gradients.supported, true);
  assert.deepEqual(summary.ops.slice(0, 3).map((o) => o.op), ['Conv', 'Clip', 'Add']);
  assert.equal(summary.weightBytes, summary.parameterCount * 4);
  assert.ok(summary.parameterCount > 3e6 && summary.parameterCount < 4e6, String(summary.parameterCount));
});
