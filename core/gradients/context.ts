/** What every gradient rule sees (RuleContext), node attributes, and the helpers shared by several rule files. */
import { onnx } from 'onnx-proto';
import { Emitter, F, type AttrValue } from './emit';

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

export function int64(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (typeof value === 'object' && value !== null && typeof (value as { toNumber?: unknown }).toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  return 0;
}

export type StaticShape = (number | null)[];

export class NodeAttrs {
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

export interface RuleContext {
  e: Emitter;
  node: onnx.NodeProto;
  attrs: NodeAttrs;
  /** Gradient of each output ('' where none reached it). */
  g: string[];
  /** GradientModelOptions.reluGradient. */
  reluGradient: 'exact' | 'redirected';
  /** Whether input i needs a gradient (it depends on the differentiated input). */
  need(i: number): boolean;
  staticShape(name: string): StaticShape | undefined;
  unsupported(detail: string): UnsupportedOpError;
}

export type Rule = (c: RuleContext) => Record<number, string>;

/** Sums g over the axes along which x was broadcast to g's shape, then reshapes to x's shape. */
export function unbroadcast(c: RuleContext, g: string, x: string, out: string): string {
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
  // Opset < 13 without static shapes: ReduceSum takes its axes as an attribute, unknown here. Raising
  // UnsupportedOpError would refuse the common case (operands of one shape, no value_info), so g is reshaped to x's
  // run-time shape: exact when x was not broadcast (the element counts agree), and when it was (x has fewer elements)
  // ONNX Runtime rejects the Reshape at run time, so a broadcast operand never gets a silently wrong gradient.
  return e.op('Reshape', [g, e.shape(x)]);
}

export function rankOf(c: RuleContext, x: string): number {
  const s = c.staticShape(x);
  if (!s || s.length === 0) throw c.unsupported(`the rank of "${x}" is not recorded in the model (value_info)`);
  return s.length;
}

export function swapLast(rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  [p[rank - 2], p[rank - 1]] = [p[rank - 1], p[rank - 2]];
  return p;
}

/** Kernel, strides, pads (begin..., end...), dilations of a Conv/pool node. */
export function windowAttrs(c: RuleContext, kernel: number[] | undefined) {
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
export function convTransposeBack(
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
