// core/attacks/pgd.ts: exact optima on a linear objective (Linf and L2), the ball and [0, 1] constraints after every
// step, seeding, cancellation, option checks; then real targeted attacks on the lab's standard model through
// ModelGradients (ONNX Runtime): Linf cross-checked with the plain inference path, and L2 with its constraints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { pgd, type GradientFn, type PgdOptions } from '../../core/attacks/pgd';
import { parseManifest } from '../../core/manifest';
import { rgbaToFloat } from '../../core/perturbations/pipeline';
import { floatToModelInput } from '../../core/preprocess';
import { ModelGradients } from '../../src/inference/modelGradients';

function seeded(n: number, seed: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

function linear(w: Float32Array): GradientFn {
  return async (x) => {
    let objective = 0;
    for (let i = 0; i < x.length; i++) objective += w[i] * x[i];
    return { objective, grad: Float32Array.from(w) };
  };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
const norm2 = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

const BASE: PgdOptions = { norm: 'linf', epsilon: 0.1, stepSize: 0.04, steps: 5, randomStart: false, seed: 0 };

test('Linf PGD on a linear objective reaches its optimum x0 + eps * sign(w), clipped to [0, 1]', async () => {
  const n = 40;
  const x0 = seeded(n, 1, 0, 1);
  x0.set([0, 1, 0.05, 0.97, 0.5], 0); // at and near the bounds
  const w = seeded(n, 2, -1, 1);
  w.set([1, -1, -2, 3, 0], 0); // pushing into the bounds, and a zero weight
  const result = await pgd(x0, linear(w), BASE);
  assert.equal(result.stepsDone, 5);
  assert.equal(result.cancelled, false);
  assert.equal(result.objectives.length, 6);
  const expected = Array.from(x0, (x, i) => clamp01(x + 0.1 * Math.sign(w[i])) - x);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(result.delta[i] - expected[i]) <= 1e-7, `delta[${i}] ${result.delta[i]} vs ${expected[i]}`);
  assert.equal(result.delta[4], 0, 'no step where the gradient is 0');
  assert.ok(Math.abs(result.delta[2] + 0.05) < 1e-7 && Math.abs(result.delta[3] - 0.03) < 1e-7, 'clipped at 0 and 1');
  assert.ok(Math.abs(result.objectives[5] - dot(w, x0.map((x, i) => x + expected[i]))) < 1e-5);
  // Each step moves every coordinate by at most stepSize, so the optimum is reached after ceil(eps / step) = 3 steps.
  for (let k = 1; k < result.objectives.length; k++) assert.ok(result.objectives[k] >= result.objectives[k - 1] - 1e-9, `objective fell at step ${k}`);
  assert.ok(result.objectives[2] < result.objectives[3], 'still climbing at step 3');
  assert.ok(Math.abs(result.objectives[3] - result.objectives[5]) < 1e-6, 'at the optimum from step 3 on');
});

test('L2 PGD on a linear objective reaches eps * w / ||w||', async () => {
  const n = 50;
  const x0 = seeded(n, 3, 0.4, 0.6);
  const w = seeded(n, 4, -1, 1);
  const eps = 0.5;
  const result = await pgd(x0, linear(w), { ...BASE, norm: 'l2', epsilon: eps, stepSize: 0.2, steps: 5 });
  const wn = norm2(w);
  for (let i = 0; i < n; i++) {
    const expected = (eps * w[i]) / wn;
    assert.ok(Math.abs(result.delta[i] - expected) <= 1e-6, `delta[${i}] ${result.delta[i]} vs ${expected}`);
  }
  assert.ok(Math.abs(norm2(result.delta) - eps) < 1e-6);
  // Steps of exactly 0.2 along w until the ball (after 3 steps: 0.6 > 0.5, projected).
  assert.ok(Math.abs(result.objectives[1] - result.objectives[0] - 0.2 * wn) < 1e-5);
  assert.ok(Math.abs(result.objectives[5] - (dot(w, x0) + eps * wn)) < 1e-5);
});

/** A smooth, non-linear objective with a gradient that changes sign across the image. */
const wavy: GradientFn = async (x) => {
  let objective = 0;
  const grad = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const a = 1 + (i % 7);
    objective += Math.sin(a * x[i] + i);
    grad[i] = a * Math.cos(a * x[i] + i);
  }
  return { objective, grad };
};

for (const norm of ['linf', 'l2'] as const) {
  test(`${norm}: with a random start, delta stays in the ball and x0 + delta in [0, 1] after every step`, async () => {
    const n = 300;
    const x0 = seeded(n, 5, 0, 1);
    for (let i = 0; i < n; i += 10) x0[i] = i % 20 === 0 ? 0 : 1;
    const eps = norm === 'linf' ? 0.2 : 2;
    const seen: Float32Array[] = [];
    const gradient: GradientFn = async (x) => {
      for (let i = 0; i < n; i++) assert.ok(x[i] >= 0 && x[i] <= 1, `x[${i}] = ${x[i]} passed to the gradient`);
      seen.push(Float32Array.from(x));
      return wavy(x);
    };
    let steps = 0;
    let reachedBall = false;
    const result = await pgd(x0, gradient, { norm, epsilon: eps, stepSize: eps * 0.6, steps: 8, randomStart: true, seed: 7 }, {
      onStep(step, objective, delta) {
        steps++;
        assert.equal(step, steps);
        assert.equal(objective, wavyAt(seen, step));
        const size = norm === 'linf' ? Math.max(...Array.from(delta, Math.abs)) : norm2(delta);
        assert.ok(size <= eps * (1 + 1e-6), `step ${step}: |delta| = ${size} > ${eps}`);
        // L2: clamping to [0, 1] after the projection shortens delta a little (many pixels sit at 0 or 1 here).
        if (size >= eps * (norm === 'linf' ? 1 - 1e-6 : 0.9)) reachedBall = true;
        for (let i = 0; i < n; i++) {
          const x = x0[i] + delta[i];
          assert.ok(x >= -1e-7 && x <= 1 + 1e-7, `step ${step}: x0 + delta = ${x} at ${i}`);
        }
      },
    });
    assert.equal(steps, 8);
    assert.equal(result.objectives.length, 9);
    assert.ok(reachedBall, 'the steps reach the boundary of the ball (8 steps of 0.6 eps: the projection was exercised)');
    // The random start moved the first evaluated point off x0 (inside the ball).
    const start = seen[0].map((v, i) => v - x0[i]);
    assert.ok(norm2(start) > 0.1 * eps);
    assert.ok((norm === 'linf' ? Math.max(...Array.from(start, Math.abs)) : norm2(start)) <= eps * (1 + 1e-6));
  });
}

/** The objective the attack reported before step `step`: the gradient function's value at the point it saw. */
function wavyAt(seen: Float32Array[], step: number): number {
  let objective = 0;
  const x = seen[step - 1];
  for (let i = 0; i < x.length; i++) objective += Math.sin((1 + (i % 7)) * x[i] + i);
  return objective;
}

test('the same seed gives the same delta, another seed another one (both norms)', async () => {
  const x0 = seeded(200, 8, 0.2, 0.8);
  for (const norm of ['linf', 'l2'] as const) {
    const options: PgdOptions = { norm, epsilon: norm === 'linf' ? 0.05 : 0.5, stepSize: 0.01, steps: 2, randomStart: true, seed: 11 };
    const a = await pgd(x0, wavy, options);
    const b = await pgd(x0, wavy, options);
    const c = await pgd(x0, wavy, { ...options, seed: 12 });
    assert.deepEqual(a.delta, b.delta, norm);
    assert.deepEqual(a.objectives, b.objectives, norm);
    assert.notDeepEqual(a.delta, c.delta, norm);
    const none = await pgd(x0, wavy, { ...options, randomStart: false, steps: 0 });
    assert.ok(none.delta.every((v) => v === 0), `${norm}: no random start and no steps: delta = 0`);
    const start = await pgd(x0, wavy, { ...options, steps: 0 });
    assert.ok(start.delta.some((v) => v !== 0), `${norm}: the random start alone moves the image`);
  }
});

test('cancellation after k steps returns the k steps done, with the objective at the returned delta', async () => {
  const x0 = seeded(30, 9, 0, 1);
  let evaluations = 0;
  const counted: GradientFn = async (x) => {
    evaluations++;
    return wavy(x);
  };
  let done = 0;
  const result = await pgd(x0, counted, { ...BASE, steps: 10 }, { onStep: () => void done++, isCancelled: () => done >= 3 });
  assert.equal(result.stepsDone, 3);
  assert.equal(result.cancelled, true);
  assert.equal(result.objectives.length, 4);
  assert.equal(evaluations, 4);
  const x = x0.map((v, i) => clamp01(v + result.delta[i]));
  assert.ok(Math.abs(result.objectives[3] - (await wavy(x)).objective) < 1e-5);
  const immediately = await pgd(x0, wavy, { ...BASE, steps: 10 }, { isCancelled: () => true });
  assert.deepEqual([immediately.stepsDone, immediately.cancelled, immediately.objectives.length], [0, true, 1]);
  const awaited: number[] = [];
  await pgd(x0, wavy, { ...BASE, steps: 3 }, {
    onStep: async (step) => {
      await new Promise((r) => setTimeout(r, 1));
      awaited.push(step);
    },
  });
  assert.deepEqual(awaited, [1, 2, 3], 'onStep is awaited, in order');
});

test('invalid options, images and gradients are clear errors', async () => {
  const x0 = new Float32Array(4).fill(0.5);
  const bad: [Partial<PgdOptions> | Record<string, unknown>, RegExp][] = [
    [{ norm: 'l1' }, /norm must be 'linf' or 'l2'/],
    [{ epsilon: -0.1 }, /epsilon must be a finite number >= 0/],
    [{ epsilon: NaN }, /epsilon must be a finite number >= 0/],
    [{ stepSize: Infinity }, /stepSize must be a finite number >= 0/],
    [{ steps: 2.5 }, /steps must be an integer >= 0/],
    [{ steps: -1 }, /steps must be an integer >= 0/],
    [{ randomStart: 'yes' }, /randomStart must be true or false/],
    [{ seed: -3 }, /seed must be an integer/],
  ];
  for (const [patch, message] of bad) {
    await assert.rejects(pgd(x0, wavy, { ...BASE, ...patch } as PgdOptions), message, JSON.stringify(patch));
  }
  await assert.rejects(pgd(Float32Array.from([0.5, 1.5]), wavy, BASE), /image value 1.5 at index 1 is outside \[0, 1\]/);
  await assert.rejects(pgd(new Float32Array(0), wavy, BASE), /non-empty/);
  await assert.rejects(pgd(x0, async () => ({ objective: 1, grad: new Float32Array(3) }), BASE), /gradient holds 3 values, expected 4/);
  await assert.rejects(pgd(x0, async () => ({ objective: NaN, grad: new Float32Array(4) }), BASE), /objective is NaN/);
  await assert.rejects(pgd(x0, async () => ({ objective: 0, grad: new Float32Array(4).fill(NaN) }), BASE), /gradient is NaN/);
});

// ------------------------------------------------------------------------------------------ a real model

const LAB = path.resolve(__dirname, '..', '..', '..', 'models', 'lab');

function logSoftmax(logits: Float32Array, k: number): number {
  let m = -Infinity;
  for (const v of logits) m = Math.max(m, v);
  let s = 0;
  for (const v of logits) s += Math.exp(v - m);
  return logits[k] - m - Math.log(s);
}

test('targeted Linf PGD (8/255, 20 steps) on the lab standard model makes a non-predicted class top-1; ORT inference agrees', async () => {
  const { manifest, errors } = parseManifest(readFileSync(path.join(LAB, 'standard.model.json'), 'utf8'));
  assert.deepEqual(errors, []);
  assert.ok(manifest);
  const bytes = new Uint8Array(readFileSync(path.join(LAB, 'standard.onnx')));
  const png = PNG.sync.read(readFileSync(path.join(LAB, 'samples', '00000-dog.png')));
  assert.deepEqual([png.width, png.height], [manifest.input.width, manifest.input.height]);
  const x0 = rgbaToFloat({ width: png.width, height: png.height, pixels: new Uint8Array(png.data) }).data;
  const plain = await ort.InferenceSession.create(bytes);
  const logitsOf = async (x: Float32Array): Promise<Float32Array> => {
    const input = floatToModelInput({ width: 64, height: 64, data: x }, manifest.input);
    const out = await plain.run({ [manifest.input.name]: new ort.Tensor('float32', input, [1, 3, 64, 64]) });
    return out[manifest.output.name].data as Float32Array;
  };
  const gradients = new ModelGradients(bytes, manifest, { threads: 0, executionProviders: [] });
  try {
    const clean = await logitsOf(x0);
    const predicted = clean.indexOf(Math.max(...clean));
    // Targets from the most to the least likely other class; the attack must succeed on at least one.
    const targets = [...clean.keys()].filter((k) => k !== predicted).sort((a, b) => clean[b] - clean[a]);
    const log: string[] = [];
    let success: number | undefined;
    for (const target of targets.slice(0, 3)) {
      const objective = { kind: 'logSoftmax' as const, weights: { [target]: 1 } };
      const gradient: GradientFn = async (x) => {
        const run = await gradients.run(x, 1, objective);
        return { objective: run.objective[0], grad: run.gradInput };
      };
      const result = await pgd(x0, gradient, { norm: 'linf', epsilon: 8 / 255, stepSize: 2 / 255, steps: 20, randomStart: false, seed: 0 });
      assert.equal(result.stepsDone, 20);
      const first = result.objectives[0];
      const last = result.objectives[result.objectives.length - 1];
      assert.ok(last > first, `target ${target}: the objective increased (${first} -> ${last})`);
      assert.ok(Math.max(...Array.from(result.delta, Math.abs)) <= 8 / 255 + 1e-6);
      assert.ok(Math.abs(first - logSoftmax(clean, target)) < 1e-4, 'the gradient model reads the clean image like inference');
      const attacked = x0.map((v, i) => clamp01(v + result.delta[i]));
      const logits = await logitsOf(attacked);
      const reference = logSoftmax(logits, target);
      assert.ok(Math.abs(reference - last) <= 1e-4, `target ${target}: ORT inference log-softmax ${reference} vs the gradient model's ${last}`);
      const top = logits.indexOf(Math.max(...logits));
      log.push(`${manifest.labels[target] as string}: log p ${first.toFixed(3)} -> ${last.toFixed(3)}, top-1 ${manifest.labels[top] as string}`);
      if (top === target) {
        success = target;
        break;
      }
    }
    console.log(`lab standard, ${manifest.labels[predicted] as string} sample, PGD Linf 8/255 x20: ${log.join('; ')}`);
    assert.ok(success !== undefined, `no target became top-1: ${log.join('; ')}`);
  } finally {
    await gradients.dispose();
    await plain.release();
  }
});

test('targeted L2 PGD (epsilon 1.0, 20 steps) on the lab standard model: the objective rises, ||delta||_2 <= epsilon and x0 + delta in [0, 1] after every step', async () => {
  const { manifest } = parseManifest(readFileSync(path.join(LAB, 'standard.model.json'), 'utf8'));
  assert.ok(manifest);
  const bytes = new Uint8Array(readFileSync(path.join(LAB, 'standard.onnx')));
  const png = PNG.sync.read(readFileSync(path.join(LAB, 'samples', '00000-dog.png')));
  const x0 = rgbaToFloat({ width: png.width, height: png.height, pixels: new Uint8Array(png.data) }).data;
  const gradients = new ModelGradients(bytes, manifest, { threads: 0, executionProviders: [] });
  try {
    assert.ok(Array.isArray(manifest.labels));
    const target = manifest.labels.indexOf('car');
    assert.ok(target >= 0);
    const objective = { kind: 'logSoftmax' as const, weights: { [target + manifest.labelOffset]: 1 } };
    const gradient: GradientFn = async (x) => {
      const run = await gradients.run(x, 1, objective);
      return { objective: run.objective[0], grad: run.gradInput };
    };
    const epsilon = 1.0;
    const sizes: number[] = [];
    const result = await pgd(x0, gradient, { norm: 'l2', epsilon, stepSize: 0.25, steps: 20, randomStart: true, seed: 3 }, {
      onStep(step, _objective, delta) {
        const size = norm2(delta);
        sizes.push(size);
        assert.ok(size <= epsilon + 1e-6, `step ${step}: ||delta||_2 = ${size}`);
        for (let i = 0; i < delta.length; i++) {
          const x = x0[i] + delta[i];
          assert.ok(x >= -1e-6 && x <= 1 + 1e-6, `step ${step}: x0 + delta = ${x} at ${i}`);
        }
      },
    });
    const first = result.objectives[0];
    const last = result.objectives[20];
    console.log(`lab standard, dog sample, PGD L2 eps 1.0 x20 towards car: log p ${first.toFixed(3)} -> ${last.toFixed(3)}, ||delta||_2 ${norm2(result.delta).toFixed(4)}`);
    assert.equal(sizes.length, 20);
    assert.ok(last > first + 1, `log p(car) rose by more than 1: ${first} -> ${last}`);
    assert.ok(Math.max(...sizes.slice(-5)) > 0.9 * epsilon, 'the later steps reach the sphere (the projection is exercised)');
    assert.ok(norm2(result.delta) <= epsilon + 1e-6);
  } finally {
    await gradients.dispose();
  }
});
