/** Gradient rules of the linear ops: Conv, Gemm, MatMul, inference BatchNormalization. */
import { F } from '../emit';
import { type Rule, convTransposeBack, rankOf, swapLast, unbroadcast, windowAttrs } from '../context';

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
    return { 0: convTransposeBack(c, c.g[0], w, x, win, kernel as number[], c.attrs.int('group', 1)) };
  },
};
