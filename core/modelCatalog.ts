/**
 * Known public ONNX ImageNet classifiers that *Perturber: Download Model* offers, with what it takes to fetch one
 * safely (URL, size, SHA-256) and to write a correct manifest for it (input, normalisation, output, labels, layer
 * names). Pure data and functions: no vscode, DOM or node:*.
 *
 * Where the numbers come from: the ONNX model zoo (github.com/onnx/models) keeps its .onnx files in Git LFS, so
 * the repository holds a pointer file per model (`oid sha256:<hex>` and `size <bytes>`); size and sha256 below are
 * copied from those pointers at the commit each URL is pinned to. `github.com/<owner>/<repo>/raw/<commit>/<path>`
 * redirects an LFS file to media.githubusercontent.com, which serves the real bytes (raw.githubusercontent.com
 * would serve the pointer). Pinning the commit keeps URL and checksum consistent even if the zoo moves files again
 * (it moved them under `validated/` in 2024). Preprocessing, tensor names and licences are from each model's
 * README in the zoo (cited per entry). Layer names are not listed here: core/layerNames.ts recognises each entry's
 * family in the downloaded graph (`layers` says which it must find) and proposes the aliases, as Add Model does.
 */
import { familyTitle, proposeLayerNames, SOURCE_INPUT, type LayerNaming } from './layerNames';
import { imageInput } from './manifest';
import type { ModelManifest } from './manifestTypes';
import type { LayerCandidate, OnnxTensorInfo } from './onnxGraph';

/** The 1000 ImageNet class names shipped in the extension (models/labels/), copied beside each download. */
export const IMAGENET_LABELS_FILE = 'imagenet1000.txt';

export interface CatalogEntry {
  id: string;
  displayName: string;
  /** One line for the picker. */
  description: string;
  /** File name written in the destination folder; the manifest is the same name with `.model.json`. */
  fileName: string;
  url: string;
  /** Exact size in bytes and lower-case hex SHA-256 of the file (from the zoo's Git LFS pointer). */
  size: number;
  sha256: string;
  licence: string;
  /** The model's page (documentation and licence). */
  homepage: string;
  /** The manifest without labels (always the shipped ImageNet list, offset 0) and without layer aliases. */
  input: ModelManifest['input'];
  output: ModelManifest['output'];
  /** The naming core/layerNames.ts must recognise in the graph; its aliases become the manifest's. */
  layers: Pick<LayerNaming, 'family' | 'source'>;
}

const ZOO = 'https://github.com/onnx/models';
/** A 224 px NCHW input of the given name with a source's preprocessing (RGB unless the source says otherwise). */
const input224 = (name: string, source: keyof typeof SOURCE_INPUT): ModelManifest['input'] => ({
  name, width: 224, height: 224, layout: 'NCHW', channelOrder: 'RGB', ...SOURCE_INPUT[source],
});
const GLUON_RESNET = { family: 'resnet', source: 'gluon' } as const;

export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    // Pointer: onnx/models@4c46cd00fbdb7cd30b6c1c17ab54f2e1f4f7b177
    //   validated/vision/classification/inception_and_googlenet/googlenet/model/googlenet-7.onnx
    //   (oid sha256:5725ccfd..., size 28020232). README (same folder, same commit): Caffe BVLC GoogLeNet via Caffe2,
    //   input data_0 float[1,3,224,224]; output prob (softmax); preprocessing: RGB pixels in [0,255] minus
    //   [123.68, 116.779, 103.939], then channels reversed to BGR (= BGR order, mean [103.939, 116.779, 123.68]).
    //   Licence: BSD-3 (README).
    id: 'googlenet',
    displayName: 'GoogLeNet / Inception-V1 (ONNX zoo, Caffe)',
    description: 'The seed paper\'s architecture: inception3a..5b blocks, 224 px, BGR, softmax output',
    fileName: 'googlenet-7.onnx',
    url: `${ZOO}/raw/4c46cd00fbdb7cd30b6c1c17ab54f2e1f4f7b177/validated/vision/classification/inception_and_googlenet/googlenet/model/googlenet-7.onnx`,
    size: 28_020_232,
    sha256: '5725ccfd90845735ce5897faf7843c3f9b13acda3c4f3bff82cb21c9337c9de8',
    licence: 'BSD-3-Clause',
    homepage: `${ZOO}/tree/main/validated/vision/classification/inception_and_googlenet/googlenet`,
    input: input224('data_0', 'caffe'),
    // The README names the output prob_0; the name actually in the graph is taken at download time.
    output: { name: 'prob_0', kind: 'probabilities' },
    layers: { family: 'googlenet', source: 'caffe' },
  },
  {
    // Pointer: onnx/models@b9a54e89508f101a1611cd64f4ef56b9cb62c7cf vision/classification/resnet/model/resnet50-v2-7.onnx
    //   (oid sha256:1e80e8a7..., size 102442450; README "97.7 MB"). README (validated/vision/classification/resnet):
    //   MXNet Gluon ResNet-v2, input data [N,3,224,224], output resnetv24_dense0_fwd [N,1000] (scores, softmax applied
    //   in post-processing), RGB in [0,1] with ImageNet mean/std. Licence: Apache-2.0.
    id: 'resnet50-v2',
    displayName: 'ResNet-50 v2 (ONNX zoo, MXNet)',
    description: 'Pre-activation ResNet-50, layer1..layer4, 224 px, ImageNet mean/std',
    fileName: 'resnet50-v2-7.onnx',
    url: `${ZOO}/raw/b9a54e89508f101a1611cd64f4ef56b9cb62c7cf/vision/classification/resnet/model/resnet50-v2-7.onnx`,
    size: 102_442_450,
    sha256: '1e80e8a7c8eec8e8b20c440d7dd7f2f8590779c7c2859dc4514870dc463845d3',
    licence: 'Apache-2.0',
    homepage: `${ZOO}/tree/main/validated/vision/classification/resnet`,
    input: input224('data', 'gluon'),
    output: { name: 'resnetv24_dense0_fwd', kind: 'logits' },
    layers: GLUON_RESNET,
  },
  {
    // Pointer: onnx/models@2a67a85e670e61bf9819e9df6dae3771974552ff validated/vision/classification/resnet/model/resnet18-v2-7.onnx
    //   (oid sha256:3b4d0480..., size 46806737; README "44.6 MB"). Same README and preprocessing as ResNet-50 v2.
    id: 'resnet18-v2',
    displayName: 'ResNet-18 v2 (ONNX zoo, MXNet)',
    description: 'A smaller ResNet, layer1..layer4, 224 px, ImageNet mean/std',
    fileName: 'resnet18-v2-7.onnx',
    url: `${ZOO}/raw/2a67a85e670e61bf9819e9df6dae3771974552ff/validated/vision/classification/resnet/model/resnet18-v2-7.onnx`,
    size: 46_806_737,
    sha256: '3b4d048057854022232aa20bf68262e31718ab7119a17f920b8a2dc1433f824b',
    licence: 'Apache-2.0',
    homepage: `${ZOO}/tree/main/validated/vision/classification/resnet`,
    input: input224('data', 'gluon'),
    // Gluon numbers the network prefix per process; the graph's real output name is taken at download time.
    output: { name: 'resnetv22_dense0_fwd', kind: 'logits' },
    layers: GLUON_RESNET,
  },
  {
    // Pointer: onnx/models@13fcb614fdedcc09864c0691c080ccf82ca3b85b vision/classification/mobilenet/model/mobilenetv2-7.onnx
    //   (oid sha256:c1c51358..., size 14246826; README "13.6 MB"). README (same folder): MXNet Gluon MobileNetV2 1.0,
    //   RGB in [0,1] with ImageNet mean/std, 1000 scores (softmax in post-processing); input `data`, output
    //   `mobilenetv20_output_flatten0_reshape0` as onnxruntime reports them. Licence: Apache-2.0.
    id: 'mobilenetv2',
    displayName: 'MobileNetV2 1.0 (ONNX zoo, MXNet)',
    description: 'Small and fast: 17 inverted-residual blocks, 224 px, ImageNet mean/std',
    fileName: 'mobilenetv2-7.onnx',
    url: `${ZOO}/raw/13fcb614fdedcc09864c0691c080ccf82ca3b85b/vision/classification/mobilenet/model/mobilenetv2-7.onnx`,
    size: 14_246_826,
    sha256: 'c1c513582d56afceff8516c73804e484c81c6a830712ab6d682253f4a3cd042f',
    licence: 'Apache-2.0',
    homepage: `${ZOO}/tree/main/validated/vision/classification/mobilenet`,
    input: input224('data', 'gluon'),
    output: { name: 'mobilenetv20_output_flatten0_reshape0', kind: 'logits' },
    layers: { family: 'mobilenet_v2', source: 'gluon' },
  },
];

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  return MODEL_CATALOG.find((entry) => entry.id === id);
}

/** 28020232 -> "26.7 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** What the downloaded graph says (core/onnxGraph inspectModel + layerCandidates). */
export interface GraphFacts {
  inputs: readonly OnnxTensorInfo[];
  outputs: readonly OnnxTensorInfo[];
  /** The watchable layers, in graph order (`layerCandidates(bytes)`). */
  layers: readonly LayerCandidate[];
}

/**
 * The manifest for a catalogue model. With the graph's facts, names the catalogue got wrong (the zoo's READMEs are
 * not always exact) are replaced by the graph's, and the layer aliases are the ones core/layerNames.ts proposes for
 * the graph (a note when it does not find the entry's family there); `notes` says what was changed or left out.
 */
export function catalogManifest(entry: CatalogEntry, graph?: GraphFacts): { manifest: ModelManifest; notes: string[] } {
  const notes: string[] = [];
  const input = { ...entry.input, range: [...entry.input.range] as [number, number], mean: [...entry.input.mean] as [number, number, number], std: [...entry.input.std] as [number, number, number] };
  const output = { ...entry.output };
  let layerAliases: Record<string, string> = {};
  if (graph) {
    if (!graph.inputs.some((t) => t.name === input.name)) {
      const found = imageInput(graph)?.tensor ?? graph.inputs[0];
      if (found) {
        notes.push(`input "${input.name}" is not in the graph; using "${found.name}"`);
        input.name = found.name;
      }
    }
    if (!graph.outputs.some((t) => t.name === output.name) && graph.outputs[0]) {
      notes.push(`output "${output.name}" is not in the graph; using "${graph.outputs[0].name}"`);
      output.name = graph.outputs[0].name;
    }
    const naming = proposeLayerNames(graph.layers);
    if (naming.family !== entry.layers.family || naming.source !== entry.layers.source) {
      const found = familyTitle(naming);
      notes.push(
        `layer names: the graph is not the expected ${familyTitle(entry.layers) || 'generic graph'} ` +
          (found ? `but a ${found}; using its names` : 'and of no known family; no layer aliases'),
      );
    }
    layerAliases = naming.aliases;
  }
  const manifest: ModelManifest = {
    version: 1,
    displayName: entry.displayName,
    input,
    output,
    labels: IMAGENET_LABELS_FILE,
    labelOffset: 0,
    layerAliases,
  };
  return { manifest, notes };
}
