/**
 * Human layer names for known model families, found from the graph's own tensor and node names: torchvision
 * GoogLeNet, ResNet and MobileNetV2 (torch.onnx scoped names such as `/layer1/layer1.0/relu_1/Relu_output_0`) and
 * the TF-slim MobileNets V1/V2 (TFLite or tf2onnx conversions, `MobilenetV2_expanded_conv_3_add`). Add Model
 * writes the result into the proposed manifest's `layerAliases`; any other graph keeps the generic layer list
 * (every candidate by its tensor name, op type and shape).
 */
import type { LayerInfo, ModelInputSpec, ModelManifest } from './manifestTypes';
import type { LayerCandidate } from './onnxGraph';

export type LayerFamily = 'googlenet' | 'resnet' | 'mobilenet_v1' | 'mobilenet_v2' | 'generic';

export interface LayerNaming {
  family: LayerFamily;
  /** Where the names come from: 'torchvision', 'tf-slim' or '' (generic). */
  source: 'torchvision' | 'tf-slim' | '';
  /** Alias -> tensor, primary names first (in graph order), then synonyms (e.g. Lucid's `mixed4a`). */
  aliases: Record<string, string>;
  /** The preprocessing every model of this source was trained with (range, mean, std); absent when unknown. */
  input?: Pick<ModelInputSpec, 'range' | 'mean' | 'std'>;
}

const IMAGENET_MEAN_STD: Pick<ModelInputSpec, 'range' | 'mean' | 'std'> = {
  range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
};
const TF_SLIM_INPUT: Pick<ModelInputSpec, 'range' | 'mean' | 'std'> = { range: [-1, 1], mean: [0, 0, 0], std: [1, 1, 1] };

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

function googlenet(scoped: Scoped[], tops: Set<string>): Record<string, string> | undefined {
  if (!INCEPTION_BLOCKS.every((b) => tops.has(`inception${b}`)) || !tops.has('conv1')) return undefined;
  const out: Record<string, string> = {};
  const top = (name: string) => lastWhere(scoped, (s) => s.path[0] === name);
  for (const name of ['conv1', 'conv2', 'conv3']) add(out, name, top(name));
  for (const b of INCEPTION_BLOCKS) add(out, `inception${b}`, top(`inception${b}`));
  // Lucid's InceptionV1 vocabulary (the seed paper's): conv2d0..2 are the stem convolutions, mixed3a.. the blocks.
  ['conv1', 'conv2', 'conv3'].forEach((name, i) => add(out, `conv2d${i}`, top(name)));
  for (const b of INCEPTION_BLOCKS) add(out, `mixed${b}`, top(`inception${b}`));
  return out;
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
    if (aliases) return { family, source: 'torchvision', aliases, input: { ...IMAGENET_MEAN_STD } };
  }
  const tf = tfMobilenet(candidates);
  if (tf) return { ...tf, source: 'tf-slim', input: { ...TF_SLIM_INPUT } };
  return { family: 'generic', source: '', aliases: {} };
}

const FAMILY_NAMES: Record<LayerFamily, string> = {
  googlenet: 'GoogLeNet (Inception-V1)', resnet: 'ResNet', mobilenet_v1: 'MobileNet V1', mobilenet_v2: 'MobileNet V2', generic: '',
};

/** 'torchvision GoogLeNet (Inception-V1)', 'TF-slim MobileNet V2', or '' for a graph of no known family. */
export function familyTitle(naming: LayerNaming): string {
  if (naming.family === 'generic') return '';
  return `${naming.source === 'tf-slim' ? 'TF-slim' : naming.source} ${FAMILY_NAMES[naming.family]}`;
}

/**
 * A proposed manifest (core/manifest.ts `proposeManifest`) completed with what a known family implies: its layer
 * aliases and the preprocessing of its source (torchvision: [0, 1] with ImageNet mean/std; TF-slim: [-1, 1]).
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
