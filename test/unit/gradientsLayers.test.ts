/**
 * The engine's `layers` option (what neuron attribution reads): a layer's output value must be the forward value,
 * and its gradient must equal the input gradient of the graph's suffix that starts at that layer (the engine's own
 * input gradient, itself checked against finite differences in gradients.test.ts). A layer off the objective's
 * path gets zeros; one that does not depend on the input is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { buildGradientModel, layerGradOutput, layerValueOutput, type Objective } from '../../core/gradients';
import { init, model, node, seeded, size } from './gradientsHarness';

const OBJECTIVE: Objective = { kind: 'logSoftmax', weights: { 2: 1, 0: -0.25 } };

/** x [2,3,8,8] -> conv -> relu (t1) -> conv (t2, also feeding a side branch) -> GAP -> flatten -> gemm -> y. */
function network(): { nodes: onnx.INodeProto[]; inits: onnx.ITensorProto[] } {
  return {
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }),
      node('Relu', ['c1'], ['t1']),
      node('Conv', ['t1', 'w2'], ['t2'], { strides: [2, 2] }),
      node('Sigmoid', ['t2'], ['side']),
      node('GlobalAveragePool', ['t2'], ['gap']),
      node('Flatten', ['gap'], ['flat']),
      node('Gemm', ['flat', 'wf', 'bf'], ['y'], { transB: 1 }),
    ],
    inits: [init('w1', [4, 3, 3, 3]), init('b1', [4]), init('w2', [5, 4, 2, 2]), init('wf', [6, 5]), init('bf', [6])],
  };
}

test('layers: values are the forward tensors, gradients equal the suffix graph input gradient', async () => {
  const { nodes, inits } = network();
  const full = model({ nodes, inits, input: [2, 3, 8, 8] });
  const x = Float32Array.from(seeded(size([2, 3, 8, 8]), 99));
  const grad = await ort.InferenceSession.create(buildGradientModel(full, { objective: OBJECTIVE, layers: ['t1', 't2', 'side'] }));
  const out = await grad.run({ x: new ort.Tensor('float32', x, [2, 3, 8, 8]) });
  const t1 = out[layerValueOutput('t1')];
  assert.deepEqual(t1.dims, [2, 4, 8, 8]);
  assert.deepEqual(out[layerGradOutput('t1')].dims, [2, 4, 8, 8]);
  assert.deepEqual(out[layerGradOutput('t2')].dims, [2, 5, 4, 4]);

  // The side branch does not reach the objective: zero gradient.
  assert.ok((out[layerGradOutput('side')].data as Float32Array).every((v) => v === 0));

  // The suffix from t1: same nodes after the Relu, t1 as the graph input.
  const suffix = onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'suffix',
      node: nodes.slice(2),
      initializer: inits,
      input: [{ name: 't1', type: { tensorType: { elemType: 1, shape: { dim: [2, 4, 8, 8].map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    },
  }).finish();
  const ref = await ort.InferenceSession.create(buildGradientModel(suffix, { objective: OBJECTIVE }));
  const refOut = await ref.run({ t1: new ort.Tensor('float32', t1.data as Float32Array, [2, 4, 8, 8]) });
  const g = out[layerGradOutput('t1')].data as Float32Array;
  const r = refOut.grad_input.data as Float32Array;
  let maxRef = 0;
  let maxErr = 0;
  for (let i = 0; i < r.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(r[i]));
    maxErr = Math.max(maxErr, Math.abs(g[i] - r[i]));
  }
  assert.ok(maxRef > 0, 'the reference gradient is all zeros');
  assert.ok(maxErr <= 1e-6 * maxRef, `layer gradient differs from the suffix's input gradient by ${maxErr} (max ${maxRef})`);
  assert.deepEqual(Array.from(out.objective.data as Float32Array), Array.from(refOut.objective.data as Float32Array));
  await grad.release();
  await ref.release();
});

test('layers: a tensor that does not depend on the input is refused by name', () => {
  const bytes = model({ nodes: [node('Relu', ['k'], ['rk']), node('Add', ['x', 'rk'], ['y'])], inits: [init('k', [4])], input: [1, 4] });
  assert.throws(() => buildGradientModel(bytes, { objective: OBJECTIVE, layers: ['rk'] }), /layer "rk" does not depend on the input/);
  assert.throws(() => buildGradientModel(bytes, { objective: OBJECTIVE, layers: ['missing'] }), /layer "missing"/);
});

test("reluGradient 'redirected' (Lucid): only batch items whose ReLU gradient is all zero get the gradients that raise the input", async () => {
  const bytes = model({ nodes: [node('Relu', ['x'], ['y'])], input: [2, 4] });
  const objective: Objective = { kind: 'logits', weights: { 0: 1, 1: -1, 2: 2 } };
  // Item 0: every unit off. Item 1: unit 2 on.
  const x = Float32Array.from([-1, -2, -0.5, -3, -1, -2, 0.5, -3]);
  const run = async (reluGradient: 'exact' | 'redirected') => {
    const s = await ort.InferenceSession.create(buildGradientModel(bytes, { objective, reluGradient }));
    const out = await s.run({ x: new ort.Tensor('float32', x, [2, 4]) });
    await s.release();
    return Array.from(out.grad_input.data as Float32Array);
  };
  assert.deepEqual(await run('exact'), [0, 0, 0, 0, 0, 0, 2, 0]);
  // Item 0: +1 and +2 push their inputs up (kept), -1 would push an off unit further down (dropped). Item 1 as exact.
  assert.deepEqual(await run('redirected'), [1, 0, 2, 0, 0, 0, 2, 0]);
});
