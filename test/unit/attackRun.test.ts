// src/commands/attackRun.ts livePgd, the loop of "Attack Scene" without the scene: one progress report per step with
// increasing step numbers, live deltas published while the attack runs (throttled to LIVE_UPDATE_MS on an injected
// clock) and once at the end, and a cancel after step k keeping the k steps' result. Gradients are real: the lab's
// standard model through ModelGradients (ONNX Runtime), as the command runs them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { type GradientFn, type PgdOptions } from '../../core/attacks/pgd';
import { parseManifest } from '../../core/manifest';
import { rgbaToFloat } from '../../core/perturbations/pipeline';
import { LIVE_UPDATE_MS, livePgd, type AttackProgress } from '../../src/commands/attackRun';
import { ModelGradients } from '../../src/inference/modelGradients';

const LAB = path.resolve(__dirname, '..', '..', '..', 'models', 'lab');
const OPTIONS: PgdOptions = { norm: 'linf', epsilon: 8 / 255, stepSize: 2 / 255, steps: 12, randomStart: false, seed: 0 };

let gradients: ModelGradients;
let x0: Float32Array;
let gradient: GradientFn;

before(() => {
  const { manifest } = parseManifest(readFileSync(path.join(LAB, 'standard.model.json'), 'utf8'));
  assert.ok(manifest);
  gradients = new ModelGradients(new Uint8Array(readFileSync(path.join(LAB, 'standard.onnx'))), manifest, { threads: 0, executionProviders: [] });
  const png = PNG.sync.read(readFileSync(path.join(LAB, 'samples', '00000-dog.png')));
  x0 = rgbaToFloat({ width: png.width, height: png.height, pixels: new Uint8Array(png.data) }).data;
  // A class other than the sample's (index 1): its log-probability is what the attack raises.
  const objective = { kind: 'logSoftmax' as const, weights: { 1: 1 } };
  gradient = async (x) => {
    const run = await gradients.run(x, 1, objective);
    return { objective: run.objective[0], grad: run.gradInput };
  };
});

after(() => gradients.dispose());

/** A progress object that records what it was told; cancelled once `cancelAt` steps were reported. */
function recorder(cancelAt = Number.POSITIVE_INFINITY): AttackProgress & { reports: { message: string; increment?: number }[]; steps(): number[] } {
  const reports: { message: string; increment?: number }[] = [];
  const steps = () => reports.map((r) => Number(/^step (\d+)\//.exec(r.message)?.[1] ?? NaN));
  return { reports, steps, report: (message, increment) => void reports.push({ message, increment }), isCancelled: () => steps().length >= cancelAt };
}

const maxAbs = (v: Float32Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

test('one report per step with increasing step numbers; live deltas throttled to LIVE_UPDATE_MS, and the final one', async () => {
  const progress = recorder();
  // The clock advances 100 ms per gradient evaluation: a publish at most every LIVE_UPDATE_MS (300) = every 3rd step.
  let clock = 0;
  const timed: GradientFn = async (x) => {
    clock += 100;
    return gradient(x);
  };
  const published: { at: number; step: number; delta: Float32Array }[] = [];
  const result = await livePgd(x0, timed, OPTIONS, progress, async (delta) => void published.push({ at: clock, step: progress.reports.length, delta: Float32Array.from(delta) }), {
    now: () => clock,
  });
  assert.equal(result.stepsDone, 12);
  assert.equal(result.cancelled, false);
  assert.deepEqual(progress.steps(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  for (const r of progress.reports) {
    assert.match(r.message, /^step \d+\/12, target p = \d\.\d{3}$/);
    assert.equal(r.increment, 100 / 12);
  }
  // The reported probability is exp(objective before the step).
  progress.reports.forEach((r, i) => assert.equal(r.message.split('= ')[1], Math.exp(result.objectives[i]).toFixed(3)));
  const live = published.slice(0, -1);
  assert.deepEqual(live.map((p) => p.step), [1, 4, 7, 10], 'live updates at steps 1, 4, 7, 10 (every 300 ms of the 100 ms steps)');
  for (let i = 1; i < live.length; i++) assert.ok(live[i].at - live[i - 1].at >= LIVE_UPDATE_MS, `publish ${i} after ${live[i].at - live[i - 1].at} ms`);
  assert.ok(live[0].step < result.stepsDone, 'a delta was published before the run ended');
  assert.ok(maxAbs(live[0].delta) > 0, 'the live delta is the attack in progress, not zeros');
  assert.notDeepEqual(live[1].delta, live[0].delta, 'later updates carry the newer delta');
  const last = published[published.length - 1];
  assert.deepEqual(last.delta, result.delta, 'the final publish is the returned delta');
  assert.ok(result.objectives[12] > result.objectives[0] + 0.5, `log p(target) rose: ${result.objectives[0]} -> ${result.objectives[12]}`);
  assert.ok(maxAbs(result.delta) <= 8 / 255 + 1e-6);
});

test('a clock that barely moves: only the first step and the end publish (LIVE_UPDATE_MS never reached)', async () => {
  let clock = 1_000;
  const published: number[] = [];
  const progress = recorder();
  await livePgd(x0, gradient, { ...OPTIONS, steps: 4 }, progress, async () => void published.push(progress.reports.length), { now: () => (clock += 1) });
  assert.deepEqual(published, [1, 4]);
});

for (const k of [1, 3]) {
  test(`isCancelled() true after step ${k}: stepsDone = ${k}, the partial delta is kept and published`, async () => {
    const progress = recorder(k);
    const published: Float32Array[] = [];
    const result = await livePgd(x0, gradient, { ...OPTIONS, steps: 20 }, progress, async (d) => void published.push(Float32Array.from(d)));
    assert.equal(result.stepsDone, k);
    assert.equal(result.cancelled, true);
    assert.deepEqual(progress.steps(), Array.from({ length: k }, (_, i) => i + 1));
    assert.equal(result.objectives.length, k + 1);
    assert.ok(maxAbs(result.delta) > 0 && maxAbs(result.delta) <= Math.min(k * OPTIONS.stepSize, OPTIONS.epsilon) + 1e-6, `max |delta| ${maxAbs(result.delta)}`);
    assert.deepEqual(published[published.length - 1], result.delta, 'the partial result is published');
    // The same k steps without a cancel give the same delta: the partial result is the attack's state at step k.
    const reference = await livePgd(x0, gradient, { ...OPTIONS, steps: k }, recorder(), async () => undefined);
    assert.deepEqual(result.delta, reference.delta);
  });
}

test('cancelAfterSteps (the command\'s test hook) stops the same way', async () => {
  const result = await livePgd(x0, gradient, { ...OPTIONS, steps: 10 }, recorder(), async () => undefined, { cancelAfterSteps: 2 });
  assert.deepEqual([result.stepsDone, result.cancelled], [2, true]);
});
