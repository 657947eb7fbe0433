/**
 * A deterministic corpus of malformed scene files (issue 9), built from samples/*.perturber.json and the scene
 * schema: every text has a name and the kind of fault. Used by test/unit/malformedScenes.test.ts (parser and
 * checks) and test/suite/malformedScenes.test.ts (one per category, opened in the real scene editor).
 *
 * No randomness: the same corpus on every run, so a failing case can be named and reproduced.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import schema from '../../schemas/scene.schema.json';

export type FaultCategory =
  | 'syntax'
  | 'notAnObject'
  | 'wrongType'
  | 'missingField'
  | 'extraField'
  | 'outOfRange'
  | 'hugeArray'
  | 'deepNesting'
  | 'unknownVersion'
  | 'missingFile'
  | 'escapingPath'
  | 'remoteUrl'
  | 'perturbationJunk'
  | 'sweepJunk'
  | 'featureVisJunk';

export interface MalformedScene {
  /** Unique, file-name safe. */
  name: string;
  category: FaultCategory;
  text: string;
  /**
   * True when the fault is only visible with the file system (a missing file, a path outside the workspace): the
   * parser accepts the text and the host's resource checks (src/sceneEditor/sceneResources.ts) report it.
   */
  needsFiles?: boolean;
}

type Json = Record<string, unknown>;

/** The repository root, from out/test/unit/ (compiled) or test/unit/ (source). */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (readdirSync(dir).includes('samples') && readdirSync(dir).includes('schemas')) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`repository root not found above ${__dirname}`);
}

function samples(): { name: string; value: Json; text: string }[] {
  const dir = path.join(repoRoot(), 'samples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.perturber.json'))
    .sort()
    .map((f) => {
      const text = readFileSync(path.join(dir, f), 'utf8');
      return { name: f.replace(/\.perturber\.json$/, ''), value: JSON.parse(text) as Json, text };
    });
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const dump = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Sets a value at a dotted path (creating objects on the way), returning a modified copy. */
function withValue(base: Json, dotted: string, value: unknown): Json {
  const out = clone(base);
  const keys = dotted.split('.');
  let at: Json = out;
  for (const key of keys.slice(0, -1)) {
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
    at = at[key] as Json;
  }
  at[keys[keys.length - 1]] = value;
  return out;
}

function without(base: Json, dotted: string): Json {
  const out = clone(base);
  const keys = dotted.split('.');
  let at: Json = out;
  for (const key of keys.slice(0, -1)) at = at[key] as Json;
  delete at[keys[keys.length - 1]];
  return out;
}

/** Numeric properties of the schema's top-level sections with a minimum and maximum: the out-of-range cases. */
function rangedProperties(): { path: string; min: number; max: number; integer: boolean }[] {
  const out: { path: string; min: number; max: number; integer: boolean }[] = [];
  const props = (schema as { properties: Record<string, { properties?: Record<string, Json> }> }).properties;
  for (const section of ['camera', 'light', 'material', 'silhouette']) {
    for (const [key, p] of Object.entries(props[section]?.properties ?? {})) {
      if (typeof p.minimum === 'number' && typeof p.maximum === 'number') {
        out.push({ path: `${section}.${key}`, min: p.minimum, max: p.maximum, integer: p.type === 'integer' });
      }
    }
  }
  return out;
}

/** Every malformed scene, in a fixed order (at least 60). */
export function malformedScenes(): MalformedScene[] {
  const all = samples();
  const bySample = (name: string): Json => clone(all.find((s) => s.name === name)?.value ?? all[0].value);
  const teapot = bySample('teapot');
  const perturb = bySample('perturbations');
  const out: MalformedScene[] = [];
  const add = (category: FaultCategory, name: string, text: string, needsFiles = false): void => {
    out.push({ name: `${category}-${name}`, category, text, ...(needsFiles ? { needsFiles } : {}) });
  };

  // --- syntax: cut every sample short, plus hand-made mistakes.
  for (const s of all.slice(0, 6)) add('syntax', `truncated-${s.name}`, s.text.slice(0, Math.floor(s.text.length * 0.6)));
  const t = dump(teapot);
  add('syntax', 'trailing-comma', t.replace(/\n}\n$/, ',\n}\n'));
  add('syntax', 'missing-comma', t.replace('"version": 2,', '"version": 2'));
  add('syntax', 'single-quotes', t.replace('"name"', "'name'"));
  add('syntax', 'comment', `// a comment\n${t}`);
  add('syntax', 'unclosed-string', t.replace(/"name": "([^"]*)"/, '"name": "$1'));
  add('syntax', 'nan-literal', t.replace('"azimuth": 0', '"azimuth": NaN'));
  add('syntax', 'binary-junk', '\u0000\u0001\u00ff\ufffd{{{"');
  add('syntax', 'two-documents', `${t}${t}`);
  add('syntax', 'empty', '');
  add('syntax', 'whitespace-only', '   \n\t  \n');

  // --- not a JSON object at the top.
  add('notAnObject', 'array', dump([teapot]));
  add('notAnObject', 'string', '"teapot"');
  add('notAnObject', 'null', 'null');
  add('notAnObject', 'number', '2');

  // --- wrong types.
  add('wrongType', 'version-string', dump(withValue(teapot, 'version', '2')));
  add('wrongType', 'camera-array', dump(withValue(teapot, 'camera', [0, 10, 3])));
  add('wrongType', 'azimuth-string', dump(withValue(teapot, 'camera.azimuth', 'left')));
  add('wrongType', 'models-object', dump(withValue(teapot, 'models', { id: 'a', path: 'a.onnx' })));
  add('wrongType', 'object-kind-number', dump(withValue(teapot, 'object.kind', 3)));
  add('wrongType', 'material-color-number', dump(withValue(teapot, 'material.color', 0xff0000)));
  add('wrongType', 'silhouette-enabled-string', dump(withValue(teapot, 'silhouette.enabled', 'yes')));
  add('wrongType', 'name-null', dump(withValue(teapot, 'name', null)));

  // --- missing required fields.
  add('missingField', 'version', dump(without(teapot, 'version')));
  add('missingField', 'model-path', dump(withValue(teapot, 'models', [{ id: 'm' }])));
  add('missingField', 'model-id', dump(withValue(teapot, 'models', [{ path: 'builtin:fixture' }])));
  add('missingField', 'sweep-name', dump(withValue(teapot, 'sweep', { parameters: [{ path: 'camera.azimuth', values: [1] }] })));
  add('missingField', 'file-object-path', dump(withValue(teapot, 'object', { kind: 'file' })));
  add('missingField', 'perturbation-op', dump(withValue(teapot, 'perturbations', [{ enabled: true }])));

  // --- extra (unknown) fields.
  add('extraField', 'top-level', dump(withValue(teapot, 'colour', 'red')));
  add('extraField', 'camera', dump(withValue(teapot, 'camera.zoom', 2)));
  add('extraField', 'light', dump(withValue(teapot, 'light.shadow', true)));
  add('extraField', 'model-entry', dump(withValue(teapot, 'models', [{ id: 'm', path: 'builtin:fixture', weights: 'x' }])));
  add('extraField', 'object-v1-color', dump(withValue(teapot, 'object.color', '#ff0000')));

  // --- out of range: each ranged property of the schema, below its minimum or above its maximum (alternating).
  rangedProperties().forEach((p, i) => {
    const span = Math.max(1, p.max - p.min);
    const value = i % 2 === 0 ? p.max + span : p.min - span;
    add('outOfRange', p.path.replace('.', '-'), dump(withValue(teapot, p.path, p.integer ? Math.round(value) : value)));
  });
  add('outOfRange', 'duplicate-model-id', dump(withValue(teapot, 'models', [{ id: 'a', path: 'builtin:fixture' }, { id: 'a', path: 'builtin:fixture' }])));
  add('outOfRange', 'builtin-param', dump(withValue(bySample('texture-morph-dog-cat'), 'object.params', { bodyLength: 1e9 })));
  add('outOfRange', 'negative-seed', dump(withValue(perturb, 'object.seed', -5)));

  // --- huge arrays and strings.
  const steps = Array.from({ length: 100_000 }, () => ({ op: 'gaussianBlur', params: { sigma: 1 } }));
  add('hugeArray', '100k-perturbation-steps', dump(withValue(perturb, 'perturbations', steps)));
  add('hugeArray', '10MB-name', dump(withValue(teapot, 'name', 'x'.repeat(10 * 1024 * 1024))));
  add('hugeArray', '1000-models', JSON.stringify(withValue(teapot, 'models', Array.from({ length: 1000 }, (_, i) => ({ id: `m${i}`, path: 'builtin:fixture' })))));
  add('hugeArray', '40-steps-under-size-limit', JSON.stringify(withValue(perturb, 'perturbations', steps.slice(0, 40))));
  add('hugeArray', '5000-watched-neurons', JSON.stringify(withValue(teapot, 'models', [{ id: 'f', path: 'builtin:fixture', watch: [{ layer: 'conv1', neurons: Array.from({ length: 5000 }, (_, i) => i) }] }])));

  // --- deeply nested junk: must not overflow the parser's stack.
  add('deepNesting', '10k-arrays', `{"version": 2, "junk": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
  add('deepNesting', '10k-objects', `{"version": 2, "junk": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`);
  add('deepNesting', '10k-unclosed', `{"version": 2, "name": ${'['.repeat(10_000)}`);
  add('deepNesting', '100k-top-level-arrays', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  add('deepNesting', '40-levels-in-params', dump(withValue(teapot, 'object.params', JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`))));

  // --- unknown versions.
  for (const v of [0, 3, 99, -1, 2.5, 1e308]) add('unknownVersion', `version-${String(v).replace('.', '_')}`, dump(withValue(teapot, 'version', v)));

  // --- references to files that are not there (the host's resource check reports them).
  add('missingFile', 'object-obj', dump(withValue(teapot, 'object', { kind: 'file', path: 'no-such/model.obj' })), true);
  add('missingFile', 'object-glb', dump(withValue(teapot, 'object', { kind: 'file', path: 'missing.glb' })), true);
  add('missingFile', 'texture-image', dump(withValue(teapot, 'material.texture', { kind: 'image', path: 'textures/missing.png' })), true);
  add('missingFile', 'background-image', dump(withValue(teapot, 'background', { kind: 'image', path: 'missing-bg.jpg' })), true);
  add('missingFile', 'object-unsupported-type', dump(withValue(teapot, 'object', { kind: 'file', path: 'model.fbx' })), true);

  // --- paths escaping the workspace.
  add('escapingPath', 'object-dotdot', dump(withValue(teapot, 'object', { kind: 'file', path: '../../../etc/model.obj' })), true);
  add('escapingPath', 'object-absolute', dump(withValue(teapot, 'object', { kind: 'file', path: '/etc/model.glb' })), true);
  add('escapingPath', 'texture-dotdot', dump(withValue(teapot, 'material.texture', { kind: 'image', path: '../../../../secret.png' })), true);
  add('escapingPath', 'background-absolute', dump(withValue(teapot, 'background', { kind: 'image', path: '/etc/passwd.png' })), true);

  // --- remote URLs (refused by the parser's checks).
  add('remoteUrl', 'model-https', dump(withValue(teapot, 'models', [{ id: 'r', path: 'https://example.com/m.onnx' }])));
  add('remoteUrl', 'object-http', dump(withValue(teapot, 'object', { kind: 'file', path: 'http://example.com/a.glb' })));
  add('remoteUrl', 'background-file-url', dump(withValue(teapot, 'background', { kind: 'image', path: 'file:///etc/bg.png' })));
  add('remoteUrl', 'texture-https', dump(withValue(teapot, 'material.texture', { kind: 'image', path: 'https://example.com/t.png' })));
  add('remoteUrl', 'background-https', dump(withValue(teapot, 'background', { kind: 'image', path: 'https://example.com/bg.jpg' })));

  // --- perturbation steps with junk.
  add('perturbationJunk', 'unknown-op', dump(withValue(perturb, 'perturbations', [{ op: 'explode' }])));
  add('perturbationJunk', 'param-string', dump(withValue(perturb, 'perturbations', [{ op: 'gaussianBlur', params: { sigma: 'lots' } }])));
  add('perturbationJunk', 'param-out-of-range', dump(withValue(perturb, 'perturbations', [{ op: 'gaussianBlur', params: { sigma: -3 } }])));
  add('perturbationJunk', 'unknown-param', dump(withValue(perturb, 'perturbations', [{ op: 'gaussianBlur', params: { radius: 3 } }])));
  add('perturbationJunk', 'step-is-number', dump(withValue(perturb, 'perturbations', [7])));

  // --- sweep sections with junk.
  add('sweepJunk', 'not-an-object', dump(withValue(teapot, 'sweep', 'all of them')));
  add('sweepJunk', 'unknown-path', dump(withValue(teapot, 'sweep', { name: 'a', parameters: [{ path: 'camera.zoom', values: [1] }] })));
  add('sweepJunk', 'value-out-of-range', dump(withValue(teapot, 'sweep', { name: 'a', parameters: [{ path: 'camera.azimuth', values: [720] }] })));
  add('sweepJunk', 'values-and-range', dump(withValue(teapot, 'sweep', { name: 'a', parameters: [{ path: 'camera.azimuth', values: [1], range: { from: 0, to: 1, steps: 2 } }] })));
  add('sweepJunk', 'too-many-configurations', dump(withValue(teapot, 'sweep', { name: 'a', parameters: [
    { path: 'camera.azimuth', range: { from: -180, to: 180, steps: 1000 } },
    { path: 'camera.elevation', range: { from: -80, to: 80, steps: 1000 } },
  ] })));
  add('sweepJunk', 'bad-name', dump(withValue(teapot, 'sweep', { name: '../../escape', parameters: [{ path: 'camera.azimuth', values: [1] }] })));
  add('sweepJunk', 'shape-bias-without-pairs', dump(withValue(teapot, 'sweep', { name: 'a', parameters: [{ path: 'camera.azimuth', values: [1] }], analysis: 'shapeBias' })));

  // --- featureVis sections with junk.
  add('featureVisJunk', 'learning-rate-zero', dump(withValue(teapot, 'featureVis', { learningRate: 0 })));
  add('featureVisJunk', 'size-huge', dump(withValue(teapot, 'featureVis', { size: 100000 })));
  add('featureVisJunk', 'steps-float', dump(withValue(teapot, 'featureVis', { steps: 1.5 })));
  add('featureVisJunk', 'unknown-key', dump(withValue(teapot, 'featureVis', { octaves: 3 })));
  add('featureVisJunk', 'transforms-unknown', dump(withValue(teapot, 'featureVis', { transforms: 'all' })));
  add('featureVisJunk', 'is-array', dump(withValue(teapot, 'featureVis', [1, 2, 3])));

  const names = new Set<string>();
  for (const c of out) {
    if (names.has(c.name)) throw new Error(`duplicate malformed scene name ${c.name}`);
    names.add(c.name);
  }
  return out;
}

/** Cases per category, in corpus order. */
export function countByCategory(cases: readonly MalformedScene[]): Map<FaultCategory, number> {
  const counts = new Map<FaultCategory, number>();
  for (const c of cases) counts.set(c.category, (counts.get(c.category) ?? 0) + 1);
  return counts;
}
