/**
 * The `channels` objective (core/gradients/objective.ts, for feature visualisation): each batch item scores its own
 * channel mean or unit, times its sign. Values against the original model's layer output in float64; gradients
 * against central finite differences (smooth graphs: Conv + Tanh, so no kinks), at opsets 11, 13 and 18; bad items
 * are rejected with a message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildGradientModel } from '../../core/gradients';
import type { ChannelItem } from '../../core/gradients/objective';
import { addGraphOutputs } from '../../core/onnxGraph';
import { init, model, node, seeded, size } from './gradientsHarness';

/** sign x (mean of channel c, or the unit) of item n of a [N, C, ...] output, in float64. */
function reference(out: ort.Tensor, n: number, it: ChannelItem): number {
  const dims = out.dims as number[];
  const C = dims[1];
  const S = size(dims.slice(2));
  const data = out.data as Float32Array;
  const base = (n * C + it.channel) * S;
  if (it.y !== undefined) return it.sign * data[base + it.y * dims[3] + it.x!];
  let s = 0;
  for (let i = 0; i < S; i++) s += data[base + i];
  return (it.sign * s) / S;
}

async function checkChannels(label: string, bytes: Uint8Array, tensor: string, items: ChannelItem[], dims: number[]) {
  const objective = { kind: 'channels' as const, tensor, items };
  const grad = await ort.InferenceSession.create(buildGradientModel(bytes, { objective }));
  const fwd = await ort.InferenceSession.create(addGraphOutputs(bytes, [tensor]));
  const x = Float32Array.from(seeded(size(dims), 4242, -1, 1));
  const per = size(dims) / dims[0];
  const f = async (data: Float32Array, n: number) => reference((await fwd.run({ x: new ort.Tensor('float32', data, dims) }))[tensor], n, items[n]);
  try {
    const res = await grad.run({ x: new ort.Tensor('float32', x, dims) });
    const value = res.objective.data as Float32Array;
    const g = res.grad_input.data as Float32Array;
    assert.deepEqual(res.objective.dims, [dims[0]]);
    for (let n = 0; n < dims[0]; n++) {
      const ref = await f(x, n);
      assert.ok(Math.abs(value[n] - ref) <= 1e-5 * Math.max(1, Math.abs(ref)), `${label}: objective[${n}] ${value[n]} vs ${ref}`);
    }
    const h = 1e-2;
    const checks: [number, number][] = [];
    let maxFd = 0;
    for (let j = 0; j < 48; j++) {
      const i = Math.floor((j * x.length) / 48) + (j % 3);
      const p = Float32Array.from(x);
      const m = Float32Array.from(x);
      p[i] += h;
      m[i] -= h;
      const n = Math.floor(i / per);
      const fd = ((await f(p, n)) - (await f(m, n))) / (p[i] - m[i]);
      maxFd = Math.max(maxFd, Math.abs(fd));
      checks.push([i, fd]);
    }
    assert.ok(maxFd > 0, `${label}: the objective does not depend on the input`);
    for (const [i, fd] of checks) {
      assert.ok(Math.abs(g[i] - fd) <= 1e-2 * maxFd + 1e-5, `${label}: element ${i}: gradient ${g[i]} vs finite difference ${fd}`);
    }
  } finally {
    await grad.release();
    await fwd.release();
  }
}

const convTanh = (opset: number) =>
  model({
    nodes: [node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }), node('Tanh', ['c'], ['y']), node('GlobalAveragePool', ['y'], ['p']), node('Flatten', ['p'], ['out'])],
    inits: [init('w', [5, 3, 3, 3]), init('b', [5])],
    input: [3, 3, 6, 7],
    output: 'out',
    opset,
  });

test('channels: per-item channel means with signs, units and a mix, at opsets 11, 13 and 18', async () => {
  const mixed: ChannelItem[] = [{ channel: 2, sign: 1 }, { channel: 4, y: 3, x: 5, sign: -1 }, { channel: 0, sign: -1 }];
  for (const opset of [11, 13, 18]) {
    const bytes = convTanh(opset);
    await checkChannels(`means opset ${opset}`, bytes, 'y', [{ channel: 1, sign: 1 }, { channel: 3, sign: -1 }, { channel: 1, sign: 1 }], [3, 3, 6, 7]);
    await checkChannels(`mixed opset ${opset}`, bytes, 'y', mixed, [3, 3, 6, 7]);
  }
});

test('channels: a [N, C] tensor (the mean of one value is the value itself)', async () => {
  await checkChannels('rank 2', convTanh(13), 'out', [{ channel: 4, sign: 1 }, { channel: 0, sign: -1 }, { channel: 2, sign: 1 }], [3, 3, 6, 7]);
});

test('channels: bad items are rejected with a message', () => {
  const bytes = convTanh(13);
  const build = (items: unknown) => () => buildGradientModel(bytes, { objective: { kind: 'channels', tensor: 'y', items: items as ChannelItem[] } });
  assert.throws(build([]), /no items/);
  assert.throws(build([{ channel: -1, sign: 1 }]), /invalid channel/);
  assert.throws(build([{ channel: 1.5, sign: 1 }]), /invalid channel/);
  assert.throws(build([{ channel: 1, sign: 2 }]), /sign must be 1 or -1/);
  assert.throws(build([{ channel: 1, y: 2, sign: 1 }]), /both y and x/);
  assert.throws(build([{ channel: 1, y: 2, x: -1, sign: 1 }]), /invalid x/);
});
