/**
 * Gradients without a training runtime (the design is described in the project's notes outside this repository):
 * given an ONNX model and an objective, emit a new ONNX model of standard operators that outputs the objective (one
 * value per batch item) and its gradient with respect to the input, computed by reverse-mode differentiation over
 * the forward graph, which is kept intact.
 *
 * Shapes: every rule works from run-time shapes (Shape/Size/Expand/Slice in the graph), never from value_info,
 * so models with symbolic or unrecorded shapes work. The exceptions, which read static information when they need
 * it and raise UnsupportedOpError when it is missing: Conv's kernel size (kernel_shape or the weight's
 * initializer dims), Conv with auto_pad SAME_* (needs the input's static spatial size), Transpose without perm
 * and MatMul (need the rank). Broadcasting Add/Sub/Mul/Div: from opset 13 the broadcast axes are found at run time
 * (Shape, Equal, NonZero) and reduced with ReduceSum(keepdims=1, noop_with_empty_axes=1) followed by a Reshape to
 * the operand's shape; below opset 13 ReduceSum takes its axes as an attribute, so they come from the recorded
 * static shapes, and without those the gradient is reshaped to the operand's shape (exact when it was not
 * broadcast; ONNX Runtime rejects that Reshape at run time when it was: see context.ts unbroadcast).
 *
 * Supported opsets: 11 and later (Slice/Pad/Clip take inputs). How MaxPool's gradient is routed to the window
 * maxima: see rules/pooling.ts.
 *
 * Known limit: pooling with ceil_mode=1 where the last window would start in the end padding: ONNX Runtime's
 * kernel drops that window but its shape inference keeps it, and the folded Shape ops then disagree with the data.
 */
import { graphOf } from '../onnxGraph';
import { onnx } from 'onnx-proto';
import { Emitter, FLOAT } from './emit';
import { int64, NodeAttrs, UnsupportedOpError, type Rule, type StaticShape } from './context';
import { buildObjective, type Objective } from './objective';
import { ELEMENTWISE_RULES } from './rules/elementwise';
import { LINEAR_RULES } from './rules/linear';
import { POOLING_RULES } from './rules/pooling';
import { SHAPE_RULES } from './rules/shape';

export { UnsupportedOpError } from './context';
export type { Objective } from './objective';

export interface GradientModelOptions {
  /** The graph input to differentiate with respect to; default: the first input that is not an initializer. */
  input?: string;
  objective: Objective;
  /**
   * Intermediate tensors (layers) whose values and gradients are output too, as `layerValueOutput(t)` and
   * `layerGradOutput(t)` (d objective[n] / d t[n]; zeros when t does not influence the objective). Each must
   * depend on the input.
   */
  layers?: readonly string[];
  /**
   * 'redirected': Lucid's redirected ReLU gradient (render_vis' relu_gradient_override): for a batch item whose
   * gradient through a Relu is zero everywhere (its units are all off, e.g. a feature visualisation's first steps),
   * pass the gradient where it would raise the input instead. Default 'exact'.
   */
  reluGradient?: 'exact' | 'redirected';
}

/** Names of the two outputs of the gradient model. */
export const OBJECTIVE_OUTPUT = 'objective';
export const GRAD_INPUT_OUTPUT = 'grad_input';
/** Output names of a layer's value and gradient (GradientModelOptions.layers). */
export const layerValueOutput = (tensor: string): string => `value:${tensor}`;
export const layerGradOutput = (tensor: string): string => `grad:${tensor}`;

/** Operators with a rule. */
export const SUPPORTED_OPS: readonly string[] = [
  'Conv', 'Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Exp', 'Neg', 'Add', 'Sub', 'Mul', 'Div', 'Gemm', 'MatMul',
  'Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Transpose', 'GlobalAveragePool', 'AveragePool', 'MaxPool',
  'BatchNormalization', 'LRN', 'Concat', 'Softmax', 'LogSoftmax', 'Identity', 'Dropout', 'ReduceMean', 'ReduceSum', 'Pad', 'Log', 'Slice',
];


const RULES: Record<string, Rule> = { ...ELEMENTWISE_RULES, ...LINEAR_RULES, ...POOLING_RULES, ...SHAPE_RULES };

/**
 * A new model with the same inputs whose outputs are `objective` ([N]) and `grad_input` (d objective[n] / d input[n],
 * the input's shape). Throws UnsupportedOpError for an operator on the path from the input to the objective that
 * has no rule.
 */
export function buildGradientModel(bytes: Uint8Array, opts: GradientModelOptions): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  if (!model.graph) throw new Error('not an ONNX model (no graph)');
  const graph = graphOf(model);
  const opsetEntry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = opsetEntry ? int64(opsetEntry.version) : 0;
  if (opset < 11) throw new Error(`gradients need ONNX opset 11 or later (this model uses ${opset})`);

  const initNames = new Set(graph.initializer.map((t) => t.name));
  const feedable = graph.input.filter((v) => !initNames.has(v.name));
  const inputName = opts.input ?? feedable[0]?.name;
  const inputInfo = feedable.find((v) => v.name === inputName);
  if (!inputName || !inputInfo) throw new Error(`the model has no graph input "${opts.input ?? ''}"`);

  const taken = new Set<string>();
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) taken.add(v.name);
  for (const n of graph.node) for (const o of n.output) taken.add(o);
  for (const t of graph.initializer) taken.add(t.name);
  taken.add(OBJECTIVE_OUTPUT);
  taken.add(GRAD_INPUT_OUTPUT);
  const layers = [...new Set(opts.layers ?? [])];
  for (const t of layers) {
    taken.add(layerValueOutput(t));
    taken.add(layerGradOutput(t));
  }

  const shapes = new Map<string, StaticShape>();
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) {
    const dims = v.type?.tensorType?.shape?.dim;
    if (!dims) continue;
    shapes.set(v.name, dims.map((d) => ((d as onnx.TensorShapeProto.Dimension).value === 'dimValue' ? int64(d.dimValue) : null)));
  }
  for (const t of graph.initializer) shapes.set(t.name, t.dims.map(int64));

  // Tensors that depend on the input.
  const dependent = new Set<string>([inputName]);
  for (const n of graph.node) {
    if (n.input.some((i) => i && dependent.has(i))) for (const o of n.output) if (o) dependent.add(o);
  }

  for (const t of layers) {
    if (!dependent.has(t)) throw new Error(`the layer "${t}" does not depend on the input "${inputName}" (or does not exist)`);
  }

  const e = new Emitter(opset, taken);
  const firstOutput = graph.output[0]?.name;
  const obj = buildObjective(e, opts.objective, firstOutput);
  if (!dependent.has(obj.target)) {
    throw new Error(`the objective's tensor "${obj.target}" does not depend on the input "${inputName}" (or does not exist)`);
  }
  const grads = new Map<string, string[]>();
  const addGrad = (t: string, g: string) => {
    const list = grads.get(t);
    if (list) list.push(g);
    else grads.set(t, [g]);
  };
  addGrad(obj.target, obj.seed);

  for (let ni = graph.node.length - 1; ni >= 0; ni--) {
    const node = graph.node[ni];
    const g = node.output.map((o) => {
      const list = grads.get(o);
      return list ? e.sum(list) : '';
    });
    if (g.every((x) => !x)) continue;
    const nodeName = node.name || node.output[0] || `#${ni}`;
    const rule = node.domain && node.domain !== 'ai.onnx' ? undefined : RULES[node.opType];
    const opName = node.domain ? `${node.domain}.${node.opType}` : node.opType;
    if (!rule) throw new UnsupportedOpError(opName, nodeName);
    if (!g[0]) throw new UnsupportedOpError(opName, nodeName, 'gradient through an output other than the first');
    const result = rule({
      e, node, attrs: new NodeAttrs(node), g, reluGradient: opts.reluGradient ?? 'exact',
      need: (i) => !!node.input[i] && dependent.has(node.input[i]),
      staticShape: (name) => shapes.get(name),
      unsupported: (detail) => new UnsupportedOpError(opName, nodeName, detail),
    });
    for (const [i, gi] of Object.entries(result)) {
      const name = node.input[Number(i)];
      if (name && dependent.has(name)) addGrad(name, gi);
    }
  }

  const inputGrads = grads.get(inputName);
  const gradInput = inputGrads ? e.sum(inputGrads) : e.zeros(e.shape(inputName));
  e.nodes.push({ opType: 'Identity', input: [obj.value], output: [OBJECTIVE_OUTPUT], name: 'grad/objective_out' });
  e.nodes.push({ opType: 'Identity', input: [gradInput], output: [GRAD_INPUT_OUTPUT], name: 'grad/grad_input_out' });
  const layerOutputs: onnx.ValueInfoProto[] = [];
  for (const t of layers) {
    const list = grads.get(t);
    const gradT = list ? e.sum(list) : e.zeros(e.shape(t));
    e.nodes.push({ opType: 'Identity', input: [t], output: [layerValueOutput(t)], name: `grad/value_out_${t}` });
    e.nodes.push({ opType: 'Identity', input: [gradT], output: [layerGradOutput(t)], name: `grad/grad_out_${t}` });
    for (const name of [layerValueOutput(t), layerGradOutput(t)]) {
      layerOutputs.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT } } }));
    }
  }

  const inputType = inputInfo.type?.tensorType;
  // Decoded repeated fields may be shared frozen defaults: assign new arrays rather than push.
  graph.node = [...graph.node, ...(e.nodes as onnx.NodeProto[])];
  graph.initializer = [...graph.initializer, ...(e.initializers as onnx.TensorProto[])];
  graph.output = [
    onnx.ValueInfoProto.create({ name: OBJECTIVE_OUTPUT, type: { tensorType: { elemType: FLOAT } } }),
    onnx.ValueInfoProto.create({
      name: GRAD_INPUT_OUTPUT,
      type: { tensorType: { elemType: inputType?.elemType || FLOAT, shape: inputType?.shape } },
    }),
    ...layerOutputs,
  ];
  return onnx.ModelProto.encode(model).finish();
}
