/** Gradient rules of the linear ops: Conv, Gemm, MatMul, inference BatchNormalization. */
import { F, INT64_MAX } from '../emit';
import { type Rule, type RuleContext, convTransposeBack, rankOf, swapLast, unbroadcast, windowAttrs } from '../context';

export const LINEAR_RULES: Record<string, Rule> = {
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
    const k = kernel as number[];
    const group = c.attrs.int('group', 1);
    // Stride 1: the transpose is itself a Conv, with the kernel flipped and its in/out channels swapped per group,
    // and pads (k - 1) * d - p. ONNX Runtime folds the weight ops at session creation, and its Conv kernels (fused,
    // NCHWc) are about twice as fast as its ConvTranspose (npm run bench, gradients).
    const span = k.map((kk, i) => (kk - 1) * win.dilations[i]);
    const pads = win.pads.map((p, i) => span[i % win.nd] - p);
    if (win.strides.every((s) => s === 1) && pads.every((p) => p >= 0)) {
      return { 0: c.e.op('Conv', [c.g[0], flippedTransposedKernel(c, w, group, win.nd)], { pads, dilations: win.dilations, group, kernel_shape: k }) };
    }
    return { 0: convTransposeBack(c, c.g[0], w, x, win, k, group) };
  },
};

/** w [Cout, Cin/G, k...] -> [Cin, Cout/G, k...] with every kernel flipped along each spatial axis. */
function flippedTransposedKernel(c: RuleContext, w: string, group: number, nd: number): string {
  const { e } = c;
  const spatial = Array.from({ length: nd }, (_, i) => i + 2);
  let t: string;
  if (group === 1) t = e.op('Transpose', [w], { perm: [1, 0, ...spatial] });
  else {
    const sw = e.shape(w);
    const g = e.i64([group]);
    const split = e.op('Concat', [g, e.i64([-1]), e.slice(sw, [1], [INT64_MAX])], { axis: 0 }); // [G, Cout/G, Cin/G, k...]
    const swapped = e.op('Transpose', [e.op('Reshape', [w, split])], { perm: [0, 2, 1, ...spatial.map((a) => a + 1)] });
    const merged = e.op('Concat', [e.op('Mul', [g, e.slice(sw, [1], [2])]), e.op('Div', [e.slice(sw, [0], [1]), g]), e.slice(sw, [2], [INT64_MAX])], { axis: 0 });
    t = e.op('Reshape', [swapped, merged]);
  }
  return e.slice(t, spatial.map(() => -1), spatial.map(() => -INT64_MAX), spatial, spatial.map(() => -1));
}
