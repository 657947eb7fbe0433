/** The objectives: their value per batch item and the seed gradient of the tensor they read. */
import { Emitter } from './emit';

export type Objective =
  | { kind: 'logits'; weights: Record<number, number> }
  | { kind: 'logSoftmax'; weights: Record<number, number> }
  | { kind: 'crossEntropy'; target: number }
  | { kind: 'channelMean'; tensor: string; channel: number }
  | { kind: 'unit'; tensor: string; channel: number; y: number; x: number };

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
