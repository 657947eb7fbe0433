/**
 * Layer names for known families (core/layerNames.ts) on graph-only exports of torchvision models
 * (test/unit/fixtures/models/make_graph_fixtures.py) and on the real MobileNets of ../shared/models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { familyTitle, layerChoices, proposeLayerNames, torchModulePath, withLayerNames } from '../../core/layerNames';
import { proposeManifest } from '../../core/manifest';
import type { LayerInfo } from '../../core/manifestTypes';
import { inspectModel, layerCandidates } from '../../core/onnxGraph';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'test', 'unit', 'fixtures', 'models');
const SHARED_MODELS = path.resolve(REPO, '..', 'shared', 'models');

function naming(file: string) {
  const bytes = readFileSync(file);
  const candidates = layerCandidates(bytes);
  return { ...proposeLayerNames(candidates), candidates, info: inspectModel(bytes) };
}

/** alias -> [tensor, shape without batch] for checking names and where they point at once. */
function described(n: ReturnType<typeof naming>): Record<string, string> {
  const dims = new Map(n.candidates.map((c) => [c.tensor, (c.dims ?? []).slice(1).join('x')]));
  return Object.fromEntries(Object.entries(n.aliases).map(([alias, tensor]) => [alias, `${tensor} ${dims.get(tensor) ?? '?'}`]));
}

const INCEPTION = ['3a', '3b', '4a', '4b', '4c', '4d', '4e', '5a', '5b'];

test('torchvision GoogLeNet: conv1..3 and inception3a..5b (the Concat outputs), then the Lucid names as synonyms', () => {
  const n = naming(path.join(FIXTURES, 'googlenet.graph.onnx'));
  assert.deepEqual([n.family, n.source, familyTitle(n)], ['googlenet', 'torchvision', 'torchvision GoogLeNet (Inception-V1)']);
  const channels = [256, 480, 512, 512, 512, 528, 832, 832, 1024];
  const sizes = [28, 28, 14, 14, 14, 14, 14, 7, 7];
  const primary: Record<string, string> = {
    conv1: '/conv1/Relu_output_0 64x112x112',
    conv2: '/conv2/Relu_output_0 64x56x56',
    conv3: '/conv3/Relu_output_0 192x56x56',
  };
  INCEPTION.forEach((b, i) => (primary[`inception${b}`] = `/inception${b}/Concat_output_0 ${channels[i]}x${sizes[i]}x${sizes[i]}`));
  const lucid: Record<string, string> = { conv2d0: primary.conv1, conv2d1: primary.conv2, conv2d2: primary.conv3 };
  for (const b of INCEPTION) lucid[`mixed${b}`] = primary[`inception${b}`];
  assert.deepEqual(described(n), { ...primary, ...lucid });
  // Order matters: the loader shows the first alias of a tensor, so the torchvision names come first.
  assert.deepEqual(Object.keys(n.aliases), [...Object.keys(primary), ...Object.keys(lucid)]);
});

test('torchvision ResNet-18: conv1 (the stem after its ReLU), layer1..layer4 and every block layerN.M', () => {
  const n = naming(path.join(FIXTURES, 'resnet18.graph.onnx'));
  assert.deepEqual([n.family, n.source], ['resnet', 'torchvision']);
  const block = (s: number, b: number) => `/layer${s}/layer${s}.${b}/relu_1/Relu_output_0`;
  const size = (s: number) => `${64 << (s - 1)}x${56 >> (s - 1)}x${56 >> (s - 1)}`;
  const expected: Record<string, string> = { conv1: '/relu/Relu_output_0 64x112x112' };
  for (let s = 1; s <= 4; s++) expected[`layer${s}`] = `${block(s, 1)} ${size(s)}`;
  for (let s = 1; s <= 4; s++) for (let b = 0; b <= 1; b++) expected[`layer${s}.${b}`] = `${block(s, b)} ${size(s)}`;
  assert.deepEqual(described(n), expected);
  assert.deepEqual(Object.keys(n.aliases), Object.keys(expected));
});

test('torchvision MobileNetV2: conv0, block_0..block_16 (features.1..17), conv_last, and features.N synonyms', () => {
  const n = naming(path.join(FIXTURES, 'mobilenet_v2.graph.onnx'));
  assert.deepEqual([n.family, n.source], ['mobilenet_v2', 'torchvision']);
  const residual = new Set([3, 5, 6, 8, 9, 10, 12, 13, 15, 16]);
  const feature = (i: number) =>
    i === 0 ? '/features/features.0/features.0.2/Clip_output_0'
      : i === 18 ? '/features/features.18/features.18.2/Clip_output_0'
        : i === 1 ? '/features/features.1/conv/conv.1/Conv_output_0'
          : residual.has(i) ? `/features/features.${i}/Add_output_0` : `/features/features.${i}/conv/conv.2/Conv_output_0`;
  const expected: Record<string, string> = { conv0: feature(0) };
  for (let b = 0; b <= 16; b++) expected[`block_${b}`] = feature(b + 1);
  expected.conv_last = feature(18);
  for (let i = 0; i <= 18; i++) expected[`features.${i}`] = feature(i);
  assert.deepEqual(n.aliases, expected);
  assert.deepEqual(Object.keys(n.aliases), Object.keys(expected));
  assert.equal(described(n).block_16, `${feature(17)} 320x7x7`);
});

const SHARED = [
  {
    file: 'mobilenet_v2_1.0_224.onnx',
    family: 'mobilenet_v2',
    expected: (() => {
      const residual = new Set([2, 4, 5, 7, 8, 9, 11, 12, 14, 15]);
      const scope = (b: number) => (b === 0 ? 'expanded_conv' : `expanded_conv_${b}`);
      const out = (b: number) => `MobilenetV2_${scope(b)}_${residual.has(b) ? 'add' : 'project_add_fold'}`;
      const e: Record<string, string> = { conv0: 'MobilenetV2_Conv_Relu6' };
      for (let b = 0; b <= 16; b++) e[`block_${b}`] = out(b);
      Object.assign(e, { conv_last: 'MobilenetV2_Conv_1_Relu6', avgpool: 'MobilenetV2_Logits_AvgPool' });
      for (let b = 0; b <= 16; b++) e[scope(b)] = out(b);
      return e;
    })(),
  },
  {
    file: 'mobilenet_v1_0.75_192.onnx',
    family: 'mobilenet_v1',
    expected: (() => {
      const t = (scope: string) => `MobilenetV1_MobilenetV1_${scope}_Relu6`;
      const e: Record<string, string> = { conv0: t('Conv2d_0') };
      for (let b = 1; b <= 13; b++) e[`block_${b}`] = t(`Conv2d_${b}_pointwise`);
      Object.assign(e, { conv_last: t('Conv2d_13_pointwise'), avgpool: 'MobilenetV1_Logits_AvgPool_1a_AvgPool', Conv2d_0: t('Conv2d_0') });
      for (let b = 1; b <= 13; b++) e[`Conv2d_${b}_pointwise`] = t(`Conv2d_${b}_pointwise`);
      return e;
    })(),
  },
];

for (const m of SHARED) {
  test(`TF-slim ${m.file} from ../shared/models: conv0, block_N in order, conv_last, avgpool, TF scope synonyms`, (t) => {
    const file = path.join(SHARED_MODELS, m.file);
    if (!existsSync(file)) {
      t.skip(`${file} not present (../shared/models is absent)`);
      return;
    }
    const n = naming(file);
    assert.deepEqual([n.family, n.source, n.input], [m.family, 'tf-slim', { range: [-1, 1], mean: [0, 0, 0], std: [1, 1, 1] }]);
    assert.deepEqual(n.aliases, m.expected);
    assert.deepEqual(Object.keys(n.aliases), Object.keys(m.expected));
  });
}

test('any other graph falls back to the generic list: no family, no aliases, no preprocessing guess', () => {
  const n = naming(path.join(REPO, 'models', 'fixture', 'fixture.onnx'));
  assert.deepEqual([n.family, n.source, n.aliases, n.input, familyTitle(n)], ['generic', '', {}, undefined, '']);
  // A graph with one torchvision-like scope is not enough to claim a family.
  const partial = n.candidates.map((c, i) => ({ ...c, tensor: `/inception3a/Concat_output_${i}` }));
  assert.equal(proposeLayerNames(partial).family, 'generic');
});

test('torchModulePath reads the scope from the tensor, else from the node name', () => {
  assert.deepEqual(torchModulePath({ tensor: '/layer1/layer1.0/relu_1/Relu_output_0', nodeName: '' }), ['layer1', 'layer1.0', 'relu_1']);
  assert.deepEqual(torchModulePath({ tensor: '123', nodeName: '/inception3a/Concat' }), ['inception3a']);
  assert.deepEqual(torchModulePath({ tensor: '/Flatten_output_0', nodeName: '/Flatten' }), []);
  assert.deepEqual(torchModulePath({ tensor: 'conv1_relu', nodeName: 'conv1_relu' }), []);
});

test('withLayerNames fills the proposed manifest: aliases and the family preprocessing; the manifest keeps its own aliases', () => {
  const n = naming(path.join(FIXTURES, 'googlenet.graph.onnx'));
  const proposed = proposeManifest(n.info, 'googlenet');
  const manifest = withLayerNames({ ...proposed, layerAliases: { mixed4a: 'mine' } }, n);
  assert.deepEqual(manifest.input, { ...proposed.input, range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assert.equal(manifest.layerAliases.inception4a, '/inception4a/Concat_output_0');
  assert.equal(manifest.layerAliases.mixed4a, 'mine');
  assert.deepEqual([manifest.input.name, manifest.input.width, manifest.output.name], ['input', 224, 'logits']);
  const generic = withLayerNames(proposed, { family: 'generic', source: '', aliases: {} });
  assert.deepEqual(generic, proposed);
});

test('layerChoices lists aliased layers first, then the rest by op type index and shape, hiding shadowed tensors', () => {
  const layers: LayerInfo[] = [
    { tensor: 't0', opType: 'Conv', channels: 8, height: 4, width: 4 },
    { tensor: 't1', opType: 'Relu', alias: 'conv1', channels: 8, height: 4, width: 4 },
    { tensor: 't2', opType: 'Conv', channels: 16, height: 2, width: 2 },
    { tensor: 'conv9', opType: 'Relu' },
    { tensor: 't3', opType: 'Concat', alias: 'mixed3a', channels: 32, height: 2, width: 2 },
    { tensor: 'logits', opType: 'Output', channels: 10, height: 1, width: 1 },
  ];
  const choices = layerChoices(layers, { conv1: 't1', mixed3a: 't3', conv9: 't0' });
  assert.deepEqual(choices.map((c) => [c.label, c.description, c.detail]), [
    ['conv1', '8×4×4', 'Relu #0 · t1'],
    ['mixed3a', '32×2×2', 'Concat #0 · t3'],
    ['t0', '8×4×4', 'Conv #0'],
    ['t2', '16×2×2', 'Conv #1'],
    ['logits', '10×1×1', 'model output'],
  ]);
});
