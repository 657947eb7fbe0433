// The sweep benchmark (`node scripts/bench.mjs --only sweep`): runs test/bench/sweep.ts in a real extension host
// (code-server): "Perturber: Run Sweep" on samples/shape-bias.perturber.json (270 configurations x the lab trio),
// then batched ONNX Runtime throughput of the same models in the same process. Reports configurations per second,
// the ratio to batched ORT, and each model's shape bias. Needs a build (dist/) and compiled tests (out/).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExtensionTests } from './extensionTests.mjs';

const REPO = join(fileURLToPath(import.meta.url), '..', '..');

export async function sweep() {
  const lines = [];
  const result = await runExtensionTests({
    testsPath: join(REPO, 'out', 'test', 'bench', 'sweep.js'),
    timeoutMs: 600_000,
    print: (line) => {
      if (line.includes('BENCH_')) lines.push(line.slice(line.indexOf('BENCH_')));
    },
  });
  const found = lines.find((l) => l.startsWith('BENCH_JSON '));
  if (result.exitCode !== 0 || !found) throw new Error(`the sweep benchmark failed in the extension host (exit ${result.exitCode}); log in ${result.runDir}`);
  return JSON.parse(found.slice('BENCH_JSON '.length)).sweep;
}

export function printSweep(s) {
  const f = (x) => x.toFixed(x < 10 ? 2 : 0);
  console.log('\n== sweep (samples/shape-bias.perturber.json, lab trio, 64 px) ==');
  console.log(`sweep                          ${s.configurations} configurations x ${Object.keys(s.models).length} models in ${s.seconds.toFixed(1)} s: ${f(s.configurationsPerSecond)} configurations/s`);
  console.log(`  waiting for renders          ${(s.renderWaitMs / 1000).toFixed(1)} s; perturb + models ${(s.inferenceMs / 1000).toFixed(1)} s (renders of i+1 overlap inference of i)`);
  console.log(`batched ORT (batch ${s.ortBatch})          ${f(s.ortBatchedConfigurationsPerSecond)} configurations/s (all models; batch 1: ${f(s.ortBatch1ConfigurationsPerSecond)})`);
  console.log(`ratio sweep / batched ORT      ${s.ratioToBatchedOrt.toFixed(4)}`);
  for (const [id, b] of Object.entries(s.shapeBias ?? {})) {
    console.log(`shape bias ${id.padEnd(20)} ${b.shapeBias === null ? '-' : b.shapeBias.toFixed(2)} (shape ${b.shapeDecisions}, texture ${b.textureDecisions}, other ${b.otherDecisions})`);
  }
}
