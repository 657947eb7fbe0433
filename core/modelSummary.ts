/**
 * What the model inspector (issue 10) shows about an `.onnx` file, computed from its bytes alone: inputs and outputs,
 * opsets, producer, operator counts, parameter count and weight bytes, whether the gradient engine has a rule for
 * every operator between the image input and the class output, and what is wrong with the manifest beside it. One decode;
 * no runtime, no vscode, no file system (unit-tested against the repo's models).
 */
import type { onnx } from 'onnx-proto';
import { int64 } from './gradients/context';
import { SUPPORTED_OPS } from './gradients';
import { imageInput, parseManifest } from './manifest';
import type { ModelManifest } from './manifestTypes';
import { decodeModel, graphOf, inspectDecoded, type OnnxTensorInfo } from './onnxGraph';

export interface OpCount {
  /** `opType`, prefixed with its domain outside the default one (`com.microsoft.FusedConv`). */
  op: string;
  count: number;
}

export interface GradientSupport {
  /** True when every operator on the way from `input` to the outputs has a rule (core/gradients). */
  supported: boolean;
  /** The graph input gradients are taken with respect to (the image input). */
  input?: string;
  /** Operators without a rule on that way, most frequent first. */
  unsupported: OpCount[];
  /** Why gradients cannot work at all (an opset before 11, no input), when that is the reason. */
  reason?: string;
}

export interface ModelSummary {
  fileBytes: number;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  /** Producer name and version ('' when the file does not say). */
  producer: string;
  graphName: string;
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  nodeCount: number;
  /** Operator counts of the main graph, most frequent first (ties by name). */
  ops: OpCount[];
  initializerCount: number;
  /** Sum of the initializers' element counts. */
  parameterCount: number;
  /** Sum of the initializers' element counts times their element sizes (what the weights take in memory). */
  weightBytes: number;
  /** Some weights live in separate files: the model cannot be loaded from this file alone. */
  externalData: boolean;
  gradients: GradientSupport;
}

/** A manifest file's content judged against the schema and the graph. */
export interface ManifestReport {
  /** The manifest with defaults filled in; null when it does not parse or validate. */
  manifest: ModelManifest | null;
  /** One line per problem (schema errors, then disagreements with the graph); [] when it fits. */
  problems: string[];
}

/** Bytes per element of each TensorProto.DataType (4-bit types count half a byte). */
const ELEMENT_BYTES: Record<number, number> = {
  1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2,
  17: 1, 18: 1, 19: 1, 20: 1, 21: 0.5, 22: 0.5, 23: 0.5,
};
const STRING = 8;

function opName(node: onnx.INodeProto): string {
  const domain = node.domain && node.domain !== 'ai.onnx' ? node.domain : '';
  return domain ? `${domain}.${node.opType ?? ''}` : node.opType ?? '';
}

function sortedCounts(counts: Map<string, number>): OpCount[] {
  return [...counts].map(([op, count]) => ({ op, count })).sort((a, b) => b.count - a.count || (a.op < b.op ? -1 : a.op > b.op ? 1 : 0));
}

function weightBytesOf(tensor: onnx.TensorProto, elements: number): number {
  if (tensor.dataType === STRING) return tensor.stringData.reduce((n, s) => n + s.length, 0);
  const size = ELEMENT_BYTES[tensor.dataType];
  return size === undefined ? tensor.rawData.length : Math.ceil(elements * size);
}

const SUPPORTED = new Set(SUPPORTED_OPS);

/** Inputs of supported operators that take no gradient (shapes, axes, bounds, pads): their producers need no rule. */
const NO_GRADIENT_INPUTS: Record<string, readonly number[]> = {
  Reshape: [1], Slice: [1, 2, 3, 4], Pad: [1, 2, 3], Squeeze: [1], Unsqueeze: [1], ReduceSum: [1], ReduceMean: [1],
  Clip: [1, 2], Dropout: [1, 2],
};

/**
 * Which operators the gradient engine would meet: walking back from the objective (`output`, else the first graph
 * output) through the nodes that depend on the image input, as core/gradients/index.ts does. Shape arithmetic
 * feeding a Reshape's shape, say, gets no gradient and needs no rule.
 */
function gradientSupport(model: onnx.ModelProto, inputs: readonly OnnxTensorInfo[], output?: string): GradientSupport {
  const graph = graphOf(model);
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  const version = opset ? int64(opset.version) : 0;
  const input = (imageInput({ inputs }) ?? { tensor: inputs[0] }).tensor?.name;
  if (input === undefined) return { supported: false, unsupported: [], reason: 'the graph has no input to take gradients with respect to' };
  if (version < 11) return { supported: false, input, unsupported: [], reason: `gradients need ONNX opset 11 or later (this model uses ${version})` };
  const dependent = new Set<string>([input]);
  for (const node of graph.node) {
    if (node.input.some((i) => i && dependent.has(i))) for (const o of node.output) if (o) dependent.add(o);
  }
  const objective = output !== undefined && graph.output.some((o) => o.name === output) ? output : graph.output[0]?.name;
  const reached = new Set<string>(objective ? [objective] : []);
  const counts = new Map<string, number>();
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const node = graph.node[i];
    if (!node.output.some((o) => o && reached.has(o) && dependent.has(o))) continue;
    const op = opName(node);
    const known = op === node.opType && SUPPORTED.has(op);
    if (!known) counts.set(op, (counts.get(op) ?? 0) + 1);
    const skip = known ? NO_GRADIENT_INPUTS[op] ?? [] : [];
    node.input.forEach((name, slot) => {
      if (name && dependent.has(name) && !skip.includes(slot)) reached.add(name);
    });
  }
  const unsupported = sortedCounts(counts);
  return { supported: unsupported.length === 0, input, unsupported };
}

/** What the manifest says that the graph contradicts (the loader would refuse or misread the model). */
function graphProblems(manifest: ModelManifest, model: onnx.ModelProto, inputs: readonly OnnxTensorInfo[], outputs: readonly OnnxTensorInfo[]): string[] {
  const problems: string[] = [];
  const { name, width, height, layout } = manifest.input;
  const input = inputs.find((i) => i.name === name);
  if (!input) problems.push(`/input/name "${name}" is not an input of the graph (inputs: ${inputs.map((i) => i.name).join(', ') || 'none'})`);
  else if (input.dims.length === 4) {
    const [c, h, w] = layout === 'NCHW' ? [input.dims[1], input.dims[2], input.dims[3]] : [input.dims[3], input.dims[1], input.dims[2]];
    if (typeof c === 'number' && c !== 3) problems.push(`/input/layout ${layout} puts ${c} channels where the image's 3 colours go`);
    if ((typeof w === 'number' && w > 0 && w !== width) || (typeof h === 'number' && h > 0 && h !== height)) {
      problems.push(`/input says ${width}x${height} but the graph takes ${typeof w === 'number' ? w : '?'}x${typeof h === 'number' ? h : '?'}`);
    }
  } else if (input.dims.length > 0) problems.push(`/input/name "${name}" has rank ${input.dims.length}; an image input has rank 4`);
  if (!outputs.some((o) => o.name === manifest.output.name)) {
    problems.push(`/output/name "${manifest.output.name}" is not an output of the graph (outputs: ${outputs.map((o) => o.name).join(', ')})`);
  }
  const produced = new Set<string>();
  for (const node of graphOf(model).node) for (const o of node.output) if (o) produced.add(o);
  for (const [alias, tensor] of Object.entries(manifest.layerAliases)) {
    if (!produced.has(tensor)) problems.push(`/layerAliases/${alias} names "${tensor}", which no node of the graph produces`);
  }
  return problems;
}

/**
 * The inspector's summary of a model file, and with `manifestText` (the `*.model.json` beside it) that manifest's
 * problems. Throws OnnxFormatError (a sentence a user can act on) when the bytes are not an ONNX model.
 */
export function summarizeModel(bytes: Uint8Array, manifestText?: string): { summary: ModelSummary; manifest?: ManifestReport } {
  const model = decodeModel(bytes);
  const info = inspectDecoded(model);
  const graph = graphOf(model);
  let weightBytes = 0;
  for (const t of graph.initializer) weightBytes += weightBytesOf(t, t.dims.reduce((n: number, d: unknown) => n * int64(d), 1));
  const summary: ModelSummary = {
    fileBytes: bytes.length,
    irVersion: info.irVersion,
    opsets: info.opsets,
    producer: info.producer,
    graphName: model.graph?.name ?? '',
    inputs: info.inputs,
    outputs: info.outputs,
    nodeCount: info.nodeCount,
    ops: sortedCounts(new Map(Object.entries(info.opCounts))),
    initializerCount: graph.initializer.length,
    parameterCount: info.parameterCount,
    weightBytes,
    externalData: info.externalData,
    gradients: gradientSupport(model, info.inputs),
  };
  if (manifestText === undefined) return { summary };
  const parsed = parseManifest(manifestText);
  // Attacks and saliency differentiate the manifest's output.
  if (parsed.manifest) summary.gradients = gradientSupport(model, info.inputs, parsed.manifest.output.name);
  const problems = parsed.manifest ? graphProblems(parsed.manifest, model, info.inputs, info.outputs) : parsed.errors;
  return { summary, manifest: { manifest: parsed.manifest, problems } };
}
