// The `adversarial` perturbation op (core/perturbations/adversarial.ts): adding the stored delta times strength, the
// pipeline's problems when the file is missing (never a silent clean frame), resizing to the frame (bilinear up,
// cross-checked with Pillow when Debian's python3 has it; area average down) with its cache, and the `file`
// parameter kind in resolveParams, the schema pattern and the scene checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resizeFloatImage } from '../../core/perturbations/adversarial';
import { applyPipeline, resolveParams } from '../../core/perturbations/pipeline';
import { findOp, opCatalog } from '../../core/perturbations/registry';
import type { FloatImage, PerturbationResources, PerturbationStepSpec } from '../../core/perturbations/types';
import { filePattern } from '../../core/perturbationSchema';
import { parseScene } from '../../core/scene';

function seeded(n: number, seed: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

const img = (width: number, height: number, data: Float32Array): FloatImage => ({ width, height, data });
const step = (params: Record<string, number | string>, enabled = true): PerturbationStepSpec => ({ op: 'adversarial', enabled, seed: 0, params });
function resources(files: Record<string, FloatImage | { error: string }>): PerturbationResources & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    perturbation(file) {
      asked.push(file);
      return files[file] ?? { error: 'file not found' };
    },
  };
}

test('the adversarial op is registered: attack group, not random, a .npy file and a strength 0..2', () => {
  const op = findOp('adversarial');
  assert.ok(op);
  assert.deepEqual([op.label, op.group, op.random], ['Adversarial perturbation', 'attack', false]);
  assert.deepEqual(op.params.map((p) => [p.name, p.kind, p.default]), [['file', 'file', ''], ['strength', 'number', 1]]);
  const [file, strength] = op.params;
  assert.ok(file.kind === 'file' && file.extensions.includes('npy'));
  assert.ok(strength.kind === 'number' && strength.min === 0 && strength.max === 2 && strength.step === 0.05);
  assert.ok(opCatalog().some((o) => o.id === 'adversarial' && !('apply' in o)));
});

test('output = clamp(image + strength * delta); strength 0 is the clean frame', () => {
  const image = img(4, 3, seeded(36, 1, 0, 1));
  const delta = img(4, 3, seeded(36, 2, -0.1, 0.1));
  const res = resources({ '.perturber/attacks/a.npy': delta });
  for (const strength of [0, 0.5, 1, 2]) {
    const { image: out, problems, timings } = applyPipeline(image, [step({ file: '.perturber/attacks/a.npy', strength })], () => 0, res);
    assert.deepEqual(problems, []);
    assert.equal(timings.length, 1);
    for (let i = 0; i < 36; i++) {
      const expected = Math.min(1, Math.max(0, Math.fround(image.data[i] + Math.fround(strength * delta.data[i]))));
      assert.ok(Math.abs(out.data[i] - expected) < 1e-7, `strength ${strength}, value ${i}: ${out.data[i]} vs ${expected}`);
    }
    if (strength === 0) assert.deepEqual(out.data, image.data);
  }
  assert.deepEqual(res.asked, Array(4).fill('.perturber/attacks/a.npy'));
  assert.deepEqual(image.data, seeded(36, 1, 0, 1), 'the input is untouched');
});

test('a missing file is a problem and a skipped step, never a silent clean frame; other steps still run', () => {
  const image = img(2, 2, new Float32Array(12).fill(0.5));
  const cases: [PerturbationStepSpec, PerturbationResources | undefined, RegExp][] = [
    [step({ strength: 1 }), resources({}), /^adversarial: no file chosen/],
    [step({ file: '' }), resources({}), /^adversarial: no file chosen/],
    [step({ file: 'a.npy' }), undefined, /^adversarial: a\.npy cannot be loaded here/],
    [step({ file: 'a.npy' }), resources({}), /^adversarial: a\.npy: file not found$/],
    [step({ file: 'b.npy' }), resources({ 'b.npy': { error: 'float32 [3, H, W] expected, got [2, 2]' } }), /^adversarial: b\.npy: float32 \[3, H, W\] expected, got \[2, 2\]$/],
    [step({ file: 'n.npy' }), resources({ 'n.npy': img(2, 2, new Float32Array(12).fill(NaN)) }), /^adversarial: n\.npy holds NaN or infinite values$/],
    [step({ file: 'w.npy' }), resources({ 'w.npy': img(2, 2, new Float32Array(11)) }), /^adversarial: w\.npy is not a 3-channel float image$/],
  ];
  for (const [s, res, message] of cases) {
    const { image: out, problems, timings } = applyPipeline(image, [s], () => 0, res);
    assert.equal(problems.length, 1, JSON.stringify(s));
    assert.match(problems[0], message);
    assert.equal(out, image, 'skipped: the image is returned as it was');
    assert.deepEqual(timings, []);
  }
  const both = applyPipeline(image, [step({ file: 'gone.npy' }), { op: 'gaussianBlur', enabled: true, seed: 0, params: {} }], () => 0, resources({}));
  assert.equal(both.problems.length, 1);
  assert.deepEqual(both.timings.map((t) => t.op), ['gaussianBlur']);
  assert.ok(Math.abs(both.image.data[0] - 0.5) < 1e-7 && both.image !== image, 'the next step ran');
  assert.deepEqual(applyPipeline(image, [step({ file: 'gone.npy' }, false)], () => 0, resources({})).problems, [], 'disabled: no problem');
});

test('a delta of another size is resized bilinearly (half-pixel centres) when enlarging, and cached per (delta, size)', () => {
  // One row [0, 1] -> 4 samples at source positions -0.25, 0.25, 0.75, 1.25 (clamped): 0, 0.25, 0.75, 1.
  const row = resizeFloatImage(img(2, 1, Float32Array.from([0, 1, 0, 1, 0, 2])), 4, 1);
  assert.deepEqual(Array.from(row.data), [0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1, 0, 0.5, 1.5, 2]);
  const col = resizeFloatImage(img(1, 2, Float32Array.from([0, 1, 0, 1, 0, 1])), 1, 4);
  assert.deepEqual(Array.from(col.data.subarray(0, 4)), [0, 0.25, 0.75, 1]);

  const delta = img(2, 2, Float32Array.from([0.1, -0.1, 0.1, -0.1, 0, 0, 0, 0, 0.05, 0.05, 0.05, 0.05]));
  const frame = img(4, 4, new Float32Array(48).fill(0.5));
  const res = resources({ 'd.npy': delta });
  const first = applyPipeline(frame, [step({ file: 'd.npy' })], () => 0, res).image;
  assert.deepEqual(Array.from(first.data.subarray(0, 4), (v) => Math.round((v - 0.5) * 1e6) / 1e6), [0.1, 0.05, -0.05, -0.1]);
  // The cache: the same loaded object at the same size is resized once (a change to it after that is not seen) ...
  delta.data[0] = 0.3;
  const second = applyPipeline(frame, [step({ file: 'd.npy' })], () => 0, res).image;
  assert.deepEqual(second.data, first.data);
  // ... another size is resized afresh, and so is another loaded object (a reloaded file).
  const other = applyPipeline(img(3, 3, new Float32Array(27).fill(0.5)), [step({ file: 'd.npy' })], () => 0, res).image;
  assert.ok(Math.abs(other.data[0] - 0.8) < 1e-6, `top-left of a 3x3 frame is the (changed) corner: ${other.data[0]}`);
  const reloaded = applyPipeline(frame, [step({ file: 'd.npy' })], () => 0, resources({ 'd.npy': img(2, 2, Float32Array.from(delta.data)) })).image;
  assert.ok(Math.abs(reloaded.data[0] - 0.8) < 1e-6);
});

test('shrinking averages areas: exact block means, partial pixels weighted, the mean preserved', () => {
  const src = img(4, 2, Float32Array.from({ length: 24 }, (_, i) => i));
  const half = resizeFloatImage(src, 2, 1);
  assert.deepEqual(Array.from(half.data), [(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4, 10.5, 12.5, 18.5, 20.5]);
  // 5 -> 2: each output pixel covers 2.5 source pixels.
  const row = resizeFloatImage(img(5, 1, Float32Array.from([1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), 2, 1);
  assert.ok(Math.abs(row.data[0] - (1 + 2 + 0.5 * 3) / 2.5) < 1e-6 && Math.abs(row.data[1] - (0.5 * 3 + 4 + 5) / 2.5) < 1e-6);
  const big = img(7, 5, seeded(105, 3, -1, 1));
  const small = resizeFloatImage(big, 3, 2);
  for (let c = 0; c < 3; c++) {
    const mean = (d: Float32Array, n: number) => d.subarray(c * n, (c + 1) * n).reduce((s, v) => s + v, 0) / n;
    assert.ok(Math.abs(mean(small.data, 6) - mean(big.data, 35)) < 1e-6, `channel ${c}: mean preserved`);
  }
});

test('enlarging matches Pillow BILINEAR on float images (skipped without /usr/bin/python3 + PIL)', (t) => {
  const python = '/usr/bin/python3';
  if (!existsSync(python) || spawnSync(python, ['-c', 'import PIL, numpy'], { encoding: 'utf8' }).status !== 0) {
    t.skip('no /usr/bin/python3 with Pillow and numpy');
    return;
  }
  const [w, h, W, H] = [5, 4, 13, 9];
  const src = img(w, h, seeded(3 * w * h, 4, -0.1, 0.1));
  const script = `
import json, sys
import numpy as np
from PIL import Image
d = np.array(json.loads(sys.stdin.read()), dtype=np.float32).reshape(3, ${h}, ${w})
out = [np.asarray(Image.fromarray(d[c], mode='F').resize((${W}, ${H}), Image.BILINEAR)).tolist() for c in range(3)]
print(json.dumps(out))
`;
  const run = spawnSync(python, ['-c', script], { input: JSON.stringify(Array.from(src.data)), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const pillow = (JSON.parse(run.stdout) as number[][][]).flat(2);
  const ours = resizeFloatImage(src, W, H).data;
  assert.equal(pillow.length, ours.length);
  let worst = 0;
  for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - pillow[i]));
  assert.ok(worst < 1e-6, `max |ours - Pillow| = ${worst}`);
});

test("the 'file' kind: resolveParams, the schema pattern and the scene checks agree", () => {
  const op = findOp('adversarial')!;
  const pattern = new RegExp(filePattern(['npy']));
  const cases: [unknown, boolean][] = [
    ['', true], ['a.npy', true], ['.perturber/attacks/x.NPY', true], ['a.png', false], ['.npy', false], ['npy', false], [5, false], [null, false],
  ];
  for (const [value, ok] of cases) {
    const { params, problems } = resolveParams(op, { file: value });
    assert.equal(problems.length === 0, ok, `${JSON.stringify(value)}: ${problems.join('; ')}`);
    assert.equal(params.file, ok ? value : '');
    if (ok) assert.match(problems.join(''), /^$/);
    else assert.match(problems[0], /adversarial\.file must be a path ending in \.npy/);
    if (typeof value === 'string') assert.equal(pattern.test(value), ok, `schema pattern on ${JSON.stringify(value)}`);
  }
  const scene = (steps: unknown[]) => parseScene(JSON.stringify({ version: 2, perturbations: steps }, null, 2)).diagnostics;
  assert.deepEqual(scene([{ op: 'adversarial', params: { file: 'a.npy', strength: 0.5 } }]), []);
  assert.deepEqual(scene([{ op: 'adversarial', enabled: false }]), [], 'a disabled step without a file is fine');
  const missing = scene([{ op: 'adversarial', params: { strength: 1 } }]);
  assert.deepEqual(missing.map((d) => [d.severity, d.path]), [['warning', 'perturbations[0].params.file']]);
  assert.match(missing[0].message, /no file chosen, so the adversarial step is skipped/);
  const wrong = scene([{ op: 'adversarial', params: { file: 'a.png' } }]);
  assert.equal(wrong.length, 1, wrong.map((d) => d.message).join('; '));
  assert.match(wrong[0].message, /adversarial\.file must be a path ending in \.npy/);
});
