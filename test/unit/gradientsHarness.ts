/**
 * The finite-difference harness shared by the gradient-engine tests (gradients.test.ts: per-op rules, options and
 * errors; gradientsNetworks.test.ts: pooling, LRN, chains and the fixture CNN).
 * The backward-graph builder (core/gradients): every rule on small random graphs, plus chains and the fixture CNN,
 * against central finite differences of the objective computed from the ORIGINAL model's outputs (in float64 from
 * float32 outputs). Bound: max |g - fd| <= 1e-2 * max |fd| + 1e-4 over the checked elements. Points where the
 * objective is not smooth at the step size (a ReLU kink or a max-pool switch within h) are recognised by the forward
 * and backward one-sided differences disagreeing by more than the tolerance and are skipped; at most 10% of the
 * points may be skipped.
 */
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { buildGradientModel, type Objective } from '../../core/gradients';
import { addGraphOutputs } from '../../core/onnxGraph';

/** Deterministic pseudo-random floats in [lo, hi) (a 32-bit LCG). */
export function seeded(n: number, seed: number, lo = -1, hi = 1): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.fround(lo + (hi - lo) * (s / 2 ** 32)));
  }
  return out;
}

export const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** A float initializer with values in [lo, hi) seeded by its name and shape (so tests do not shift each other). */
export function init(name: string, dims: number[], lo = -1, hi = 1): onnx.ITensorProto {
  let seed = 7919;
  for (const ch of `${name}:${dims.join('x')}`) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) >>> 0;
  return { name, dims, dataType: 1, floatData: seeded(size(dims), seed, lo, hi) };
}
export function i64(name: string, values: number[], dims = [values.length]): onnx.ITensorProto {
  return { name, dims, dataType: 7, int64Data: values };
}

export type A = number | number[] | string | { f: number };
export function node(opType: string, input: string[], output: string[], attrs: Record<string, A> = {}): onnx.INodeProto {
  const T = onnx.AttributeProto.AttributeType;
  const attribute = Object.entries(attrs).map(([name, v]): onnx.IAttributeProto => {
    if (typeof v === 'number') return { name, type: T.INT, i: v };
    if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
    if (typeof v === 'string') return { name, type: T.STRING, s: Buffer.from(v) };
    return { name, type: T.FLOAT, f: v.f };
  });
  return { opType, input, output, name: `${opType}_${output[0]}`, attribute };
}

export interface Spec {
  nodes: onnx.INodeProto[];
  inits?: onnx.ITensorProto[];
  input: number[];
  output?: string;
  opset?: number;
  /** Static shapes to record as value_info. */
  shapes?: Record<string, number[]>;
}

export function model(spec: Spec): Uint8Array {
  const opset = spec.opset ?? 13;
  const info = (name: string, dims?: number[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: 1, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } },
  });
  return onnx.ModelProto.encode({
    irVersion: opset >= 15 ? 8 : 7,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'gradients.test',
    graph: {
      name: 'g',
      node: spec.nodes,
      initializer: spec.inits ?? [],
      input: [info('x', spec.input)],
      output: [info(spec.output ?? 'y')],
      valueInfo: Object.entries(spec.shapes ?? {}).map(([n, d]) => info(n, d)),
    },
  }).finish();
}

/** The objective per batch item, from the original model's outputs, in float64. */
export function objectiveOf(objective: Objective, out: ort.Tensor, n: number): number {
  const data = out.data as Float32Array;
  if (objective.kind === 'channelMean' || objective.kind === 'unit') {
    const [, C, H, W] = out.dims as number[];
    const base = (n * C + objective.channel) * H * W;
    if (objective.kind === 'unit') return data[base + objective.y * W + objective.x];
    let s = 0;
    for (let i = 0; i < H * W; i++) s += data[base + i];
    return s / (H * W);
  }
  if (objective.kind === 'channels') throw new Error('channels objectives: see gradientsChannels.test.ts');
  const k = data.length / out.dims[0];
  const row = Array.from(data.subarray(n * k, (n + 1) * k));
  const weights = objective.kind === 'crossEntropy' ? { [objective.target]: -1 } : objective.weights;
  let shift = 0;
  if (objective.kind !== 'logits') {
    const m = Math.max(...row);
    shift = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  }
  return Object.entries(weights).reduce((s, [i, w]) => s + w * (row[Number(i)] - shift), 0);
}

export interface CheckOptions {
  h?: number;
  /** Check only this many elements (spread over the input), for big inputs. */
  sample?: number;
  seed?: number;
  lo?: number;
  hi?: number;
  xData?: Float32Array;
}

export const measured: string[] = [];

export async function check(label: string, bytes: Uint8Array, objective: Objective, inputDims: number[], o: CheckOptions = {}) {
  const h = o.h ?? 1e-2;
  const x = o.xData ?? Float32Array.from(seeded(size(inputDims), o.seed ?? 12345, o.lo ?? -1, o.hi ?? 1));
  const grad = await ort.InferenceSession.create(buildGradientModel(bytes, { objective }));
  const watched = objective.kind === 'channelMean' || objective.kind === 'unit' ? objective.tensor : undefined;
  const fwdBytes = watched ? addGraphOutputs(bytes, [watched]) : bytes;
  const fwd = await ort.InferenceSession.create(fwdBytes);
  const outName = watched ?? fwd.outputNames[0];
  const N = inputDims[0];
  const per = size(inputDims) / N;
  try {
    const res = await grad.run({ x: new ort.Tensor('float32', x, inputDims) });
    const value = res.objective.data as Float32Array;
    const g = res.grad_input.data as Float32Array;
    assert.deepEqual(res.grad_input.dims, inputDims, `${label}: grad_input shape`);
    assert.deepEqual(res.objective.dims, [N], `${label}: objective shape`);
    const obj = async (data: Float32Array, n: number) => {
      const out = await fwd.run({ x: new ort.Tensor('float32', data, inputDims) });
      return objectiveOf(objective, out[outName], n);
    };
    for (let n = 0; n < N; n++) {
      const ref = await obj(x, n);
      assert.ok(Math.abs(value[n] - ref) <= 1e-4 * Math.max(1, Math.abs(ref)), `${label}: objective[${n}] ${value[n]} vs ${ref}`);
    }
    const count = Math.min(o.sample ?? Infinity, x.length);
    const indices = Array.from({ length: count }, (_, j) => Math.floor((j * x.length) / count));
    const base: number[] = [];
    for (let n = 0; n < N; n++) base.push(await obj(x, n));
    /** Central difference, and the gap between the one-sided ones (large where a kink lies within h). */
    const fdAt = async (i: number): Promise<[number, number]> => {
      const p = Float32Array.from(x);
      const m = Float32Array.from(x);
      p[i] += h;
      m[i] -= h;
      const n = Math.floor(i / per);
      const up = (await obj(p, n)) - base[n];
      const down = base[n] - (await obj(m, n));
      // Exact float32 steps.
      const hp = p[i] - x[i];
      const hm = x[i] - m[i];
      return [(up + down) / (hp + hm), Math.abs(up / hp - down / hm)];
    };
    const pairs: [number, number, number][] = [];
    let skipped = 0;
    let maxFd = 0;
    for (const i of indices) {
      const [fd, gap] = await fdAt(i);
      maxFd = Math.max(maxFd, Math.abs(fd));
      pairs.push([i, fd, gap]);
    }
    const tol = 1e-2 * maxFd + 1e-4;
    let maxErr = 0;
    let worst = '';
    for (const [i, fd, gap] of pairs) {
      if (gap > tol) {
        skipped++;
        continue;
      }
      const err = Math.abs(g[i] - fd);
      if (err > maxErr) worst = `element ${i}: ${g[i].toPrecision(5)} vs ${fd.toPrecision(5)}`;
      maxErr = Math.max(maxErr, err);
      assert.ok(err <= tol, `${label}: element ${i}: gradient ${g[i]} vs finite difference ${fd} (tolerance ${tol})`);
    }
    assert.ok(skipped <= 0.1 * pairs.length, `${label}: ${skipped} of ${pairs.length} points not smooth`);
    assert.ok(maxFd > 0, `${label}: the objective does not depend on the input`);
    measured.push(`${label}: max|g-fd| / max|fd| = ${(maxErr / maxFd).toExponential(2)} (${pairs.length} points, ${skipped} skipped; worst ${worst})`);
  } finally {
    await grad.release();
    await fwd.release();
  }
}

export const LOGITS: Objective = { kind: 'logits', weights: { 0: 1, 3: -0.5, 7: 2 } };

/** Prints the errors measured by check() in this test file (each test file runs in its own process). */
export function printMeasured(): void {
  for (const line of measured) console.log(line);
}
