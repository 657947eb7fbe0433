import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPipeline, clampUnit, floatToRgba, REFERENCE_SIZE, resolveParams, rgbaToFloat } from '../../core/perturbations/pipeline';
import { rngFor } from '../../core/perturbations/random';
import { findOp } from '../../core/perturbations/registry';
import type { FloatImage, PerturbationOp, PerturbationStepSpec } from '../../core/perturbations/types';

/** A test op with every kind of parameter (resolveParams only reads the declarations). */
const PROBE: PerturbationOp = {
  id: 'probe',
  label: 'Probe',
  group: 'filter',
  description: 'Test op.',
  params: [
    { name: 'amount', label: 'Amount', help: 'A number.', kind: 'number', min: 0, max: 1, step: 0.01, default: 0.25 },
    { name: 'count', label: 'Count', help: 'An integer.', kind: 'integer', min: 1, max: 9, step: 1, default: 3 },
    { name: 'radius', label: 'Radius', help: 'A length.', kind: 'number', min: 0, max: 40, step: 0.5, default: 8, scalesWithSize: true },
    { name: 'color', label: 'Colour', help: 'A colour.', kind: 'color', default: '#808080' },
    { name: 'mode', label: 'Mode', help: 'A choice.', kind: 'choice', options: ['a', 'b'], default: 'a' },
  ],
  random: false,
  apply: (image) => image,
};

function image(width: number, height: number, f: (i: number) => number): FloatImage {
  return { width, height, data: new Float32Array(3 * width * height).map((_, i) => f(i)) };
}

function step(op: string, params: Record<string, number | string> = {}, enabled = true, seed = 0): PerturbationStepSpec {
  return { op, enabled, seed, params };
}

test('resolveParams fills in defaults', () => {
  const { params, problems } = resolveParams(PROBE, {});
  assert.deepEqual(params, { amount: 0.25, count: 3, radius: 8, color: '#808080', mode: 'a' });
  assert.deepEqual(problems, []);
  assert.equal(REFERENCE_SIZE, 224);
});

test('resolveParams clamps out-of-range numbers and reports them', () => {
  const { params, problems } = resolveParams(PROBE, { amount: 1.5, count: -4 });
  assert.equal(params.amount, 1);
  assert.equal(params.count, 1);
  assert.equal(problems.length, 2);
  assert.match(problems[0], /probe\.amount = 1\.5 is outside 0\.\.1/);
  assert.match(problems[1], /probe\.count/);
});

test('resolveParams reports unknown parameters and wrong types, using defaults for the latter', () => {
  const { params, problems } = resolveParams(PROBE, { bogus: 1, amount: 'x', color: 'red', mode: 'c' });
  assert.equal(params.amount, 0.25);
  assert.equal(params.color, '#808080');
  assert.equal(params.mode, 'a');
  assert.equal(problems.length, 4);
  assert.ok(problems.some((p) => /no parameter 'bogus'/.test(p)));
  assert.ok(problems.some((p) => /probe\.amount must be a number/.test(p)));
  assert.ok(problems.some((p) => /probe\.color must be a colour/.test(p)));
  assert.ok(problems.some((p) => /probe\.mode must be one of a, b/.test(p)));
  assert.deepEqual(resolveParams(PROBE, { color: '#A1b2C3', mode: 'b' }).params.color, '#A1b2C3');
});

test('resolveParams rounds integers', () => {
  assert.equal(resolveParams(PROBE, { count: 2.4 }).params.count, 2);
  assert.equal(resolveParams(PROBE, { count: 2.6 }).params.count, 3);
  assert.deepEqual(resolveParams(PROBE, { count: 2.6 }).problems, []);
});

test('resolveParams scales pixel lengths with the frame width (112 px halves them), nothing else', () => {
  const half = resolveParams(PROBE, { radius: 10, amount: 0.5, count: 4 }, 112).params;
  assert.equal(half.radius, 5);
  assert.equal(half.amount, 0.5);
  assert.equal(half.count, 4);
  assert.equal(resolveParams(PROBE, {}, 448).params.radius, 16);
  assert.equal(resolveParams(PROBE, { radius: 10 }).params.radius, 10);
});

test('applyPipeline applies steps in order (order matters)', () => {
  const input = image(8, 8, (i) => (i % 64) / 64);
  const fade = step('alphaBlack', { alpha: 0.5 });
  const grey = step('alphaColor', { alpha: 0.5, color: '#ffffff' });
  const a = applyPipeline(input, [fade, grey]);
  const b = applyPipeline(input, [grey, fade]);
  for (let i = 0; i < input.data.length; i++) {
    const x = input.data[i];
    assert.ok(Math.abs(a.image.data[i] - (0.25 * x + 0.5)) < 1e-6);
    assert.ok(Math.abs(b.image.data[i] - (0.25 * x + 0.25)) < 1e-6);
  }
  assert.deepEqual(
    a.timings.map((t) => t.op),
    ['alphaBlack', 'alphaColor'],
  );
  assert.deepEqual(a.problems, []);
});

test('applyPipeline skips disabled steps and unknown ops (reporting the latter)', () => {
  const input = image(6, 4, (i) => (i % 7) / 7);
  const r = applyPipeline(input, [step('alphaBlack', { alpha: 0 }, false), step('noSuchOp'), step('alphaBlack', { alpha: 0.5 })]);
  assert.deepEqual(
    r.timings.map((t) => t.op),
    ['alphaBlack'],
  );
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0], /unknown perturbation 'noSuchOp' skipped/);
  for (let i = 0; i < input.data.length; i++) assert.ok(Math.abs(r.image.data[i] - 0.5 * input.data[i]) < 1e-7);
  // Parameter problems are passed on too.
  assert.match(applyPipeline(input, [step('alphaBlack', { alpha: 3 })]).problems[0], /outside 0\.\.1/);
});

test('applyPipeline clamps to [0, 1] after every step', () => {
  const input = image(16, 16, (i) => ((i * 37) % 101) / 100);
  // highPass with offset 1 goes above 1 and below 0 before clamping.
  const high = findOp('highPass')!;
  const raw = high.apply(input, resolveParams(high, { offset: 0.5, threshold: 2 }).params, { seed: 0 });
  assert.ok(raw.data.some((v) => v > 1) || raw.data.some((v) => v < 0), 'the probe step leaves [0, 1]');
  const r = applyPipeline(input, [step('highPass', { offset: 0.5, threshold: 2 })]);
  assert.ok(r.image.data.every((v) => v >= 0 && v <= 1));
  const clamped = raw.data.slice();
  clampUnit(clamped);
  assert.deepEqual(r.image.data, clamped);
  // Clamping happens between steps: fade after a clamped high-pass differs from fading the raw values.
  const two = applyPipeline(input, [step('highPass', { offset: 0.5, threshold: 2 }), step('alphaBlack', { alpha: 0.5 })]);
  for (let i = 0; i < input.data.length; i++) assert.ok(Math.abs(two.image.data[i] - 0.5 * clamped[i]) < 1e-7);
  const nan = new Float32Array([NaN, -1, 2, 0.5]);
  clampUnit(nan);
  assert.deepEqual([...nan], [0, 0, 1, 0.5]);
});

test('applyPipeline returns the input object when no step is enabled, and never mutates the input', () => {
  const input = image(8, 8, (i) => (i % 13) / 13);
  assert.equal(applyPipeline(input, []).image, input);
  assert.equal(applyPipeline(input, [step('alphaBlack', {}, false), step('noSuchOp', {}, false)]).image, input);
  const before = input.data.slice();
  const r = applyPipeline(input, [step('gaussianBlur'), step('patchShuffle', { grid: 2 }, true, 5), step('alphaColor')]);
  assert.notEqual(r.image, input);
  assert.deepEqual(input.data, before);
  assert.equal(r.timings.length, 3);
  assert.ok(r.timings.every((t) => t.ms >= 0));
});

test('applyPipeline takes the step clock from its caller', () => {
  let t = 0;
  const r = applyPipeline(image(4, 4, () => 0.5), [step('alphaBlack'), step('alphaColor')], () => (t += 2));
  assert.deepEqual(
    r.timings.map((x) => x.ms),
    [2, 2],
  );
});

test('rgbaToFloat / floatToRgba round trip is exact for every byte', () => {
  const width = 256;
  const height = 3;
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    pixels[4 * i] = i % 256;
    pixels[4 * i + 1] = (i * 7 + 3) % 256;
    pixels[4 * i + 2] = 255 - (i % 256);
    pixels[4 * i + 3] = 17;
  }
  const f = rgbaToFloat({ width, height, pixels });
  assert.equal(f.data.length, 3 * width * height);
  assert.ok(f.data.every((v) => v >= 0 && v <= 1));
  assert.equal(f.data[255], 1);
  const back = floatToRgba(f);
  for (let i = 0; i < width * height; i++) {
    assert.equal(back.pixels[4 * i], pixels[4 * i]);
    assert.equal(back.pixels[4 * i + 1], pixels[4 * i + 1]);
    assert.equal(back.pixels[4 * i + 2], pixels[4 * i + 2]);
    assert.equal(back.pixels[4 * i + 3], 255);
  }
  assert.throws(() => rgbaToFloat({ width: 4, height: 4, pixels: new Uint8Array(10) }), /expected 64/);
  assert.deepEqual([...floatToRgba({ width: 1, height: 1, data: new Float32Array([-0.5, 2, 0.5]) }).pixels], [0, 255, 128, 255]);
});

test('rngFor is deterministic per (seed, stream) and streams differ', () => {
  const draw = (seed: number, stream: number) => {
    const r = rngFor(seed, stream);
    return [r.uniform(), r.range(2, 5), r.int(0, 10), r.normal(), r.normal(), r.poisson(3), r.poisson(40)];
  };
  assert.deepEqual(draw(12, 0), draw(12, 0));
  assert.notDeepEqual(draw(12, 0), draw(13, 0));
  assert.notDeepEqual(draw(12, 0), draw(12, 1));
  const r = rngFor(1);
  for (let i = 0; i < 10000; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    const k = r.int(3, 7);
    assert.ok(Number.isInteger(k) && k >= 3 && k < 7);
    const x = r.range(-2, -1);
    assert.ok(x >= -2 && x < -1);
  }
});

/** Sample mean and variance of n draws. */
function moments(n: number, draw: () => number): { mean: number; variance: number; fourth: number } {
  let s = 0;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) s += xs[i] = draw();
  const mean = s / n;
  let v = 0;
  let m4 = 0;
  for (const x of xs) {
    v += (x - mean) ** 2;
    m4 += (x - mean) ** 4;
  }
  return { mean, variance: v / (n - 1), fourth: m4 / n };
}

// Seeds are fixed, so these statistical checks are deterministic (and pass with margin at 4 standard errors).
const N = 200_000;

test('normal() has mean 0 and variance 1 (within 4 standard errors over 200k draws)', () => {
  const r = rngFor(2024, 3);
  const { mean, variance, fourth } = moments(N, () => r.normal());
  assert.ok(Math.abs(mean) < 4 * Math.sqrt(1 / N), `mean ${mean}`);
  // SE of the sample variance: sqrt((mu4 - sigma^4) / n) = sqrt(2 / n) for a normal.
  assert.ok(Math.abs(variance - 1) < 4 * Math.sqrt(2 / N), `variance ${variance}`);
  assert.ok(Math.abs(fourth - 3) < 0.1, `fourth moment ${fourth}`);
});

test('poisson() has mean and variance lambda for lambda 3 (multiplication) and 40 (PTRS)', () => {
  for (const lambda of [3, 40]) {
    const r = rngFor(77, lambda);
    const draws: number[] = [];
    const { mean, variance } = moments(N, () => {
      const k = r.poisson(lambda);
      draws.push(k);
      return k;
    });
    assert.ok(draws.every((k) => Number.isInteger(k) && k >= 0));
    assert.ok(Math.abs(mean - lambda) < 4 * Math.sqrt(lambda / N), `lambda ${lambda}: mean ${mean}`);
    // Var of the sample variance for a Poisson: (mu4 - sigma^4) / n with mu4 = lambda (1 + 3 lambda).
    const se = Math.sqrt((lambda * (1 + 3 * lambda) - lambda * lambda) / N);
    assert.ok(Math.abs(variance - lambda) < 4 * se, `lambda ${lambda}: variance ${variance}`);
    // P(0) = e^-lambda: checks the shape, not just two moments.
    const p0 = draws.filter((k) => k === 0).length / N;
    assert.ok(Math.abs(p0 - Math.exp(-lambda)) < 4 * Math.sqrt(Math.exp(-lambda) / N) + 1e-9, `lambda ${lambda}: P(0) ${p0}`);
  }
  assert.equal(rngFor(1).poisson(0), 0);
});
