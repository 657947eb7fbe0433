/**
 * Watched layers get their own sessions (exposing every layer blocks ONNX Runtime's fusions): any watch set must
 * give the same numbers as the bare graph for the logits and as a graph exposing every layer for the maps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { addGraphOutputs, layerCandidates } from '../../core/onnxGraph';
import { LayerSessions } from '../../src/inference/layerSessions';
import { OrtSession, type Tensor32 } from '../../src/inference/ortBackend';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture', 'fixture.onnx');
const SETTINGS = { threads: 1, executionProviders: ['cpu'] };

function input(seed: number): Record<string, Tensor32> {
  let s = seed;
  const data = new Float32Array(3 * 64 * 64).map(() => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
  return { input: { data, dims: [1, 3, 64, 64] } };
}

test('any watch set gives the logits of the bare graph and the maps of the all-layers graph', async () => {
  const bytes = new Uint8Array(readFileSync(FIXTURE));
  const tensors = layerCandidates(bytes).map((c) => c.tensor);
  const all = (await OrtSession.create(addGraphOutputs(bytes, tensors), SETTINGS)).session;
  const bare = (await OrtSession.create(bytes, SETTINGS)).session;
  const sessions = new LayerSessions(bytes, SETTINGS, new Set(['logits']), bare, 2);
  try {
    const feeds = input(7);
    const reference = await all.run(feeds, ['logits', 'conv1_relu', 'conv2_relu', 'conv3_relu']);
    for (const watch of [[], ['conv1_relu'], ['conv2_relu', 'conv1_relu'], ['conv3_relu'], ['conv1_relu']]) {
      const got = await sessions.run(feeds, ['logits', ...watch]);
      assert.deepEqual([...got.keys()], ['logits', ...watch]);
      for (const [name, value] of got) {
        const want = reference.get(name)!;
        assert.deepEqual(value.dims, want.dims);
        const maxDiff = value.data.reduce((m, v, i) => Math.max(m, Math.abs(v - want.data[i])), 0);
        assert.ok(maxDiff < 1e-4, `${name} with watch [${watch}] differs by ${maxDiff}`);
      }
    }
    await assert.rejects(sessions.run(feeds, ['logits', 'no_such_tensor']), /no_such_tensor/);
    // The failed build is not cached, and the sessions still work afterwards.
    assert.equal((await sessions.run(feeds, ['logits', 'conv3_relu'])).size, 2);
  } finally {
    await sessions.dispose();
    await all.dispose();
  }
  await assert.rejects(sessions.run(input(1), ['logits']), /unloaded/);
});
