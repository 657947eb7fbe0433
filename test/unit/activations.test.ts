import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractNeurons } from '../../core/activations';

const iota = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);

test('NCHW: each channel is a contiguous plane', () => {
  const r = extractNeurons(iota(12), [1, 2, 2, 3], 'NCHW', [1, 0]);
  assert.equal(r.channels, 2);
  assert.equal(r.height, 2);
  assert.equal(r.width, 3);
  assert.deepEqual(r.missing, []);
  assert.deepEqual(r.neurons.map((n) => n.index), [1, 0]);
  assert.deepEqual(Array.from(r.neurons[0].map), [6, 7, 8, 9, 10, 11]);
  assert.deepEqual([r.neurons[0].mean, r.neurons[0].min, r.neurons[0].max], [8.5, 6, 11]);
  assert.deepEqual(Array.from(r.neurons[1].map), [0, 1, 2, 3, 4, 5]);
  assert.equal(r.neurons[1].mean, 2.5);
});

test('NHWC: a channel is strided across pixels', () => {
  const r = extractNeurons(iota(12), [1, 2, 3, 2], 'NHWC', [1]);
  assert.deepEqual([r.channels, r.height, r.width], [2, 2, 3]);
  assert.deepEqual(Array.from(r.neurons[0].map), [1, 3, 5, 7, 9, 11]);
  assert.deepEqual([r.neurons[0].mean, r.neurons[0].min, r.neurons[0].max], [6, 1, 11]);
});

test('only batch item 0 is read', () => {
  const data = Float32Array.from([1, 2, 3, 4, 100, 200, 300, 400]);
  const r = extractNeurons(data, [2, 1, 2, 2], 'NCHW', [0]);
  assert.deepEqual(Array.from(r.neurons[0].map), [1, 2, 3, 4]);
});

test('neurons the layer lacks are reported as missing, not thrown', () => {
  const r = extractNeurons(iota(12), [1, 2, 2, 3], 'NCHW', [5, 0, -1, 2]);
  assert.deepEqual(r.neurons.map((n) => n.index), [0]);
  assert.deepEqual(r.missing, [5, -1, 2]);
});

test('2-D [1, C] outputs become 1x1 maps', () => {
  const r = extractNeurons(Float32Array.from([-1, 0.5, 2, 7]), [1, 4], 'NCHW', [2, 3]);
  assert.deepEqual([r.channels, r.height, r.width], [4, 1, 1]);
  assert.deepEqual(r.neurons.map((n) => [n.index, n.mean, n.min, n.max, Array.from(n.map)]), [
    [2, 2, 2, 2, [2]],
    [3, 7, 7, 7, [7]],
  ]);
});

test('negative activations: min, max and mean', () => {
  const r = extractNeurons(Float32Array.from([-4, 2, -1, 3]), [1, 1, 2, 2], 'NCHW', [0]);
  assert.deepEqual([r.neurons[0].mean, r.neurons[0].min, r.neurons[0].max], [0, -4, 3]);
});

test('unsupported shapes and short data are errors', () => {
  assert.throws(() => extractNeurons(iota(8), [1, 2, 4], 'NCHW', [0]), /neither \[N, C\] nor 4-D/);
  assert.throws(() => extractNeurons(iota(5), [1, 2, 2, 3], 'NCHW', [0]), /fewer than one item/);
});
