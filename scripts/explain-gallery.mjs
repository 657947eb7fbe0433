#!/usr/bin/env node
// `npm run explain-gallery`: docs/explain.png and docs/explain.json, the gradient features on the lab trio in one
// picture. Per sample render (rows): the clean model input; the standard model's gradient and integrated-gradients
// saliency for its top-1 class; the adversarially trained model's integrated gradients; the image after a targeted
// Linf PGD attack on the standard model (eps 8/255, 20 steps, as "Perturber: Attack Scene" runs it); and the
// attack's delta amplified (grey = 0). Heatmaps: inferno, over the input darkened to 40 %. The JSON holds every
// model's top-1 and the target's probability before and after the attack (the transfer). Runs the project's own
// code (out/, built here) with onnxruntime-node; no VS Code.
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
if (!process.argv.includes('--no-build')) execSync('npx tsc -p test/tsconfig.json', { cwd: REPO, stdio: 'inherit' });
const { ModelGradients } = require(join(REPO, 'out/src/inference/modelGradients.js'));
const { saliencyMap } = require(join(REPO, 'out/src/inference/explain.js'));
const { parseManifest } = require(join(REPO, 'out/core/manifest.js'));
const { pgd } = require(join(REPO, 'out/core/attacks/pgd.js'));
const { softmax } = require(join(REPO, 'out/core/classify.js'));

const SAMPLES = [['00000-dog.png', 'car'], ['00001-cat.png', 'teapot'], ['00004-airplane.png', 'boat']];
const MODELS = ['standard', 'texture-randomised', 'adversarial'];
const EPS = 8 / 255;
const SCALE = 3;
const GAP = 6;

function load(name) {
  const dir = join(REPO, 'models', 'lab');
  const manifest = parseManifest(readFileSync(join(dir, `${name}.model.json`), 'utf8')).manifest;
  const bytes = new Uint8Array(readFileSync(join(dir, `${name}.onnx`)));
  const labels = Array.isArray(manifest.labels) ? manifest.labels : [];
  // The parts of a LoadedModel that explain.ts reads.
  const layers = [{ tensor: manifest.output.name, opType: 'Output', channels: labels.length + manifest.labelOffset }];
  return { name, manifest, labels, layers, gradients: new ModelGradients(bytes, manifest, { threads: 0, executionProviders: [] }) };
}

/** Probabilities from the pixel-space model's scores (one gradient run: its objective is one class's log-softmax). */
async function probabilities(model, pixels) {
  const logits = [];
  for (let c = 0; c < model.labels.length; c++) {
    const run = await model.gradients.run(pixels, 1, { kind: 'logits', weights: { [c + model.manifest.labelOffset]: 1 } });
    logits.push(run.objective[0]);
  }
  return softmax(Float32Array.from(logits));
}

function readRgba(file) {
  const png = PNG.sync.read(readFileSync(file));
  return { width: png.width, height: png.height, pixels: new Uint8Array(png.data) };
}

const toFloat = (img) => {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = img.pixels[i * 4 + c] / 255;
  return out;
};
const toRgba = (chw, width, height) => {
  const n = width * height;
  const pixels = new Uint8Array(4 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) pixels[i * 4 + c] = Math.max(0, Math.min(255, Math.round(chw[c * n + i] * 255)));
    pixels[i * 4 + 3] = 255;
  }
  return { width, height, pixels };
};

// Inferno, 5 stops.
const STOPS = [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]];
function inferno(v) {
  const t = Math.max(0, Math.min(1, v)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - i;
  return STOPS[i].map((a, k) => a + (STOPS[i + 1][k] - a) * f);
}
function heat(image, map) {
  const out = { width: image.width, height: image.height, pixels: new Uint8Array(image.pixels.length) };
  for (let i = 0; i < map.length; i++) {
    const col = inferno(map[i]);
    const a = Math.min(1, map[i] * 1.5);
    for (let c = 0; c < 3; c++) out.pixels[i * 4 + c] = Math.round(image.pixels[i * 4 + c] * 0.4 * (1 - a) + col[c] * a);
    out.pixels[i * 4 + 3] = 255;
  }
  return out;
}

const models = MODELS.map(load);
const [standard] = models;
const rows = [];
const report = [];
for (const [file, targetLabel] of SAMPLES) {
  const image = readRgba(join(REPO, 'models', 'lab', 'samples', file));
  const x = toFloat(image);
  const clean = await Promise.all(models.map((m) => probabilities(m, x)));
  const top = clean[0].indexOf(Math.max(...clean[0]));
  const grad = await saliencyMap(standard, image, top, 'gradient', 32);
  const ig = await saliencyMap(standard, image, top, 'integratedGradients', 32);
  const advTop = clean[2].indexOf(Math.max(...clean[2]));
  const igAdv = await saliencyMap(models[2], image, advTop, 'integratedGradients', 32);
  const target = standard.labels.indexOf(targetLabel);
  const objective = { kind: 'logSoftmax', weights: { [target + standard.manifest.labelOffset]: 1 } };
  const attack = await pgd(x, async (p) => {
    const run = await standard.gradients.run(p, 1, objective);
    return { objective: run.objective[0], grad: run.gradInput };
  }, { norm: 'linf', epsilon: EPS, stepSize: EPS / 4, steps: 20, randomStart: false, seed: 0 });
  const attacked = x.map((v, i) => Math.max(0, Math.min(1, v + attack.delta[i])));
  const after = await Promise.all(models.map((m) => probabilities(m, attacked)));
  const amplified = attack.delta.map((d) => 0.5 + d / (2 * EPS));
  rows.push([image, heat(image, grad.map), heat(image, ig.map), heat(image, igAdv.map), toRgba(attacked, 64, 64), toRgba(amplified, 64, 64)]);
  report.push({
    sample: file,
    target: targetLabel,
    igCompletenessGap: ig.completeness,
    models: models.map((m, k) => ({
      model: m.name,
      top1: m.labels[clean[k].indexOf(Math.max(...clean[k]))],
      top1After: m.labels[after[k].indexOf(Math.max(...after[k]))],
      targetBefore: clean[k][target],
      targetAfter: after[k][target],
    })),
  });
}
for (const m of models) await m.gradients.dispose();

const cell = 64 * SCALE;
const cols = rows[0].length;
const W = cols * cell + (cols + 1) * GAP;
const H = rows.length * cell + (rows.length + 1) * GAP;
const png = new PNG({ width: W, height: H });
png.data.fill(255);
rows.forEach((row, r) => row.forEach((img, c) => {
  const ox = GAP + c * (cell + GAP);
  const oy = GAP + r * (cell + GAP);
  for (let y = 0; y < cell; y++) {
    for (let xx = 0; xx < cell; xx++) {
      const s = (Math.floor(y / SCALE) * 64 + Math.floor(xx / SCALE)) * 4;
      const d = ((oy + y) * W + ox + xx) * 4;
      for (let k = 0; k < 4; k++) png.data[d + k] = img.pixels[s + k];
    }
  }
}));
mkdirSync(join(REPO, 'docs'), { recursive: true });
writeFileSync(join(REPO, 'docs', 'explain.png'), PNG.sync.write(png));
writeFileSync(join(REPO, 'docs', 'explain.json'), JSON.stringify(report, null, 2) + '\n');
for (const r of report) {
  console.log(`${r.sample} -> target ${r.target}: ` + r.models.map((m) => `${m.model} ${m.top1} -> ${m.top1After} (p ${m.targetBefore.toFixed(4)} -> ${m.targetAfter.toFixed(4)})`).join('; '));
}
console.log('written: docs/explain.png, docs/explain.json');
