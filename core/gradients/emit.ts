/**
 * Emitting ONNX nodes for the backward graph: fresh tensor names, constants (as initializers), attributes, and the
 * few helpers whose form depends on the opset (ReduceSum's axes are an input from opset 13, the other Reduce* ops'
 * from opset 18). Everything here works on tensor names; nothing is evaluated.
 */
import { onnx } from 'onnx-proto';

export const FLOAT = 1;
export const INT64 = 7;
export const INT64_MAX = 9007199254740991; // Number.MAX_SAFE_INTEGER: "to the end" for Slice ends.

/** A float attribute (plain numbers are int attributes, number[] ints). */
export class F {
  constructor(readonly v: number) {}
}
export type AttrValue = number | number[] | string | F | onnx.ITensorProto;

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function makeAttr(name: string, v: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (v instanceof F) return { name, type: T.FLOAT, f: v.v };
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: ascii(v) };
  return { name, type: T.TENSOR, t: v };
}

export class Emitter {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;
  private readonly consts = new Map<string, string>();
  private readonly shapes = new Map<string, string>();

  constructor(
    readonly opset: number,
    private readonly taken: Set<string>,
  ) {}

  fresh(hint: string): string {
    let name: string;
    do name = `grad/${hint}_${this.counter++}`;
    while (this.taken.has(name));
    this.taken.add(name);
    return name;
  }

  /** Emits one node; returns its output names (`outputs` of them). */
  ops(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(opType));
    const attribute = Object.entries(attrs)
      .filter((kv): kv is [string, AttrValue] => kv[1] !== undefined)
      .map(([k, v]) => makeAttr(k, v));
    this.nodes.push({ opType, input: inputs, output: out, name: `${out[0]}_node`, attribute });
    return out;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}): string {
    return this.ops(opType, inputs, attrs, 1)[0];
  }

  private constant(key: string, make: (name: string) => onnx.ITensorProto): string {
    const known = this.consts.get(key);
    if (known) return known;
    const name = this.fresh('const');
    this.initializers.push(make(name));
    this.consts.set(key, name);
    return name;
  }

  /** An int64 constant; `dims` [] makes a scalar. */
  i64(values: number[], dims: number[] = [values.length]): string {
    return this.constant(`i64 ${dims.join(',')}: ${values.join(',')}`, (name) => ({
      name, dims, dataType: INT64, int64Data: values,
    }));
  }

  f32(values: number[], dims: number[] = [values.length]): string {
    return this.constant(`f32 ${dims.join(',')}: ${values.join(',')}`, (name) => ({
      name, dims, dataType: FLOAT, floatData: values,
    }));
  }

  scalar(v: number): string {
    return this.f32([v], []);
  }

  /** Shape(x), emitted once per tensor. */
  shape(x: string): string {
    let s = this.shapes.get(x);
    if (!s) {
      s = this.op('Shape', [x]);
      this.shapes.set(x, s);
    }
    return s;
  }

  /** Reduce* over constant axes, in the form the opset wants. */
  reduce(op: string, x: string, axes: number[], keepdims: number, extra: Record<string, AttrValue> = {}): string {
    const axesAsInput = this.opset >= 18 || (op === 'ReduceSum' && this.opset >= 13);
    if (axesAsInput) return this.op(op, [x, this.i64(axes)], { keepdims, ...extra });
    return this.op(op, [x], { axes, keepdims, ...extra });
  }

  slice(x: string, starts: string | number[], ends: string | number[], axes?: number[], steps?: number[]): string {
    const s = typeof starts === 'string' ? starts : this.i64(starts);
    const e = typeof ends === 'string' ? ends : this.i64(ends);
    const inputs = [x, s, e];
    if (axes) inputs.push(this.i64(axes));
    if (steps) {
      if (!axes) throw new Error('slice: steps need axes');
      inputs.push(this.i64(steps));
    }
    return this.op('Slice', inputs);
  }

  /** A float tensor of zeros with the int64 shape tensor `shape`. */
  zeros(shape: string): string {
    return this.op('ConstantOfShape', [shape], { value: { dims: [1], dataType: FLOAT, floatData: [0] } });
  }

  /** int64 ones, as many as the (1-element, int64) tensor `count` says; count 0 gives an empty tensor. */
  onesI64(count: string): string {
    return this.op('ConstantOfShape', [count], { value: { dims: [1], dataType: INT64, int64Data: [1] } });
  }

  /** [-1, 1, ..., 1] with rank(x) - 1 - axis ones: reshapes a per-`axis` vector so it broadcasts against x. */
  broadcastShapeFor(x: string, axis: number): string {
    const rank = this.shape(this.shape(x));
    const ones = this.onesI64(this.op('Sub', [rank, this.i64([axis + 1])]));
    return this.op('Concat', [this.i64([-1]), ones], { axis: 0 });
  }

  toFloat(x: string): string {
    return this.op('Cast', [x], { to: FLOAT });
  }

  /** Sum of several gradients (one is returned as is). */
  sum(terms: string[]): string {
    if (terms.length === 1) return terms[0];
    return this.op('Sum', terms);
  }
}
