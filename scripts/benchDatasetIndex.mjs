// The dataset-index section of `npm run bench` (issue 7, "time per indexed image"): ms per indexed image (decode +
// preprocess + inference + channel means/maxima) with the indexer the command uses (out/src/datasetIndex/indexer.js),
// and each stage's share, on the lab model (models/lab/samples, 64 px PNGs; every named layer) and on MobileNetV2
// when ../shared/models/mobilenet_v2_1.0_224.onnx exists (the test photos of ../shared/assets/photos, copied
// `PERTURBER_BENCH_INDEX_COPIES` times; every named layer), at batch 1 and at the command's default batch.
// `node scripts/bench.mjs --only datasetIndex` runs just this part.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO } from './codeServer.mjs';

const require = createRequire(import.meta.url);
const SHARED = resolve(REPO, '..', 'shared');

function imageFolder(root, sources, copies) {
  const folder = join(root, 'images');
  mkdirSync(folder, { recursive: true });
  for (let c = 0; c < copies; c++) for (const file of sources) copyFileSync(file, join(folder, `${c}-${file.split('/').pop()}`));
  return folder;
}

async function measure({ name, onnx, manifest, sources, copies, batches, threads }) {
  const { loadModel } = require(join(REPO, 'out/src/inference/loadModel.js'));
  const { buildIndex } = require(join(REPO, 'out/src/datasetIndex/indexer.js'));
  const model = await loadModel({ onnxPath: onnx, manifestPath: manifest, allowedRoots: [] }, { threads, executionProviders: ['cpu'] });
  const root = mkdtempSync(join(tmpdir(), 'perturber-bench-index-'));
  try {
    const folder = imageFolder(root, sources, copies);
    const layers = model.layers.filter((l) => l.alias !== undefined && l.opType !== 'Output' && (l.height ?? 0) > 0);
    // A warm-up run: session creation (the layers exposed as outputs) is a one-off cost of the command, not per image.
    await buildIndex({ model, root, folder, layers, batch: 1 });
    const runs = [];
    // A graph with a fixed batch of 1 runs every batch size one image at a time: measure it once.
    for (const batch of [...new Set(batches.map((b) => Math.min(b, model.gradients.maxBatch)))]) {
      const built = await buildIndex({ model, root, folder, layers, batch });
      const t = built.timings;
      const work = t.decodeMs + t.preprocessMs + t.inferenceMs + t.reduceMs;
      const n = built.computed;
      runs.push({
        batch,
        images: n,
        skipped: built.manifest.skipped.length,
        msPerImage: work / n,
        wallMsPerImage: t.totalMs / n,
        decodeMsPerImage: t.decodeMs / n,
        preprocessMsPerImage: t.preprocessMs / n,
        inferenceMsPerImage: t.inferenceMs / n,
        reduceMsPerImage: t.reduceMs / n,
        share: { decode: t.decodeMs / work, preprocess: t.preprocessMs / work, inference: t.inferenceMs / work, reduce: t.reduceMs / work },
      });
    }
    return { model: name, threads, layers: layers.map((l) => l.alias), runs };
  } finally {
    await model.session.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

export async function datasetIndex() {
  const threads = Number(process.env.PERTURBER_BENCH_THREADS ?? Math.min(availableParallelism(), 8));
  const copies = Number(process.env.PERTURBER_BENCH_INDEX_COPIES ?? 3);
  const out = [];
  const lab = join(REPO, 'models', 'lab');
  const samples = readdirSync(join(lab, 'samples')).filter((f) => f.endsWith('.png')).map((f) => join(lab, 'samples', f));
  out.push(await measure({ name: 'lab standard (64 px)', onnx: join(lab, 'standard.onnx'), manifest: join(lab, 'standard.model.json'), sources: samples, copies, batches: [1, 8], threads }));
  const mobilenet = join(SHARED, 'models', 'mobilenet_v2_1.0_224.onnx');
  const photos = join(SHARED, 'assets', 'photos');
  if (existsSync(mobilenet) && existsSync(photos)) {
    const sources = readdirSync(photos).filter((f) => /\.(png|jpe?g)$/i.test(f)).map((f) => join(photos, f));
    out.push(await measure({ name: 'MobileNetV2 (224 px, photos)', onnx: mobilenet, manifest: join(REPO, 'test', 'fixtures', 'mobilenet_v2_1.0_224.model.json'), sources, copies, batches: [1, 8], threads }));
  } else {
    out.push({ model: 'MobileNetV2', skipped: `${mobilenet} or ${photos} not found` });
  }
  return out;
}

export function printDatasetIndex(results) {
  const pct = (x) => `${(100 * x).toFixed(0)}%`;
  for (const r of results) {
    console.log(`\n== Dataset index: ${r.model} ==`);
    if (r.skipped) {
      console.log(`skipped: ${r.skipped}`);
      continue;
    }
    console.log(`layers: ${r.layers.join(', ')}; ${r.threads} threads`);
    for (const run of r.runs) {
      console.log(
        `batch ${String(run.batch).padEnd(2)} ${run.images} images: ${run.msPerImage.toFixed(2)} ms per image (wall ${run.wallMsPerImage.toFixed(2)}): ` +
          `decode ${run.decodeMsPerImage.toFixed(2)} (${pct(run.share.decode)}), preprocess ${run.preprocessMsPerImage.toFixed(2)} (${pct(run.share.preprocess)}), ` +
          `inference ${run.inferenceMsPerImage.toFixed(2)} (${pct(run.share.inference)}), means/max ${run.reduceMsPerImage.toFixed(2)} (${pct(run.share.reduce)})`,
      );
    }
  }
}
