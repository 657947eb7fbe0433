/**
 * The child process of sweepKill.test.ts (not a test file: the unit stage runs only `*.test.js`). Runs one sweep with
 * the real runner (src/sweep/runner.ts: results.csv, progress.json, summary.json, the saved images) on ONNX Runtime
 * with the fixture model (twice, as models `a` and `b`, so each configuration writes two rows), rendering each
 * configuration with a deterministic stand-in for the scene webview that takes `renderMs` like a real render would.
 *
 *   node out/test/unit/sweepKillChild.js RUNS_DIR [renderMs]
 *
 * Exits 0 when the run is complete. The parent SIGKILLs it at chosen points and starts another one, which resumes.
 */
import * as path from 'node:path';
import { defaultScene } from '../../core/scene';
import type { SweepSpec } from '../../core/sweep/types';
import type { Scene } from '../../core/sceneTypes';
import { discRender } from './discRender';
import { loadModel } from '../../src/inference/loadModel';
import { runSweep } from '../../src/sweep/runner';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture');

/** 10 azimuths x 3 elevations x 2 blur sigmas = 60 configurations, 120 rows. */
export const KILL_SPEC: SweepSpec = {
  name: 'kill',
  parameters: [
    { path: 'camera.azimuth', range: { from: -150, to: 150, steps: 10 } },
    { path: 'camera.elevation', values: [0, 20, 40] },
    { path: 'perturbations[0].params.sigma', values: [0, 1.5] },
  ],
  record: { topK: 3, classes: ['red', 'blue'], neurons: true },
  saveImages: true,
};

async function main(): Promise<void> {
  const runsDir = process.argv[2];
  const renderMs = Number(process.argv[3] ?? 0);
  if (!runsDir) throw new Error('usage: sweepKillChild.js RUNS_DIR [renderMs]');
  const model = await loadModel(
    { onnxPath: path.join(FIXTURE, 'fixture.onnx'), manifestPath: path.join(FIXTURE, 'fixture.model.json'), allowedRoots: [FIXTURE] },
    { threads: 1, executionProviders: ['cpu'] },
  );
  const watch = [{ layer: model.layers[0].alias ?? model.layers[0].tensor, neurons: [0, 1, 2, 3] }];
  const scene: Scene = {
    ...defaultScene(),
    models: [
      { id: 'a', path: 'fixture.onnx', watch },
      { id: 'b', path: 'fixture.onnx', watch },
    ],
    perturbations: [{ op: 'gaussianBlur', enabled: true, seed: 0, params: { sigma: 0.5 } }],
    sweep: KILL_SPEC,
  };
  const summary = await runSweep({
    scene,
    sceneFile: 'kill.perturber.json',
    runsDir,
    host: {
      models: () => scene.models.map((m) => ({ id: m.id, watch: m.watch, model })),
      render: async (s, sizes) => {
        if (renderMs > 0) await new Promise((r) => setTimeout(r, renderMs));
        return sizes.map((size) => discRender(s, size));
      },
      resources: () => undefined,
    },
    isCancelled: () => false,
  });
  if (!summary.complete) throw new Error(`the run stopped at ${summary.done} of ${summary.configurations}`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
