/**
 * Gradients without a training runtime (DESIGN.md): given an ONNX model and an objective, emit a new ONNX model
 * of standard operators that outputs the objective (one value per batch item) and its gradient with respect to
 * the input, computed by reverse-mode differentiation over the forward graph, which is kept intact.
 *
 * Shapes: every rule works from run-time shapes (Shape/Size/Expand/Slice in the graph), never from value_info,
 * so models with symbolic or unrecorded shapes work. The exceptions, which read static information when they need
 * it and raise UnsupportedOpError when it is missing: Conv's kernel size (kernel_shape or the weight's
 * initializer dims), Conv with auto_pad SAME_* (needs the input's static spatial size), Transpose without perm
 * and MatMul (need the rank), and broadcasting Add/Sub/Mul/Div in opset < 13 (ReduceSum takes axes as an
 * attribute there: axes come from static shapes when recorded, else the operands are assumed to have the
 * output's shape). From opset 13 the broadcast axes are found at run time (Shape, Equal, NonZero) and reduced
 * with ReduceSum(keepdims=1, noop_with_empty_axes=1) followed by a Reshape to the operand's shape.
 *
 * Supported opsets: 11 and later (Slice/Pad/Clip take inputs; ScatterElements exists). MaxPool's scatter-add
 * does not need ScatterElements' reduction (opset 16): the output positions are split into groups whose pooling
 * windows are disjoint, each group is scattered without collisions, and the groups are summed.
 *
 * Known limit: pooling with ceil_mode=1 where the last window would start in the end padding: ONNX Runtime's
 * kernel drops that window but its shape inference keeps it, and the folded Shape ops then disagree with the data.
 */
import { onnx } from 'onnx-proto';
import { Emitter, F, FLOAT, INT64_MAX, type AttrValue } from './emit';

export type Objective =
  | { kind: 'logits'; weights: Record<number, number> }
  | { kind: 'logSoftmax'; weights: Record<number, number> }
  | { kind: 'crossEntropy'; target: number }
  | { kind: 'channelMean'; tensor: string; channel: number }
  | { kind: 'unit'; tensor: string; channel: number; y: number; x: number };

export interface GradientModelOptions {
  /** The graph input to differentiate with respect to; default: the first input that is not an initializer. */
  input?: string;
  objective: Objective;
}

/** An operator (or an attribute combination of one) that has no gradient rule. */
export class UnsupportedOpError extends Error {
  override readonly name = 'UnsupportedOpError';
  readonly op: string;
  readonly node: string;
  constructor(op: string, node: string, detail?: string) {
    super(`no gradient rule for ONNX operator ${op} (node "${node}")${detail ? `: ${detail}` : ''}`);
    this.op = op;
    this.node = node;
  }
}

/** Names of the two outputs of the gradient model. */
export const OBJECTIVE_OUTPUT = 'objective';
export const GRAD_INPUT_OUTPUT = 'grad_input';

/** Operators with a rule. */
export const SUPPORTED_OPS: readonly string[] = [
  'Conv', 'Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Exp', 'Neg', 'Add', 'Sub', 'Mul', 'Div', 'Gemm', 'MatMul',
  'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Transpose', 'GlobalAveragePool', 'AveragePool', 'MaxPool',
  'BatchNormalization', 'LRN', 'Concat', 'Softmax', 'LogSoftmax', 'Identity', 'Dropout', 'ReduceMean', 'ReduceSum', 'Pad',
];

function int64(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (typeof value === 'object' && value !== null && typeof (value as { toNumber?: unknown }).toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  return 0;
}

interface DecodedGraph {
  node: onnx.NodeProto[];
  initializer: onnx.TensorProto[];
  input: onnx.ValueInfoProto[];
  output: onnx.ValueInfoProto[];
  valueInfo: onnx.ValueInfoProto[];
}

type StaticShape = (number | null)[];

class NodeAttrs {
  private readonly byName = new Map<string, onnx.IAttributeProto>();
  constructor(node: onnx.NodeProto) {
    for (const a of node.attribute) if (a.name) this.byName.set(a.name, a);
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  int(name: string, dflt: number): number {
    const a = this.byName.get(name);
    return a ? int64(a.i) : dflt;
  }
  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map(int64) : undefined;
  }
  float(name: string, dflt: number): number {
    const a = this.byName.get(name);
    return a && typeof a.f === 'number' ? a.f : dflt;
  }
  str(name: string, dflt: string): string {
    const a = this.byName.get(name);
    if (!a || !a.s) return dflt;
    return String.fromCharCode(...a.s);
  }
  /** The attributes as they were, with some replaced (for re-emitting a forward op with other settings). */
  copy(replace: Record<string, AttrValue>): Record<string, AttrValue> {
    const out: Record<string, AttrValue> = {};
    for (const [name, a] of this.byName) {
      if (name in replace) continue;
      const T = onnx.AttributeProto.AttributeType;
      if (a.type === T.INT) out[name] = int64(a.i);
      else if (a.type === T.INTS) out[name] = (a.ints ?? []).map(int64);
      else if (a.type === T.FLOAT) out[name] = new F(a.f ?? 0);
      else if (a.type === T.STRING) out[name] = String.fromCharCode(...(a.s ?? []));
      else if (a.type === T.TENSOR && a.t) out[name] = a.t;
    }
    return { ...out, ...replace };
  }
}

interface RuleContext {
  e: Emitter;
  node: onnx.NodeProto;
  attrs: NodeAttrs;
  /** Gradient of each output ('' where none reached it). */
  g: string[];
  /** Whether input i needs a gradient (it depends on the differentiated input). */
  need(i: number): boolean;
  staticShape(name: string): StaticShape | undefined;
  unsupported(detail: string): UnsupportedOpError;
}

type Rule = (c: RuleContext) => Record<number, string>;

/** Sums g over the axes along which x was broadcast to g's shape, then reshapes to x's shape. */
function unbroadcast(c: RuleContext, g: string, x: string, out: string): string {
  const { e } = c;
  const xs = c.staticShape(x);
  const os = c.staticShape(out);
  const known = (s: StaticShape | undefined): s is number[] => !!s && s.every((d) => typeof d === 'number');
  if (known(xs) && known(os) && xs.length === os.length && xs.every((d, i) => d === os[i])) return g;
  if (e.opset >= 13) {
    const sg = e.shape(g);
    const sx = e.shape(x);
    const ones = e.onesI64(e.op('Sub', [e.shape(sg), e.shape(sx)]));
    const sxp = e.op('Concat', [ones, sx], { axis: 0 });
    const axes = e.op('Reshape', [e.op('NonZero', [e.op('Not', [e.op('Equal', [sxp, sg])])]), e.i64([-1])]);
    const r = e.op('ReduceSum', [g, axes], { keepdims: 1, noop_with_empty_axes: 1 });
    return e.op('Reshape', [r, sx]);
  }
  if (known(xs) && known(os)) {
    const pad = os.length - xs.length;
    const axes = os.map((_, i) => i).filter((i) => i < pad || (xs[i - pad] === 1 && os[i] !== 1));
    if (axes.length === 0) return g;
    return e.op('Reshape', [e.reduce('ReduceSum', g, axes, 1), e.shape(x)]);
  }
  return g; // opset < 13 without static shapes: assumed not broadcast (see the file comment)
}

function rankOf(c: RuleContext, x: string): number {
  const s = c.staticShape(x);
  if (!s || s.length === 0) throw c.unsupported(`the rank of "${x}" is not recorded in the model (value_info)`);
  return s.length;
}

function swapLast(rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  [p[rank - 2], p[rank - 1]] = [p[rank - 1], p[rank - 2]];
  return p;
}

/** Kernel, strides, pads (begin..., end...), dilations of a Conv/pool node. */
function windowAttrs(c: RuleContext, kernel: number[] | undefined) {
  if (!kernel) throw c.unsupported('kernel size unknown (no kernel_shape and weights without static dims)');
  const nd = kernel.length;
  const strides = c.attrs.ints('strides') ?? Array(nd).fill(1);
  const dilations = c.attrs.ints('dilations') ?? Array(nd).fill(1);
  let pads = c.attrs.ints('pads') ?? Array(2 * nd).fill(0);
  const autoPad = c.attrs.str('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') pads = Array(2 * nd).fill(0);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const xs = c.staticShape(c.node.input[0]);
    const spatial = xs?.slice(2);
    if (!spatial || spatial.length !== nd || spatial.some((d) => typeof d !== 'number')) {
      throw c.unsupported(`auto_pad ${autoPad} needs the input's static spatial size`);
    }
    pads = Array(2 * nd).fill(0);
    spatial.forEach((d, i) => {
      const size = d as number;
      const total = Math.max((Math.ceil(size / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size, 0);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + nd] = total - pads[i];
    });
  }
  return { nd, strides, dilations, pads };
}

/**
 * The transpose of a strided window op: ConvTranspose with pads 0 and output_padding stride-1 covers every padded
 * input position, and a Slice from pads_begin, of the input's run-time spatial size, crops it to the input.
 */
function convTransposeBack(
  c: RuleContext, g: string, w: string, x: string,
  win: { nd: number; strides: number[]; dilations: number[]; pads: number[] }, kernel: number[], group: number,
): string {
  const { e } = c;
  const full = e.op('ConvTranspose', [g, w], {
    kernel_shape: kernel, strides: win.strides, dilations: win.dilations, group,
    output_padding: win.strides.map((s) => s - 1), pads: Array(2 * win.nd).fill(0),
  });
  const begin = win.pads.slice(0, win.nd);
  const spatial = e.slice(e.shape(x), [2], [2 + win.nd]);
  const ends = e.op('Add', [e.i64(begin), spatial]);
  return e.slice(full, e.i64(begin), ends, begin.map((_, i) => i + 2));
}

const RULES: Record<string, Rule> = {
  Identity: (c) => ({ 0: c.g[0] }),
  Dropout: (c) => ({ 0: c.g[0] }),
  Flatten: (c) => ({ 0: c.e.op('Reshape', [c.g[0], c.e.shape(c.node.input[0])]) }),
  Reshape: (c) => ({ 0: c.e.op('Reshape', [c.g[0], c.e.shape(c.node.input[0])]) }),
  Squeeze: (c) => ({ 0: c.e.op('Reshape', [c.g[0], c.e.shape(c.node.input[0])]) }),
  Unsqueeze: (c) => ({ 0: c.e.op('Reshape', [c.g[0], c.e.shape(c.node.input[0])]) }),
  Neg: (c) => ({ 0: c.e.op('Neg', [c.g[0]]) }),
  Exp: (c) => ({ 0: c.e.op('Mul', [c.g[0], c.node.output[0]]) }),

  Relu: (c) => {
    const { e } = c;
    const zero = e.scalar(0);
    return { 0: e.op('Where', [e.op('Greater', [c.node.input[0], zero]), c.g[0], zero]) };
  },
  LeakyRelu: (c) => {
    const { e } = c;
    const alpha = c.attrs.float('alpha', 0.01);
    const pos = e.op('Greater', [c.node.input[0], e.scalar(0)]);
    return { 0: e.op('Where', [pos, c.g[0], e.op('Mul', [c.g[0], e.scalar(alpha)])]) };
  },
  Clip: (c) => {
    const { e, node } = c;
    const x = node.input[0];
    let min = node.input[1] ?? '';
    let max = node.input[2] ?? '';
    if (c.attrs.has('min')) min = e.scalar(c.attrs.float('min', 0));
    if (c.attrs.has('max')) max = e.scalar(c.attrs.float('max', 0));
    const outside: string[] = [];
    if (min) outside.push(e.op('Less', [x, min]));
    if (max) outside.push(e.op('Greater', [x, max]));
    if (outside.length === 0) return { 0: c.g[0] };
    const mask = outside.length === 2 ? e.op('Or', outside) : outside[0];
    return { 0: e.op('Where', [mask, e.scalar(0), c.g[0]]) };
  },
  Sigmoid: (c) => {
    const { e } = c;
    const y = c.node.output[0];
    return { 0: e.op('Mul', [c.g[0], e.op('Mul', [y, e.op('Sub', [e.scalar(1), y])])]) };
  },
  Tanh: (c) => {
    const { e } = c;
    const y = c.node.output[0];
    return { 0: e.op('Mul', [c.g[0], e.op('Sub', [e.scalar(1), e.op('Mul', [y, y])])]) };
  },

  Add: (c) => binary(c, (g) => g, (g) => g),
  Sub: (c) => binary(c, (g) => g, (g) => c.e.op('Neg', [g])),
  Mul: (c) => binary(c, (g) => c.e.op('Mul', [g, c.node.input[1]]), (g) => c.e.op('Mul', [g, c.node.input[0]])),
  Div: (c) =>
    binary(
      c,
      (g) => c.e.op('Div', [g, c.node.input[1]]),
      (g) => c.e.op('Neg', [c.e.op('Div', [c.e.op('Mul', [g, c.node.output[0]]), c.node.input[1]])]),
    ),

  Gemm: (c) => {
    const { e, node, attrs } = c;
    const [a, b, cc] = node.input;
    const g = c.g[0];
    const alpha = attrs.float('alpha', 1);
    const beta = attrs.float('beta', 1);
    const tA = attrs.int('transA', 0);
    const tB = attrs.int('transB', 0);
    const out: Record<number, string> = {};
    if (c.need(0)) {
      out[0] = tA
        ? e.op('Gemm', [b, g], { alpha: new F(alpha), transA: tB, transB: 1 })
        : e.op('Gemm', [g, b], { alpha: new F(alpha), transB: tB ? 0 : 1 });
    }
    if (c.need(1)) {
      out[1] = tB
        ? e.op('Gemm', [g, a], { alpha: new F(alpha), transA: 1, transB: tA })
        : e.op('Gemm', [a, g], { alpha: new F(alpha), transA: tA ? 0 : 1 });
    }
    if (cc && c.need(2)) out[2] = unbroadcast(c, e.op('Mul', [g, e.scalar(beta)]), cc, node.output[0]);
    return out;
  },
  MatMul: (c) => {
    const { e, node } = c;
    const [a, b] = node.input;
    const g = c.g[0];
    const out: Record<number, string> = {};
    if (c.need(0)) {
      const rb = rankOf(c, b);
      if (rb < 2) throw c.unsupported('a 1-D second operand');
      out[0] = unbroadcast(c, e.op('MatMul', [g, e.op('Transpose', [b], { perm: swapLast(rb) })]), a, node.output[0]);
    }
    if (c.need(1)) {
      const ra = rankOf(c, a);
      if (ra < 2) throw c.unsupported('a 1-D first operand');
      out[1] = unbroadcast(c, e.op('MatMul', [e.op('Transpose', [a], { perm: swapLast(ra) }), g]), b, node.output[0]);
    }
    return out;
  },

  Transpose: (c) => {
    const rank = c.attrs.has('perm') ? 0 : rankOf(c, c.node.input[0]);
    const perm = c.attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inv = perm.slice();
    perm.forEach((p, i) => (inv[p] = i));
    return { 0: c.e.op('Transpose', [c.g[0]], { perm: inv }) };
  },

  GlobalAveragePool: (c) => {
    const { e } = c;
    const x = c.node.input[0];
    const g = c.g[0];
    const count = e.toFloat(e.op('Div', [e.op('Size', [x]), e.op('Size', [g])]));
    return { 0: e.op('Div', [e.op('Expand', [g, e.shape(x)]), count]) };
  },
  ReduceMean: (c) => reduceRule(c, true),
  ReduceSum: (c) => reduceRule(c, false),

  Softmax: (c) => softmaxRule(c, false),
  LogSoftmax: (c) => softmaxRule(c, true),

  BatchNormalization: (c) => {
    const { e, node } = c;
    for (let i = 1; i < 5; i++) if (c.need(i)) throw c.unsupported('gradient with respect to its parameters');
    if (c.attrs.int('training_mode', 0)) throw c.unsupported('training_mode=1');
    const [x, scale, , , variance] = node.input;
    const eps = c.attrs.float('epsilon', 1e-5);
    const factor = e.op('Div', [scale, e.op('Sqrt', [e.op('Add', [variance, e.scalar(eps)])])]);
    return { 0: e.op('Mul', [c.g[0], e.op('Reshape', [factor, e.broadcastShapeFor(x, 1)])]) };
  },

  Conv: (c) => {
    const { node } = c;
    const [x, w] = node.input;
    if (c.need(1) || (node.input[2] && c.need(2))) throw c.unsupported('gradient with respect to weights computed in the graph');
    const kernel = c.attrs.ints('kernel_shape') ?? c.staticShape(w)?.slice(2).map((d) => (typeof d === 'number' ? d : NaN));
    if (kernel && kernel.some((k) => Number.isNaN(k))) throw c.unsupported('kernel size unknown');
    const win = windowAttrs(c, kernel);
    return { 0: convTransposeBack(c, c.g[0], w, x, win, kernel as number[], c.attrs.int('group', 1)) };
  },

  AveragePool: (c) => {
    const { e, node } = c;
    const x = node.input[0];
    const kernel = c.attrs.ints('kernel_shape');
    const win = windowAttrs(c, kernel);
    const k = kernel as number[];
    const area = k.reduce((p, v) => p * v, 1);
    const padded = win.pads.some((p) => p !== 0);
    const ceil = c.attrs.int('ceil_mode', 0) !== 0;
    const includePad = c.attrs.int('count_include_pad', 0) !== 0;
    let divisor: string;
    if (!ceil && (!padded || includePad)) divisor = e.scalar(area);
    else {
      // Each window's divisor: the elements it covers among the real input (or the padded input, with
      // count_include_pad), counted by averaging a 0/1 map padded explicitly; ceil_mode's last, partial windows
      // are made whole by stride-1 extra zeros at the end, then the map is cropped to the output's size.
      const nd = k.length;
      const ones = e.op('Expand', [e.scalar(1), e.shape(x)]);
      const ndPads = [0, 0, ...win.pads.slice(0, nd), 0, 0, ...win.pads.slice(nd)];
      let map = e.op('Pad', [ones, e.i64(ndPads), e.scalar(includePad ? 1 : 0)], { mode: 'constant' });
      if (ceil) {
        const extra = [0, 0, ...Array(nd).fill(0), 0, 0, ...win.strides.map((st) => st - 1)];
        map = e.op('Pad', [map, e.i64(extra), e.scalar(0)], { mode: 'constant' });
      }
      // Abs (exact on 0/1) keeps ONNX Runtime's Pad+pool fusion from folding this zero padding into the pool's
      // pads, which it then rejects when they are not smaller than the kernel.
      const avg = e.op('AveragePool', [e.op('Abs', [map])], {
        kernel_shape: k, strides: win.strides, dilations: c.attrs.ints('dilations'),
      });
      const counts = e.op('Mul', [avg, e.scalar(area)]);
      const outSpatial = e.slice(e.shape(c.g[0]), [2], [INT64_MAX]);
      divisor = e.slice(counts, e.i64(Array(nd).fill(0)), outSpatial, k.map((_, i) => i + 2));
    }
    const g = e.op('Div', [c.g[0], divisor]);
    // One depthwise all-ones kernel for every (batch, channel) plane: fold N*C into the batch axis.
    const sg = e.shape(g);
    const planes = e.op('Reshape', [g, e.op('Concat', [e.i64([-1, 1]), e.slice(sg, [2], [INT64_MAX])], { axis: 0 })]);
    const kernelOnes = e.f32(Array(area).fill(1), [1, 1, ...k]);
    const back = convTransposeBack(c, planes, kernelOnes, x, win, k, 1);
    return { 0: e.op('Reshape', [back, e.shape(x)]) };
  },

  MaxPool: (c) => {
    const { e, node } = c;
    const x = node.input[0];
    if (c.attrs.int('storage_order', 0) !== 0) throw c.unsupported('storage_order=1');
    const kernel = c.attrs.ints('kernel_shape');
    const win = windowAttrs(c, kernel);
    const k = kernel as number[];
    const [, rawIdx] = e.ops('MaxPool', [x], c.attrs.copy({}), 2);
    const sx = e.shape(x);
    const nc = e.slice(sx, [0], [2]);
    const plane = e.reduce('ReduceProd', e.slice(sx, [2], [INT64_MAX]), [0], 1);
    const idx = e.op('Mod', [rawIdx, plane]); // ONNX Runtime's indices count from the start of the whole tensor
    const zeros = e.zeros(e.op('Concat', [nc, plane], { axis: 0 }));
    // Output positions o, o+G, o+2G, ... (per axis) have disjoint windows when G*stride >= the dilated kernel.
    const groups = k.map((kk, i) => Math.ceil(((kk - 1) * win.dilations[i] + 1) / win.strides[i]));
    const offsets: number[][] = [[]];
    for (const G of groups) {
      const next: number[][] = [];
      for (const o of offsets) for (let j = 0; j < G; j++) next.push([...o, j]);
      offsets.splice(0, offsets.length, ...next);
    }
    const axes = k.map((_, i) => i + 2);
    const parts = offsets.map((o) => {
      const single = groups.every((G) => G === 1);
      const gs = single ? c.g[0] : e.slice(c.g[0], o, o.map(() => INT64_MAX), axes, groups);
      const is = single ? idx : e.slice(idx, o, o.map(() => INT64_MAX), axes, groups);
      const count = e.reduce('ReduceProd', e.slice(e.shape(gs), [2], [INT64_MAX]), [0], 1);
      const flat = e.op('Concat', [nc, count], { axis: 0 });
      return e.op('ScatterElements', [zeros, e.op('Reshape', [is, flat]), e.op('Reshape', [gs, flat])], { axis: 2 });
    });
    return { 0: e.op('Reshape', [e.sum(parts), sx]) };
  },

  LRN: (c) => {
    const { e, node } = c;
    const x = node.input[0];
    const y = node.output[0];
    const size = c.attrs.int('size', 1);
    const alpha = c.attrs.float('alpha', 1e-4);
    const beta = c.attrs.float('beta', 0.75);
    const bias = c.attrs.float('bias', 1);
    const before = Math.floor((size - 1) / 2);
    const after = size - 1 - before;
    const d = e.op('Add', [e.scalar(bias), e.op('Mul', [channelWindowSum(e, e.op('Mul', [x, x]), size, before, after), e.scalar(alpha / size)])]);
    // y = x d^-beta: dx_i = g_i d_i^-beta - (2 alpha beta / size) x_i sum_{j: i in window(j)} g_j x_j d_j^(-beta-1),
    // and i in window(j) = [j-before, j+after] iff j in [i-after, i+before]: the transposed window.
    const direct = e.op('Mul', [c.g[0], e.op('Pow', [d, e.scalar(-beta)])]);
    const inner = e.op('Mul', [e.op('Mul', [c.g[0], y]), e.op('Reciprocal', [d])]); // g x d^(-beta-1) = g y / d
    const cross = e.op('Mul', [x, channelWindowSum(e, inner, size, after, before)]);
    return { 0: e.op('Sub', [direct, e.op('Mul', [cross, e.scalar((2 * alpha * beta) / size)])]) };
  },

  Concat: (c) => {
    const { e, node } = c;
    const axis = c.attrs.int('axis', 0);
    const out: Record<number, string> = {};
    let start = e.i64([0]);
    node.input.forEach((x, i) => {
      const size = e.op('Gather', [e.shape(x), e.i64([axis])], { axis: 0 });
      const end = e.op('Add', [start, size]);
      if (c.need(i)) out[i] = e.slice(c.g[0], start, end, [axis]);
      start = end;
    });
    return out;
  },

  Pad: (c) => {
    const { e, node } = c;
    const mode = c.attrs.str('mode', 'constant');
    if (mode !== 'constant') throw c.unsupported(`mode "${mode}" (only constant)`);
    if (node.input[3]) throw c.unsupported('the axes input');
    const x = node.input[0];
    let begin: string;
    if (c.attrs.has('pads')) {
      const pads = c.attrs.ints('pads') as number[];
      begin = e.i64(pads.slice(0, pads.length / 2));
    } else {
      const pads = node.input[1];
      begin = e.op('Slice', [pads, e.i64([0]), e.op('Div', [e.shape(pads), e.i64([2])])]);
    }
    return { 0: e.op('Slice', [c.g[0], begin, e.op('Add', [begin, e.shape(x)])]) };
  },
};

/** Sum over channels c-before..c+after (clipped to the tensor) of an N C ... tensor, as an include-pad AveragePool. */
function channelWindowSum(e: Emitter, t: string, size: number, before: number, after: number): string {
  const st = e.shape(t);
  const planes = e.op('Concat', [e.slice(st, [0], [1]), e.i64([1]), e.slice(st, [1], [2]), e.i64([-1])], { axis: 0 });
  const avg = e.op('AveragePool', [e.op('Reshape', [t, planes])], {
    kernel_shape: [size, 1], pads: [before, 0, after, 0], count_include_pad: 1,
  });
  return e.op('Reshape', [e.op('Mul', [avg, e.scalar(size)]), st]);
}

function binary(c: RuleContext, ga: (g: string) => string, gb: (g: string) => string): Record<number, string> {
  const [a, b] = c.node.input;
  const y = c.node.output[0];
  const out: Record<number, string> = {};
  if (c.need(0)) out[0] = unbroadcast(c, ga(c.g[0]), a, y);
  if (c.need(1)) out[1] = unbroadcast(c, gb(c.g[0]), b, y);
  return out;
}

function reduceRule(c: RuleContext, mean: boolean): Record<number, string> {
  const { e, node } = c;
  const x = node.input[0];
  const g = c.g[0];
  // The same reduction with keepdims=1 has the shape g must be reshaped to before broadcasting back.
  const kept = e.op(node.opType, node.input.slice(), c.attrs.copy({ keepdims: 1 }));
  let gx = e.op('Expand', [e.op('Reshape', [g, e.shape(kept)]), e.shape(x)]);
  if (mean) gx = e.op('Div', [gx, e.toFloat(e.op('Div', [e.op('Size', [x]), e.op('Size', [kept])]))]);
  return { 0: gx };
}

function softmaxRule(c: RuleContext, log: boolean): Record<number, string> {
  const { e, node } = c;
  const x = node.input[0];
  const y = node.output[0];
  let g = c.g[0];
  let yy = y;
  let axis: number;
  const flatten = e.opset < 13;
  if (flatten) {
    // Opsets before 13 coerce the input to 2-D at `axis` (default 1).
    const a = c.attrs.int('axis', 1);
    g = e.op('Flatten', [g], { axis: a });
    yy = e.op('Flatten', [y], { axis: a });
    axis = 1;
  } else axis = c.attrs.int('axis', -1);
  let gx: string;
  if (log) {
    const s = e.reduce('ReduceSum', g, [axis], 1);
    gx = e.op('Sub', [g, e.op('Mul', [e.op('Exp', [yy]), s])]);
  } else {
    const s = e.reduce('ReduceSum', e.op('Mul', [g, yy]), [axis], 1);
    gx = e.op('Mul', [yy, e.op('Sub', [g, s])]);
  }
  return { 0: flatten ? e.op('Reshape', [gx, e.shape(x)]) : gx };
}

/** Objective value ([N]) and the seed gradient of `target`. */
function buildObjective(e: Emitter, objective: Objective, firstOutput: string): { target: string; value: string; seed: string } {
  if (objective.kind === 'logits' || objective.kind === 'logSoftmax' || objective.kind === 'crossEntropy') {
    const weights: Record<number, number> = objective.kind === 'crossEntropy' ? { [objective.target]: -1 } : objective.weights;
    const entries = Object.entries(weights).map(([k, v]) => [Number(k), v] as const);
    if (entries.length === 0) throw new Error('the objective has no class weights');
    for (const [k] of entries) if (!Number.isInteger(k) || k < 0) throw new Error(`invalid class index ${k}`);
    const out = firstOutput;
    const flat = e.op('Flatten', [out], { axis: 1 });
    const zeroRow = e.zeros(e.shape(e.slice(flat, [0], [1], [0])));
    const wRow = e.op('ScatterElements', [
      zeroRow, e.i64(entries.map(([k]) => k), [1, entries.length]), e.f32(entries.map(([, v]) => v), [1, entries.length]),
    ], { axis: 1 });
    let seedFlat: string;
    let scored = flat;
    if (objective.kind === 'logits') seedFlat = e.op('Expand', [wRow, e.shape(flat)]);
    else {
      scored = e.op('LogSoftmax', [flat], { axis: 1 });
      const sumW = entries.reduce((s, [, v]) => s + v, 0);
      seedFlat = e.op('Sub', [wRow, e.op('Mul', [e.op('Softmax', [flat], { axis: 1 }), e.scalar(sumW)])]);
    }
    const value = e.reduce('ReduceSum', e.op('Mul', [scored, wRow]), [1], 0);
    return { target: out, value, seed: e.op('Reshape', [seedFlat, e.shape(out)]) };
  }
  const t = objective.tensor;
  const mask = (axis: number, index: number): string => {
    const size = e.op('Gather', [e.shape(t), e.i64([axis], [])], { axis: 0 });
    const range = e.op('Range', [e.i64([0], []), size, e.i64([1], [])]);
    const hit = e.toFloat(e.op('Equal', [range, e.i64([index], [])]));
    return e.op('Reshape', [hit, e.broadcastShapeFor(t, axis)]);
  };
  if (objective.kind === 'channelMean') {
    const ch = objective.channel;
    const s = e.op('Flatten', [e.slice(t, [ch], [ch + 1], [1])], { axis: 1 });
    const value = e.reduce('ReduceMean', s, [1], 0);
    const count = e.toFloat(e.op('Gather', [e.shape(s), e.i64([1])], { axis: 0 }));
    const seed = e.op('Div', [e.op('Expand', [mask(1, ch), e.shape(t)]), count]);
    return { target: t, value, seed };
  }
  const { channel, y, x } = objective;
  const s = e.op('Flatten', [e.slice(t, [channel, y, x], [channel + 1, y + 1, x + 1], [1, 2, 3])], { axis: 1 });
  const value = e.reduce('ReduceSum', s, [1], 0);
  const m = e.op('Mul', [e.op('Mul', [mask(1, channel), mask(2, y)]), mask(3, x)]);
  return { target: t, value, seed: e.op('Expand', [m, e.shape(t)]) };
}

/**
 * A new model with the same inputs whose outputs are `objective` ([N]) and `grad_input` (d objective[n] / d input[n],
 * the input's shape). Throws UnsupportedOpError for an operator on the path from the input to the objective that
 * has no rule.
 */
export function buildGradientModel(bytes: Uint8Array, opts: GradientModelOptions): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  if (!model.graph) throw new Error('not an ONNX model (no graph)');
  const graph = model.graph as onnx.GraphProto as unknown as DecodedGraph;
  const opsetEntry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = opsetEntry ? int64(opsetEntry.version) : 0;
  if (opset < 11) throw new Error(`gradients need ONNX opset 11 or later (this model uses ${opset})`);

  const initNames = new Set(graph.initializer.map((t) => t.name));
  const feedable = graph.input.filter((v) => !initNames.has(v.name));
  const inputName = opts.input ?? feedable[0]?.name;
  const inputInfo = feedable.find((v) => v.name === inputName);
  if (!inputName || !inputInfo) throw new Error(`the model has no graph input "${opts.input ?? ''}"`);

  const taken = new Set<string>();
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) taken.add(v.name);
  for (const n of graph.node) for (const o of n.output) taken.add(o);
  for (const t of graph.initializer) taken.add(t.name);
  taken.add(OBJECTIVE_OUTPUT);
  taken.add(GRAD_INPUT_OUTPUT);

  const shapes = new Map<string, StaticShape>();
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) {
    const dims = v.type?.tensorType?.shape?.dim;
    if (!dims) continue;
    shapes.set(v.name, dims.map((d) => ((d as onnx.TensorShapeProto.Dimension).value === 'dimValue' ? int64(d.dimValue) : null)));
  }
  for (const t of graph.initializer) shapes.set(t.name, t.dims.map(int64));

  // Tensors that depend on the input.
  const dependent = new Set<string>([inputName]);
  for (const n of graph.node) {
    if (n.input.some((i) => i && dependent.has(i))) for (const o of n.output) if (o) dependent.add(o);
  }

  const e = new Emitter(opset, taken);
  const firstOutput = graph.output[0]?.name;
  const obj = buildObjective(e, opts.objective, firstOutput);
  if (!dependent.has(obj.target)) {
    throw new Error(`the objective's tensor "${obj.target}" does not depend on the input "${inputName}" (or does not exist)`);
  }
  const grads = new Map<string, string[]>();
  const addGrad = (t: string, g: string) => {
    const list = grads.get(t);
    if (list) list.push(g);
    else grads.set(t, [g]);
  };
  addGrad(obj.target, obj.seed);

  for (let ni = graph.node.length - 1; ni >= 0; ni--) {
    const node = graph.node[ni];
    const g = node.output.map((o) => {
      const list = grads.get(o);
      return list ? e.sum(list) : '';
    });
    if (g.every((x) => !x)) continue;
    const nodeName = node.name || node.output[0] || `#${ni}`;
    const rule = node.domain && node.domain !== 'ai.onnx' ? undefined : RULES[node.opType];
    const opName = node.domain ? `${node.domain}.${node.opType}` : node.opType;
    if (!rule) throw new UnsupportedOpError(opName, nodeName);
    if (!g[0]) throw new UnsupportedOpError(opName, nodeName, 'gradient through an output other than the first');
    const result = rule({
      e, node, attrs: new NodeAttrs(node), g,
      need: (i) => !!node.input[i] && dependent.has(node.input[i]),
      staticShape: (name) => shapes.get(name),
      unsupported: (detail) => new UnsupportedOpError(opName, nodeName, detail),
    });
    for (const [i, gi] of Object.entries(result)) {
      const name = node.input[Number(i)];
      if (name && dependent.has(name)) addGrad(name, gi);
    }
  }

  const inputGrads = grads.get(inputName);
  const gradInput = inputGrads ? e.sum(inputGrads) : e.zeros(e.shape(inputName));
  e.nodes.push({ opType: 'Identity', input: [obj.value], output: [OBJECTIVE_OUTPUT], name: 'grad/objective_out' });
  e.nodes.push({ opType: 'Identity', input: [gradInput], output: [GRAD_INPUT_OUTPUT], name: 'grad/grad_input_out' });

  const inputType = inputInfo.type?.tensorType;
  // Decoded repeated fields may be shared frozen defaults: assign new arrays rather than push.
  graph.node = [...graph.node, ...(e.nodes as onnx.NodeProto[])];
  graph.initializer = [...graph.initializer, ...(e.initializers as onnx.TensorProto[])];
  graph.output = [
    onnx.ValueInfoProto.create({ name: OBJECTIVE_OUTPUT, type: { tensorType: { elemType: FLOAT } } }),
    onnx.ValueInfoProto.create({
      name: GRAD_INPUT_OUTPUT,
      type: { tensorType: { elemType: inputType?.elemType || FLOAT, shape: inputType?.shape } },
    }),
  ];
  return onnx.ModelProto.encode(model).finish();
}
