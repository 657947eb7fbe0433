/**
 * The backward-graph builder (core/gradients): every rule on small random graphs, plus chains and the fixture CNN,
 * against central finite differences of the objective computed from the ORIGINAL model's outputs (in float64 from
 * float32 outputs). Bound: max |g - fd| <= 1e-2 * max |fd| + 1e-4 over the checked elements. Points where the
 * objective is not smooth at the step size (a ReLU kink or a max-pool switch within h) are recognised by the forward
 * and backward one-sided differences disagreeing by more than the tolerance and are skipped; at most 10% of the
 * points may be skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { buildGradientModel, UnsupportedOpError, type Objective } from '../../core/gradients';
import { addGraphOutputs } from '../../core/onnxGraph';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** Deterministic pseudo-random floats in [lo, hi) (a 32-bit LCG). */
function seeded(n: number, seed: number, lo = -1, hi = 1): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.fround(lo + (hi - lo) * (s / 2 ** 32)));
  }
  return out;
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** A float initializer with values in [lo, hi) seeded by its name and shape (so tests do not shift each other). */
function init(name: string, dims: number[], lo = -1, hi = 1): onnx.ITensorProto {
  let seed = 7919;
  for (const ch of `${name}:${dims.join('x')}`) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) >>> 0;
  return { name, dims, dataType: 1, floatData: seeded(size(dims), seed, lo, hi) };
}
function i64(name: string, values: number[], dims = [values.length]): onnx.ITensorProto {
  return { name, dims, dataType: 7, int64Data: values };
}

type A = number | number[] | string | { f: number };
function node(opType: string, input: string[], output: string[], attrs: Record<string, A> = {}): onnx.INodeProto {
  const T = onnx.AttributeProto.AttributeType;
  const attribute = Object.entries(attrs).map(([name, v]): onnx.IAttributeProto => {
    if (typeof v === 'number') return { name, type: T.INT, i: v };
    if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
    if (typeof v === 'string') return { name, type: T.STRING, s: Buffer.from(v) };
    return { name, type: T.FLOAT, f: v.f };
  });
  return { opType, input, output, name: `${opType}_${output[0]}`, attribute };
}

interface Spec {
  nodes: onnx.INodeProto[];
  inits?: onnx.ITensorProto[];
  input: number[];
  output?: string;
  opset?: number;
  /** Static shapes to record as value_info. */
  shapes?: Record<string, number[]>;
}

function model(spec: Spec): Uint8Array {
  const opset = spec.opset ?? 13;
  const info = (name: string, dims?: number[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: 1, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } },
  });
  return onnx.ModelProto.encode({
    irVersion: opset >= 15 ? 8 : 7,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'gradients.test',
    graph: {
      name: 'g',
      node: spec.nodes,
      initializer: spec.inits ?? [],
      input: [info('x', spec.input)],
      output: [info(spec.output ?? 'y')],
      valueInfo: Object.entries(spec.shapes ?? {}).map(([n, d]) => info(n, d)),
    },
  }).finish();
}

/** The objective per batch item, from the original model's outputs, in float64. */
function objectiveOf(objective: Objective, out: ort.Tensor, n: number): number {
  const data = out.data as Float32Array;
  if (objective.kind === 'channelMean' || objective.kind === 'unit') {
    const [, C, H, W] = out.dims as number[];
    const base = (n * C + objective.channel) * H * W;
    if (objective.kind === 'unit') return data[base + objective.y * W + objective.x];
    let s = 0;
    for (let i = 0; i < H * W; i++) s += data[base + i];
    return s / (H * W);
  }
  const k = data.length / out.dims[0];
  const row = Array.from(data.subarray(n * k, (n + 1) * k));
  const weights = objective.kind === 'crossEntropy' ? { [objective.target]: -1 } : objective.weights;
  let shift = 0;
  if (objective.kind !== 'logits') {
    const m = Math.max(...row);
    shift = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  }
  return Object.entries(weights).reduce((s, [i, w]) => s + w * (row[Number(i)] - shift), 0);
}

interface CheckOptions {
  h?: number;
  /** Check only this many elements (spread over the input), for big inputs. */
  sample?: number;
  seed?: number;
  lo?: number;
  hi?: number;
  xData?: Float32Array;
}

const measured: string[] = [];

async function check(label: string, bytes: Uint8Array, objective: Objective, inputDims: number[], o: CheckOptions = {}) {
  const h = o.h ?? 1e-2;
  const x = o.xData ?? Float32Array.from(seeded(size(inputDims), o.seed ?? 12345, o.lo ?? -1, o.hi ?? 1));
  const grad = await ort.InferenceSession.create(buildGradientModel(bytes, { objective }));
  const watched = objective.kind === 'channelMean' || objective.kind === 'unit' ? objective.tensor : undefined;
  const fwdBytes = watched ? addGraphOutputs(bytes, [watched]) : bytes;
  const fwd = await ort.InferenceSession.create(fwdBytes);
  const outName = watched ?? fwd.outputNames[0];
  const N = inputDims[0];
  const per = size(inputDims) / N;
  try {
    const res = await grad.run({ x: new ort.Tensor('float32', x, inputDims) });
    const value = res.objective.data as Float32Array;
    const g = res.grad_input.data as Float32Array;
    assert.deepEqual(res.grad_input.dims, inputDims, `${label}: grad_input shape`);
    assert.deepEqual(res.objective.dims, [N], `${label}: objective shape`);
    const obj = async (data: Float32Array, n: number) => {
      const out = await fwd.run({ x: new ort.Tensor('float32', data, inputDims) });
      return objectiveOf(objective, out[outName], n);
    };
    for (let n = 0; n < N; n++) {
      const ref = await obj(x, n);
      assert.ok(Math.abs(value[n] - ref) <= 1e-4 * Math.max(1, Math.abs(ref)), `${label}: objective[${n}] ${value[n]} vs ${ref}`);
    }
    const count = Math.min(o.sample ?? Infinity, x.length);
    const indices = Array.from({ length: count }, (_, j) => Math.floor((j * x.length) / count));
    const base: number[] = [];
    for (let n = 0; n < N; n++) base.push(await obj(x, n));
    /** Central difference, and the gap between the one-sided ones (large where a kink lies within h). */
    const fdAt = async (i: number): Promise<[number, number]> => {
      const p = Float32Array.from(x);
      const m = Float32Array.from(x);
      p[i] += h;
      m[i] -= h;
      const n = Math.floor(i / per);
      const up = (await obj(p, n)) - base[n];
      const down = base[n] - (await obj(m, n));
      // Exact float32 steps.
      const hp = p[i] - x[i];
      const hm = x[i] - m[i];
      return [(up + down) / (hp + hm), Math.abs(up / hp - down / hm)];
    };
    const pairs: [number, number, number][] = [];
    let skipped = 0;
    let maxFd = 0;
    for (const i of indices) {
      const [fd, gap] = await fdAt(i);
      maxFd = Math.max(maxFd, Math.abs(fd));
      pairs.push([i, fd, gap]);
    }
    const tol = 1e-2 * maxFd + 1e-4;
    let maxErr = 0;
    let worst = '';
    for (const [i, fd, gap] of pairs) {
      if (gap > tol) {
        skipped++;
        continue;
      }
      const err = Math.abs(g[i] - fd);
      if (err > maxErr) worst = `element ${i}: ${g[i].toPrecision(5)} vs ${fd.toPrecision(5)}`;
      maxErr = Math.max(maxErr, err);
      assert.ok(err <= tol, `${label}: element ${i}: gradient ${g[i]} vs finite difference ${fd} (tolerance ${tol})`);
    }
    assert.ok(skipped <= 0.1 * pairs.length, `${label}: ${skipped} of ${pairs.length} points not smooth`);
    assert.ok(maxFd > 0, `${label}: the objective does not depend on the input`);
    measured.push(`${label}: max|g-fd| / max|fd| = ${(maxErr / maxFd).toExponential(2)} (${pairs.length} points, ${skipped} skipped; worst ${worst})`);
  } finally {
    await grad.release();
    await fwd.release();
  }
}

const LOGITS: Objective = { kind: 'logits', weights: { 0: 1, 3: -0.5, 7: 2 } };

test('Conv: groups, strides, asymmetric pads, dilations (stride remainder not covered by pads)', async () => {
  const bytes = model({
    nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { group: 2, strides: [2, 3], pads: [1, 0, 2, 1], dilations: [2, 1] })],
    inits: [init('w', [6, 2, 3, 2]), init('b', [6])],
    input: [2, 4, 10, 9],
  });
  await check('Conv grouped/strided/dilated', bytes, LOGITS, [2, 4, 10, 9]);
  await check('Conv channelMean on its output', bytes, { kind: 'channelMean', tensor: 'y', channel: 3 }, [2, 4, 10, 9]);
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

test('the input option, and clear errors for a wrong input or an objective tensor that does not depend on it', () => {
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
  assert.ok(buildGradientModel(bytes, { input: 'b', objective: { kind: 'logits', weights: { 1: 1 } } }).length > 0);
  assert.throws(() => buildGradientModel(bytes, { input: 'nope', objective: LOGITS }), /no graph input "nope"/);
  assert.throws(
    () => buildGradientModel(bytes, { input: 'a', objective: { kind: 'unit', tensor: 'rb', channel: 0, y: 0, x: 0 } }),
    /does not depend on the input "a"/,
  );
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
  for (const line of measured) console.log(line);
});
