/**
 * The scene side of image perturbations: the schema's generated part matches the registry, `perturbations`
 * defaults and checks (located, with the registry's words, no duplicates from ajv), array edits that keep the
 * untouched steps' text, floatToModelInput = toModelInput, and the new scene message's guard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseSceneMessage as parseMessage } from '../../core/messageGuards';
import { withPerturbationSchema } from '../../core/perturbationSchema';
import { rgbaToFloat } from '../../core/perturbations/pipeline';
import { opCatalog } from '../../core/perturbations/registry';
import { floatToModelInput, toModelInput } from '../../core/preprocess';
import { parseScene, SCENE_SCHEMA } from '../../core/scene';
import { applySceneEdit, sceneEditsToTextEdits } from '../../core/sceneEdit';
import type { ModelInputSpec } from '../../core/manifestTypes';
import type { JsonValue, SceneEdit } from '../../core/sceneTypes';

const REPO = path.resolve(__dirname, '..', '..', '..');

function applyText(text: string, edits: SceneEdit[]): string {
  let out = text;
  for (const s of [...sceneEditsToTextEdits(text, edits)].sort((a, b) => b.offset - a.offset)) out = out.slice(0, s.offset) + s.content + out.slice(s.offset + s.length);
  return out;
}

test('the schema holds the registry: op enum, one if/then per op; gen-perturbation-schema --check agrees', () => {
  const ops = opCatalog();
  assert.ok(ops.length > 0);
  assert.deepEqual(withPerturbationSchema(SCENE_SCHEMA, ops), SCENE_SCHEMA, 'run node scripts/gen-perturbation-schema.mjs');
  const items = SCENE_SCHEMA.properties.perturbations.items as unknown as { properties: { op: { enum: string[] } }; allOf: unknown[] };
  assert.deepEqual(items.properties.op.enum, ops.map((o) => o.id));
  assert.equal(items.allOf.length, ops.length);
  const check = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'gen-perturbation-schema.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});

test('perturbations default to [] and steps get enabled/seed/params defaults', () => {
  assert.deepEqual(parseScene('{"version": 2}').scene?.perturbations, []);
  const { scene, diagnostics } = parseScene('{"version": 2, "perturbations": [{"op": "alphaBlack"}, {"op": "gaussianBlur", "enabled": false, "params": {"sigma": 3}}]}');
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(scene?.perturbations, [
    { op: 'alphaBlack', enabled: true, seed: 0, params: {} },
    { op: 'gaussianBlur', enabled: false, seed: 0, params: { sigma: 3 } },
  ]);
});

test('unknown ops and bad parameters are errors located in the text, each said once', () => {
  const text = '{"version": 2, "perturbations": [{"op": "gausBlur"}, {"op": "gaussianBlur", "params": {"sigma": 99, "radius": 1}}, {"op": "alphaColor", "params": {"color": "red"}}]}';
  const { scene, diagnostics } = parseScene(text);
  assert.equal(scene, null);
  const at = (d: { offset: number; length: number }) => text.slice(d.offset, d.offset + d.length);
  assert.deepEqual(diagnostics.map((d) => [d.path, at(d)]), [
    ['perturbations[0].op', '"gausBlur"'],
    ['perturbations[1].params.sigma', '99'],
    ['perturbations[1].params.radius', '"radius"'],
    ['perturbations[2].params.color', '"red"'],
  ]);
  assert.match(diagnostics[0].message, /unknown perturbation "gausBlur" \(the perturbations are: .*gaussianBlur.*alphaColor/);
  assert.match(diagnostics[1].message, /sigma = 99 is outside 0\.\.\d+/);
  assert.match(diagnostics[2].message, /has no parameter 'radius' \(its parameters: sigma\)/);
  assert.match(diagnostics[3].message, /colour/);
  assert.ok(diagnostics.every((d) => d.severity === 'error' && d.source === 'json'));
});

test('array edits: add, remove and reorder keep the untouched steps\' text; the text parses to the edited scene', () => {
  const text = '{\n  "version": 2,\n  "perturbations": [\n    { "op": "alphaBlack", "params": { "alpha": 0.5 } },\n    {"op":"gaussianBlur",  "params":{"sigma":2}}\n  ]\n}\n';
  const scene = parseScene(text).scene!;
  const [a, b] = scene.perturbations;
  const c = { op: 'patchShuffle', enabled: true, seed: 3, params: { grid: 4 } };
  for (const list of [[b, a], [a], [b], [a, b, c], [c, a, b], []]) {
    const edit: SceneEdit = { path: ['perturbations'], value: list as unknown as JsonValue };
    const out = applyText(text, [edit]);
    assert.deepEqual(parseScene(out).scene, applySceneEdit(scene, edit), JSON.stringify(list));
    if (list.includes(a)) assert.ok(out.includes('{ "op": "alphaBlack", "params": { "alpha": 0.5 } }'), out);
    if (list.includes(b)) assert.ok(out.includes('{"op":"gaussianBlur",  "params":{"sigma":2}}'), out);
  }
  // A file without the list gets one; a step's parameter is an ordinary value edit.
  const added = applyText('{\n  "version": 2\n}\n', [{ path: ['perturbations'], value: [c] }]);
  assert.deepEqual(parseScene(added).scene?.perturbations, [c]);
  const param = applyText(text, [{ path: ['perturbations', 1, 'params', 'sigma'], value: 4 }]);
  assert.equal(param, text.replace('"sigma":2', '"sigma":4'));
});

test('floatToModelInput gives what toModelInput gives for the byte image (layouts, ranges, mean/std, BGR)', () => {
  const width = 5;
  const height = 3;
  const pixels = new Uint8Array(width * height * 4).map((_, i) => (i * 37 + 11) % 256);
  const image = { width, height, pixels };
  const specs: ModelInputSpec[] = [
    { name: 'x', width, height, layout: 'NCHW', channelOrder: 'RGB', range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    { name: 'x', width, height, layout: 'NHWC', channelOrder: 'BGR', range: [0, 255], mean: [104, 117, 123], std: [1, 1, 1] },
    { name: 'x', width, height, layout: 'NCHW', channelOrder: 'BGR', range: [-1, 1], mean: [0, 0, 0], std: [1, 1, 1] },
  ];
  for (const spec of specs) {
    const expected = toModelInput(image, spec);
    const actual = floatToModelInput(rgbaToFloat(image), spec);
    assert.equal(actual.length, expected.length);
    const scale = Math.max(...Array.from(expected, Math.abs));
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-6 * scale, `${spec.layout} ${spec.channelOrder} [${i}]: ${actual[i]} vs ${expected[i]}`);
  }
  assert.throws(() => floatToModelInput(rgbaToFloat(image), { ...specs[0], width: 4 }), /expects 4x3/);
});

test('modelInputView is checked strictly and rebuilt from its fields', () => {
  assert.deepEqual(parseMessage({ type: 'modelInputView', enabled: true, extra: 1 }), { type: 'modelInputView', enabled: true });
  assert.deepEqual(parseMessage({ type: 'modelInputView', enabled: false }), { type: 'modelInputView', enabled: false });
  for (const enabled of [undefined, 1, 'true', null]) assert.match(String((parseMessage({ type: 'modelInputView', enabled }) as { error?: string }).error), /enabled must be true or false/);
});
