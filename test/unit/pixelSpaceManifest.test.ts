// core/gradients/pixelSpace.ts with a manifest where every knob matters: the fixture model (models/fixture, NCHW RGB
// [0, 1] with ImageNet mean/std) wrapped, like test/unit/manifestVariants.test.ts does, in a graph that takes NHWC, BGR,
// [0, 255] input with mean/std in 0..255 units (mmcv style). The pixel-space model must give what the plain model gives
// on floatToModelInput(image) (the inference path), and ModelGradients' gradient must match central finite
// differences of that inference path (float32 ONNX Runtime runs, differences taken in float64).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { PIXELS_INPUT, pixelSpaceModel } from '../../core/gradients/pixelSpace';
import type { ModelManifest } from '../../core/manifestTypes';
import { floatToModelInput } from '../../core/preprocess';
import { ModelGradients } from '../../src/inference/modelGradients';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture');
const BASE = JSON.parse(readFileSync(path.join(FIXTURE, 'fixture.model.json'), 'utf8')) as ModelManifest;
type Input = ModelManifest['input'];
const SIZE = 64;

/** What the wrapped graph expects: NHWC, BGR, 0..255, mean/std listed in BGR order (mmcv's ImageNet values). */
const MMCV_BGR_NHWC: Input = {
  ...BASE.input,
  name: 'image',
  layout: 'NHWC',
  channelOrder: 'BGR',
  range: [0, 255],
  mean: [103.53, 116.28, 123.675],
  std: [57.375, 57.12, 58.395],
};

const f32 = (name: string, dims: number[], values: number[]): onnx.ITensorProto => ({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values });
const ints = (name: string, values: number[]) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });

/**
 * The fixture behind a front turning `spec`'s input into the fixture's, made of ops the gradient engine
 * differentiates (manifestVariants' Slice + Concat channel swap has no gradient rule): in NHWC, one MatMul by a 3x3
 * matrix reorders the channels (BGR -> RGB) and scales them, an Add offsets them, then a Transpose makes NCHW. The
 * affine map undoes (rgb01 * (r1 - r0) + r0 - mean) / std and applies the fixture's own normalisation.
 */
function wrapFixture(spec: Input): Uint8Array {
  const model = onnx.ModelProto.decode(readFileSync(path.join(FIXTURE, 'fixture.onnx')));
  const graph = model.graph as onnx.GraphProto;
  const [r0, r1] = spec.range;
  const order = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const a = [0, 1, 2].map((rgb) => spec.std[order.indexOf(rgb)] / ((r1 - r0) * BASE.input.std[rgb]));
  const b = [0, 1, 2].map((rgb) => ((spec.mean[order.indexOf(rgb)] - r0) / (r1 - r0) - BASE.input.mean[rgb]) / BASE.input.std[rgb]);
  // matrix[src][rgb]: the input's channel src feeds RGB channel rgb.
  const matrix = new Array<number>(9).fill(0);
  for (let rgb = 0; rgb < 3; rgb++) matrix[order.indexOf(rgb) * 3 + rgb] = a[rgb];
  const inits = [f32('front_m', [3, 3], matrix), f32('front_b', [3], b)];
  const nodes: onnx.INodeProto[] = [];
  let x = spec.name;
  if (spec.layout === 'NCHW') {
    nodes.push({ opType: 'Transpose', input: [x], output: ['front_nhwc'], attribute: [ints('perm', [0, 2, 3, 1])] });
    x = 'front_nhwc';
  }
  nodes.push(
    { opType: 'MatMul', input: [x, 'front_m'], output: ['front_mixed'] },
    { opType: 'Add', input: ['front_mixed', 'front_b'], output: ['front_affine'] },
    { opType: 'Transpose', input: ['front_affine'], output: [BASE.input.name], attribute: [ints('perm', [0, 3, 1, 2])] },
  );
  const dims = spec.layout === 'NHWC' ? [1, SIZE, SIZE, 3] : [1, 3, SIZE, SIZE];
  graph.node = [...nodes, ...graph.node] as onnx.NodeProto[];
  graph.initializer = [...inits, ...graph.initializer] as onnx.TensorProto[];
  graph.input = [{ name: spec.name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } }] as onnx.ValueInfoProto[];
  return onnx.ModelProto.encode(model).finish();
}

/** A hue disc on a noisy background, CHW RGB in [0, 1] (the fixture classifies hues; the noise makes it unsure). */
function image(seed: number): Float32Array {
  const data = new Float32Array(3 * SIZE * SIZE);
  let s = seed >>> 0;
  const hue = [0.9, 0.35 + 0.1 * (seed % 3), 0.2];
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inside = (x - 32) ** 2 + (y - 30) ** 2 < 15 ** 2;
      for (let c = 0; c < 3; c++) {
        s = (s * 1664525 + 1013904223) >>> 0;
        const noise = (s / 2 ** 32 - 0.5) * 0.3;
        data[c * SIZE * SIZE + y * SIZE + x] = Math.min(1, Math.max(0, (inside ? hue[c] : 0.5) + noise));
      }
    }
  }
  return data;
}

const manifestFor = (input: Input): ModelManifest => ({ ...BASE, input });

test('pixelSpaceModel of an NHWC/BGR/0..255/mean-std graph equals the plain model on floatToModelInput (and a wrong knob does not)', async () => {
  const wrapped = wrapFixture(MMCV_BGR_NHWC);
  const plain = await ort.InferenceSession.create(wrapped);
  const pixel = await ort.InferenceSession.create(pixelSpaceModel(wrapped, MMCV_BGR_NHWC, BASE.output));
  const wrongOrder = await ort.InferenceSession.create(pixelSpaceModel(wrapped, { ...MMCV_BGR_NHWC, channelOrder: 'RGB' }, BASE.output));
  const original = await ort.InferenceSession.create(readFileSync(path.join(FIXTURE, 'fixture.onnx')));
  try {
    let worst = 0;
    let wrongGap = 0;
    for (const seed of [1, 2, 3]) {
      const x = image(seed);
      const viaInference = await plain.run({ image: new ort.Tensor('float32', floatToModelInput({ width: SIZE, height: SIZE, data: x }, MMCV_BGR_NHWC), [1, SIZE, SIZE, 3]) });
      const viaPixels = await pixel.run({ [PIXELS_INPUT]: new ort.Tensor('float32', x, [1, 3, SIZE, SIZE]) });
      const viaWrong = await wrongOrder.run({ [PIXELS_INPUT]: new ort.Tensor('float32', x, [1, 3, SIZE, SIZE]) });
      const viaOriginal = await original.run({ input: new ort.Tensor('float32', floatToModelInput({ width: SIZE, height: SIZE, data: x }, BASE.input), [1, 3, SIZE, SIZE]) });
      const a = viaInference.logits.data as Float32Array;
      const b = viaPixels.logits.data as Float32Array;
      const w = viaWrong.logits.data as Float32Array;
      const o = viaOriginal.logits.data as Float32Array;
      assert.equal(b.length, BASE.labels.length);
      for (let k = 0; k < a.length; k++) {
        worst = Math.max(worst, Math.abs(a[k] - b[k]));
        assert.ok(Math.abs(a[k] - b[k]) <= 1e-5 * Math.max(1, Math.abs(a[k])), `seed ${seed} logit ${k}: ${b[k]} vs ${a[k]}`);
        assert.ok(Math.abs(a[k] - o[k]) <= 1e-4 * Math.max(1, Math.abs(a[k])), `the wrapper is the fixture: logit ${k} ${a[k]} vs ${o[k]}`);
        wrongGap = Math.max(wrongGap, Math.abs(w[k] - a[k]));
      }
    }
    assert.ok(wrongGap > 1e-2, `the channel order matters (largest change ${wrongGap})`);
    console.log(`pixel space vs inference path (NHWC, BGR, 0..255, mean/std): max |logit diff| ${worst.toExponential(2)}; RGB instead of BGR changes logits by up to ${wrongGap.toFixed(3)}`);
  } finally {
    await Promise.all([plain, pixel, wrongOrder, original].map((s) => s.release()));
  }
});

test('ModelGradients on the NHWC/BGR/0..255 graph: objective = inference log-softmax, gradient = central finite differences', async () => {
  const wrapped = wrapFixture(MMCV_BGR_NHWC);
  const plain = await ort.InferenceSession.create(wrapped);
  const gradients = new ModelGradients(wrapped, manifestFor(MMCV_BGR_NHWC), { threads: 0, executionProviders: [] });
  const weights: Record<number, number> = { 2: 1, 5: -0.5 };
  /** The objective through the inference path, in float64 from the float32 logits. */
  const objectiveAt = async (x: Float32Array): Promise<number> => {
    const out = await plain.run({ image: new ort.Tensor('float32', floatToModelInput({ width: SIZE, height: SIZE, data: x }, MMCV_BGR_NHWC), [1, SIZE, SIZE, 3]) });
    const logits = Array.from(out.logits.data as Float32Array);
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((s, v) => s + Math.exp(v - m), 0));
    return Object.entries(weights).reduce((s, [k, w]) => s + w * (logits[Number(k)] - lse), 0);
  };
  try {
    const x = image(4);
    const run = await gradients.run(x, 1, { kind: 'logSoftmax', weights });
    const value = run.objective[0];
    const g = run.gradInput;
    assert.equal(g.length, x.length);
    const reference = await objectiveAt(x);
    assert.ok(Math.abs(value - reference) <= 1e-4 * Math.max(1, Math.abs(reference)), `objective ${value} vs inference ${reference}`);
    // The 8 pixels with the largest |gradient| and 10 spread over the image (where the gradient is small).
    const byMagnitude = [...g.keys()].sort((i, j) => Math.abs(g[j]) - Math.abs(g[i]));
    const indices = [...new Set([...byMagnitude.slice(0, 8), ...Array.from({ length: 10 }, (_, k) => Math.floor(((k + 0.5) * x.length) / 10))])];
    const h = 1e-2;
    const rows: [number, number, number][] = [];
    for (const i of indices) {
      const p = Float32Array.from(x);
      const m = Float32Array.from(x);
      p[i] += h;
      m[i] -= h;
      const up = (await objectiveAt(p)) - reference;
      const down = reference - (await objectiveAt(m));
      const hp = p[i] - x[i];
      const hm = x[i] - m[i];
      rows.push([i, (up + down) / (hp + hm), Math.abs(up / hp - down / hm)]);
    }
    const maxFd = Math.max(...rows.map(([, fd]) => Math.abs(fd)));
    assert.ok(maxFd > 1e-3, `the objective depends on the pixels (max |fd| ${maxFd})`);
    // float32 runs: logits of ~50 carry ~4e-6 of rounding, ~2e-4 in a difference quotient over 2h = 0.02 (about
    // 0.5% of max |fd| here; measured worst 0.6%), hence the tolerance. A ReLU or max-pool kink within h changes the
    // one-sided slopes by far more than rounding does: such points are left out.
    const tol = 2e-2 * maxFd + 2e-4;
    let checked = 0;
    let worst = 0;
    for (const [i, fd, gap] of rows) {
      if (gap > 0.1 * maxFd) continue; // a kink within h
      checked++;
      worst = Math.max(worst, Math.abs(g[i] - fd));
      assert.ok(Math.abs(g[i] - fd) <= tol, `pixel ${i}: gradient ${g[i]} vs finite difference ${fd} (tolerance ${tol})`);
    }
    assert.ok(checked >= 0.8 * rows.length, `${rows.length - checked} of ${rows.length} points not smooth`);
    console.log(`ModelGradients vs central differences (h ${h}, ${checked} pixels): max |g - fd| / max |fd| = ${(worst / maxFd).toExponential(2)}`);
  } finally {
    await gradients.dispose();
    await plain.release();
  }
});
