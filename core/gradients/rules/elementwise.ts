/** Gradient rules: pass-through ops, activations, and broadcasting Add/Sub/Mul/Div. */
import { type Rule, type RuleContext, unbroadcast } from '../context';

export const ELEMENTWISE_RULES: Record<string, Rule> = {
  Identity: (c) => ({ 0: c.g[0] }),
  Dropout: (c) => ({ 0: c.g[0] }),
  Neg: (c) => ({ 0: c.e.op('Neg', [c.g[0]]) }),
  Exp: (c) => ({ 0: c.e.op('Mul', [c.g[0], c.node.output[0]]) }),
  Log: (c) => ({ 0: c.e.op('Div', [c.g[0], c.node.input[0]]) }),

  Relu: (c) => {
    const { e } = c;
    const zero = e.scalar(0);
    // y > 0 exactly where x > 0; reading the output keeps ONNX Runtime's Conv+Relu fusion (its input stays internal).
    // Where, not g * Cast(y > 0): that product gives -0 for negative g on off units (tests compare zeros strictly),
    // and on GoogLeNet (ORT profile, 2 threads, same process, 40 runs each) it saved only about 0.2 ms of 41 ms of
    // backward kernels (Greater 0.61 + Where 1.81 -> Greater 0.63 + Cast 0.72 + Mul 0.87); an Add of 0 to fix the
    // zeros' sign would cost more than that. Mul(g, Sign(y)) is exact as well but slower (Sign alone 2.97 ms).
    const exact = e.op('Where', [e.op('Greater', [c.node.output[0], zero]), c.g[0], zero]);
    if (c.reluGradient === 'exact') return { 0: exact };
    // Lucid's redirected_relu_grad, for gradient ascent: where the unit is off, keep the gradient only if it pushes
    // the input up; used for the batch items whose exact gradient is zero everywhere.
    const x = c.node.input[0];
    const redirected = e.op('Where', [e.op('And', [e.op('Less', [x, zero]), e.op('Less', [c.g[0], zero])]), zero, c.g[0]]);
    const magnitude = e.reduce('ReduceSum', e.op('Abs', [e.op('Flatten', [exact], { axis: 1 })]), [1], 1);
    const alive = e.op('Reshape', [e.op('Greater', [magnitude, zero]), e.broadcastShapeFor(x, 0)]);
    return { 0: e.op('Where', [alive, exact, redirected]) };
  },
  LeakyRelu: (c) => {
    const { e } = c;
    const alpha = c.attrs.float('alpha', 0.01);
    const pos = e.op('Greater', [c.node.input[0], e.scalar(0)]);
    return { 0: e.op('Where', [pos, c.g[0], e.op('Mul', [c.g[0], e.scalar(alpha)])]) };
  },
  // LeakyRelu and Clip keep Where for the reasons given at Relu (a float mask costs a Cast and a Mul, plus a Not for
  // Clip, and flips the sign of zeros); neither op is in the benchmarked GoogLeNet.
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
};

function binary(c: RuleContext, ga: (g: string) => string, gb: (g: string) => string): Record<number, string> {
  const [a, b] = c.node.input;
  const y = c.node.output[0];
  const out: Record<number, string> = {};
  if (c.need(0)) out[0] = unbroadcast(c, ga(c.g[0]), a, y);
  if (c.need(1)) out[1] = unbroadcast(c, gb(c.g[0]), b, y);
  return out;
}
