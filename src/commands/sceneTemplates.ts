/**
 * Scene content the commands write: a new scene file, and a model entry to append. No vscode import, so the
 * shapes are unit-tested against the scene schema (test/unit/hostHelpers.test.ts).
 */
import type { LayerInfo } from '../../core/manifestTypes';
import { defaultScene } from '../../core/scene';
import type { Scene, SceneModel } from '../../core/sceneTypes';

/** Neurons watched by default: the first eight (or fewer, for a narrow layer). */
const DEFAULT_NEURONS = 8;

/** A new scene file: the schema's defaults plus the built-in fixture model, so results appear at once. */
export function newSceneContent(name: string): string {
  const first = Array.from({ length: DEFAULT_NEURONS }, (_, i) => i);
  const scene: Scene = {
    ...defaultScene(),
    name,
    models: [
      {
        id: 'fixture',
        path: 'builtin:fixture',
        watch: [
          { layer: 'conv1', neurons: first },
          { layer: 'conv2', neurons: [...first] },
        ],
      },
    ],
  };
  return `${JSON.stringify(scene, null, 2)}\n`;
}

/** The model id to use for a file: its name, made unique within the scene (`name`, `name-2`, ...). */
export function uniqueModelId(fileName: string, scene: Scene): string {
  const base = fileName.replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 60) || 'model';
  const taken = new Set(scene.models.map((m) => m.id));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/** Watch entries for picked layers: by alias when the manifest names the layer, the first neurons of each. */
export function watchFor(layers: readonly LayerInfo[]): SceneModel['watch'] {
  return layers.map((layer) => ({
    layer: layer.alias ?? layer.tensor,
    neurons: Array.from({ length: Math.min(DEFAULT_NEURONS, layer.channels ?? DEFAULT_NEURONS) }, (_, i) => i),
  }));
}
