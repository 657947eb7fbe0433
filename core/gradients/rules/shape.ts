/** Gradient rules: Flatten/Reshape/Squeeze/Unsqueeze/Transpose, Concat, Slice, Pad, ReduceMean/ReduceSum, Softmax/LogSoftmax. */
import { type Rule, type RuleContext, rankOf } from '../context';

export const SHAPE_RULES: Record<string, Rule> = {
  Flatten: (c) => ({ 0: c.e.op('Reshape', [c.g[0], c.e.shape(c.node.input[0])]) }),
  Reshape: (c) => ({ 0: c.e.op('Reshape', [c.g[0], c.e.shape(c.node.input[0])]) }),
  Squeeze: (c) => ({ 0: c.e.op('Reshape', [c.g[0], c.e.shape(c.node.input[0])]) }),
  Unsqueeze: (c) => ({ 0: c.e.op('Reshape', [c.g[0], c.e.shape(c.node.input[0])]) }),
  Transpose: (c) => {
    const rank = c.attrs.has('perm') ? 0 : rankOf(c, c.node.input[0]);
    const perm = c.attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inv = perm.slice();
    perm.forEach((p, i) => (inv[p] = i));
    return { 0: c.e.op('Transpose', [c.g[0]], { perm: inv }) };
  },
  ReduceMean: (c) => reduceRule(c, true),
  ReduceSum: (c) => reduceRule(c, false),

  Softmax: (c) => softmaxRule(c, false),
  LogSoftmax: (c) => softmaxRule(c, true),

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

  // Slice selects distinct elements, so its gradient scatters g back to them without collisions. Which elements:
  // the same Slice applied to the flat indices of x (ONNX Runtime resolves negative, clamped and stepped bounds).
  Slice: (c) => {
    const { e, node } = c;
    const x = node.input[0];
    if (node.input.length < 3) throw c.unsupported('starts/ends as attributes (opset < 10)');
    const shape = e.shape(x);
    const flat = e.op('Range', [e.i64([0], []), e.op('Size', [x]), e.i64([1], [])]);
    const picked = e.op('Slice', [e.op('Reshape', [flat, shape]), ...node.input.slice(1)]);
    const minusOne = e.i64([-1]);
    const scattered = e.op('ScatterElements', [
      e.zeros(e.op('Reshape', [e.op('Size', [x]), e.i64([1])])),
      e.op('Reshape', [picked, minusOne]),
      e.op('Reshape', [c.g[0], minusOne]),
    ], { axis: 0 });
    return { 0: e.op('Reshape', [scattered, shape]) };
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
