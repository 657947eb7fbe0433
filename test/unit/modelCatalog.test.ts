/**
 * The download catalogue: every entry is well-formed (https URL pinned to a zoo commit, real-looking size and
 * SHA-256, unique ids and file names), yields a manifest the schema accepts, and resolves its layer aliases
 * against graph names of the shapes its exporter produces. Also the shipped ImageNet label file.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseLabelFile } from '../../core/labels';
import { parseManifest } from '../../core/manifest';
import { catalogManifest, findCatalogEntry, formatBytes, IMAGENET_LABELS_FILE, MODEL_CATALOG } from '../../core/modelCatalog';
import type { OnnxTensorInfo } from '../../core/onnxGraph';
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

test('aliases resolve to the last matching layer of each block, in graph order', () => {
  const googlenet = catalogManifest(findCatalogEntry('googlenet')!, {
    inputs: [t('data_0')],
    outputs: [t('prob_1', [1, 1000])],
    layerTensors: ['conv1/7x7_s2_1', 'conv1/relu_7x7_1', 'conv2/3x3_1', 'conv2/relu_3x3_1', 'inception_3a/1x1_1', 'inception_3a/output_1', 'inception_3b/output_1', 'inception_4c/output_1'],
  });
  assert.deepEqual(googlenet.manifest.layerAliases, {
    conv1: 'conv1/relu_7x7_1', conv2: 'conv2/relu_3x3_1', inception3a: 'inception_3a/output_1', inception3b: 'inception_3b/output_1', inception4c: 'inception_4c/output_1',
  });
  assert.equal(googlenet.manifest.output.name, 'prob_1');
  assert.deepEqual(googlenet.notes.filter((n) => !n.startsWith('layer alias')), ['output "prob_0" is not in the graph; using "prob_1"']);
  assert.equal(googlenet.notes.filter((n) => n.startsWith('layer alias')).length, 6, 'inception4a/4b/4d/4e/5a/5b missing');

  const resnet = catalogManifest(findCatalogEntry('resnet50-v2')!, {
    inputs: [t('data')],
    outputs: [t('resnetv24_dense0_fwd', [1, 1000])],
    layerTensors: ['resnetv24_conv0_fwd', 'resnetv24_pool0_fwd', 'resnetv24_stage1_conv0_fwd', 'resnetv24_stage1__plus0', 'resnetv24_stage1__plus2', 'resnetv24_stage2_batchnorm0_fwd', 'resnetv24_stage2__plus3', 'resnetv24_stage3__plus5', 'resnetv24_stage4__plus2'],
  });
  assert.deepEqual(resnet.manifest.layerAliases, { stem: 'resnetv24_pool0_fwd', layer1: 'resnetv24_stage1__plus2', layer2: 'resnetv24_stage2__plus3', layer3: 'resnetv24_stage3__plus5', layer4: 'resnetv24_stage4__plus2' });
  assert.deepEqual(resnet.notes, []);

  const mobilenet = catalogManifest(findCatalogEntry('mobilenetv2')!, {
    inputs: [t('data')],
    outputs: [t('mobilenetv20_output_flatten0_reshape0', [1, 1000])],
    layerTensors: ['mobilenetv20_features_linearbottleneck1_batchnorm2_fwd', 'mobilenetv20_features_linearbottleneck10_elemwise_add0', 'mobilenetv20_features_relu1_fwd'],
  });
  assert.equal(mobilenet.manifest.layerAliases.block1, 'mobilenetv20_features_linearbottleneck1_batchnorm2_fwd', 'block1 does not take block10');
  assert.equal(mobilenet.manifest.layerAliases.block10, 'mobilenetv20_features_linearbottleneck10_elemwise_add0');
  assert.equal(mobilenet.manifest.layerAliases.features, 'mobilenetv20_features_relu1_fwd');
});

test('an unexpected graph input is replaced by its image input', () => {
  const { manifest, notes } = catalogManifest(findCatalogEntry('resnet18-v2')!, {
    inputs: [t('mask', [1]), t('pixels', ['N', 3, 224, 224])],
    outputs: [t('scores', [1, 1000])],
    layerTensors: [],
  });
  assert.equal(manifest.input.name, 'pixels');
  assert.equal(manifest.output.name, 'scores');
  assert.equal(notes.length, 2 + 5);
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
