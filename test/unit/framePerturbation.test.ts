/**
 * The host's perturbation stage on the fixture model: an `alphaColor` step with alpha 0 turns every frame into
 * that colour, so the predictions must be those of a plain image of the colour; no enabled step leaves the frame
 * bytes as they are (no float conversion); models of one input size share one perturbed image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { FrameImage } from '../../core/protocol';
import type { PerturbationStep } from '../../core/sceneTypes';
import { FramePipeline, type FrameMessage, type FrameResults } from '../../src/inference/framePipeline';
import { perturbFrame } from '../../src/inference/framePerturbation';
import { loadModel } from '../../src/inference/loadModel';
import { runModel } from '../../src/inference/runModel';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture');
const FILES = { onnxPath: path.join(FIXTURE, 'fixture.onnx'), manifestPath: path.join(FIXTURE, 'fixture.model.json'), allowedRoots: [FIXTURE] };

function flat([r, g, b]: number[], size = 64): FrameImage {
  const pixels = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) pixels.set([r, g, b, 255], i * 4);
  return { width: size, height: size, pixels };
}

/** Grey with a blue disc in the middle: the fixture model says "blue". */
function blueDisc(size = 64): FrameImage {
  const image = flat([128, 128, 128], size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) if ((x - size / 2) ** 2 + (y - size / 2) ** 2 <= (18 * size / 64) ** 2) image.pixels.set([40, 60, 220, 255], (y * size + x) * 4);
  }
  return image;
}

const frame = (frameId: number, images: FrameImage[]): FrameMessage => ({
  type: 'frame', frameId, docVersion: 1, images, timing: { renderMs: 1, readbackMs: 1, postedAt: Date.now() },
});

async function runPipeline(steps: PerturbationStep[], images: FrameImage[], modelCount = 1) {
  const model = await loadModel(FILES, { threads: 1, executionProviders: ['cpu'] });
  const results: FrameResults[] = [];
  const inputs: FrameImage[][] = [];
  const problems: string[][] = [];
  const pipeline = new FramePipeline(
    {
      models: () => Array.from({ length: modelCount }, (_, i) => ({ id: `m${i}`, watch: [], model })),
      sceneName: () => 'perturbed',
      topK: () => 3,
      perturbations: () => steps,
    },
    (r) => results.push(r),
    () => undefined,
    (m) => assert.fail(m),
    { onModelInput: (_, get) => inputs.push(get()), onPerturbationProblems: (p) => problems.push(p) },
  );
  try {
    pipeline.submit(frame(1, images));
    await pipeline.idle();
    return { model, result: results[0], inputs: inputs[0], problems };
  } finally {
    pipeline.dispose();
  }
}

test('alphaColor alpha 0 makes the model see the colour: predictions equal those of a plain red image', async () => {
  const red = [230, 20, 20];
  const { model, result, inputs } = await runPipeline(
    [{ op: 'alphaColor', enabled: true, seed: 0, params: { alpha: 0, color: '#e61414' } }],
    [blueDisc()],
  );
  try {
    const plain = await runModel({ id: 'plain', model, watch: [], image: flat(red), topK: 3 });
    assert.equal(plain.predictions.top[0].label, 'red');
    assert.deepEqual(result.predictions[0].top.map((p) => p.label), plain.predictions.top.map((p) => p.label));
    result.predictions[0].top.forEach((p, i) => assert.ok(Math.abs(p.probability - plain.predictions.top[i].probability) < 1e-5));
    // What the model saw, as bytes: the plain colour everywhere.
    assert.deepEqual([...inputs[0].pixels.slice(0, 4)], [...red, 255]);
    assert.ok(inputs[0].pixels.every((v, i) => v === [...red, 255][i % 4]));
    assert.ok(result.timing.perturbMs > 0);
  } finally {
    await model.session.dispose();
  }
});

test('without an enabled step the models get the frame bytes unchanged and nothing is converted', async () => {
  const image = blueDisc();
  const { model, result, inputs } = await runPipeline([{ op: 'alphaBlack', enabled: false, seed: 0, params: { alpha: 0 } }], [image]);
  try {
    assert.equal(inputs[0], image, 'the model input is the frame image itself');
    assert.equal(result.predictions[0].top[0].label, 'blue');
    assert.equal(result.timing.perturbMs, 0);
    assert.equal(perturbFrame([image], [{ op: 'alphaBlack', enabled: false, seed: 0, params: {} }]).perturbed.size, 0);
  } finally {
    await model.session.dispose();
  }
});

test('one perturbed image per size: two models of one size share it; problems are reported, not thrown', async () => {
  const images = [blueDisc(), blueDisc(32)];
  const steps: PerturbationStep[] = [
    { op: 'noSuchOp', enabled: true, seed: 0, params: {} },
    { op: 'alphaBlack', enabled: true, seed: 0, params: { alpha: 0 } },
  ];
  const perturbed = perturbFrame(images, steps);
  assert.equal(perturbed.perturbed.size, 2);
  assert.deepEqual(perturbed.problems, ["unknown perturbation 'noSuchOp' skipped"]);
  const { model, result, inputs, problems } = await runPipeline(steps, images, 2);
  try {
    assert.deepEqual(inputs.map((i) => [i.width, i.pixels[0], i.pixels[3]]), [[64, 0, 255], [32, 0, 255]]);
    assert.deepEqual(problems, [["unknown perturbation 'noSuchOp' skipped"]]);
    // Both 64 px models saw the same black image, so they agree exactly.
    assert.deepEqual(result.predictions[0].top, result.predictions[1].top);
  } finally {
    await model.session.dispose();
  }
});
