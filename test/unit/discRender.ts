/** A deterministic stand-in for the scene editor's renderer in sweep tests: a disc whose size follows the camera's
 *  azimuth and whose colours follow its elevation, so different configurations give different model outputs. */
import type { FrameImage, RenderSize } from '../../core/protocol';
import type { Scene } from '../../core/sceneTypes';
import * as path from 'node:path';
import type { FrameModel } from '../../src/inference/framePipeline';
import { loadModel, type LoadedModel } from '../../src/inference/loadModel';
import type { SweepOptions } from '../../src/sweep/runner';

export function discRender(scene: Scene, { width, height }: RenderSize): FrameImage {
  const pixels = new Uint8Array(width * height * 4);
  const r = 6 + ((scene.camera.azimuth + 180) / 360) * 24;
  const level = Math.round(40 + scene.camera.elevation * 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x - width / 2) ** 2 + (y - height / 2) ** 2 < r * r;
      pixels.set(inside ? [230, 200 - level, level, 255] : [level, 128, 128, 255], (y * width + x) * 4);
    }
  }
  return { width, height, pixels };
}

/** Sweep options whose host renders with `discRender` and runs `models` (the sweep runner's unit tests). */
export function discSweepOptions(scene: Scene, models: FrameModel[], runsDir: string, sceneFile: string, extra: Partial<SweepOptions> = {}): SweepOptions {
  return {
    scene,
    sceneFile,
    runsDir,
    host: {
      models: () => models,
      render: async (s: Scene, sizes: readonly RenderSize[]) => sizes.map((size) => discRender(s, size)),
      resources: () => undefined,
    },
    isCancelled: () => false,
    ...extra,
  };
}

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'models', 'fixture');
let fixtureLoaded: Promise<LoadedModel> | undefined;

/** The fixture classifier (models/fixture), loaded once per test process, one ONNX Runtime thread. */
export function sweepFixtureModel(): Promise<LoadedModel> {
  fixtureLoaded ??= loadModel(
    { onnxPath: path.join(FIXTURE, 'fixture.onnx'), manifestPath: path.join(FIXTURE, 'fixture.model.json'), allowedRoots: [FIXTURE] },
    { threads: 1, executionProviders: ['cpu'] },
  );
  return fixtureLoaded;
}
