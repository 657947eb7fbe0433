/**
 * The backward-graph builder (core/gradients) on pooling (GlobalAveragePool, AveragePool, MaxPool with ceil_mode),
 * LRN, an inception-like and a residual chain, and the fixture CNN, against central finite differences (harness and
 * bounds: gradientsHarness.ts). Per-op rules: gradients.test.ts; whole models vs PyTorch: gradientsReference.test.ts.
 */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { buildGradientModel } from '../../core/gradients';
import { type A, check, init, LOGITS, model, node, printMeasured, seeded, size } from './gradientsHarness';

const REPO = path.resolve(__dirname, '..', '..', '..');

test('pooling: GlobalAveragePool, AveragePool (count_include_pad 0 and 1, ceil_mode), MaxPool (overlapping, dilated, ceil_mode), LRN', async () => {
  const dims = [2, 3, 9, 8];
  const cases: [string, onnx.INodeProto][] = [
    ['GlobalAveragePool', node('GlobalAveragePool', ['x'], ['y'])],
    ['AveragePool exclude pad', node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 0] })],
    ['AveragePool include pad', node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1], count_include_pad: 1 })],
    ['MaxPool 3x3/2 pads', node('MaxPool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })],
    ['MaxPool 3x3/2 ceil_mode', node('MaxPool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 })],
    ['AveragePool 3x3/2 ceil_mode', node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], ceil_mode: 1 })],
    // (A last ceil_mode window that would start in the end padding is dropped by ONNX Runtime's kernel but not by
    // its shape inference, which then folds wrong shapes; such configurations are left out.)
    ['AveragePool ceil_mode include pad', node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 })],
    ['AveragePool ceil_mode exclude pad', node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 })],
    ['LRN size 5', node('LRN', ['x'], ['y'], { size: 5, alpha: { f: 0.5 }, beta: { f: 0.75 }, bias: { f: 1.5 } })],
    ['LRN size 3', node('LRN', ['x'], ['y'], { size: 3, alpha: { f: 0.9 }, beta: { f: 0.6 }, bias: { f: 1 } })],
    ['MaxPool 2x2/2', node('MaxPool', ['x'], ['y'], { kernel_shape: [2, 2], strides: [2, 2] })],
    ['MaxPool 3x2/1 dilated', node('MaxPool', ['x'], ['y'], { kernel_shape: [3, 2], strides: [1, 1], dilations: [1, 2] })],
  ];
  for (const [label, pool] of cases) {
    const bytes = model({
      nodes: [pool, node('Mul', ['y', 'wy'], ['z'])],
      inits: [init('wy', [1])],
      input: dims,
      output: 'z',
    });
    await check(label, bytes, { kind: 'channelMean', tensor: 'y', channel: 1 }, dims, { h: 1e-3 });
    await check(`${label} (logits)`, bytes, { kind: 'logits', weights: { 0: 1, 1: -1, 2: 0.5 } }, dims, { h: 1e-3 });
  }
});

/**
 * MaxPool's gradient by looping over windows (the reference for exact ties): each output's gradient goes to the
 * first maximum of its window in row-major window order, padding never wins, overlapping windows add. Also returns
 * the pooled values.
 */
function maxPoolReference(x: Float32Array, dims: number[], outDims: number[], gy: Float64Array, a: { kernel: number[]; strides: number[]; pads: number[]; dilations: number[] }) {
  const spatial = dims.slice(2);
  const outSpatial = outDims.slice(2);
  const planeIn = size(spatial);
  const planeOut = size(outSpatial);
  const dx = new Float64Array(x.length);
  const y = new Float64Array(size(outDims));
  const unflat = (i: number, shape: number[]) => {
    const idx: number[] = [];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(i % shape[d]);
      i = Math.floor(i / shape[d]);
    }
    return idx;
  };
  for (let plane = 0; plane < dims[0] * dims[1]; plane++) {
    for (let o = 0; o < planeOut; o++) {
      const oi = unflat(o, outSpatial);
      let best = -Infinity;
      let at = -1;
      for (let j = 0; j < size(a.kernel); j++) {
        const ji = unflat(j, a.kernel);
        const p = oi.map((v, d) => v * a.strides[d] - a.pads[d] + ji[d] * a.dilations[d]);
        if (p.some((v, d) => v < 0 || v >= spatial[d])) continue;
        const flat = p.reduce((s, v, d) => s * spatial[d] + v, 0);
        const v = x[plane * planeIn + flat];
        if (v > best) [best, at] = [v, flat]; // strictly greater: the first maximum keeps ties
      }
      y[plane * planeOut + o] = best;
      dx[plane * planeIn + at] += gy[plane * planeOut + o];
    }
  }
  return { dx, y };
}

test('MaxPool ties: the gradient goes to the first maximum of each window only (exact, against a window loop)', async () => {
  const cases: [string, number[], Record<string, A>][] = [
    ['3x3/1 pads 1', [2, 3, 9, 10], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] }],
    ['3x3/2 ceil_mode', [2, 3, 9, 10], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }],
    ['3x3/2 pads ceil_mode', [1, 3, 9, 10], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], ceil_mode: 1 }],
    ['2x2/2', [2, 3, 8, 10], { kernel_shape: [2, 2], strides: [2, 2] }],
    ['3x2/1 dilated', [2, 3, 9, 10], { kernel_shape: [3, 2], strides: [1, 1], dilations: [1, 2] }],
    ['3x3/2 dilated pads', [1, 3, 11, 10], { kernel_shape: [3, 3], strides: [2, 1], dilations: [2, 2], pads: [2, 1, 2, 1] }],
    ['1-D 3/2 pads', [2, 3, 15], { kernel_shape: [3], strides: [2], pads: [1, 1] }],
    ['3-D 2x3x2/1', [1, 2, 4, 5, 4], { kernel_shape: [2, 3, 2], strides: [1, 1, 1], pads: [0, 1, 0, 0, 1, 1] }],
  ];
  for (const [label, dims, attrs] of cases) {
    const nd = dims.length - 2;
    // Integers in 0..2 (ties in most windows), a constant block (all of a window ties) and a constant plane.
    const x = Float32Array.from(seeded(size(dims), 99, 0, 3), (v) => Math.floor(v));
    const plane = size(dims.slice(2));
    for (let i = 0; i < plane; i++) {
      x[plane + i] = 1; // channel 1 of item 0: constant
      if (i % dims[dims.length - 1] < 4 && i < plane / 2) x[i] = 2; // a block of the maximum value in channel 0
    }
    const bytes = model({ nodes: [node('MaxPool', ['x'], ['y'], attrs)], input: dims });
    const fwd = await ort.InferenceSession.create(bytes);
    const yT = (await fwd.run({ x: new ort.Tensor('float32', x, dims) })).y;
    await fwd.release();
    const outDims = yT.dims as number[];
    const per = size(outDims) / dims[0];
    const weights: Record<number, number> = {};
    for (let k = 0; k < per; k++) weights[k] = ((k * 7) % 11) - 5 || 6; // distinct-ish nonzero integers: sums are exact
    const gy = new Float64Array(size(outDims));
    for (let i = 0; i < gy.length; i++) gy[i] = weights[i % per];
    const a = {
      kernel: attrs.kernel_shape as number[],
      strides: (attrs.strides as number[]) ?? Array(nd).fill(1),
      pads: ((attrs.pads as number[]) ?? Array(2 * nd).fill(0)).slice(0, nd),
      dilations: (attrs.dilations as number[]) ?? Array(nd).fill(1),
    };
    const ref = maxPoolReference(x, dims, outDims, gy, a);
    assert.deepEqual(Array.from(yT.data as Float32Array), Array.from(ref.y), `${label}: pooled values`);
    const grad = await ort.InferenceSession.create(buildGradientModel(bytes, { objective: { kind: 'logits', weights } }));
    const g = (await grad.run({ x: new ort.Tensor('float32', x, dims) })).grad_input;
    await grad.release();
    assert.deepEqual(g.dims, dims, `${label}: gradient shape`);
    assert.deepEqual(Array.from(g.data as Float32Array), Array.from(ref.dx), `${label}: gradient`);
  }
});

test('LRN across more channels than its window (the transposed window matters for even offsets)', async () => {
  for (const size of [3, 5]) {
    const bytes = model({
      nodes: [node('LRN', ['x'], ['y'], { size, alpha: { f: 0.8 }, beta: { f: 0.75 }, bias: { f: 1 } }), node('Mul', ['y', 'wy'], ['z'])],
      inits: [init('wy', [7, 1, 1])],
      input: [2, 7, 3, 3],
      output: 'z',
    });
    await check(`LRN size ${size}, 7 channels`, bytes, { kind: 'logits', weights: { 0: 1, 13: -1, 40: 0.5, 62: 2 } }, [2, 7, 3, 3], { lo: -2, hi: 2 });
  }
});

test('chains: an inception-like branch/concat block and a residual block', async () => {
  const inception = model({
    nodes: [
      node('Conv', ['x', 'w0', 'b0'], ['c0'], { pads: [1, 1, 1, 1] }),
      node('Relu', ['c0'], ['r0']),
      node('Conv', ['r0', 'w1'], ['c1']), // 1x1 branch
      node('Conv', ['r0', 'w2'], ['c2'], { pads: [1, 1, 1, 1] }), // 3x3 branch
      node('MaxPool', ['r0'], ['p3'], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] }), // pool branch
      node('Conv', ['p3', 'w3'], ['c3']),
      node('Concat', ['c1', 'c2', 'c3'], ['cat'], { axis: 1 }),
      node('Relu', ['cat'], ['rc']),
      node('LRNless', [], []), // placeholder removed below
      node('AveragePool', ['rc'], ['ap'], { kernel_shape: [2, 2], strides: [2, 2] }),
      node('GlobalAveragePool', ['ap'], ['gap']),
      node('Flatten', ['gap'], ['f']),
      node('Gemm', ['f', 'wfc', 'bfc'], ['y'], { transB: 1 }),
    ].filter((n) => n.opType !== 'LRNless'),
    inits: [init('w0', [4, 3, 3, 3]), init('b0', [4]), init('w1', [2, 4, 1, 1]), init('w2', [3, 4, 3, 3]), init('w3', [2, 4, 1, 1]),
      init('wfc', [8, 7]), init('bfc', [8])],
    input: [2, 3, 8, 8],
  });
  await check('inception-like', inception, LOGITS, [2, 3, 8, 8], { h: 1e-3 });
  await check('inception-like (channelMean)', inception, { kind: 'channelMean', tensor: 'cat', channel: 4 }, [2, 3, 8, 8], { h: 1e-3 });
  const residual = model({
    nodes: [
      node('Conv', ['x', 'w0'], ['c0'], { pads: [1, 1, 1, 1] }),
      node('BatchNormalization', ['c0', 's', 'b', 'm', 'v'], ['bn']),
      node('Relu', ['bn'], ['r0']),
      node('Conv', ['r0', 'w1'], ['c1'], { pads: [1, 1, 1, 1] }),
      node('Add', ['c1', 'x'], ['sum']),
      node('Relu', ['sum'], ['r1']),
      node('Conv', ['r1', 'w2'], ['c2'], { strides: [2, 2] }),
      node('ReduceMean', ['c2'], ['y'], { axes: [2, 3], keepdims: 0 }),
    ],
    inits: [init('w0', [4, 4, 3, 3]), init('s', [4]), init('b', [4]), init('m', [4]), init('v', [4], 0.5, 1.5), init('w1', [4, 4, 3, 3]),
      init('w2', [6, 4, 1, 1])],
    input: [2, 4, 6, 6],
  });
  await check('residual', residual, { kind: 'crossEntropy', target: 2 }, [2, 4, 6, 6], { h: 1e-3 });
});

test('the fixture CNN: logits and a channel mean at conv2_relu match finite differences', async () => {
  const bytes = readFileSync(path.join(REPO, 'models', 'fixture', 'fixture.onnx'));
  // The graph's input is called `input`; the checker feeds `x`, so rename it.
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph as onnx.GraphProto;
  for (const v of g.input) if (v.name === 'input') v.name = 'x';
  for (const n of g.node) n.input = (n.input ?? []).map((i) => (i === 'input' ? 'x' : i));
  const renamed = onnx.ModelProto.encode(m).finish();
  const dims = [2, 3, 64, 64];
  const xData = Float32Array.from(seeded(size(dims), 4242, -1.5, 1.5));
  await check('fixture logits', renamed, { kind: 'logits', weights: { 3: 1, 5: -1 } }, dims, { h: 1e-2, sample: 60, xData });
  await check('fixture conv2_relu mean', renamed, { kind: 'channelMean', tensor: 'conv2_relu', channel: 5 }, dims, { h: 1e-2, sample: 60, xData });
});

test('measured errors', () => {
  printMeasured();
});
