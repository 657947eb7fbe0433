/**
 * The download catalogue: every entry is well-formed (https URL pinned to a zoo commit, real-looking size and
 * SHA-256, unique ids and file names), yields a manifest the schema accepts, and gets its layer aliases from
 * core/layerNames on graphs named as its exporter names them. Also the shipped ImageNet label file.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseLabelFile } from '../../core/labels';
import { parseManifest } from '../../core/manifest';
import { familyTitle, proposeLayerNames } from '../../core/layerNames';
import { catalogManifest, findCatalogEntry, formatBytes, IMAGENET_LABELS_FILE, MODEL_CATALOG } from '../../core/modelCatalog';
import type { LayerCandidate, OnnxTensorInfo } from '../../core/onnxGraph';
import { checkDownloadUrl } from '../../src/download/verifiedDownload';

const REPO = path.join(__dirname, '..', '..', '..');

test('catalogue entries are well-formed and distinct', () => {
  assert.ok(MODEL_CATALOG.length >= 3);
  assert.deepEqual(MODEL_CATALOG.map((e) => e.id), ['googlenet', 'resnet50-v2', 'resnet18-v2', 'mobilenetv2']);
  for (const e of MODEL_CATALOG) {
    assert.equal(checkDownloadUrl(e.url), undefined, `${e.id}: https`);
    assert.equal(checkDownloadUrl(e.url, false), undefined);
    // github.com/onnx/models/raw/<40-hex commit>/<path ending in the file name>: the LFS-served bytes.
    assert.match(e.url, new RegExp(`^https://github\\.com/onnx/models/raw/[0-9a-f]{40}/[\\w./-]+/${e.fileName.replace(/\./g, '\\.')}$`), e.id);
    assert.match(e.sha256, /^[0-9a-f]{64}$/, e.id);
    assert.ok(Number.isInteger(e.size) && e.size > 1_000_000, `${e.id}: size`);
    assert.match(e.fileName, /^[\w.-]+\.onnx$/);
    assert.ok(e.licence && e.homepage.startsWith('https://'));
    assert.equal(findCatalogEntry(e.id), e);
  }
  for (const key of ['id', 'fileName', 'sha256', 'url'] as const) {
    assert.equal(new Set(MODEL_CATALOG.map((e) => e[key])).size, MODEL_CATALOG.length, `${key} is unique`);
  }
  assert.equal(findCatalogEntry('nope'), undefined);
});

test('the zoo pointers\' sizes and hashes are the ones recorded (a typo here breaks every download)', () => {
  const recorded = Object.fromEntries(MODEL_CATALOG.map((e) => [e.id, `${e.size} ${e.sha256.slice(0, 8)}`]));
  assert.deepEqual(recorded, {
    googlenet: '28020232 5725ccfd',
    'resnet50-v2': '102442450 1e80e8a7',
    'resnet18-v2': '46806737 3b4d0480',
    mobilenetv2: '14246826 c1c51358',
  });
});

test('every entry gives a manifest the schema accepts, with the shipped ImageNet labels at offset 0', () => {
  for (const e of MODEL_CATALOG) {
    const { manifest, notes } = catalogManifest(e);
    assert.deepEqual(notes, []);
    const parsed = parseManifest(JSON.stringify(manifest));
    assert.deepEqual(parsed.errors, [], e.id);
    assert.equal(parsed.manifest?.labels, IMAGENET_LABELS_FILE);
    assert.equal(parsed.manifest?.labelOffset, 0);
    assert.equal(parsed.manifest?.input.width, 224);
  }
  const googlenet = catalogManifest(findCatalogEntry('googlenet')!).manifest;
  // Caffe: BGR, [0,255], BGR means, softmax already applied.
  assert.deepEqual([googlenet.input.channelOrder, googlenet.input.range, googlenet.input.mean, googlenet.output.kind], ['BGR', [0, 255], [103.939, 116.779, 123.68], 'probabilities']);
  const resnet = catalogManifest(findCatalogEntry('resnet50-v2')!).manifest;
  assert.deepEqual([resnet.input.channelOrder, resnet.input.range, resnet.input.mean, resnet.input.std, resnet.output.kind], ['RGB', [0, 1], [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], 'logits']);
});

const t = (name: string, dims: OnnxTensorInfo['dims'] = [1, 3, 224, 224]): OnnxTensorInfo => ({ name, elemType: 'float32', dims });
const layer = (tensor: string, opType: string): LayerCandidate => ({ tensor, opType, nodeName: '' });

/**
 * The layer candidates (core/onnxGraph layerCandidates: Conv, Relu, BatchNormalization, pooling, Concat, Add; not LRN,
 * GlobalAveragePool, Flatten or Gemm) of the zoo graphs, in graph order, with the names their exporters give them:
 * Caffe2's `scope/name_1` for googlenet-7, MXNet Gluon's `prefix_block_layerN_fwd` for resnet*-v2-7 and mobilenetv2-7.
 */
const ZOO_GRAPHS = {
  googlenet: (): LayerCandidate[] => {
    const conv = (scope: string, name: string, relu = name) => [layer(`${scope}/${name}_1`, 'Conv'), layer(`${scope}/relu_${relu}_1`, 'Relu')];
    const out = [...conv('conv1', '7x7_s2', '7x7'), layer('pool1/3x3_s2_1', 'MaxPool'), ...conv('conv2', '3x3_reduce'), ...conv('conv2', '3x3'), layer('pool2/3x3_s2_1', 'MaxPool')];
    for (const b of INCEPTION) {
      const s = `inception_${b}`;
      out.push(...conv(s, '1x1'), ...conv(s, '3x3_reduce'), ...conv(s, '3x3'), ...conv(s, '5x5_reduce'), ...conv(s, '5x5'));
      out.push(layer(`${s}/pool_1`, 'MaxPool'), ...conv(s, 'pool_proj'), layer(`${s}/output_1`, 'Concat'));
      if (b === '3b' || b === '4e') out.push(layer(`pool${b[0]}/3x3_s2_1`, 'MaxPool'));
    }
    return [...out, layer('pool5/7x7_s1_1', 'AveragePool')];
  },
  resnet50v2: (p = 'resnetv24'): LayerCandidate[] => {
    const out = [layer(`${p}_batchnorm0_fwd`, 'BatchNormalization'), layer(`${p}_conv0_fwd`, 'Conv'), layer(`${p}_batchnorm1_fwd`, 'BatchNormalization'),
      layer(`${p}_relu0_fwd`, 'Relu'), layer(`${p}_pool0_fwd`, 'MaxPool')];
    [3, 4, 6, 3].forEach((blocks, i) => {
      const s = `${p}_stage${i + 1}_`;
      // Pre-activation bottlenecks: (BN, ReLU, conv) x 3, the first with a projection conv, then the sum.
      let n = 0;
      let conv = 0;
      for (let b = 0; b < blocks; b++) {
        for (let k = 0; k < 3; k++, n++) {
          out.push(layer(`${s}batchnorm${n}_fwd`, 'BatchNormalization'), layer(`${s}activation${n}`, 'Relu'));
          if (b === 0 && k === 0) out.push(layer(`${s}conv${conv++}_fwd`, 'Conv'));
          out.push(layer(`${s}conv${conv++}_fwd`, 'Conv'));
        }
        out.push(layer(`${s}_plus${b}`, 'Add'));
      }
    });
    return [...out, layer(`${p}_batchnorm2_fwd`, 'BatchNormalization'), layer(`${p}_relu1_fwd`, 'Relu')];
  },
  mobilenetv2: (): LayerCandidate[] => {
    const f = 'mobilenetv20_features_';
    const cbr = (s: string, n: number, relu = true) =>
      [layer(`${s}conv${n}_fwd`, 'Conv'), layer(`${s}batchnorm${n}_fwd`, 'BatchNormalization'), ...(relu ? [layer(`${s}relu${n}_fwd`, 'Relu')] : [])];
    const residual = new Set([2, 4, 5, 7, 8, 9, 11, 12, 14, 15]);
    const out = cbr(f, 0);
    for (let b = 0; b <= 16; b++) {
      const s = `${f}linearbottleneck${b}_`;
      out.push(...cbr(s, 0), ...cbr(s, 1), ...cbr(s, 2, false), ...(residual.has(b) ? [layer(`${s}elemwise_add0`, 'Add')] : []));
    }
    return [...out, ...cbr(f, 1), layer('mobilenetv20_output_pred_fwd', 'Conv')];
  },
};
const INCEPTION = ['3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b'];

test('layer aliases of the zoo graphs come from core/layerNames, in the vocabulary of the torchvision families', () => {
  const googlenet = catalogManifest(findCatalogEntry('googlenet')!, { inputs: [t('data_0')], outputs: [t('prob_1', [1, 1000])], layers: ZOO_GRAPHS.googlenet() });
  // Caffe's conv2 scope holds torchvision's conv2 (1x1 reduce) and conv3 (3x3); Lucid's names follow as synonyms.
  const stem = { conv1: 'conv1/relu_7x7_1', conv2: 'conv2/relu_3x3_reduce_1', conv3: 'conv2/relu_3x3_1' };
  const blocks = Object.fromEntries(INCEPTION.map((b) => [`inception${b}`, `inception_${b}/output_1`]));
  const lucid = { conv2d0: stem.conv1, conv2d1: stem.conv2, conv2d2: stem.conv3, ...Object.fromEntries(INCEPTION.map((b) => [`mixed${b}`, blocks[`inception${b}`]])) };
  assert.deepEqual(googlenet.manifest.layerAliases, { ...stem, ...blocks, ...lucid });
  assert.deepEqual(Object.keys(googlenet.manifest.layerAliases), Object.keys({ ...stem, ...blocks, ...lucid }));
  assert.equal(googlenet.manifest.output.name, 'prob_1');
  assert.deepEqual(googlenet.notes, ['output "prob_0" is not in the graph; using "prob_1"']);

  const resnet = catalogManifest(findCatalogEntry('resnet50-v2')!, { inputs: [t('data')], outputs: [t('resnetv24_dense0_fwd', [1, 1000])], layers: ZOO_GRAPHS.resnet50v2() });
  const expected: Record<string, string> = { conv1: 'resnetv24_relu0_fwd' };
  const last = [2, 3, 5, 2];
  for (let k = 1; k <= 4; k++) expected[`layer${k}`] = `resnetv24_stage${k}__plus${last[k - 1]}`;
  for (let k = 1; k <= 4; k++) for (let b = 0; b <= last[k - 1]; b++) expected[`layer${k}.${b}`] = `resnetv24_stage${k}__plus${b}`;
  assert.deepEqual(resnet.manifest.layerAliases, expected);
  assert.deepEqual(Object.keys(resnet.manifest.layerAliases), Object.keys(expected));
  assert.deepEqual(resnet.notes, []);
  // ResNet-18 v2 is the same family under Gluon's per-process prefix (resnetv22_...).
  const resnet18 = catalogManifest(findCatalogEntry('resnet18-v2')!, { inputs: [t('data')], outputs: [t('resnetv22_dense0_fwd', [1, 1000])], layers: ZOO_GRAPHS.resnet50v2('resnetv22') });
  assert.equal(resnet18.manifest.layerAliases.layer3, 'resnetv22_stage3__plus5');
  assert.deepEqual(resnet18.notes, []);

  const mobilenet = catalogManifest(findCatalogEntry('mobilenetv2')!, { inputs: [t('data')], outputs: [t('mobilenetv20_output_flatten0_reshape0', [1, 1000])], layers: ZOO_GRAPHS.mobilenetv2() });
  const residual = new Set([2, 4, 5, 7, 8, 9, 11, 12, 14, 15]);
  const block = (b: number) => `mobilenetv20_features_linearbottleneck${b}_${residual.has(b) ? 'elemwise_add0' : 'batchnorm2_fwd'}`;
  const mExpected: Record<string, string> = { conv0: 'mobilenetv20_features_relu0_fwd' };
  for (let b = 0; b <= 16; b++) mExpected[`block_${b}`] = block(b);
  mExpected.conv_last = 'mobilenetv20_features_relu1_fwd';
  for (let b = 0; b <= 16; b++) mExpected[`linearbottleneck${b}`] = block(b);
  assert.deepEqual(mobilenet.manifest.layerAliases, mExpected);
  assert.deepEqual(Object.keys(mobilenet.manifest.layerAliases), Object.keys(mExpected));
  assert.deepEqual(mobilenet.notes, []);
});

test('each zoo graph is recognised as its entry\'s family, with the entry\'s preprocessing', () => {
  const graphs: Record<string, LayerCandidate[]> = {
    googlenet: ZOO_GRAPHS.googlenet(), 'resnet50-v2': ZOO_GRAPHS.resnet50v2(), 'resnet18-v2': ZOO_GRAPHS.resnet50v2('resnetv22'), mobilenetv2: ZOO_GRAPHS.mobilenetv2(),
  };
  for (const e of MODEL_CATALOG) {
    const naming = proposeLayerNames(graphs[e.id]);
    assert.deepEqual([naming.family, naming.source], [e.layers.family, e.layers.source], e.id);
    // What Add Model would propose for the same file agrees with the catalogue's input.
    const { range, mean, std, channelOrder } = e.input;
    assert.deepEqual({ channelOrder: 'RGB', ...naming.input }, { range, mean, std, channelOrder }, e.id);
  }
  assert.deepEqual(
    MODEL_CATALOG.map((e) => familyTitle(e.layers)),
    ['Caffe GoogLeNet (Inception-V1)', 'MXNet Gluon ResNet', 'MXNet Gluon ResNet', 'MXNet Gluon MobileNet V2'],
  );
});

test('a graph that is not the entry\'s family: no aliases (or its own family\'s), and a note', () => {
  const partial = ZOO_GRAPHS.googlenet().filter((c) => !c.tensor.startsWith('inception_5'));
  const googlenet = catalogManifest(findCatalogEntry('googlenet')!, { inputs: [t('data_0')], outputs: [t('prob_0', [1, 1000])], layers: partial });
  assert.deepEqual(googlenet.manifest.layerAliases, {});
  assert.deepEqual(googlenet.notes, ['layer names: the graph is not the expected Caffe GoogLeNet (Inception-V1) and of no known family; no layer aliases']);
  const swapped = catalogManifest(findCatalogEntry('resnet50-v2')!, { inputs: [t('data')], outputs: [t('resnetv24_dense0_fwd', [1, 1000])], layers: ZOO_GRAPHS.mobilenetv2() });
  assert.equal(swapped.manifest.layerAliases.block_3, 'mobilenetv20_features_linearbottleneck3_batchnorm2_fwd');
  assert.deepEqual(swapped.notes, ['layer names: the graph is not the expected MXNet Gluon ResNet but a MXNet Gluon MobileNet V2; using its names']);
});

test('an unexpected graph input is replaced by its image input', () => {
  const { manifest, notes } = catalogManifest(findCatalogEntry('resnet18-v2')!, {
    inputs: [t('mask', [1]), t('pixels', ['N', 3, 224, 224])],
    outputs: [t('scores', [1, 1000])],
    layers: [],
  });
  assert.equal(manifest.input.name, 'pixels');
  assert.equal(manifest.output.name, 'scores');
  assert.deepEqual(notes, [
    'input "data" is not in the graph; using "pixels"',
    'output "resnetv22_dense0_fwd" is not in the graph; using "scores"',
    'layer names: the graph is not the expected MXNet Gluon ResNet and of no known family; no layer aliases',
  ]);
});

test('the shipped ImageNet label file: 1000 classes in the standard order, no background class', () => {
  const text = fs.readFileSync(path.join(REPO, 'models', 'labels', IMAGENET_LABELS_FILE), 'utf8');
  const labels = parseLabelFile(text);
  assert.equal(labels.length, 1000);
  assert.equal(labels[0], 'tench, Tinca tinca');
  assert.equal(labels[281], 'tabby, tabby cat');
  assert.equal(labels[968], 'cup');
  assert.equal(labels[999], 'toilet tissue, toilet paper, bathroom tissue');
  assert.ok(!labels.some((l) => /^background$/i.test(l) || l === ''));
  assert.equal(createHash('sha256').update(text).digest('hex'), '4eb3da435cf544e4a6f390f62c84cb9c9bb68cf8b14e97f8a063452382e5efd2');
});

test('formatBytes', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(28_020_232), '26.7 MiB');
  assert.equal(formatBytes(102_442_450), '97.7 MiB');
});
