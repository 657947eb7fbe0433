/**
 * Reading and editing ONNX model files without a runtime: what a model takes and returns, which layers can be
 * watched, and a copy of the model that also outputs chosen intermediate tensors (how activations are read).
 *
 * onnx-proto's typings name int64 fields `number | Long` without declaring Long (it lives in @types/long, which
 * core's `"types": []` keeps out), so those fields type-check as `any`. Every int64 read goes through `int64()`
 * below, which accepts both shapes protobufjs produces (a number, or a Long when the `long` package is present).
 */
import { onnx } from 'onnx-proto';

/** The bytes are not a (usable) ONNX model. */
export class OnnxFormatError extends Error {
  override readonly name = 'OnnxFormatError';
}

export type OnnxDim = number | string | null;

export interface OnnxTensorInfo {
  name: string;
  /** ONNX Runtime's name of the element type: 'float32', 'int64', ... ('unknown' when the graph omits it). */
  elemType: string;
  /** Fixed sizes as numbers, symbolic ones (e.g. 'batch') as strings, unknown as null; [] for an unknown rank. */
  dims: OnnxDim[];
}

export interface OnnxModelInfo {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  /** Graph inputs the caller must feed (initializers listed as inputs by old exporters are left out). */
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  /** Nodes of the main graph (subgraphs of If/Loop are not counted). */
  nodeCount: number;
  opCounts: Record<string, number>;
  /** Number of weight values (elements of all initializers). */
  parameterCount: number;
  /** Some weights live in separate files, so the model cannot be loaded from these bytes alone. */
  externalData: boolean;
}

/** A node output worth watching as a layer. */
export interface LayerCandidate {
  tensor: string;
  opType: string;
  nodeName: string;
  /** Manifest alias (human layer name -> tensor) that points at this tensor. */
  alias?: string;
  /** Readable name derived from a known exporter's naming scheme (e.g. `features.3.conv.0.2`). */
  humanName?: string;
  /** Shape when the graph records it (value_info), else absent. */
  dims?: OnnxDim[];
}

/** Int64 as protobufjs hands it over: a plain number, or a Long-like object when the `long` package is loaded. */
interface LongLike {
  toNumber(): number;
}

function int64(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (typeof value === 'object' && value !== null && typeof (value as Partial<LongLike>).toNumber === 'function') {
    return (value as LongLike).toNumber();
  }
  return 0;
}

/** onnx TensorProto.DataType -> the names ONNX Runtime uses for tensor types. */
const ELEM_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
  // Newer than the onnx-proto schema; the field is a plain int32, so they still decode.
  17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4',
  23: 'float4e2m1',
};

function elemTypeName(code: number | null | undefined): string {
  if (code === null || code === undefined || code === 0) return 'unknown';
  return ELEM_TYPES[code] ?? `type ${code}`;
}

function tensorInfo(value: onnx.IValueInfoProto): OnnxTensorInfo {
  const tensorType = value.type?.tensorType;
  const dims: OnnxDim[] = (tensorType?.shape?.dim ?? []).map((d) => {
    // Dimension is a oneof; `value` says which member is set (the other reads as a default, not as null).
    const which = (d as onnx.TensorShapeProto.Dimension).value;
    if (which === 'dimValue') return int64(d.dimValue);
    if (which === 'dimParam') return d.dimParam ?? null;
    return null;
  });
  return { name: value.name ?? '', elemType: elemTypeName(tensorType?.elemType), dims };
}

/**
 * The parts of a decoded graph this file reads. decode() builds class instances whose fields all have defaults
 * ('' and [] when absent), while the typings list the optional-field interfaces, hence the one cast below.
 */
export interface DecodedGraph {
  node: onnx.NodeProto[];
  initializer: onnx.TensorProto[];
  input: onnx.ValueInfoProto[];
  output: onnx.ValueInfoProto[];
  valueInfo: onnx.ValueInfoProto[];
}

export function graphOf(model: onnx.ModelProto): DecodedGraph {
  return model.graph as onnx.GraphProto as unknown as DecodedGraph;
}

/** Decodes and sanity-checks a model; every failure becomes an OnnxFormatError with a sentence a user can act on. */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  if (bytes.length === 0) throw new OnnxFormatError('the file is empty, not an ONNX model');
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new OnnxFormatError(`not an ONNX model, or a truncated one (protobuf decoding failed: ${reason})`);
  }
  if (int64(model.irVersion) <= 0 || !model.graph) {
    throw new OnnxFormatError('not an ONNX model: no IR version or no graph (is this another kind of file?)');
  }
  const graph = graphOf(model);
  if (graph.node.length === 0) throw new OnnxFormatError('the ONNX model has an empty graph (no nodes)');
  if (graph.output.length === 0) throw new OnnxFormatError('the ONNX model graph declares no outputs');
  if (model.opsetImport.length === 0) {
    throw new OnnxFormatError('the ONNX model imports no operator set (the file may be truncated)');
  }
  return model;
}

/** What a model takes and returns, and what it is made of. */
export function inspectModel(bytes: Uint8Array): OnnxModelInfo {
  return inspectDecoded(decodeModel(bytes));
}

/** `inspectModel` of a model decoded already (one decode for callers that read more of the graph). */
export function inspectDecoded(model: onnx.ModelProto): OnnxModelInfo {
  const graph = graphOf(model);
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const opCounts: Record<string, number> = {};
  for (const node of graph.node) {
    const op = node.domain ? `${node.domain}.${node.opType}` : node.opType;
    opCounts[op] = (opCounts[op] ?? 0) + 1;
  }
  let parameterCount = 0;
  let externalData = false;
  for (const t of graph.initializer) {
    parameterCount += t.dims.reduce((n: number, d: unknown) => n * int64(d), 1);
    if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) externalData = true;
  }
  return {
    irVersion: int64(model.irVersion),
    opsets: model.opsetImport.map((o) => ({ domain: o.domain ?? '', version: int64(o.version) })),
    producer: [model.producerName, model.producerVersion].filter((s) => s).join(' '),
    inputs: graph.input.filter((v) => !initializers.has(v.name)).map(tensorInfo),
    outputs: graph.output.map(tensorInfo),
    nodeCount: graph.node.length,
    opCounts,
    parameterCount,
    externalData,
  };
}

/** Operators whose outputs are feature maps a user may want to watch. */
const LAYER_OPS = new Set([
  'Conv', 'ConvTranspose', 'Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'Tanh', 'HardSwish', 'Concat', 'Add', 'MaxPool',
  'AveragePool', 'BatchNormalization', 'Mul',
]);

/** A naming scheme of some exporter, turned into a readable layer name. */
interface NamingFamily {
  match(tensor: string, nodeName: string): string | undefined;
}

/**
 * Known naming schemes, for one readable name per tensor; the first family that recognises a name wins. Names for
 * whole blocks of known model families (`inception4a`, `layer3`, Lucid's `mixed4a`) are core/layerNames.ts's job.
 */
const FAMILIES: NamingFamily[] = [
  {
    // TF-slim / TFLite conversions: `MobilenetV2_expanded_conv_1_expand_Relu6` -> `expanded_conv_1/expand`.
    match(tensor) {
      const m = /^(?:MobilenetV\d|InceptionV\d|Inception|resnet_v\d_\d+)_(.+)$/.exec(tensor);
      if (!m) return undefined;
      let rest = m[1];
      const preact = rest.endsWith('_preact');
      rest = rest.replace(/_preact$/, '').replace(/_(Relu6?|add_fold|BatchNorm|Conv2D|BiasAdd)$/, '');
      rest = rest.replace(/^(expanded_conv(?:_\d+)?|Conv2d_\d+|Logits|Mixed_\w+?)_/, '$1/');
      return preact ? `${rest} (pre-activation)` : rest;
    },
  },
  {
    // torch.onnx (1.13+) scoped names: `/features/features.3/conv/conv.0/conv.0.2/Clip_output_0`
    // -> `features.3.conv.0.2`; each scope repeats its parent's prefix, so only the innermost of a run is kept.
    match(tensor) {
      const m = /^\/(.+)\/[A-Za-z]+(?:_\d+)?_output_\d+$/.exec(tensor);
      if (!m) return undefined;
      const path: string[] = [];
      for (const segment of m[1].split('/')) {
        const last = path[path.length - 1];
        if (last !== undefined && segment.startsWith(`${last}.`)) path[path.length - 1] = segment;
        else path.push(segment);
      }
      return path.join('.');
    },
  },
];

function humanNameOf(tensor: string, nodeName: string): string | undefined {
  for (const family of FAMILIES) {
    const name = family.match(tensor, nodeName);
    if (name) return name;
  }
  return undefined;
}

/**
 * Node outputs that make sense as watchable layers, in graph order, with the manifest's alias (human name ->
 * tensor) when one points at them and a readable name when the exporter's naming scheme is known.
 */
export function layerCandidates(bytes: Uint8Array, aliases: Record<string, string> = {}): LayerCandidate[] {
  const graph = graphOf(decodeModel(bytes));
  const aliasOf = new Map<string, string>();
  for (const [alias, tensor] of Object.entries(aliases)) if (!aliasOf.has(tensor)) aliasOf.set(tensor, alias);
  const shapes = new Map<string, OnnxDim[]>();
  for (const v of [...graph.valueInfo, ...graph.output]) {
    const info = tensorInfo(v);
    if (info.dims.length > 0) shapes.set(info.name, info.dims);
  }
  const result: LayerCandidate[] = [];
  for (const node of graph.node) {
    // Only the default domain: a custom-domain "Conv" is another operator.
    if (node.domain || !LAYER_OPS.has(node.opType)) continue;
    // The first output is the feature map (MaxPool's second is indices, BatchNormalization's others are stats).
    const tensor = node.output[0];
    if (!tensor) continue;
    const candidate: LayerCandidate = { tensor, opType: node.opType, nodeName: node.name ?? '' };
    const alias = aliasOf.get(tensor);
    if (alias !== undefined) candidate.alias = alias;
    const humanName = humanNameOf(tensor, candidate.nodeName);
    if (humanName !== undefined) candidate.humanName = humanName;
    const dims = shapes.get(tensor);
    if (dims) candidate.dims = dims;
    result.push(candidate);
  }
  return result;
}

/**
 * The model re-encoded with `tensors` appended as graph outputs, so one run returns the watched activations
 * along with the logits. Shapes are left unknown (the runtime reports them); the element type is taken from
 * value_info when recorded, else float. Tensors that are already outputs, or repeated, are added once.
 * Fields newer than onnx-proto's schema (ONNX 1.10) do not survive the round trip; none affect inference.
 */
export function addGraphOutputs(bytes: Uint8Array, tensors: string[]): Uint8Array {
  const model = decodeModel(bytes);
  const graph = graphOf(model);
  const produced = new Set<string>();
  for (const node of graph.node) for (const out of node.output) if (out) produced.add(out);
  const knownTypes = new Map<string, number>();
  for (const v of graph.valueInfo) {
    const code = v.type?.tensorType?.elemType;
    if (v.name && code) knownTypes.set(v.name, code);
  }
  const outputs = new Set(graph.output.map((o) => o.name));
  for (const tensor of tensors) {
    if (outputs.has(tensor)) continue;
    if (!produced.has(tensor)) {
      throw new Error(`tensor "${tensor}" is not produced by any node of the model's main graph`);
    }
    outputs.add(tensor);
    graph.output.push(
      onnx.ValueInfoProto.create({
        name: tensor,
        type: { tensorType: { elemType: knownTypes.get(tensor) ?? onnx.TensorProto.DataType.FLOAT } },
      }),
    );
  }
  return onnx.ModelProto.encode(model).finish();
}
