/**
 * The backward-graph builder (core/gradients), per rule: Conv, activations, broadcasting arithmetic, Gemm/MatMul,
 * shape ops, BatchNormalization, Softmax, ReduceMean/ReduceSum, Pad, opset 18, and the input option and errors,
 * against central finite differences (harness and bounds: gradientsHarness.ts). Pooling, LRN, chains and the
 * fixture CNN: gradientsNetworks.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { buildGradientModel, UnsupportedOpError } from '../../core/gradients';
import { check, i64, init, LOGITS, model, node, printMeasured } from './gradientsHarness';

test('Conv: groups, strides, asymmetric pads, dilations (stride remainder not covered by pads)', async () => {
  const bytes = model({
    nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { group: 2, strides: [2, 3], pads: [1, 0, 2, 1], dilations: [2, 1] })],
    inits: [init('w', [6, 2, 3, 2]), init('b', [6])],
    input: [2, 4, 10, 9],
  });
  await check('Conv grouped/strided/dilated', bytes, LOGITS, [2, 4, 10, 9]);
  await check('Conv channelMean on its output', bytes, { kind: 'channelMean', tensor: 'y', channel: 3 }, [2, 4, 10, 9]);
});

test('Conv stride 1 (the transposed-Conv path): groups, depthwise, dilations, asymmetric pads, 1x1, pads beyond the span fall back', async () => {
  const grouped = model({
    nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { group: 3, pads: [2, 0, 1, 2], dilations: [2, 1] })],
    inits: [init('w', [6, 2, 3, 3]), init('b', [6])],
    input: [2, 6, 9, 8],
  });
  await check('Conv stride 1 grouped/dilated', grouped, LOGITS, [2, 6, 9, 8]);
  const depthwise = model({
    nodes: [node('Conv', ['x', 'w'], ['d'], { group: 4, pads: [1, 1, 1, 1] }), node('Conv', ['d', 'w1'], ['y'])],
    inits: [init('w', [4, 1, 3, 3]), init('w1', [5, 4, 1, 1])],
    input: [1, 4, 7, 6],
  });
  await check('Conv stride 1 depthwise + 1x1', depthwise, LOGITS, [1, 4, 7, 6]);
  // pads larger than (k - 1) * d: the Conv form would need negative pads, so ConvTranspose is used.
  const wide = model({ nodes: [node('Conv', ['x', 'w'], ['y'], { pads: [3, 0, 0, 3] })], inits: [init('w', [3, 2, 2, 2])], input: [1, 2, 5, 5] });
  await check('Conv stride 1 pads beyond the kernel', wide, { kind: 'channelMean', tensor: 'y', channel: 1 }, [1, 2, 5, 5]);
});

test('Conv: auto_pad SAME_UPPER with a static input shape, 1x1 and 1-D convs', async () => {
  const same = model({
    nodes: [node('Conv', ['x', 'w'], ['y'], { auto_pad: 'SAME_UPPER', strides: [2, 2], kernel_shape: [3, 3] })],
    inits: [init('w', [3, 2, 3, 3])],
    input: [1, 2, 7, 8],
  });
  await check('Conv SAME_UPPER', same, LOGITS, [1, 2, 7, 8]);
  const oneD = model({
    nodes: [node('Conv', ['x', 'w'], ['y'], { strides: [2], pads: [2, 1] })],
    inits: [init('w', [4, 3, 3])],
    input: [2, 3, 11],
  });
  await check('Conv 1-D', oneD, LOGITS, [2, 3, 11]);
});

test('elementwise activations: Relu, LeakyRelu, Clip (inputs), Sigmoid, Tanh, Exp, Neg', async () => {
  const ops: [string, onnx.INodeProto[], onnx.ITensorProto[]][] = [
    ['Relu', [node('Relu', ['x'], ['y'])], []],
    ['LeakyRelu', [node('LeakyRelu', ['x'], ['y'], { alpha: { f: 0.2 } })], []],
    ['Clip', [node('Clip', ['x', 'lo', 'hi'], ['y'])], [init('lo', [], -0.5, -0.49), init('hi', [], 0.6, 0.61)]],
    ['Clip max only', [node('Clip', ['x', '', 'hi'], ['y'])], [init('hi', [], 0.3, 0.31)]],
    ['Sigmoid', [node('Sigmoid', ['x'], ['y'])], []],
    ['Tanh', [node('Tanh', ['x'], ['y'])], []],
    ['Exp Neg', [node('Neg', ['x'], ['n']), node('Exp', ['n'], ['y'])], []],
    ['Identity Dropout', [node('Identity', ['x'], ['i']), node('Dropout', ['i', 'ratio'], ['y', 'mask'])], [init('ratio', [], 0.5, 0.51)]],
  ];
  for (const [label, nodes, inits] of ops) {
    // A Gemm after the activation so that every element matters with its own weight.
    const bytes = model({
      nodes: [node('Flatten', ['x'], ['f']), ...nodes.map((n) => ({ ...n, input: n.input?.map((i) => (i === 'x' ? 'f' : i)) })),
        node('Gemm', ['y', 'wfc'], ['z'], { transB: 1 })],
      inits: [...inits, init('wfc', [8, 24])],
      input: [2, 2, 3, 4],
      output: 'z',
    });
    await check(label, bytes, { kind: 'logSoftmax', weights: { 1: 1, 4: 0.5 } }, [2, 2, 3, 4], { h: 1e-3 });
  }
});

test('Add/Sub/Mul/Div with broadcasting, including two input-dependent broadcast operands', async () => {
  const bytes = model({
    nodes: [
      node('Mul', ['x', 'c'], ['a']), // c [3,1,1]
      node('Div', ['a', 'd'], ['b']), // d [1,5], positive
      node('Sub', ['k', 'b'], ['s']), // k [5]
      node('ReduceMean', ['x'], ['p'], { axes: [2], keepdims: 1 }), // [2,3,1,5]
      node('Mul', ['s', 'p'], ['q']),
      node('Div', ['q', 'den'], ['r']), // den = x*x + 1, input-dependent denominator
      node('Mul', ['x', 'x'], ['xx']),
      node('Add', ['xx', 'one'], ['den']),
      node('Add', ['r', 'x'], ['y']),
    ].sort((u, v) => order(u) - order(v)),
    inits: [init('c', [3, 1, 1]), init('d', [1, 5], 0.5, 1.5), init('k', [5]), { name: 'one', dims: [], dataType: 1, floatData: [1] }],
    input: [2, 3, 4, 5],
  });
  await check('broadcast arithmetic', bytes, { kind: 'unit', tensor: 'y', channel: 1, y: 2, x: 3 }, [2, 3, 4, 5]);
  await check('broadcast arithmetic (channelMean)', bytes, { kind: 'channelMean', tensor: 'y', channel: 2 }, [2, 3, 4, 5]);
});
/** Topological order for the test above (outputs before their uses). */
function order(n: onnx.INodeProto): number {
  return ['a', 'b', 's', 'p', 'q', 'xx', 'den', 'r', 'y'].indexOf(n.output?.[0] ?? '');
}

test('Gemm (transA, transB, alpha, beta, bias) and MatMul (batched, both operands input-dependent)', async () => {
  const gemm = model({
    nodes: [
      node('Gemm', ['x', 'w1', 'c1'], ['h'], { transB: 1, alpha: { f: 0.7 }, beta: { f: 0.3 } }),
      node('Transpose', ['h'], ['ht']),
      node('Gemm', ['ht', 'w2', 'c2'], ['h2'], { transA: 1, alpha: { f: 1.3 } }), // [2,3]
      node('Gemm', ['h2', 'h2t'], ['y'], { transB: 0 }),
      node('Transpose', ['h2'], ['h2t']),
    ].sort((u, v) => ['h', 'ht', 'h2', 'h2t', 'y'].indexOf(u.output?.[0] ?? '') - ['h', 'ht', 'h2', 'h2t', 'y'].indexOf(v.output?.[0] ?? '')),
    inits: [init('w1', [4, 6]), init('c1', [4]), init('w2', [4, 3]), init('c2', [1, 3])],
    input: [1, 6],
    shapes: { h: [1, 4], h2: [1, 3] },
  });
  // y = h2 h2^T mixes the rows of h2, so this graph takes a batch of one.
  await check('Gemm', gemm, { kind: 'logits', weights: { 0: 1 } }, [1, 6], { h: 1e-3 });
  const gemm2 = model({
    nodes: [node('Gemm', ['x', 'w1', 'c1'], ['h'], { transB: 1, alpha: { f: 0.7 }, beta: { f: 0.3 } }), node('Tanh', ['h'], ['t']),
      node('Gemm', ['t', 'w2'], ['y'], { alpha: { f: 1.5 } })],
    inits: [init('w1', [4, 6]), init('c1', [2, 4]), init('w2', [4, 3])],
    input: [2, 6],
  });
  await check('Gemm batch', gemm2, { kind: 'logSoftmax', weights: { 0: 1, 2: -0.5 } }, [2, 6]);
  const matmul = model({
    nodes: [
      node('MatMul', ['x', 'w'], ['a']), // [2,3,4] x [4,5]
      node('Transpose', ['a'], ['at'], { perm: [0, 2, 1] }),
      node('MatMul', ['a', 'at'], ['y']), // [2,3,3]
    ],
    inits: [init('w', [4, 5])],
    input: [2, 3, 4],
    shapes: { a: [2, 3, 5], at: [2, 5, 3] },
  });
  await check('MatMul', matmul, { kind: 'logits', weights: { 0: 1, 4: 0.5, 8: -1 } }, [2, 3, 4], { h: 1e-3 });
});

test('Flatten, Reshape, Transpose, Squeeze/Unsqueeze (opset 13 inputs and opset 11 attributes)', async () => {
  const v13 = model({
    nodes: [
      node('Transpose', ['x'], ['t'], { perm: [0, 2, 3, 1] }),
      node('Reshape', ['t', 'shp'], ['r']), // [2, 12, 2]
      node('Unsqueeze', ['r', 'ax'], ['u']), // [2, 1, 12, 2]
      node('Mul', ['u', 'wu'], ['m']),
      node('Squeeze', ['m', 'ax'], ['s']),
      node('Flatten', ['s'], ['y']),
    ],
    inits: [i64('shp', [2, 12, -1]), i64('ax', [1]), init('wu', [12, 2])],
    input: [2, 2, 3, 4],
  });
  await check('shape ops (opset 13)', v13, { kind: 'logits', weights: { 0: 1, 5: 2, 23: -1 } }, [2, 2, 3, 4]);
  const v11 = model({
    opset: 11,
    nodes: [
      node('Unsqueeze', ['x'], ['u'], { axes: [0] }),
      node('Squeeze', ['u'], ['s'], { axes: [0] }),
      node('Mul', ['s', 'wu'], ['m']),
      node('Flatten', ['m'], ['y'], { axis: 1 }),
    ],
    inits: [init('wu', [3, 4])],
    input: [2, 2, 3, 4],
  });
  await check('shape ops (opset 11)', v11, { kind: 'logits', weights: { 2: 1, 13: 2 } }, [2, 2, 3, 4]);
});

test('Slice: steps, negative and clamped bounds, a reversed channel axis (BGR swaps), two slices of one tensor', async () => {
  const bytes = model({
    nodes: [
      node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['a']), // channels reversed, every second row from -5, cols 1..end
      node('Slice', ['x', 'st2', 'en2'], ['b']), // first channel only (axes default: 0..)
      node('Mul', ['a', 'wa'], ['ma']),
      node('Flatten', ['ma'], ['fa'], { axis: 1 }),
      node('Flatten', ['b'], ['fb'], { axis: 1 }),
      node('Concat', ['fa', 'fb'], ['y'], { axis: 1 }),
    ],
    inits: [
      i64('st', [-1, -5, 1]), i64('en', [-1000, 1000, 9007199254740991]), i64('ax', [1, 2, 3]), i64('sp', [-1, 2, 1]),
      i64('st2', [0, 0]), i64('en2', [2, 1]), init('wa', [3, 3, 4]),
    ],
    input: [2, 3, 6, 5],
  });
  await check('Slice', bytes, { kind: 'logits', weights: { 0: 1, 7: -2, 20: 0.5, 36: 1.5, 40: 3, 65: -1 } }, [2, 3, 6, 5]);
});

test('BatchNormalization (inference), Softmax/LogSoftmax (opset 13 and 11), ReduceMean/ReduceSum, Pad', async () => {
  const bn = model({
    nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { epsilon: { f: 1e-3 } })],
    inits: [init('s', [3]), init('b', [3]), init('m', [3]), init('v', [3], 0.1, 2)],
    input: [2, 3, 4, 4],
  });
  await check('BatchNormalization', bn, { kind: 'channelMean', tensor: 'y', channel: 2 }, [2, 3, 4, 4]);
  await check('BatchNormalization (CE)', bn, { kind: 'crossEntropy', target: 5 }, [2, 3, 4, 4]);
  for (const opset of [11, 13]) {
    const sm = model({
      opset,
      nodes: [
        node('Softmax', ['x'], ['a'], { axis: 1 }),
        node('Mul', ['a', 'w'], ['b']),
        node('LogSoftmax', ['b'], ['c'], { axis: opset >= 13 ? 2 : 1 }),
        node('Flatten', ['c'], ['y']),
      ],
      inits: [init('w', [5, 3], -3, 3)],
      input: [2, 5, 3],
    });
    await check(`Softmax/LogSoftmax opset ${opset}`, sm, { kind: 'logits', weights: { 0: 1, 7: -2, 14: 1 } }, [2, 5, 3]);
  }
  const red = model({
    nodes: [
      node('ReduceMean', ['x'], ['a'], { axes: [2, 3], keepdims: 0 }), // [2,3]
      node('ReduceSum', ['x', 'ax'], ['b'], { keepdims: 1 }), // [2,3,1,5]
      node('Flatten', ['b'], ['bf']),
      node('Concat', ['a', 'bf'], ['y'], { axis: 1 }),
    ],
    inits: [i64('ax', [2])],
    input: [2, 3, 4, 5],
  });
  await check('ReduceMean/ReduceSum', red, { kind: 'logits', weights: { 0: 1, 2: -1, 4: 0.5, 10: 2 } }, [2, 3, 4, 5]);
  const pad = model({
    nodes: [node('Pad', ['x', 'pads', 'cv'], ['y'], { mode: 'constant' })],
    inits: [i64('pads', [0, 0, 1, 2, 0, 1, 0, 1]), { name: 'cv', dims: [], dataType: 1, floatData: [0.5] }],
    input: [2, 2, 3, 3],
  });
  await check('Pad', pad, { kind: 'unit', tensor: 'y', channel: 1, y: 2, x: 3 }, [2, 2, 3, 3]);
  await check('Pad (channelMean)', pad, { kind: 'channelMean', tensor: 'y', channel: 0 }, [2, 2, 3, 3]);
});

test('opset 18: Reduce* axes as inputs, Pad, Clip, Softmax', async () => {
  const bytes = model({
    opset: 18,
    nodes: [
      node('Pad', ['x', 'pads'], ['p']),
      node('ReduceMean', ['p', 'ax'], ['m'], { keepdims: 1 }),
      node('Sub', ['p', 'm'], ['d']),
      node('Clip', ['d', 'lo'], ['c']),
      node('Softmax', ['c'], ['s'], { axis: 1 }),
      node('ReduceSum', ['s', 'ax'], ['y'], { keepdims: 0 }),
    ],
    inits: [i64('pads', [0, 0, 1, 1, 0, 0, 1, 0]), i64('ax', [3]), init('lo', [], -0.3, -0.29)],
    input: [2, 3, 4, 4],
  });
  await check('opset 18 chain', bytes, { kind: 'logits', weights: { 0: 1, 4: -1, 9: 0.5 } }, [2, 3, 4, 4], { h: 1e-3 });
});

test('opset 11 broadcasting: axes from recorded shapes; without them a broadcast operand fails at run time, never silently', async () => {
  const objective = { kind: 'logits' as const, weights: { 0: 1, 3: 0.5 } };
  const spec = { nodes: [node('Add', ['x', 'k'], ['y'])], inits: [init('k', [1, 4])], input: [1, 1], opset: 11 };
  await check('opset 11 Add [1,1] + [1,4] with y recorded', model({ ...spec, shapes: { y: [1, 4] } }), objective, [1, 1]);
  const session = await ort.InferenceSession.create(buildGradientModel(model(spec), { objective }));
  try {
    await assert.rejects(session.run({ x: new ort.Tensor('float32', Float32Array.from([0.5]), [1, 1]) }), /Reshape/);
  } finally {
    await session.release();
  }
});

test('an operator without a rule raises UnsupportedOpError naming the op and the node', () => {
  const bytes = model({ nodes: [node('Sin', ['x'], ['s']), node('Relu', ['s'], ['y'])], input: [1, 4] });
  assert.throws(() => buildGradientModel(bytes, { objective: LOGITS }), (err: unknown) => {
    assert.ok(err instanceof UnsupportedOpError);
    assert.equal(err.op, 'Sin');
    assert.match(err.message, /Sin/);
    assert.match(err.message, /Sin_s/);
    return true;
  });
  // Off the path from the input to the objective, an op without a rule is fine.
  const off = model({ nodes: [node('Sin', ['k'], ['s']), node('Add', ['x', 's'], ['y'])], inits: [init('k', [4])], input: [1, 4] });
  assert.ok(buildGradientModel(off, { objective: LOGITS }).length > 0);
});

test('the input option (gradients checked by finite differences), and clear errors for a wrong input or an objective tensor that does not depend on it', async () => {
  const bytes = onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'two',
      node: [node('Mul', ['a', 'b'], ['y']), node('Relu', ['b'], ['rb'])],
      input: ['a', 'b'].map((name) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } } })),
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    },
  }).finish();
  // The gradient with respect to each chosen input, against central finite differences of the original model.
  const feeds = { a: Float32Array.from([0.5, -1.25, 2, 0.75]), b: Float32Array.from([1.5, 0.25, -0.5, 3]) };
  const tensors = (v: Record<string, Float32Array>) => Object.fromEntries(Object.entries(v).map(([k, d]) => [k, new ort.Tensor('float32', d, [1, 4])]));
  const forward = await ort.InferenceSession.create(bytes);
  const cases: { input: 'a' | 'b'; weights: Record<number, number> }[] = [
    { input: 'b', weights: { 1: 1 } },
    { input: 'a', weights: { 0: 1, 2: -2, 3: 0.5 } },
  ];
  try {
    for (const { input, weights } of cases) {
      const objective = { kind: 'logits' as const, weights };
      const session = await ort.InferenceSession.create(buildGradientModel(bytes, { input, objective }));
      const out = await session.run(tensors(feeds));
      await session.release();
      const grad = out.grad_input.data as Float32Array;
      const f = async (v: Record<string, Float32Array>) => {
        const y = (await forward.run(tensors(v))).y.data as Float32Array;
        return Object.entries(weights).reduce((sum, [i, w]) => sum + w * y[Number(i)], 0);
      };
      assert.ok(Math.abs((out.objective.data as Float32Array)[0] - (await f(feeds))) < 1e-6, `${input}: objective`);
      const h = 1e-2;
      for (let i = 0; i < 4; i++) {
        const up = { ...feeds, [input]: Float32Array.from(feeds[input]) };
        const down = { ...feeds, [input]: Float32Array.from(feeds[input]) };
        up[input][i] += h;
        down[input][i] -= h;
        const fd = ((await f(up)) - (await f(down))) / (up[input][i] - down[input][i]);
        assert.ok(Math.abs(grad[i] - fd) <= 1e-4, `d/d${input}[${i}]: gradient ${grad[i]} vs finite difference ${fd}`);
      }
      // y = a * b, so the exact gradient is the other operand times the weight: nonzero where a weight is.
      const other = input === 'a' ? feeds.b : feeds.a;
      assert.deepEqual(Array.from(grad, (v) => v + 0), [0, 1, 2, 3].map((i) => Math.fround((weights[i] ?? 0) * other[i]) + 0), input);
    }
  } finally {
    await forward.release();
  }
  assert.throws(() => buildGradientModel(bytes, { input: 'nope', objective: LOGITS }), /no graph input "nope"/);
  assert.throws(
    () => buildGradientModel(bytes, { input: 'a', objective: { kind: 'unit', tensor: 'rb', channel: 0, y: 0, x: 0 } }),
    /does not depend on the input "a"/,
  );
});

test('measured errors', () => {
  printMeasured();
});
