/**
 * Files the security and panel-fuzz suites write into the test workspace (not a test file: index.ts loads only
 * `*.test.js`): a copy of samples/teapot.perturber.json (the built-in fixture model, quick to load), variants of it
 * that name URLs, and a finished sweep run over it in the runner's format (results.csv through core/sweep/results.ts,
 * summary.json shaped like src/sweep/runner.ts's SweepSummary), so "Show Sweep Results" has rows to show.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { SweepSpec } from '../../core/sweep/types';
import { writeFinishedRun } from './sweepRunFixture';

export type SceneJson = Record<string, unknown>;

/** The teapot sample as JSON, renamed. */
export function teapot(root: string, name: string): SceneJson {
  const scene = JSON.parse(fs.readFileSync(path.join(root, 'teapot.perturber.json'), 'utf8')) as SceneJson;
  scene.name = name;
  return scene;
}

/** Writes `scene` to `file` (folders made), returns the path. */
export function writeScene(file: string, scene: SceneJson): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(scene, null, 2) + '\n');
  return file;
}

/** Where a scene names a file, and how to make the teapot name `url` there. */
export const URL_PLACES: { kind: string; jsonPath: string; apply(scene: SceneJson, url: string): void }[] = [
  { kind: 'background image', jsonPath: 'background.path', apply: (s, url) => void (s.background = { kind: 'image', path: url }) },
  {
    kind: 'texture',
    jsonPath: 'material.texture.path',
    apply: (s, url) => void (s.material = { ...(s.material as SceneJson), texture: { kind: 'image', path: url } }),
  },
  { kind: 'object file', jsonPath: 'object.path', apply: (s, url) => void (s.object = { kind: 'file', path: url }) },
  {
    kind: 'model',
    jsonPath: 'models[1].path',
    apply: (s, url) => void (s.models = [...(s.models as SceneJson[]), { id: 'remote', path: url }]),
  },
];

/**
 * A finished two-configuration sweep (camera azimuth -60 and 30, the fixture model) over `sceneFile` with made-up
 * predictions, in `<root>/.perturber/runs/<name>`; returns the run folder.
 */
export function writeSweepRun(root: string, sceneFile: string, name: string): string {
  const spec: SweepSpec = { name, parameters: [{ path: 'camera.azimuth', values: [-60, 30] }], models: ['fixture'], record: { topK: 2 } };
  const value = JSON.parse(fs.readFileSync(sceneFile, 'utf8')) as SceneJson;
  value.sweep = spec;
  const text = JSON.stringify(value, null, 2) + '\n';
  fs.writeFileSync(sceneFile, text);
  return writeFinishedRun(root, sceneFile, text, spec, (index) => 0.6 + 0.1 * index);
}
