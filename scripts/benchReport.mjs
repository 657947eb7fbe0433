#!/usr/bin/env node
// The benchmark's summary (issue 9): turns the per-part results of scripts/bench.mjs (each part run one or more
// times) into a flat list of figures, prints them as one table and writes bench/results.json:
//   { date, machine: {...}, repeat, parts: { <part>: { runs, skipped? } }, figures: [{ id, issue, label, value, unit,
//     median_of, ratio_to?, ratio?, notes? }], raw: { <part>: [run, ...] } }
// Every figure's value is the median over the part's runs of the figure the part measured in each run (itself a
// median over the part's internal repetitions: `median_of` says which). bench/README.md says what each figure means.
//
// `node scripts/benchReport.mjs` on its own rebuilds bench/results.json from the newest results in test-results/
// (bench.json and the bench-<part>.json files `npm run bench -- --only <part>` writes), for when the full run did
// not fit: each part's `from` says which file and run it came from.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, release, type, availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
export const RESULTS_FILE = join(REPO, 'bench', 'results.json');
export const PARTS = ['micro', 'perturbations', 'gradients', 'datasetIndex', 'featureVis', 'sweep', 'loop'];

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function tryRun(cmd) {
  try {
    return execSync(cmd, { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 }).toString().trim();
  } catch {
    return null;
  }
}

/** The machine the figures come from. */
export function machine() {
  const c = cpus();
  let os = `${type()} ${release()}`;
  try {
    const pretty = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)"?/m);
    if (pretty) os = `${pretty[1]} (${os})`;
  } catch {}
  let ort = null;
  try {
    ort = require('onnxruntime-node/package.json').version;
  } catch {}
  const python = process.env.PERTURBER_BENCH_PYTHON ?? '/usr/bin/python3';
  const torch = existsSync(python) ? tryRun(`${python} -c "import torch; print(torch.__version__)"`) : null;
  const commit = tryRun('git rev-parse HEAD');
  const dirty = tryRun('git status --porcelain --untracked-files=no');
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemoryGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    loadAverage1m: Number(loadavg()[0].toFixed(2)), // when the report was written: other work on a shared machine

    os,
    node: process.version,
    onnxruntime: ort ? `onnxruntime-node ${ort} (CPU)` : null,
    torch: torch ? `torch ${torch} (${python})` : null,
    gitCommit: commit ? `${commit}${dirty ? ' (with uncommitted changes)' : ''}` : null,
  };
}

/**
 * The figures of one run of one part: [{ id, issue, label, value, unit, inner, ratioTo?, notes? }]. `inner` says what
 * the value itself is a median of inside the part; `ratioTo` names another figure the value is divided by.
 */
function partFigures(part, r) {
  const f = [];
  const add = (id, issue, label, value, unit, inner, extra = {}) => f.push({ id, issue, label, value, unit, inner, ...extra });
  if (!r || r.skipped) return f;
  if (part === 'micro') {
    const m = `median of ${r.ortRuns ?? 40} runs`;
    add('micro.preprocess', 2, `preprocess RGBA -> tensor (${r.model})`, r.preprocessMs, 'ms', 'median of 200 calls');
    add('micro.top5', 2, 'top-5 of 1001 (softmax + top-k)', r.top5Ms, 'ms', 'median of 500 calls');
    add('micro.extract16', 2, 'extract 16 maps of 144x56x56', r.extract16NeuronsMs, 'ms', 'median of 200 calls');
    add('micro.ortBare', 2, `ONNX Runtime run, bare model (${r.model}), plain Node`, r.ortBareMs, 'ms', m);
    add('micro.ortAllLayers', 2, 'ONNX Runtime run, every layer exposed', r.ortAllLayersExposedMs, 'ms', m, { ratioTo: 'micro.ortBare' });
    add('micro.ortWatchedLayers', 2, 'ONNX Runtime run, the 2 watched layers exposed (as the extension)', r.ortWatchedLayersExposedMs, 'ms', m, { ratioTo: 'micro.ortBare' });
  }
  if (part === 'perturbations') {
    const inner = `median of ${r.runs} calls`;
    for (const [op, ms] of Object.entries(r.opMs ?? {})) {
      add(`perturb.${op}.first`, 4, `${op}, new seed (first frame), ${r.size} px`, ms, 'ms', inner, { ratioTo: 'perturb.ortBare' });
      add(`perturb.${op}.later`, 4, `${op}, same seed (later frames), ${r.size} px`, r.opSameSeedMs?.[op], 'ms', inner, { ratioTo: 'perturb.ortBare' });
    }
    for (const [op, err] of Object.entries(r.errors ?? {})) add(`perturb.${op}.first`, 4, `${op}: not timed`, null, 'ms', inner, { notes: err });
    add('perturb.conversions', 4, `RGBA -> float -> RGBA, ${r.size} px`, r.conversionsMs, 'ms', inner);
    add('perturb.ortBare', 4, `bare ONNX Runtime run (${r.ortModel}), the reference of the ratios`, r.ortBareMs, 'ms', 'median of 40 runs');
    add('perturb.typicalPipeline', 4, `typical pipeline + conversions [${(r.typicalPipeline ?? []).join(', ')}]`, r.typicalPipelineMs, 'ms', inner, { ratioTo: 'perturb.ortBare' });
  }
  if (part === 'gradients') {
    const n = `median of ${r.runs} runs${r.torch ? ' (ORT and PyTorch alternate in blocks)' : ''}`;
    const p = `median of ${r.pgdRuns} runs`;
    const t = r.torch;
    const model = r.modelShort ?? 'GoogLeNet 224 px';
    const alone = t ? {} : { notes: `PyTorch side skipped: ${r.torchSkipped ?? 'no torch'}` };
    add('gradients.ort.forward', 6, `${model} forward, ONNX Runtime`, r.forwardMs, 'ms', n, t ? { ratioTo: 'gradients.torch.forward' } : alone);
    add('gradients.ort.forwardBackward', 6, `${model} forward + backward (input gradient), ONNX Runtime + core/gradients`, r.forwardBackwardMs, 'ms', n, t ? { ratioTo: 'gradients.torch.forwardBackward' } : alone);
    add('gradients.ort.pgd10', 6, `${model} PGD-10 (11 gradient evaluations), ONNX Runtime`, r.pgd10Ms, 'ms', p, t ? { ratioTo: 'gradients.torch.pgd10' } : alone);
    // The headline ratio is of the minima: the forward runs are short, so their median is the most inflated by the
    // shared machine's other load, which made the ratio of the medians swing from run to run.
    const minima = `ratio of the minima of ${r.runs} runs each (the medians' ratio: ${r.ratios?.ortBackwardOverForward?.toFixed(2) ?? '?'}x)`;
    add('gradients.ort.backwardOverForward', 6, `ONNX Runtime: forward+backward / forward (${model})`, r.ratiosOfMinima?.ortBackwardOverForward, 'x', minima, alone);
    if (t) {
      add('gradients.torch.forward', 6, `${model} forward, PyTorch`, t.forwardMs, 'ms', n);
      add('gradients.torch.forwardBackward', 6, `${model} forward + backward, PyTorch autograd`, t.forwardBackwardMs, 'ms', n);
      add('gradients.torch.pgd10', 6, `${model} PGD-10, PyTorch`, t.pgd10Ms, 'ms', p);
      const torchMinima = `ratio of the minima of ${r.runs} runs each (the medians' ratio: ${r.ratios?.torchBackwardOverForward?.toFixed(2) ?? '?'}x)`;
      add('gradients.torch.backwardOverForward', 6, `PyTorch: forward+backward / forward (${model})`, r.ratiosOfMinima?.torchBackwardOverForward, 'x', torchMinima);
      add('gradients.gradMaxRelError', 6, 'ONNX gradient vs autograd, max relative error', r.gradMaxRelError, '', 'one evaluation');
    }
  }
  if (part === 'datasetIndex') {
    for (const m of r) {
      if (m.skipped) continue;
      const key = m.model.startsWith('lab') ? 'lab' : 'mobilenetV2';
      for (const run of m.runs ?? []) {
        add(`datasetIndex.${key}.batch${run.batch}`, 7, `dataset index, ${m.model}, batch ${run.batch} (decode ${pct(run.share?.decode)}, inference ${pct(run.share?.inference)})`, run.msPerImage, 'ms/image', `mean over ${run.images} images`);
      }
    }
  }
  if (part === 'featureVis') {
    for (const c of r.cases ?? []) {
      if (c.skipped) continue;
      const key = c.model.startsWith('lab') ? 'lab' : 'googlenet';
      add(`featureVis.${key}.batch${c.batch}`, 7, `feature visualisation step, ${c.model}, ${c.size} -> ${c.input}, batch ${c.batch}`, c.msPerStep, 'ms/step', `median of ${c.steps} steps`, c.batch > 1 ? { notes: `${c.msPerStepPerNeuron?.toFixed(2)} ms/step per neuron` } : {});
    }
  }
  if (part === 'sweep') {
    add('sweep.configurationsPerSecond', 8, `Run Sweep in code-server, ${r.configurations} configurations x 3 lab models`, r.configurationsPerSecond, 'configurations/s', 'one sweep', { ratioTo: 'sweep.ortBatched' });
    add('sweep.ratioToBatchedOrt', 8, 'sweep / batched ORT, each measured in the same run', r.ratioToBatchedOrt, 'x', 'one sweep and one batched pass');
    add('sweep.ortBatched', 8, `batched ONNX Runtime (batch ${r.ortBatch}), the same 3 models, same process`, r.ortBatchedConfigurationsPerSecond, 'configurations/s', 'one timed pass');
  }
  if (part === 'loop') {
    for (const s of r) {
      const l = s.loop;
      const k = `loop.${s.scene}`;
      const inner = `median of ${s.frames} frames`;
      const stage = (id, label, v) => add(`${k}.${id}`, 2, `${s.scene}: ${label}`, v, 'ms', inner);
      stage('render', 'render + readback (webview)', l.renderMs + l.readbackMs);
      stage('transfer', 'transfer to host', l.transferMs);
      stage('perturb', 'image perturbations', l.perturbMs);
      stage('preprocess', 'preprocess', l.preprocessMs);
      stage('run', 'ONNX Runtime run', l.runMs);
      stage('extract', 'activation extraction', l.extractMs);
      stage('back', 'transfer back (slower panel)', l.backMs);
      stage('paint', 'paint (slower panel)', l.paintMs);
      add(`${k}.total`, 2, `${s.scene}: whole loop (render start -> last panel painted)`, l.wholeLoopMs, 'ms', inner, { ratioTo: `${k}.bare` });
      add(`${k}.bare`, 2, `${s.scene}: bare ONNX Runtime run, same extension host`, s.bareRunMs, 'ms', `median of ${Math.max(s.frames, 20)} runs`);
    }
  }
  return f;
}

const pct = (x) => (typeof x === 'number' ? `${(100 * x).toFixed(0)} %` : '?');

/** Figures from every part's runs: medians across runs, ratios of the medians. */
export function buildFigures(partsRuns) {
  const byId = new Map();
  for (const part of PARTS) {
    const runs = partsRuns[part]?.runs ?? [];
    runs.forEach((run) => {
      for (const fig of partFigures(part, run)) {
        if (!byId.has(fig.id)) byId.set(fig.id, { ...fig, values: [] });
        byId.get(fig.id).values.push(fig.value);
      }
    });
  }
  const figures = [];
  for (const fig of byId.values()) {
    const n = fig.values.filter((v) => typeof v === 'number' && Number.isFinite(v)).length;
    const out = {
      id: fig.id,
      issue: fig.issue,
      label: fig.label,
      value: round(median(fig.values)),
      unit: fig.unit,
      median_of: n > 1 ? `${n} runs, each ${fig.inner}` : `1 run: ${fig.inner}`,
    };
    if (n > 1) out.runs = fig.values.map(round);
    if (fig.ratioTo) out.ratio_to = fig.ratioTo;
    if (fig.notes) out.notes = fig.notes;
    figures.push(out);
  }
  const value = new Map(figures.map((f) => [f.id, f.value]));
  for (const f of figures) {
    if (f.ratio_to && value.get(f.ratio_to) && f.value !== null) f.ratio = round(f.value / value.get(f.ratio_to));
  }
  return figures;
}

function round(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  const a = Math.abs(v);
  const digits = a >= 100 ? 1 : a >= 1 ? 3 : 4;
  return Number(v.toFixed(digits));
}

/** One table of every figure, and the skipped parts with their reasons. */
export function printTable(report) {
  const rows = report.figures.map((f) => [f.id, f.value === null ? 'n/a' : String(f.value), f.unit, f.ratio === undefined ? '' : `${f.ratio} x ${f.ratio_to}`]);
  const head = ['figure', 'value', 'unit', 'ratio'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 1 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  const m = report.machine;
  console.log(`\n== Every figure (${report.date}; ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.onnxruntime ?? 'no onnxruntime'}, ${m.torch ?? 'no torch'}) ==`);
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const [part, p] of Object.entries(report.parts)) {
    if (p.skipped) console.log(`skipped: ${part}: ${p.skipped}`);
    else if (p.partial) console.log(`partial: ${part}: ${p.partial}`);
    if (p.partlySkipped?.length) console.log(`partly skipped: ${part}: ${p.partlySkipped.join('; ')}`);
  }
}

function partlySkipped(part, run) {
  if (!run) return [];
  if (part === 'datasetIndex') return run.filter((m) => m.skipped).map((m) => `${m.model}: ${m.skipped}`);
  if (part === 'featureVis') return [...(run.googlenet?.skipped ? [`GoogLeNet: ${run.googlenet.skipped}`] : []), ...(run.cases ?? []).filter((c) => c.skipped && c.note).map((c) => `${c.model} batch ${c.batch}: ${c.note}`)];
  return [];
}

/**
 * partsRuns: { <part>: { runs: [result, ...], skipped?: reason, from?: string } }. Writes bench/results.json (or
 * `file`) and returns the report.
 */
export function writeReport(partsRuns, { repeat, file = RESULTS_FILE, date = new Date().toISOString() } = {}) {
  const parts = {};
  const raw = {};
  for (const part of PARTS) {
    const p = partsRuns[part];
    if (!p) {
      parts[part] = { runs: 0, skipped: 'not run (not selected)' };
      continue;
    }
    const whole = p.skipped ?? p.runs.find((r) => r?.skipped)?.skipped;
    parts[part] = { runs: p.runs.length, ...(whole ? { skipped: whole } : {}), ...(p.partial ? { partial: p.partial } : {}), ...(p.from ? { from: p.from } : {}) };
    const partly = partlySkipped(part, p.runs[0]);
    if (partly.length) parts[part].partlySkipped = partly;
    raw[part] = p.runs;
  }
  const report = { date, machine: machine(), repeat, parts, figures: buildFigures(partsRuns), raw };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  return report;
}

// Standalone: rebuild from test-results/ (newest file per part).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = { perturbations: 'bench-perturbations.json', gradients: 'bench-gradients.json', datasetIndex: 'bench-dataset-index.json', featureVis: 'bench-feature-vis.json', sweep: 'bench-sweep.json', loop: 'bench-loop.json', micro: 'bench-micro.json' };
  const read = (name) => {
    const path = join(REPO, 'test-results', name);
    return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
  };
  const full = read('bench.json');
  const partsRuns = {};
  for (const part of PARTS) {
    const candidates = [];
    if (full && full[part] !== undefined) candidates.push({ date: full.date, runs: full.runs?.[part] ?? [full[part]], skipped: full.skipped?.[part], partial: full.partial?.[part], from: `test-results/bench.json (${full.date}${full.machine?.gitCommit ? `, commit ${full.machine.gitCommit}` : ''})` });
    const own = read(files[part]);
    if (own && own[part] !== undefined) candidates.push({ date: own.date, runs: own.runs ?? [own[part]], partial: own.partial, skipped: own.skipped, from: `test-results/${files[part]} (${own.date}${own.machine?.gitCommit ? `, commit ${own.machine.gitCommit}` : ''})` });
    if (full?.skipped?.[part] && full[part] === undefined) candidates.push({ date: full.date, runs: [], skipped: full.skipped[part], from: 'test-results/bench.json' });
    candidates.sort((a, b) => String(b.date).localeCompare(String(a.date)));
    if (candidates[0]) partsRuns[part] = candidates[0];
  }
  const dates = Object.values(partsRuns).map((p) => p.date).filter(Boolean).sort();
  // machine.gitCommit is the commit when this report is written; parts.<part>.from names each part's own run.
  const report = writeReport(partsRuns, { repeat: 'per part: see parts.<part>.runs and from', date: dates[dates.length - 1] ?? new Date().toISOString() });
  printTable(report);
  console.log(`\nwritten: ${RESULTS_FILE.slice(REPO.length + 1)}`);
}
