/**
 * Human layer names for known model families, found from the graph's own tensor and node names: torchvision
 * GoogLeNet, ResNet and MobileNetV2 (torch.onnx scoped names such as `/layer1/layer1.0/relu_1/Relu_output_0`), the
 * TF-slim MobileNets V1/V2 (TFLite or tf2onnx conversions, `MobilenetV2_expanded_conv_3_add`), and the ONNX model
 * zoo's Caffe GoogLeNet (`inception_4a/output_1`) and MXNet Gluon ResNet-v2 / MobileNetV2 (`resnetv24_stage3__plus5`,
 * `mobilenetv20_features_linearbottleneck7_elemwise_add0`). Add Model and Download Model write the result into the
 * manifest's `layerAliases`; any other graph keeps the generic layer list (every candidate by its tensor name, op
 * type and shape).
 */
import type { LayerInfo, ModelInputSpec, ModelManifest } from './manifestTypes';
import type { LayerCandidate } from './onnxGraph';

export type LayerFamily = 'googlenet' | 'resnet' | 'mobilenet_v1' | 'mobilenet_v2' | 'generic';

/** Where a graph's names come from: the exporter whose naming scheme was recognised ('' for generic graphs). */
export type LayerSource = 'torchvision' | 'tf-slim' | 'caffe' | 'gluon' | '';

/** Preprocessing a source's ImageNet models were trained with: range, mean/std and, when not RGB, channel order. */
export type SourceInput = Pick<ModelInputSpec, 'range' | 'mean' | 'std'> & Partial<Pick<ModelInputSpec, 'channelOrder'>>;

export interface LayerNaming {
  family: LayerFamily;
  source: LayerSource;
  /** Alias -> tensor, primary names first (in graph order), then synonyms (e.g. Lucid's `mixed4a`). */
  aliases: Record<string, string>;
  /** The preprocessing every model of this source was trained with (SOURCE_INPUT); absent when unknown. */
  input?: SourceInput;
}

/**
 * Per source: torchvision and MXNet Gluon use [0, 1] with the ImageNet mean/std; TF-slim [-1, 1]; Caffe's BVLC models
 * take BGR bytes minus the BGR mean (the zoo's GoogLeNet README).
 */
export const SOURCE_INPUT: Readonly<Record<Exclude<LayerSource, ''>, SourceInput>> = {
  torchvision: { range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  gluon: { range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  'tf-slim': { range: [-1, 1], mean: [0, 0, 0], std: [1, 1, 1] },
  caffe: { range: [0, 255], mean: [103.939, 116.779, 123.68], std: [1, 1, 1], channelOrder: 'BGR' },
};

function sourceInput(source: Exclude<LayerSource, ''>): SourceInput {
  const { range, mean, std, channelOrder } = SOURCE_INPUT[source];
  return { range: [...range], mean: [...mean], std: [...std], ...(channelOrder ? { channelOrder } : {}) };
}

/**
 * The module path torch.onnx (1.13+) records: `/layer1/layer1.0/relu_1/Relu_output_0` (or the node name
 * `/layer1/layer1.0/relu_1/Relu`) -> ['layer1', 'layer1.0', 'relu_1']; [] for unscoped names.
 */
export function torchModulePath(candidate: Pick<LayerCandidate, 'tensor' | 'nodeName'>): string[] {
  const fromTensor = /^\/(.*)\/[A-Za-z]+(?:_\d+)?_output_\d+$/.exec(candidate.tensor);
  if (fromTensor) return fromTensor[1] === '' ? [] : fromTensor[1].split('/');
  const fromNode = /^\/(.*)\/[A-Za-z]+(?:_\d+)?$/.exec(candidate.nodeName);
  return fromNode && fromNode[1] !== '' ? fromNode[1].split('/') : [];
}

/** The last candidate (in graph order) for which `inScope` holds: a block's output is the last map it produces. */
function lastWhere<T>(items: readonly T[], inScope: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (inScope(items[i])) return items[i];
  return undefined;
}

interface Scoped {
  candidate: LayerCandidate;
  path: string[];
}

function add(aliases: Record<string, string>, name: string, found: { candidate: LayerCandidate } | LayerCandidate | undefined): void {
  if (!found) return;
  aliases[name] = 'candidate' in found ? found.candidate.tensor : found.tensor;
}

const INCEPTION_BLOCKS = ['3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b'];

/**
 * GoogLeNet's names: the stem convolutions conv1..conv3 (7x7, 1x1 reduce, 3x3) and the blocks inception3a..5b, then
 * the same tensors in Lucid's InceptionV1 vocabulary (the seed paper's): conv2d0..2 and mixed3a..5b.
 */
function googlenetAliases(stem: readonly (LayerCandidate | undefined)[], block: (b: string) => LayerCandidate | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  stem.forEach((c, i) => add(out, `conv${i + 1}`, c));
  for (const b of INCEPTION_BLOCKS) add(out, `inception${b}`, block(b));
  stem.forEach((c, i) => add(out, `conv2d${i}`, c));
  for (const b of INCEPTION_BLOCKS) add(out, `mixed${b}`, block(b));
  return out;
}

function googlenet(scoped: Scoped[], tops: Set<string>): Record<string, string> | undefined {
  if (!INCEPTION_BLOCKS.every((b) => tops.has(`inception${b}`)) || !tops.has('conv1')) return undefined;
  const top = (name: string) => lastWhere(scoped, (s) => s.path[0] === name)?.candidate;
  return googlenetAliases(['conv1', 'conv2', 'conv3'].map(top), (b) => top(`inception${b}`));
}

/**
 * Caffe BVLC GoogLeNet through Caffe2 (the ONNX zoo's googlenet-7): `conv1/relu_7x7_1`, `conv2/relu_3x3_reduce_1`,
 * `conv2/relu_3x3_1`, `inception_3a/output_1` (each block's Concat). Caffe's conv2 scope holds torchvision's conv2
 * (the 1x1 reduce) and conv3 (the 3x3).
 */
function caffeGooglenet(candidates: readonly LayerCandidate[]): Record<string, string> | undefined {
  const scope = (c: LayerCandidate) => /^([a-z0-9_]+)\//.exec(c.tensor)?.[1];
  const scopes = new Set(candidates.map(scope));
  if (!INCEPTION_BLOCKS.every((b) => scopes.has(`inception_${b}`)) || !scopes.has('conv1') || !scopes.has('conv2')) return undefined;
  const last = (name: string, also: (c: LayerCandidate) => boolean = () => true) => lastWhere(candidates, (c) => scope(c) === name && also(c));
  const reduce = (c: LayerCandidate) => c.tensor.includes('reduce');
  const stem = [last('conv1'), last('conv2', reduce), last('conv2', (c) => !reduce(c))];
  return googlenetAliases(stem, (b) => last(`inception_${b}`));
}

function resnet(scoped: Scoped[], tops: Set<string>): Record<string, string> | undefined {
  const stages = [1, 2, 3, 4].map((n) => `layer${n}`);
  if (!stages.every((s) => tops.has(s)) || !tops.has('conv1')) return undefined;
  const out: Record<string, string> = {};
  // The stem: conv1 (+ bn1, folded into it on export) and its ReLU, before the max pool.
  add(out, 'conv1', lastWhere(scoped, (s) => ['conv1', 'bn1', 'relu'].includes(s.path[0])));
  for (const stage of stages) add(out, stage, lastWhere(scoped, (s) => s.path[0] === stage));
  for (const stage of stages) {
    const blocks = [...new Set(scoped.filter((s) => s.path[0] === stage && /^layer\d\.\d+$/.test(s.path[1] ?? '')).map((s) => s.path[1]))];
    for (const block of blocks) add(out, block, lastWhere(scoped, (s) => s.path[1] === block));
  }
  return out;
}

/**
 * MXNet Gluon ResNet-v2 (the ONNX zoo's resnet*-v2-7), in torchvision's vocabulary: `conv1` = the stem after its
 * ReLU (`resnetv24_relu0_fwd`, before `pool0`), `layerK.B` = block B's residual sum `resnetv24_stageK__plusB` (v2 is
 * pre-activation: the sum is the block's output), `layerK` = the stage's last block.
 */
function gluonResnet(candidates: readonly LayerCandidate[]): Record<string, string> | undefined {
  const prefix = candidates.map((c) => /^(resnetv2\d*)_stage1_/.exec(c.tensor)?.[1]).find((p) => p !== undefined);
  if (prefix === undefined) return undefined;
  const plus = new RegExp(`^${prefix}_stage([1-4])__plus(\\d+)$`);
  const blocks = candidates.flatMap((c) => {
    const m = plus.exec(c.tensor);
    return m ? [{ candidate: c, stage: Number(m[1]), block: Number(m[2]) }] : [];
  });
  if (![1, 2, 3, 4].every((k) => blocks.some((b) => b.stage === k))) return undefined;
  const firstStage = candidates.findIndex((c) => c.tensor.startsWith(`${prefix}_stage`));
  const out: Record<string, string> = {};
  add(out, 'conv1', lastWhere(candidates.slice(0, firstStage), (c) => c.tensor.startsWith(`${prefix}_`) && !/Pool$/.test(c.opType)));
  for (let k = 1; k <= 4; k++) add(out, `layer${k}`, lastWhere(blocks, (b) => b.stage === k)?.candidate);
  for (const b of blocks) add(out, `layer${b.stage}.${b.block}`, b.candidate);
  return out;
}

/** torchvision mobilenet_v2: features.0 stem, features.1..17 inverted residual blocks, features.18 last conv. */
function torchMobilenetV2(scoped: Scoped[]): Record<string, string> | undefined {
  const feature = (i: number) => scoped.filter((s) => s.path[0] === 'features' && s.path[1] === `features.${i}`);
  const blocks = Array.from({ length: 17 }, (_, i) => feature(i + 1));
  if (feature(0).length === 0 || feature(18).length === 0 || feature(19).length > 0) return undefined;
  if (!blocks.every((b) => b.some((s) => s.path[2] === 'conv'))) return undefined;
  const out: Record<string, string> = {};
  const last = (items: Scoped[]) => items[items.length - 1];
  add(out, 'conv0', last(feature(0)));
  blocks.forEach((b, i) => add(out, `block_${i}`, last(b)));
  add(out, 'conv_last', last(feature(18)));
  for (let i = 0; i <= 18; i++) add(out, `features.${i}`, last(feature(i)));
  return out;
}

/**
 * MXNet Gluon MobileNetV2 (the ONNX zoo's mobilenetv2-7), in the same vocabulary as the other MobileNetV2s: `conv0`
 * (the stem's activation, `mobilenetv20_features_relu0_fwd`), `block_0..block_16` (the last map of each
 * `linearbottleneckN`: its residual sum or its projection), `conv_last` (`..._features_relu1_fwd`), then the Gluon
 * block names `linearbottleneck0..16` as synonyms.
 */
function gluonMobilenetV2(candidates: readonly LayerCandidate[]): Record<string, string> | undefined {
  const prefix = candidates.map((c) => /^(mobilenetv2\d*)_features_linearbottleneck0_/.exec(c.tensor)?.[1]).find((p) => p !== undefined);
  if (prefix === undefined) return undefined;
  const features = `${prefix}_features_`;
  const blockRe = new RegExp(`^${features}linearbottleneck(\\d+)_`);
  const blockOf = candidates.map((c) => blockRe.exec(c.tensor)?.[1]);
  // Each block's output is its last map; the stem and the head are the last maps outside any block before / after them.
  const blocks = new Map<string, LayerCandidate>();
  candidates.forEach((c, i) => blockOf[i] !== undefined && blocks.set(blockOf[i]!, c));
  const first = blockOf.findIndex((b) => b !== undefined);
  const end = blockOf.length - [...blockOf].reverse().findIndex((b) => b !== undefined);
  const outside = (c: LayerCandidate) => c.tensor.startsWith(features) && !blockRe.test(c.tensor) && !/Pool$/.test(c.opType);
  const stem = lastWhere(candidates.slice(0, first), outside);
  const head = lastWhere(candidates.slice(end), outside);
  if (!stem || !head) return undefined;
  const out: Record<string, string> = {};
  add(out, 'conv0', stem);
  [...blocks.values()].forEach((c, i) => add(out, `block_${i}`, c));
  add(out, 'conv_last', head);
  for (const [b, c] of blocks) add(out, `linearbottleneck${b}`, c);
  return out;
}

/** TF-slim scope of a tensor (`MobilenetV2_expanded_conv_3_project_add_fold` -> v2, `expanded_conv_3`). */
function tfScope(name: string): { version: 1 | 2; scope: string } | undefined {
  const v2 = /MobilenetV2[/_](expanded_conv(?:_\d+)?|Conv(?:_\d+)?|Logits)(?=[/_:]|$)/.exec(name);
  if (v2) return { version: 2, scope: v2[1] };
  const v1 = /MobilenetV1[/_](Conv2d_\d+(?:_(?:depthwise|pointwise))?|Logits)(?=[/_:]|$)/.exec(name);
  if (v1) return { version: 1, scope: v1[1] };
  return undefined;
}

function tfMobilenet(candidates: readonly LayerCandidate[]): { family: LayerFamily; aliases: Record<string, string> } | undefined {
  const scoped = candidates.flatMap((c) => {
    const s = tfScope(c.tensor) ?? tfScope(c.nodeName);
    return s ? [{ candidate: c, ...s }] : [];
  });
  const in2 = scoped.filter((s) => s.version === 2);
  const in1 = scoped.filter((s) => s.version === 1);
  const scope = (list: typeof scoped, name: string) => lastWhere(list, (s) => s.scope === name);
  const pool = (list: typeof scoped) => list.find((s) => s.scope === 'Logits' && /Pool$/.test(s.candidate.opType));
  const out: Record<string, string> = {};
  if (in2.length >= in1.length && scope(in2, 'expanded_conv') && scope(in2, 'Conv_1')) {
    const blocks = [...new Set(in2.map((s) => s.scope).filter((s) => s.startsWith('expanded_conv')))];
    add(out, 'conv0', scope(in2, 'Conv'));
    blocks.forEach((b, i) => add(out, `block_${i}`, scope(in2, b)));
    add(out, 'conv_last', scope(in2, 'Conv_1'));
    add(out, 'avgpool', pool(in2));
    for (const name of blocks) add(out, name, scope(in2, name));
    return { family: 'mobilenet_v2', aliases: out };
  }
  const pointwise = [...new Set(in1.map((s) => s.scope).filter((s) => s.endsWith('_pointwise')))];
  if (scope(in1, 'Conv2d_0') && pointwise.length > 0) {
    add(out, 'conv0', scope(in1, 'Conv2d_0'));
    for (const p of pointwise) add(out, `block_${/^Conv2d_(\d+)/.exec(p)?.[1] ?? ''}`, scope(in1, p));
    add(out, 'conv_last', scope(in1, pointwise[pointwise.length - 1]));
    add(out, 'avgpool', pool(in1));
    for (const name of ['Conv2d_0', ...pointwise]) add(out, name, scope(in1, name));
    return { family: 'mobilenet_v1', aliases: out };
  }
  return undefined;
}

/** The family of a graph (from its layer candidates, `layerCandidates(bytes)`) and the aliases it proposes. */
export function proposeLayerNames(candidates: readonly LayerCandidate[]): LayerNaming {
  const scoped: Scoped[] = candidates.map((candidate) => ({ candidate, path: torchModulePath(candidate) }));
  const tops = new Set(scoped.map((s) => s.path[0]).filter((t): t is string => t !== undefined));
  const torch: [LayerFamily, Record<string, string> | undefined][] = [
    ['googlenet', googlenet(scoped, tops)],
    ['resnet', resnet(scoped, tops)],
    ['mobilenet_v2', torchMobilenetV2(scoped)],
  ];
  for (const [family, aliases] of torch) {
    if (aliases) return { family, source: 'torchvision', aliases, input: sourceInput('torchvision') };
  }
  const tf = tfMobilenet(candidates);
  if (tf) return { ...tf, source: 'tf-slim', input: sourceInput('tf-slim') };
  const zoo: [LayerFamily, Exclude<LayerSource, ''>, Record<string, string> | undefined][] = [
    ['googlenet', 'caffe', caffeGooglenet(candidates)],
    ['resnet', 'gluon', gluonResnet(candidates)],
    ['mobilenet_v2', 'gluon', gluonMobilenetV2(candidates)],
  ];
  for (const [family, source, aliases] of zoo) {
    if (aliases) return { family, source, aliases, input: sourceInput(source) };
  }
  return { family: 'generic', source: '', aliases: {} };
}

const FAMILY_NAMES: Record<LayerFamily, string> = {
  googlenet: 'GoogLeNet (Inception-V1)', resnet: 'ResNet', mobilenet_v1: 'MobileNet V1', mobilenet_v2: 'MobileNet V2', generic: '',
};
const SOURCE_NAMES: Record<LayerSource, string> = { torchvision: 'torchvision', 'tf-slim': 'TF-slim', caffe: 'Caffe', gluon: 'MXNet Gluon', '': '' };

/** 'torchvision GoogLeNet (Inception-V1)', 'TF-slim MobileNet V2', 'Caffe GoogLeNet ...', or '' for no known family. */
export function familyTitle(naming: Pick<LayerNaming, 'family' | 'source'>): string {
  if (naming.family === 'generic') return '';
  return `${SOURCE_NAMES[naming.source]} ${FAMILY_NAMES[naming.family]}`;
}

/**
 * A proposed manifest (core/manifest.ts `proposeManifest`) completed with what a known family implies: its layer
 * aliases and the preprocessing of its source (SOURCE_INPUT).
 * Aliases already in the manifest win.
 */
export function withLayerNames(manifest: ModelManifest, naming: LayerNaming): ModelManifest {
  return {
    ...manifest,
    input: naming.input ? { ...manifest.input, ...naming.input } : manifest.input,
    layerAliases: { ...naming.aliases, ...manifest.layerAliases },
  };
}

/** One entry of a layer picker: the name to show and to write in a scene, a shape, and what the layer is. */
export interface LayerChoice {
  layer: LayerInfo;
  label: string;
  description: string;
  detail: string;
}

function shapeText(layer: LayerInfo): string {
  return layer.channels !== undefined ? `${layer.channels}×${layer.height ?? '?'}×${layer.width ?? '?'}` : '';
}

/**
 * Picker entries for a model's layers: the aliased layers first (in graph order), then every other layer named by
 * its tensor, with its op type and index among layers of that type (`Conv #3`) and its shape. A tensor whose name
 * is also an alias of another tensor is left out: a scene could not name it (the alias wins).
 */
export function layerChoices(layers: readonly LayerInfo[], aliases: Record<string, string>): LayerChoice[] {
  const seen = new Map<string, number>();
  const all = layers.map((layer) => {
    const k = seen.get(layer.opType) ?? 0;
    seen.set(layer.opType, k + 1);
    const what = layer.opType === 'Output' ? 'model output' : `${layer.opType} #${k}`;
    return {
      layer,
      label: layer.alias ?? layer.tensor,
      description: shapeText(layer),
      detail: layer.alias !== undefined ? `${what} · ${layer.tensor}` : what,
    };
  });
  const shadowed = (c: LayerChoice) => c.layer.alias === undefined && Object.prototype.hasOwnProperty.call(aliases, c.layer.tensor);
  const kept = all.filter((c) => !shadowed(c));
  return [...kept.filter((c) => c.layer.alias !== undefined), ...kept.filter((c) => c.layer.alias === undefined)];
}
