import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MODEL_SCHEMA, parseManifest, proposeManifest } from '../../core/manifest';
import type { OnnxModelInfo } from '../../core/onnxGraph';

const REPO = path.resolve(__dirname, '..', '..', '..');

const MINIMAL = {
  version: 1,
  displayName: 'Tiny',
  input: { name: 'x', width: 32, height: 16 },
  output: { name: 'y' },
  labels: 'labels.txt',
};

function info(inputs: OnnxModelInfo['inputs'], outputs: OnnxModelInfo['outputs'] = []): OnnxModelInfo {
  return {
    irVersion: 7, opsets: [{ domain: '', version: 13 }], producer: 'test', inputs, outputs,
    nodeCount: 1, opCounts: { Conv: 1 }, parameterCount: 0, externalData: false,
  };
}

test('defaults are filled in', () => {
  const { manifest, errors } = parseManifest(JSON.stringify(MINIMAL));
  assert.deepEqual(errors, []);
  assert.deepEqual(manifest, {
    version: 1,
    displayName: 'Tiny',
    input: {
      name: 'x', width: 32, height: 16, layout: 'NCHW', channelOrder: 'RGB',
      range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1],
    },
    output: { name: 'y', kind: 'logits' },
    labels: 'labels.txt',
    labelOffset: 0,
    layerAliases: {},
  });
});

test('given values are kept, and defaults are fresh objects for every parse', () => {
  const text = JSON.stringify({
    ...MINIMAL,
    input: { ...MINIMAL.input, layout: 'NHWC', channelOrder: 'BGR', range: [0, 255], mean: [1, 2, 3], std: [4, 5, 6] },
    output: { name: 'p', kind: 'probabilities' },
    labels: ['a', 'b'],
    labelOffset: 1,
    layerAliases: { mixed4a: 'tensor_1' },
  });
  const { manifest } = parseManifest(text);
  assert.deepEqual(manifest?.input, {
    name: 'x', width: 32, height: 16, layout: 'NHWC', channelOrder: 'BGR', range: [0, 255], mean: [1, 2, 3], std: [4, 5, 6],
  });
  assert.deepEqual([manifest?.output.kind, manifest?.labelOffset, manifest?.layerAliases], ['probabilities', 1, { mixed4a: 'tensor_1' }]);
  const a = parseManifest(JSON.stringify(MINIMAL)).manifest;
  const b = parseManifest(JSON.stringify(MINIMAL)).manifest;
  assert.ok(a && b);
  a.input.mean[0] = 9;
  assert.deepEqual(b.input.mean, [0, 0, 0]);
});

test('errors name the path and the problem', () => {
  const bad = JSON.stringify({ ...MINIMAL, input: { ...MINIMAL.input, layout: 'CHW', std: [1, 0, 1] }, extra: true });
  const { manifest, errors } = parseManifest(bad);
  assert.equal(manifest, null);
  assert.deepEqual(errors.sort(), [
    '(manifest): unknown property "extra"',
    '/input/layout must be one of "NCHW", "NHWC"',
    '/input/std/1 must be > 0',
  ]);
});

test('missing required fields, wrong version, bad labels, not JSON', () => {
  const { input: _input, ...noInput } = MINIMAL;
  assert.deepEqual(parseManifest(JSON.stringify({ ...noInput, version: 2 })).errors.sort(), [
    "(manifest) must have required property 'input'",
    '/version must be 1',
  ]);
  assert.deepEqual(parseManifest(JSON.stringify({ ...MINIMAL, labels: 3 })).errors, [
    '/labels must match exactly one schema in oneOf',
  ]);
  const notJson = parseManifest('{ "version": 1, ');
  assert.equal(notJson.manifest, null);
  assert.match(notJson.errors[0], /^not valid JSON: /);
  assert.equal(parseManifest('[]').manifest, null);
});

test('the manifests in the repo validate', () => {
  for (const file of ['models/fixture/fixture.model.json', 'test/fixtures/mobilenet_v2_1.0_224.model.json']) {
    const { errors } = parseManifest(readFileSync(path.join(REPO, file), 'utf8'));
    assert.deepEqual(errors, [], file);
  }
});

test('MODEL_SCHEMA is the draft-07 schema file', () => {
  assert.equal(MODEL_SCHEMA.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(MODEL_SCHEMA.additionalProperties, false);
});

test('proposeManifest: NCHW input and the first output', () => {
  const proposed = proposeManifest(
    info(
      [{ name: 'input', elemType: 'float32', dims: ['batch', 3, 64, 48] }],
      [{ name: 'logits', elemType: 'float32', dims: ['batch', 8] }, { name: 'aux', elemType: 'float32', dims: [] }],
    ),
    'fixture',
  );
  assert.deepEqual(proposed, {
    version: 1,
    displayName: 'fixture',
    input: {
      name: 'input', width: 48, height: 64, layout: 'NCHW', channelOrder: 'RGB',
      range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1],
    },
    output: { name: 'logits', kind: 'logits' },
    labels: [],
    labelOffset: 0,
    layerAliases: {},
  });
  // What is proposed is itself a valid manifest.
  assert.deepEqual(parseManifest(JSON.stringify(proposed)), { manifest: proposed, errors: [] });
});

test('proposeManifest: NHWC, skipping non-image inputs; symbolic sizes fall back to 224', () => {
  const nhwc = proposeManifest(
    info(
      [
        { name: 'mask', elemType: 'int64', dims: [1, 3, 8, 8] },
        { name: 'image', elemType: 'float32', dims: [1, 'h', 'w', 3] },
      ],
      [{ name: 'probs', elemType: 'float32', dims: [1, 10] }],
    ),
    'tf model',
  );
  assert.deepEqual(
    [nhwc.input.name, nhwc.input.layout, nhwc.input.width, nhwc.input.height, nhwc.output.name],
    ['image', 'NHWC', 224, 224, 'probs'],
  );
  const none = proposeManifest(info([{ name: 'tokens', elemType: 'int64', dims: [1, 77] }]), 'text');
  assert.deepEqual([none.input.name, none.input.layout, none.input.width, none.output.name], ['tokens', 'NCHW', 224, 'output']);
});
