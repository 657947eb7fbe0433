/**
 * The backward-graph builder (core/gradients) on whole models against PyTorch autograd: the fixtures in
 * test/unit/fixtures/gradients (README.md there) hold a GoogLeNet-shaped net (LRN, ceil_mode MaxPool, Inception
 * Concat, Dropout) and a ResNet-shaped net (BatchNormalization, residual Add), five objectives each, a fixed input
 * of batch 2, and torch's objective values and input gradients (of the batch sum; items are independent).
 * Bound, per case: max |g - g_torch| <= 1e-4 * max |g_torch| + 1e-9, and for the objective values
 * max |v - v_torch| <= 1e-4 * max(1, max |v_torch|). The float32 references differ from float64 autograd by at
 * most 5.3e-7 relative to max |g_torch|.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildGradientModel, type Objective } from '../../core/gradients';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'gradients');

interface BinEntry {
  file: string;
  shape: number[];
  dtype: string;
}
interface ReferenceObjective {
  name: string;
  /** The engine's objective, with the class weights keyed by strings ("3") as JSON has them. */
  objective: Record<string, unknown>;
  value: BinEntry;
  gradInput: BinEntry;
}
interface ReferenceModel {
  model: string;
  input: string;
  objectives: ReferenceObjective[];
}
interface Reference {
  input: BinEntry;
  models: Record<string, ReferenceModel>;
}

const reference = JSON.parse(readFileSync(path.join(FIXTURES, 'reference.json'), 'utf8')) as Reference;

function readBin(entry: BinEntry): Float32Array {
  assert.equal(entry.dtype, 'float32');
  const buf = readFileSync(path.join(FIXTURES, entry.file));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  assert.equal(data.length, entry.shape.reduce((a, b) => a * b, 1), `${entry.file}: size`);
  return data;
}

/** The JSON objective as the engine's type: class-weight keys become numbers. */
function toObjective(spec: Record<string, unknown>): Objective {
  const o = { ...spec } as Record<string, unknown>;
  if (o.weights && typeof o.weights === 'object') {
    o.weights = Object.fromEntries(Object.entries(o.weights as Record<string, number>).map(([k, v]) => [Number(k), v]));
  }
  return o as unknown as Objective;
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const input = readBin(reference.input);
const measured: string[] = [];

test('the reference holds both nets, each with its five objectives (an emptied fixture fails here)', () => {
  assert.deepEqual(Object.keys(reference.models).sort(), ['googlenet', 'resnet']);
  for (const [net, m] of Object.entries(reference.models)) {
    assert.deepEqual(m.objectives.map((o) => o.name).sort(), ['channelMean', 'crossEntropy', 'logSoftmax', 'logits', 'unit'], net);
  }
});

for (const [net, m] of Object.entries(reference.models)) {
  test(`${net}: objective values and input gradients match PyTorch for ${m.objectives.map((o) => o.name).join(', ')}`, async () => {
    const bytes = readFileSync(path.join(FIXTURES, m.model));
    for (const o of m.objectives) {
      const label = `${net} ${o.name}`;
      const session = await ort.InferenceSession.create(buildGradientModel(bytes, { objective: toObjective(o.objective) }));
      try {
        const res = await session.run({ [m.input]: new ort.Tensor('float32', input, reference.input.shape) });
        assert.deepEqual(res.objective.dims, o.value.shape, `${label}: objective shape`);
        assert.deepEqual(res.grad_input.dims, o.gradInput.shape, `${label}: grad_input shape`);
        const value = res.objective.data as Float32Array;
        const grad = res.grad_input.data as Float32Array;
        const valueRef = readBin(o.value);
        const gradRef = readBin(o.gradInput);

        const valueErr = maxAbsDiff(value, valueRef);
        const valueTol = 1e-4 * Math.max(1, maxAbs(valueRef));
        assert.ok(valueErr <= valueTol, `${label}: objective ${Array.from(value)} vs torch ${Array.from(valueRef)} (tolerance ${valueTol})`);

        const gradMax = maxAbs(gradRef);
        assert.ok(gradMax > 0, `${label}: the reference gradient is zero`);
        const gradErr = maxAbsDiff(grad, gradRef);
        const gradTol = 1e-4 * gradMax + 1e-9;
        assert.ok(gradErr <= gradTol, `${label}: max|g - g_torch| = ${gradErr} > ${gradTol} (max|g_torch| = ${gradMax})`);
        measured.push(
          `${label}: max|g - g_torch| / max|g_torch| = ${(gradErr / gradMax).toExponential(2)}, ` +
            `max|objective - torch| = ${valueErr.toExponential(2)}`,
        );
      } finally {
        await session.release();
      }
    }
  });
}

test('measured errors vs PyTorch', () => {
  for (const line of measured) console.log(line);
});
