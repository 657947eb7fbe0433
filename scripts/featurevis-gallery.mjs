#!/usr/bin/env node
// `npm run featurevis-gallery`: docs/feature-vis.png and docs/feature-vis.json, what neurons of the lab models respond
// to, made by the extension's own code (out/, built here; no VS Code): for 4 channels of mixed4b, picked as the most
// selective ones of the standard model on the indexed images (largest max/mean of the channel's mean activation),
// each row shows the standard model's feature visualisation (Lucid's defaults: 512 steps, 128 px, standard
// transforms) and its 3 most activating images of the folder ("Index Image Folder" code path), then the same for the
// adversarially fine-tuned model (fine-tuned from standard, so channel i started as the same feature). The folder is
// the lab's rendered test set (models/lab/data/test-natural, made by `npm run lab`) when present, else the 21 samples.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
if (!process.argv.includes('--no-build')) execSync('npx tsc -p test/tsconfig.json', { cwd: REPO, stdio: 'inherit' });
const { loadModel } = require(join(REPO, 'out/src/inference/loadModel.js'));
const { buildIndex } = require(join(REPO, 'out/src/datasetIndex/indexer.js'));
const { channelsObjective, renderFeatureVis } = require(join(REPO, 'out/core/featureVis/render.js'));
const { FEATURE_VIS_DEFAULTS } = require(join(REPO, 'out/core/featureVis/types.js'));

const LAYER = 'mixed4b';
const CHANNELS = 4;
const EXAMPLES = 3;
const CELL = 128;
const GAP = 6;
const full = join(REPO, 'models', 'lab', 'data', 'test-natural');
const folder = existsSync(full) ? full : join(REPO, 'models', 'lab', 'samples');

async function load(name) {
  const dir = join(REPO, 'models', 'lab');
  return loadModel({ onnxPath: join(dir, `${name}.onnx`), manifestPath: join(dir, `${name}.model.json`), allowedRoots: [dir] }, { threads: 0, executionProviders: [] });
}

function readRgba(file) {
  const png = PNG.sync.read(readFileSync(file));
  return { width: png.width, height: png.height, pixels: new Uint8Array(png.data) };
}
const fromChw = (chw, size) => {
  const n = size * size;
  const pixels = new Uint8Array(4 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) pixels[i * 4 + c] = Math.max(0, Math.min(255, Math.round(chw[c * n + i] * 255)));
    pixels[i * 4 + 3] = 255;
  }
  return { width: size, height: size, pixels };
};

const models = { standard: await load('standard'), adversarial: await load('adversarial') };
const indexes = {};
for (const [name, model] of Object.entries(models)) {
  const layer = model.layers.find((l) => l.tensor === LAYER || l.alias === LAYER);
  const built = await buildIndex({ model, root: REPO, folder, layers: [layer] });
  indexes[name] = { layer, images: built.manifest.images.map((i) => i.path), means: built.matrices.get(layer.tensor).means };
}
// The most selective channels of the standard model: largest max / mean over the images.
const { means, images } = indexes.standard;
const C = means.cols;
const score = [];
for (let c = 0; c < C; c++) {
  let max = 0;
  let sum = 0;
  for (let r = 0; r < means.rows; r++) {
    const v = means.data[r * C + c];
    max = Math.max(max, v);
    sum += v;
  }
  score.push([c, sum > 0 ? max / (sum / means.rows) : 0]);
}
const channels = score.sort((a, b) => b[1] - a[1]).slice(0, CHANNELS).map(([c]) => c);

const rows = [];
const report = { folder: folder.slice(REPO.length + 1), images: images.length, layer: LAYER, rows: [] };
for (const channel of channels) {
  const row = [];
  const entry = { channel };
  for (const [name, model] of Object.entries(models)) {
    const { layer, images: paths, means: m } = indexes[name];
    const objective = [{ tensor: layer.tensor, channel }];
    const gradient = async (pixels, batch) => {
      const r = await model.gradients.run(pixels, batch, channelsObjective(objective), [], { reluGradient: 'redirected' });
      return { objective: r.objective, grad: r.gradInput };
    };
    const t = performance.now();
    const fv = await renderFeatureVis({ objectives: objective, settings: FEATURE_VIS_DEFAULTS, gradient, inputSize: { width: model.manifest.input.width, height: model.manifest.input.height } });
    const ms = performance.now() - t;
    const order = Array.from({ length: m.rows }, (_, r) => r).sort((a, b) => m.data[b * m.cols + channel] - m.data[a * m.cols + channel]);
    const top = order.slice(0, EXAMPLES);
    row.push(fromChw(fv.images[0], FEATURE_VIS_DEFAULTS.size), ...top.map((r) => readRgba(join(REPO, paths[r]))));
    entry[name] = { featureVisActivation: fv.activation[0], featureVisMs: Math.round(ms), examples: top.map((r) => ({ path: paths[r], activation: m.data[r * m.cols + channel] })) };
  }
  rows.push(row);
  report.rows.push(entry);
  console.log(`channel ${channel}: standard fv ${entry.standard.featureVisActivation.toFixed(2)} (top image ${entry.standard.examples[0].activation.toFixed(2)}), adversarial fv ${entry.adversarial.featureVisActivation.toFixed(2)} (top image ${entry.adversarial.examples[0].activation.toFixed(2)})`);
}
for (const model of Object.values(models)) {
  await model.session.dispose();
  await model.gradients.dispose();
}

const cols = rows[0].length;
const half = cols / 2;
const W = cols * CELL + (cols + 1) * GAP + 4 * GAP;
const H = rows.length * CELL + (rows.length + 1) * GAP;
const png = new PNG({ width: W, height: H });
png.data.fill(255);
rows.forEach((row, r) => row.forEach((img, c) => {
  const ox = GAP + c * (CELL + GAP) + (c >= half ? 4 * GAP : 0);
  const oy = GAP + r * (CELL + GAP);
  for (let y = 0; y < CELL; y++) {
    for (let x = 0; x < CELL; x++) {
      const s = (Math.floor((y * img.height) / CELL) * img.width + Math.floor((x * img.width) / CELL)) * 4;
      const d = ((oy + y) * W + ox + x) * 4;
      for (let k = 0; k < 4; k++) png.data[d + k] = img.pixels[s + k];
    }
  }
}));
mkdirSync(join(REPO, 'docs'), { recursive: true });
writeFileSync(join(REPO, 'docs', 'feature-vis.png'), PNG.sync.write(png));
writeFileSync(join(REPO, 'docs', 'feature-vis.json'), JSON.stringify(report, null, 2) + '\n');
console.log('written: docs/feature-vis.png, docs/feature-vis.json');
