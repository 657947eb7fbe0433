/**
 * Every manifest knob, proven on a real graph: the fixture model (models/fixture, a 64 px hue classifier trained on
 * NCHW RGB [0, 1] input with ImageNet mean/std) is wrapped, here with onnx-proto, in graphs that expect another
 * input convention (a Transpose for NHWC, a Slice+Concat channel swap for BGR, a per-channel Mul+Add for the
 * value range and mean/std) or give another output (a Softmax tail, a background class in front). With the right
 * manifest the host (loadModel + runModel: toModelInput, ONNX Runtime, softmax, labels) must give the original's
 * predictions, to float precision; with one knob wrong they must differ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import type { ModelManifest } from '../../core/manifestTypes';
import type { FrameImage, Prediction } from '../../core/protocol';
import { loadModel } from '../../src/inference/loadModel';
import { runModel } from '../../src/inference/runModel';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture');
const BASE = JSON.parse(readFileSync(path.join(FIXTURE, 'fixture.model.json'), 'utf8')) as ModelManifest;
const HUES = BASE.labels as string[];
const SETTINGS = { threads: 1, executionProviders: ['cpu'] };
type Input = ModelManifest['input'];

interface Variant {
  name: string;
  /** The input convention the wrapped graph expects (what its manifest must say). */
  input: Partial<Input>;
  tail?: 'softmax' | 'background';
  /** The right manifest's changes, and a manifest with one knob wrong. */
  right: (m: ModelManifest) => ModelManifest;
  wrong: (m: ModelManifest) => ModelManifest;
  /** When the loader itself refuses the wrong manifest (the graph's fixed input shape contradicts it). */
  wrongRefused?: RegExp;
}

const withInput = (patch: Partial<Input>) => (m: ModelManifest): ModelManifest => ({ ...m, input: { ...m.input, ...patch } });
const NEUTRAL = { mean: [0, 0, 0], std: [1, 1, 1] } as Pick<Input, 'mean' | 'std'>;
const reversed = (v: readonly number[]) => [v[2], v[1], v[0]] as [number, number, number];
const CAFFE = { layout: 'NHWC', channelOrder: 'BGR', range: [0, 255], mean: [103.939, 116.779, 123.68], std: [1, 1, 1] } as Partial<Input>;

const VARIANTS: Variant[] = [
  { name: 'NHWC layout', input: { layout: 'NHWC' }, right: withInput({ layout: 'NHWC' }), wrong: withInput({ layout: 'NCHW' }),
    wrongRefused: /input size mismatch: wrong\.onnx takes 3x64 \(NCHW\)/ },
  { name: 'range [-1, 1], no mean/std', input: { range: [-1, 1], ...NEUTRAL }, right: withInput({ range: [-1, 1], ...NEUTRAL }), wrong: withInput({ range: [0, 1], ...NEUTRAL }) },
  { name: 'range [0, 255], no mean/std', input: { range: [0, 255], ...NEUTRAL }, right: withInput({ range: [0, 255], ...NEUTRAL }), wrong: withInput({ range: [0, 1], ...NEUTRAL }) },
  { name: 'range [0, 1], no mean/std', input: { ...NEUTRAL }, right: withInput({ ...NEUTRAL }), wrong: (m) => m },
  {
    name: 'mean/std in 0..255 units (mmcv style)',
    input: { range: [0, 255], mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] },
    right: withInput({ range: [0, 255], mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] }),
    wrong: withInput({ range: [0, 255] }),
  },
  {
    name: 'BGR channel order (mean/std listed in BGR)',
    input: { channelOrder: 'BGR', mean: reversed(BASE.input.mean), std: reversed(BASE.input.std) },
    right: withInput({ channelOrder: 'BGR', mean: reversed(BASE.input.mean), std: reversed(BASE.input.std) }),
    wrong: withInput({ mean: reversed(BASE.input.mean), std: reversed(BASE.input.std) }),
  },
  { name: 'Caffe style: NHWC, BGR, [0, 255], mean only', input: CAFFE, right: withInput(CAFFE), wrong: withInput({ ...CAFFE, channelOrder: 'RGB' }) },
  {
    name: 'probabilities output (Softmax tail)', input: {}, tail: 'softmax',
    right: (m) => ({ ...m, output: { name: 'probs', kind: 'probabilities' } }),
    wrong: (m) => ({ ...m, output: { name: 'probs', kind: 'logits' } }),
  },
  {
    name: 'background class at 0: label file with labelOffset 1', input: {}, tail: 'background',
    right: (m) => ({ ...m, output: { name: 'with_background', kind: 'logits' }, labels: 'hues.txt', labelOffset: 1 }),
    wrong: (m) => ({ ...m, output: { name: 'with_background', kind: 'logits' }, labels: 'hues.txt', labelOffset: 0 }),
  },
];

function constant(name: string, dims: number[], values: number[] | bigint[], type = onnx.TensorProto.DataType.FLOAT): onnx.ITensorProto {
  return type === onnx.TensorProto.DataType.FLOAT
    ? { name, dims, dataType: type, floatData: values as number[] }
    : { name, dims, dataType: type, int64Data: (values as bigint[]).map(Number) };
}

/**
 * The fixture behind a front that turns the variant's input into the fixture's: value v of model channel c
 * (in the variant's order and layout) is (rgb01 * (r1 - r0) + r0 - mean[c]) / std[c], so the fixture's input is
 * v * a[c] + b[c] with a, b below, after undoing the layout (Transpose) and the order (Slice + Concat).
 */
function wrapFixture(variant: Variant): Uint8Array {
  const model = onnx.ModelProto.decode(readFileSync(path.join(FIXTURE, 'fixture.onnx')));
  const graph = model.graph as onnx.GraphProto;
  const spec: Input = { ...BASE.input, ...variant.input };
  const [r0, r1] = spec.range;
  const order = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  // Coefficients per RGB channel: spec.mean/std are listed in the model's own order.
  const a = [0, 1, 2].map((rgb) => spec.std[order.indexOf(rgb)] / ((r1 - r0) * BASE.input.std[rgb]));
  const b = [0, 1, 2].map((rgb) => ((spec.mean[order.indexOf(rgb)] - r0) / (r1 - r0) - BASE.input.mean[rgb]) / BASE.input.std[rgb]);
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [constant('front_a', [1, 3, 1, 1], a), constant('front_b', [1, 3, 1, 1], b)];
  let x = 'image';
  if (spec.layout === 'NHWC') {
    nodes.push({ opType: 'Transpose', input: [x], output: ['front_nchw'], attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 3, 1, 2] }] });
    x = 'front_nchw';
  }
  if (spec.channelOrder === 'BGR') {
    for (const c of [0, 1, 2]) {
      inits.push(constant(`front_s${c}`, [1], [BigInt(c)], onnx.TensorProto.DataType.INT64), constant(`front_e${c}`, [1], [BigInt(c + 1)], onnx.TensorProto.DataType.INT64));
      nodes.push({ opType: 'Slice', input: [x, `front_s${c}`, `front_e${c}`, 'front_axis'], output: [`front_c${c}`] });
    }
    inits.push(constant('front_axis', [1], [1n], onnx.TensorProto.DataType.INT64));
    nodes.push({ opType: 'Concat', input: ['front_c2', 'front_c1', 'front_c0'], output: ['front_rgb'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] });
    x = 'front_rgb';
  }
  nodes.push({ opType: 'Mul', input: [x, 'front_a'], output: ['front_scaled'] }, { opType: 'Add', input: ['front_scaled', 'front_b'], output: ['input'] });
  const inputDims = spec.layout === 'NHWC' ? [1, 64, 64, 3] : [1, 3, 64, 64];
  const tail: onnx.INodeProto[] = [];
  let output = 'logits';
  if (variant.tail === 'softmax') {
    tail.push({ opType: 'Softmax', input: ['logits'], output: ['probs'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] });
    output = 'probs';
  } else if (variant.tail === 'background') {
    // A background logit far below every class: the classes keep their probabilities, shifted to outputs 1..8.
    inits.push(constant('tail_gap', [1, 1], [100]));
    tail.push(
      { opType: 'ReduceMin', input: ['logits'], output: ['tail_min'], attribute: [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] }] },
      { opType: 'Sub', input: ['tail_min', 'tail_gap'], output: ['tail_bg'] },
      { opType: 'Concat', input: ['tail_bg', 'logits'], output: ['with_background'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
    );
    output = 'with_background';
  }
  graph.node = [...nodes, ...graph.node, ...tail] as onnx.NodeProto[];
  graph.initializer = [...inits, ...graph.initializer] as onnx.TensorProto[];
  graph.input = [{ name: 'image', type: { tensorType: { elemType: 1, shape: { dim: inputDims.map((d) => ({ dimValue: d })) } } } }] as onnx.ValueInfoProto[];
  graph.output = [{ name: output, type: { tensorType: { elemType: 1 } } }] as onnx.ValueInfoProto[];
  return onnx.ModelProto.encode(model).finish();
}

/** Discs of several hues and saturations on grey, so some answers are unsure (softmax not saturated). */
function images(): FrameImage[] {
  const colours = [[220, 40, 40], [40, 200, 60], [60, 80, 230], [200, 180, 60], [150, 110, 140], [128, 150, 160]];
  return colours.map(([r, g, b], k) => {
    const pixels = new Uint8Array(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) {
      const x = i % 64, y = Math.floor(i / 64);
      const inside = (x - 32) ** 2 + (y - 32) ** 2 <= (14 + 2 * k) ** 2;
      pixels.set(inside ? [r, g, b, 255] : [128 + ((x * 7 + y * 13) % 9) - 4, 128, 128 - k, 255], i * 4);
    }
    return { width: 64, height: 64, pixels };
  });
}

async function predict(dir: string, file: string, bytes: Uint8Array, manifest: ModelManifest): Promise<Prediction[][]> {
  const onnxPath = path.join(dir, `${file}.onnx`);
  writeFileSync(onnxPath, bytes);
  writeFileSync(path.join(dir, `${file}.model.json`), JSON.stringify(manifest));
  const model = await loadModel({ onnxPath, manifestPath: path.join(dir, `${file}.model.json`), allowedRoots: [dir] }, SETTINGS);
  try {
    assert.deepEqual(model.warnings, []);
    const out: Prediction[][] = [];
    for (const image of images()) {
      const run = await runModel({ id: file, model, watch: [], image, topK: 8 });
      assert.equal(run.predictions.error, undefined, `${file}: ${run.predictions.error}`);
      out.push(run.predictions.top);
    }
    return out;
  } finally {
    await model.session.dispose();
  }
}

/** Largest difference of log-probability per label (labels missing on one side count as different). */
function distance(a: Prediction[][], b: Prediction[][]): number {
  let worst = 0;
  a.forEach((top, i) => {
    const other = new Map(b[i].map((p) => [p.label, p.probability]));
    for (const p of top) {
      const q = other.get(p.label);
      if (q === undefined) return void (worst = Infinity);
      if (p.probability !== q) worst = Math.max(worst, Math.abs(Math.log(p.probability) - Math.log(q)));
    }
  });
  return worst;
}

for (const variant of VARIANTS) {
  test(`manifest knob: ${variant.name} — right manifest gives the original's predictions, a wrong one does not`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'perturber-variant-'));
    try {
      writeFileSync(path.join(dir, 'hues.txt'), `${HUES.join('\n')}\n`);
      const original = await predict(dir, 'original', readFileSync(path.join(FIXTURE, 'fixture.onnx')), BASE);
      const bytes = wrapFixture(variant);
      const manifest = (change: (m: ModelManifest) => ModelManifest) => change({ ...BASE, input: { ...BASE.input, name: 'image' } });
      const right = await predict(dir, 'right', bytes, manifest(variant.right));
      assert.deepEqual(right.map((top) => top.map((p) => p.label)), original.map((top) => top.map((p) => p.label)), 'same ranking');
      const d = distance(original, right);
      assert.ok(d <= 1e-3, `right manifest: log-probabilities differ by ${d}`);
      if (variant.wrongRefused) {
        await assert.rejects(predict(dir, 'wrong', bytes, manifest(variant.wrong)), variant.wrongRefused);
        return;
      }
      const wrong = await predict(dir, 'wrong', bytes, manifest(variant.wrong));
      const w = distance(original, wrong);
      assert.ok(w > 0.1, `wrong manifest: log-probabilities differ by only ${w}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
