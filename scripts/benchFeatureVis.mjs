// The feature-visualisation section of `npm run bench` (scripts/bench.mjs, issue 7): time per optimisation step of
// core/featureVis/render.ts (Lucid's recipe: Fourier + decorrelated colour + sigmoid, standard transforms, Adam) with
// the model's gradient from ModelGradients (ONNX Runtime, `channels` objective), as ms/step and ms/step/neuron:
//  - the lab model (models/lab/standard.onnx, 64 px input, fixed batch 1) at 128 px -> 64, channel means of mixed3b;
//  - torchvision's GoogLeNet (random seeded weights, test-results/bench/googlenet.onnx, made by the gradients bench:
//    scripts/bench_gradients.py with Debian's /usr/bin/python3 and torch) at 128 -> 224 px, inception4a, batch 1 and 4;
//    skipped, saying why, when the file is absent and cannot be made.
// Each case: a warm-up (session build, first runs), then the median of the step-to-step intervals; the engine's own
// share (everything but the ONNX Runtime call) is reported too.
//   node scripts/bench.mjs --only featureVis
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { REPO } from './codeServer.mjs';

const require = createRequire(import.meta.url);
const PYTHON = process.env.PERTURBER_BENCH_PYTHON ?? '/usr/bin/python3';
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

function googlenetFile() {
  const file = join(REPO, 'test-results', 'bench', 'googlenet.onnx');
  if (existsSync(file)) return { file };
  if (!existsSync(PYTHON)) return { skipped: `${file} is absent and ${PYTHON} is not there to make it` };
  try {
    // Builds and exports the model only (no timing): the gradients bench's script without --serve.
    execFileSync(PYTHON, [join(REPO, 'scripts', 'bench_gradients.py'), join(REPO, 'test-results', 'bench')], { stdio: 'pipe', cwd: REPO, timeout: 600_000 });
  } catch (error) {
    return { skipped: `could not make ${file} with ${PYTHON}: ${String(error.message ?? error).split('\n')[0]}` };
  }
  return existsSync(file) ? { file } : { skipped: `${PYTHON} scripts/bench_gradients.py did not write ${file}` };
}

async function timeSteps({ gradients, tensor, channels, size, width, height, steps, warmup }) {
  const { channelsObjective, renderFeatureVis } = require(join(REPO, 'out/core/featureVis/render.js'));
  const { FEATURE_VIS_DEFAULTS } = require(join(REPO, 'out/core/featureVis/types.js'));
  const objectives = channels.map((channel) => ({ tensor, channel }));
  const objective = channelsObjective(objectives);
  let modelMs = 0;
  const modelTimes = [];
  const gradient = async (pixels, batch) => {
    const t = performance.now();
    const r = await gradients.run(pixels, batch, objective);
    modelMs = performance.now() - t;
    return { objective: r.objective, grad: r.gradInput };
  };
  const marks = [];
  await renderFeatureVis({
    objectives, settings: { ...FEATURE_VIS_DEFAULTS, size, steps: warmup + steps }, gradient, inputSize: { width, height },
    onStep: (done) => {
      marks.push(performance.now());
      if (done > warmup) modelTimes.push(modelMs);
    },
  });
  const intervals = marks.slice(warmup).map((t, i) => t - marks[warmup - 1 + i]);
  const msPerStep = median(intervals);
  const modelMsPerStep = median(modelTimes);
  return {
    batch: channels.length, size, input: `${width}x${height}`, steps,
    msPerStep, msPerStepPerNeuron: msPerStep / channels.length, modelMsPerStep, engineMsPerStep: msPerStep - modelMsPerStep,
  };
}

export async function featureVis() {
  const { parseManifest } = require(join(REPO, 'out/core/manifest.js'));
  const { ModelGradients } = require(join(REPO, 'out/src/inference/modelGradients.js'));
  const threads = Number(process.env.PERTURBER_BENCH_THREADS ?? Math.min(availableParallelism(), 8));
  const steps = Number(process.env.PERTURBER_BENCH_FEATUREVIS_STEPS ?? 30);
  const settings = { threads, executionProviders: [] };
  const out = { threads, cases: [] };

  const lab = join(REPO, 'models', 'lab');
  const labManifest = parseManifest(readFileSync(join(lab, 'standard.model.json'), 'utf8')).manifest;
  const labGrad = new ModelGradients(new Uint8Array(readFileSync(join(lab, 'standard.onnx'))), labManifest, settings);
  out.cases.push({ model: 'lab standard, mixed3b', ...(await timeSteps({ gradients: labGrad, tensor: 'mixed3b', channels: [5], size: 128, width: 64, height: 64, steps, warmup: 3 })) });
  out.cases.push({ model: 'lab standard, mixed3b', note: 'fixed batch 1: batches run one neuron at a time', batch: 4, skipped: true });
  await labGrad.dispose();

  const g = googlenetFile();
  if (g.skipped) out.googlenet = { skipped: g.skipped };
  else {
    const manifest = parseManifest(JSON.stringify({
      version: 1, displayName: 'GoogLeNet (torchvision, random weights)',
      input: { name: 'input', width: 224, height: 224, layout: 'NCHW', channelOrder: 'RGB', range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      output: { name: 'logits', kind: 'logits' }, labels: [], labelOffset: 0, layerAliases: {},
    })).manifest;
    if (!manifest) throw new Error('benchFeatureVis: the GoogLeNet manifest does not parse');
    const grad = new ModelGradients(new Uint8Array(readFileSync(g.file)), manifest, settings);
    for (const channels of [[10], [10, 20, 30, 40]]) {
      out.cases.push({ model: 'GoogLeNet, inception4a', ...(await timeSteps({ gradients: grad, tensor: '/inception4a/Concat_output_0', channels, size: 128, width: 224, height: 224, steps: Math.max(5, Math.round(steps / 3)), warmup: 2 })) });
    }
    await grad.dispose();
  }
  return out;
}

export function printFeatureVis(f) {
  const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');
  console.log(`\n== Feature visualisation (Lucid's recipe), time per step, medians, ${f.threads} ORT threads ==`);
  for (const c of f.cases) {
    if (c.skipped) {
      console.log(`${c.model.padEnd(24)} batch ${c.batch}: ${c.note}`);
      continue;
    }
    console.log(`${c.model.padEnd(24)} batch ${c.batch}, ${c.size} -> ${c.input}: ${ms(c.msPerStep)}/step, ${ms(c.msPerStepPerNeuron)}/step/neuron (model fwd+bwd ${ms(c.modelMsPerStep)}, engine ${ms(c.engineMsPerStep)}; ${c.steps} steps)`);
  }
  if (f.googlenet?.skipped) console.log(`GoogLeNet: skipped (${f.googlenet.skipped})`);
}
