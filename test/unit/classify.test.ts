import { test } from 'node:test';
import assert from 'node:assert/strict';
import { predictionsFromOutput, softmax, topK } from '../../core/classify';
import type { ModelManifest } from '../../core/manifestTypes';

function manifest(kind: 'logits' | 'probabilities', labelOffset = 0): ModelManifest {
  return {
    version: 1,
    displayName: 'm',
    input: {
      name: 'input', width: 1, height: 1, layout: 'NCHW', channelOrder: 'RGB',
      range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1],
    },
    output: { name: 'logits', kind },
    labels: [],
    labelOffset,
    layerAliases: {},
  };
}

test('softmax of [1, 2, 3] matches the closed form and sums to 1', () => {
  const p = softmax(Float32Array.from([1, 2, 3]));
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
  const z = e[0] + e[1] + e[2];
  e.forEach((v, i) => assert.ok(Math.abs(p[i] - v / z) < 1e-7, `p[${i}] = ${p[i]}`));
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-6);
});

test('softmax is stable for logits of 1e4', () => {
  const p = softmax(Float32Array.from([1e4, 1e4, 0, -1e4]));
  assert.deepEqual(Array.from(p), [0.5, 0.5, 0, 0]);
});

test('softmax of 1001 equal logits is uniform; of nothing is empty', () => {
  const p = softmax(new Float32Array(1001).fill(3));
  assert.ok(p.every((v) => Math.abs(v - 1 / 1001) < 1e-9));
  assert.equal(softmax(new Float32Array(0)).length, 0);
});

test('topK: largest first, ties keep the lower index first', () => {
  const v = [0.1, 0.5, 0.5, 0.3, 0.5];
  assert.deepEqual(topK(v, 3), [{ index: 1, value: 0.5 }, { index: 2, value: 0.5 }, { index: 4, value: 0.5 }]);
  assert.deepEqual(topK(v, 4).map((r) => r.index), [1, 2, 4, 3]);
  assert.deepEqual(topK([2, 2, 2], 2).map((r) => r.index), [0, 1]);
});

test('topK: k larger than the input, zero, negative values, NaN', () => {
  assert.deepEqual(topK([-3, -1, -2], 10).map((r) => r.index), [1, 2, 0]);
  assert.deepEqual(topK([1, 2], 0), []);
  assert.deepEqual(topK([NaN, 1, NaN, 0], 3).map((r) => r.index), [1, 3]);
});

test('topK agrees with a full sort on seeded random data', () => {
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const values = Array.from({ length: 1001 }, () => Math.round(rand() * 50));
  const sorted = values.map((value, index) => ({ index, value })).sort((a, b) => b.value - a.value || a.index - b.index);
  assert.deepEqual(topK(values, 5), sorted.slice(0, 5));
});

test('predictions: softmax applied to logits, labels by index', () => {
  const out = predictionsFromOutput(Float32Array.from([0, Math.log(3)]), manifest('logits'), ['cat', 'dog'], 5);
  assert.equal(out.length, 2);
  assert.deepEqual(out.map((p) => [p.index, p.label]), [[1, 'dog'], [0, 'cat']]);
  assert.ok(Math.abs(out[0].probability - 0.75) < 1e-6);
  assert.ok(Math.abs(out[1].probability - 0.25) < 1e-6);
});

test('predictions: a probabilities output is not softmaxed again', () => {
  const out = predictionsFromOutput(Float32Array.from([0.2, 0.7, 0.1]), manifest('probabilities'), ['a', 'b', 'c'], 2);
  assert.deepEqual(out, [
    { index: 1, label: 'b', probability: Math.fround(0.7) },
    { index: 0, label: 'a', probability: Math.fround(0.2) },
  ]);
});

test('predictions: label offset skips a background class; unnamed outputs get "class N"', () => {
  const out = predictionsFromOutput(Float32Array.from([0.5, 0.3, 0.2]), manifest('probabilities', 1), ['cat'], 3);
  assert.deepEqual(out.map((p) => p.label), ['class 0', 'cat', 'class 2']);
});

test('predictions: k defaults to 5', () => {
  assert.equal(predictionsFromOutput(new Float32Array(10), manifest('logits'), []).length, 5);
});
