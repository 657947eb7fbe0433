/**
 * A model in pixel space: the graph with the manifest's preprocessing in front of it, so that gradients (attacks,
 * saliency, feature visualisation) are taken with respect to the image the user sees, a float CHW RGB image in
 * [0, 1], rather than the normalised tensor. The normalisation is exactly floatToModelInput's (core/preprocess.ts):
 * value = (v * (range[1] - range[0]) + range[0] - mean[c]) / std[c] in the model's channel order, written as one
 * 1x1 Conv (channel order and the per-channel affine map in one weight matrix, so the gradient engine's Conv rule
 * differentiates it), followed by a Transpose for NHWC models.
 *
 * The wrapper's only output is the manifest's output; for a model whose output holds probabilities it is
 * log(p + 1e-20), so class objectives on "logits" read log-probabilities (whose log-softmax is themselves).
 */
import { onnx } from 'onnx-proto';
import type { ModelInputSpec, ModelOutputSpec } from '../manifestTypes';
import { graphOf } from '../onnxGraph';
import { FLOAT } from './emit';

/** The wrapper's input: [N, 3, height, width] float RGB in [0, 1]. */
export const PIXELS_INPUT = 'pixels';

function fresh(taken: Set<string>, hint: string): string {
  let name = hint;
  for (let i = 1; taken.has(name); i++) name = `${hint}_${i}`;
  taken.add(name);
  return name;
}

/**
 * The wrapped model (see the module comment). Its first output is the scores of the manifest's output (logits, or
 * log-probabilities for `kind: 'probabilities'`), so buildGradientModel's class objectives read it.
 */
export function pixelSpaceModel(bytes: Uint8Array, input: ModelInputSpec, output: ModelOutputSpec): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  if (!model.graph) throw new Error('not an ONNX model (no graph)');
  const graph = graphOf(model);
  const original = graph.input.find((v) => v.name === input.name);
  if (!original) throw new Error(`the manifest's input "${input.name}" is not an input of the graph`);
  const outputInfo = graph.output.find((v) => v.name === output.name);
  if (!outputInfo) throw new Error(`the manifest's output "${output.name}" is not an output of the graph`);

  const taken = new Set<string>();
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) taken.add(v.name);
  for (const n of graph.node) for (const o of n.output) taken.add(o);
  for (const t of graph.initializer) taken.add(t.name);
  if (taken.has(PIXELS_INPUT)) throw new Error(`the graph already has a tensor named "${PIXELS_INPUT}"`);
  taken.add(PIXELS_INPUT);

  // weight[o][i]: model channel o reads pixel channel source[o] with the folded scale; bias: the offset.
  const [r0, r1] = input.range;
  const bgr = input.channelOrder === 'BGR';
  const source = [bgr ? 2 : 0, 1, bgr ? 0 : 2];
  const weight = new Array<number>(9).fill(0);
  const bias: number[] = [];
  for (let o = 0; o < 3; o++) {
    weight[o * 3 + source[o]] = (r1 - r0) / input.std[o];
    bias.push((r0 - input.mean[o]) / input.std[o]);
  }
  const wName = fresh(taken, 'pixels/weight');
  const bName = fresh(taken, 'pixels/bias');
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [
    { name: wName, dims: [3, 3, 1, 1], dataType: FLOAT, floatData: weight },
    { name: bName, dims: [3], dataType: FLOAT, floatData: bias },
  ];
  if (input.layout === 'NCHW') {
    nodes.push({ opType: 'Conv', input: [PIXELS_INPUT, wName, bName], output: [input.name], name: 'pixels/normalise', attribute: [] });
  } else {
    const mid = fresh(taken, 'pixels/normalised_nchw');
    nodes.push({ opType: 'Conv', input: [PIXELS_INPUT, wName, bName], output: [mid], name: 'pixels/normalise', attribute: [] });
    nodes.push({
      opType: 'Transpose', input: [mid], output: [input.name], name: 'pixels/to_nhwc',
      attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 3, 1] }],
    });
  }

  let scores = output.name;
  if (output.kind === 'probabilities') {
    const eps = fresh(taken, 'pixels/log_eps');
    const shifted = fresh(taken, 'pixels/probs_eps');
    scores = fresh(taken, 'pixels/log_probs');
    inits.push({ name: eps, dims: [], dataType: FLOAT, floatData: [1e-20] });
    nodes.push({ opType: 'Add', input: [output.name, eps], output: [shifted], name: 'pixels/add_eps', attribute: [] });
    nodes.push({ opType: 'Log', input: [shifted], output: [scores], name: 'pixels/log', attribute: [] });
  }

  const batch = original.type?.tensorType?.shape?.dim?.[0];
  const batchDim: onnx.TensorShapeProto.IDimension =
    batch && (batch as onnx.TensorShapeProto.Dimension).value === 'dimValue' ? { dimValue: batch.dimValue } : { dimParam: 'N' };
  const pixelsInfo = onnx.ValueInfoProto.create({
    name: PIXELS_INPUT,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [batchDim, { dimValue: 3 }, { dimValue: input.height }, { dimValue: input.width }] } } },
  });
  // Decoded repeated fields may be shared frozen defaults: assign new arrays rather than push.
  graph.input = [pixelsInfo, ...graph.input.filter((v) => v !== original)];
  graph.node = [...(nodes as onnx.NodeProto[]), ...graph.node];
  graph.initializer = [...graph.initializer, ...(inits as onnx.TensorProto[])];
  graph.output = [
    scores === output.name
      ? outputInfo
      : onnx.ValueInfoProto.create({ name: scores, type: { tensorType: { elemType: FLOAT } } }),
  ];
  // The original input's value_info (if any) now describes an intermediate tensor; its shape is still right.
  return onnx.ModelProto.encode(model).finish();
}
