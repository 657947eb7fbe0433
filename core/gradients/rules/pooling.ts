/** Gradient rules of the window ops: GlobalAveragePool, AveragePool, MaxPool, LRN. */
import { Emitter, INT64_MAX } from '../emit';
import { type Rule, convTransposeBack, windowAttrs } from '../context';

export const POOLING_RULES: Record<string, Rule> = {
  GlobalAveragePool: (c) => {
    const { e } = c;
    const x = c.node.input[0];
    const g = c.g[0];
    const count = e.toFloat(e.op('Div', [e.op('Size', [x]), e.op('Size', [g])]));
    return { 0: e.op('Div', [e.op('Expand', [g, e.shape(x)]), count]) };
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

  // Each output's gradient goes to the first maximum of its window (ONNX Runtime's and PyTorch's argmax). Window
  // offset j reads the padded input at j * dilation + stride * o; comparing it with the pooled output says which
  // offset won (the first one on ties: earlier hits mask later ones), and g is routed to that offset.
  // Stride 1 (GoogLeNet's nine inception-branch pools): on the flattened padded input every offset is one contiguous
  // Slice and the scatter-add a Sum of shifted (Pad) routed copies (maxPoolBackStride1). Other strides: strided
  // Slices, the routed planes concatenated as [N*C, K, O...] (no Transpose), one ConvTranspose with one-hot kernels.
  // GoogLeNet (npm run bench, gradients; same-process A/B, 2 threads): MaxPool-gradient kernels about 45 -> 40 ms of
  // backward, forward+backward min 68.7 -> 56.3 ms. Tried and slower: stacking the K windows into one [K, L] tensor
  // for a single ArgMax/Equal/Where (backward 48 -> 61 ms: the K-fold tensors leave the cache, ArgMax and broadcast
  // Where are slow), MaxPool with Indices + ScatterElements, an im2col one-hot Conv + CumSum.
  MaxPool: (c) => {
    const { e, node } = c;
    const x = node.input[0];
    const y = node.output[0];
    const kernel = c.attrs.ints('kernel_shape');
    const win = windowAttrs(c, kernel);
    const k = kernel as number[];
    const nd = k.length;
    const ceil = c.attrs.int('ceil_mode', 0) !== 0;
    const ends = win.pads.slice(nd).map((p, i) => p + (ceil ? win.strides[i] - 1 : 0));
    const lowest = e.scalar(-3.4028234663852886e38);
    const padded = e.op('Pad', [x, e.i64([0, 0, ...win.pads.slice(0, nd), 0, 0, ...ends]), lowest], { mode: 'constant' });
    const offsets: number[][] = [[]];
    for (const kk of k) offsets.splice(0, offsets.length, ...offsets.flatMap((o) => Array.from({ length: kk }, (_, j) => [...o, j])));
    const K = offsets.length;
    const axes = k.map((_, i) => i + 2);
    const begin = win.pads.slice(0, nd);
    const crop = (t: string) => e.slice(t, e.i64(begin), e.op('Add', [e.i64(begin), e.slice(e.shape(x), [2], [2 + nd])]), axes);
    if (win.strides.every((st) => st === 1)) return { 0: crop(maxPoolBackStride1(e, padded, y, c.g[0], k, win.dilations, offsets)) };

    const outSpatial = e.slice(e.shape(y), [2], [2 + nd]);
    const lastStart = e.op('Mul', [e.op('Sub', [outSpatial, e.i64(Array(nd).fill(1))]), e.i64(win.strides)]);
    const planeShape = e.i64([-1, 1, ...Array(nd).fill(0)]);
    const windows = offsets.map((o) => {
      const starts = o.map((j, i) => j * win.dilations[i]);
      const w = e.slice(padded, e.i64(starts), e.op('Add', [lastStart, e.i64(starts.map((v) => v + 1))]), axes, win.strides);
      return e.op('Reshape', [w, planeShape]);
    });
    const routed = firstMaxRouting(e, windows, e.op('Reshape', [y, planeShape]), e.op('Reshape', [c.g[0], planeShape]));
    const planes = e.op('Concat', routed, { axis: 1 }); // [N*C, K, O...]
    const area = k.reduce((p, v) => p * v, 1);
    const kernelOneHot = e.f32(Array.from({ length: K * area }, (_, i) => (Math.floor(i / area) === i % area ? 1 : 0)), [K, 1, ...k]);
    const back = convTransposeBack(c, planes, kernelOneHot, x, win, k, 1);
    return { 0: e.op('Reshape', [back, e.shape(x)]) };
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

/**
 * MaxPool's gradient with stride 1 on the flattened padded input (`padded`, N C P...): window offset j reads the flat
 * tensor at q + off_j for the window at flat position q, so every offset is one contiguous Slice (instead of a slow
 * 2-D one) and the scatter-add a Sum of the K routed rows shifted back by Pad (instead of a one-hot ConvTranspose).
 * Windows at positions past the last real output of a row or plane wrap around; y and g are zero-padded there, so
 * they route nothing. Returns the gradient of `padded`.
 */
function maxPoolBackStride1(e: Emitter, padded: string, y: string, g: string, k: number[], dilations: number[], offsets: number[][]): string {
  const nd = k.length;
  const K = offsets.length;
  const spatial = e.slice(e.shape(padded), [2], [2 + nd]);
  // Flat strides of the padded planes: prod(P_{i+1..}) from the run-time shape.
  const flatStride = (i: number) => (i === nd - 1 ? e.i64([1]) : e.op('ReduceProd', [e.slice(spatial, [i + 1], [nd])], { keepdims: 1 }));
  const strides = k.map((_, i) => flatStride(i));
  const offsetOf = (o: number[]) => {
    const terms = o.map((j, i) => e.op('Mul', [strides[i], e.i64([j * dilations[i]])]));
    return terms.reduce((a, b) => e.op('Add', [a, b]));
  };
  const offs = offsets.map(offsetOf);
  const maxOff = offs[K - 1];
  const flat = e.op('Reshape', [padded, e.i64([1, -1])]);
  const total = e.slice(e.shape(flat), [1], [2]);
  const length = e.op('Sub', [total, maxOff]);
  const windows = offs.map((off) => e.slice(flat, off, e.op('Add', [off, length]), [1]));
  // g and y at each window's flat position: padded at the end of every axis to the padded size.
  const toFlat = (t: string) => {
    const ext = e.op('Pad', [t, e.i64([0, 0, ...Array(nd).fill(0), 0, 0, ...k.map((kk, i) => (kk - 1) * dilations[i])])], { mode: 'constant' });
    return e.slice(e.op('Reshape', [ext, e.i64([1, -1])]), e.i64([0]), length, [1]);
  };
  const routed = firstMaxRouting(e, windows, toFlat(y), toFlat(g));
  const zero = e.i64([0]);
  const shifted = offs.map((off, j) => e.op('Pad', [routed[j], e.op('Concat', [zero, off, zero, e.op('Sub', [maxOff, off])], { axis: 0 })], { mode: 'constant' }));
  return e.op('Reshape', [e.sum(shifted), e.shape(padded)]);
}

/**
 * Routes g to the window offset holding the first maximum (Equal with y; earlier hits mask later ones). g * Cast(first)
 * instead of Where(first, g, 0): the same values up to the sign of zeros (a position all of whose windows route -0
 * stays -0), and on GoogLeNet (ORT profile, 2 threads, same process, 40 runs each) the routing's masking went
 * 5.34 -> 4.19 ms per run (Where -> Cast 1.75 + Mul 2.44).
 */
function firstMaxRouting(e: Emitter, windows: string[], y: string, g: string): string[] {
  let taken = '';
  return windows.map((w) => {
    const hit = e.op('Equal', [w, y]);
    const first = taken ? e.op('And', [hit, e.op('Not', [taken])]) : hit;
    taken = taken ? e.op('Or', [taken, hit]) : hit;
    return e.op('Mul', [g, e.toFloat(first)]);
  });
}
