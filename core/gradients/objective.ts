/** The objectives: their value per batch item and the seed gradient of the tensor they read. */
import { Emitter } from './emit';

export type Objective =
  | { kind: 'logits'; weights: Record<number, number> }
  | { kind: 'logSoftmax'; weights: Record<number, number> }
  | { kind: 'crossEntropy'; target: number }
  | { kind: 'channelMean'; tensor: string; channel: number }
  | { kind: 'unit'; tensor: string; channel: number; y: number; x: number }
  /**
   * One score per batch item (feature visualisation): item n scores `sign` x the mean of its own channel of `tensor`
   * (NCHW or [N, C, ...]), or x its unit (y, x) for a rank-4 tensor. The batch must hold exactly `items.length` images.
   */
  | { kind: 'channels'; tensor: string; items: ChannelItem[] };

export interface ChannelItem {
  channel: number;
  y?: number;
  x?: number;
  sign: 1 | -1;
}

/** Objective value ([N]) and the seed gradient of `target`. */
export function buildObjective(e: Emitter, objective: Objective, firstOutput: string): { target: string; value: string; seed: string } {
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
  if (objective.kind === 'channels') return channelsObjective(e, objective.tensor, objective.items);
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

function channelsObjective(e: Emitter, t: string, items: readonly ChannelItem[]): { target: string; value: string; seed: string } {
  if (!Array.isArray(items) || items.length === 0) throw new Error('the channels objective has no items');
  const index = (v: unknown, what: string): number => {
    if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`invalid ${what} ${String(v)} in the channels objective`);
    return v as number;
  };
  items.forEach((it, n) => {
    index(it.channel, `channel of item ${n}:`);
    if (it.sign !== 1 && it.sign !== -1) throw new Error(`item ${n} of the channels objective: sign must be 1 or -1`);
    if ((it.y === undefined) !== (it.x === undefined)) throw new Error(`item ${n} of the channels objective: give both y and x, or neither`);
    if (it.y !== undefined) {
      index(it.y, `y of item ${n}:`);
      index(it.x, `x of item ${n}:`);
    }
  });
  const N = items.length;
  const anyUnit = items.some((it) => it.y !== undefined);
  // t as [N, C, S]: S = the spatial positions (1 for [N, C]).
  const t3 = e.op('Reshape', [t, e.i64([0, 0, -1])]);
  const shape3 = e.shape(t3);
  const dim = (axis: number): string => e.op('Gather', [shape3, e.i64([axis], [])], { axis: 0 });
  const rangeOf = (size: string): string => e.op('Range', [e.i64([0], []), size, e.i64([1], [])]);
  // Channel one-hot per item, [N, C] -> [N, C, 1].
  const hitC = e.toFloat(e.op('Equal', [rangeOf(dim(1)), e.i64(items.map((it) => it.channel), [N, 1])]));
  const wc = e.op('Reshape', [e.op('Mul', [hitC, e.f32(items.map((it) => it.sign), [N, 1])]), e.i64([0, -1, 1])]);
  // Spatial weights per item, [N, S] -> [N, 1, S]: 1 / S everywhere (channel mean) or a one-hot at y * W + x (unit).
  const sizeS = dim(2);
  const meanW = e.op('Div', [e.scalar(1), e.toFloat(sizeS)]);
  let ws: string;
  if (!anyUnit) ws = e.op('Expand', [meanW, e.op('Concat', [e.i64([N]), e.op('Reshape', [sizeS, e.i64([1])])], { axis: 0 })]);
  else {
    // Units need [N, C, H, W]: y * W + x indexes the flattened plane.
    const width = e.op('Gather', [e.shape(t), e.i64([3], [])], { axis: 0 });
    const flat = e.op('Add', [e.op('Mul', [e.i64(items.map((it) => it.y ?? 0), [N, 1]), width]), e.i64(items.map((it) => it.x ?? 0), [N, 1])]);
    const hitS = e.toFloat(e.op('Equal', [rangeOf(sizeS), flat]));
    const u = items.map((it) => (it.y === undefined ? 0 : 1));
    ws = e.op('Add', [
      e.op('Mul', [hitS, e.f32(u, [N, 1])]),
      e.op('Mul', [e.f32(u.map((v) => 1 - v), [N, 1]), meanW]),
    ]);
  }
  const w = e.op('Mul', [wc, e.op('Reshape', [ws, e.i64([0, 1, -1])])]);
  const value = e.reduce('ReduceSum', e.op('Mul', [t3, w]), [1, 2], 0);
  return { target: t, value, seed: e.op('Reshape', [w, e.shape(t)]) };
}
