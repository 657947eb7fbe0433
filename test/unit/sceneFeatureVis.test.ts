// The scene file's optional `featureVis` section (issue 7): absent -> the defaults (Lucid's), partial -> the rest from
// the defaults, and every bad value a located diagnostic from the schema's ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_VIS_DEFAULTS } from '../../core/featureVis/types';
import { parseScene, SCENE_SCHEMA } from '../../core/scene';

const scene = (featureVis: string): string => `{\n  "version": 2,\n  "featureVis": ${featureVis}\n}`;

test('featureVis is optional: absent stays absent (the host uses the defaults), and the file stays version 2', () => {
  const { scene: parsed, diagnostics, migratedFrom } = parseScene('{"version": 2}');
  assert.deepEqual(diagnostics, []);
  assert.equal(parsed?.featureVis, undefined);
  assert.equal(migratedFrom, undefined);
});

test('a full featureVis section parses as written; a partial one keeps only what it says', () => {
  const full = { size: 224, steps: 64, learningRate: 1, transforms: 'none', fourier: false, decorrelate: false, seed: 7, batch: 16, objective: 'unit', unit: { x: 3, y: 0 } };
  const a = parseScene(scene(JSON.stringify(full)));
  assert.deepEqual(a.diagnostics, []);
  assert.deepEqual(a.scene?.featureVis, full);
  // No schema defaults are filled in: missing fields follow FEATURE_VIS_DEFAULTS (and the settings) at run time.
  const b = parseScene(scene('{"steps": 32}'));
  assert.deepEqual(b.diagnostics, []);
  assert.deepEqual(b.scene?.featureVis, { steps: 32 });
  const c = parseScene(scene('{}'));
  assert.deepEqual(c.scene?.featureVis, {});
});

test('the schema describes every FeatureVisSettings field and has hover help for each', () => {
  const section = (SCENE_SCHEMA as unknown as { properties: Record<string, { properties: Record<string, { description?: string }>; additionalProperties: boolean }> })
    .properties.featureVis;
  // `unit` is the one optional field without a default (absent: the centre of the layer's map).
  assert.deepEqual(Object.keys(section.properties).sort(), [...Object.keys(FEATURE_VIS_DEFAULTS), 'unit'].sort());
  assert.equal(section.additionalProperties, false);
  for (const [key, property] of Object.entries(section.properties)) assert.ok((property.description ?? '').length > 20, `${key} has no description`);
  // The defaults stated in the descriptions are the real ones.
  for (const key of ['size', 'steps', 'learningRate', 'seed', 'batch'] as const) {
    assert.match(section.properties[key].description ?? '', new RegExp(`default ${String(FEATURE_VIS_DEFAULTS[key]).replace('.', '\\.')}\\b`), key);
  }
});

test('the defaults are inside the schema ranges', () => {
  const a = parseScene(scene(JSON.stringify(FEATURE_VIS_DEFAULTS)));
  assert.deepEqual(a.diagnostics, []);
});

/** [featureVis text, expected message, the underlined text] */
const BAD: [string, string, string][] = [
  ['{"size": 16}', 'featureVis.size must be >= 32', '16'],
  ['{"size": 513}', 'featureVis.size must be <= 512', '513'],
  ['{"size": 128.5}', 'featureVis.size must be an integer', '128.5'],
  ['{"steps": 0}', 'featureVis.steps must be >= 1', '0'],
  ['{"steps": 5000}', 'featureVis.steps must be <= 4096', '5000'],
  ['{"steps": "many"}', 'featureVis.steps must be an integer', '"many"'],
  ['{"learningRate": 0}', 'featureVis.learningRate must be > 0', '0'],
  ['{"learningRate": -0.1}', 'featureVis.learningRate must be > 0', '-0.1'],
  ['{"learningRate": 1.5}', 'featureVis.learningRate must be <= 1', '1.5'],
  ['{"transforms": "fancy"}', 'featureVis.transforms must be one of: standard, none', '"fancy"'],
  ['{"fourier": "yes"}', 'featureVis.fourier must be true or false', '"yes"'],
  ['{"decorrelate": 1}', 'featureVis.decorrelate must be true or false', '1'],
  ['{"seed": -1}', 'featureVis.seed must be >= 0', '-1'],
  ['{"seed": 0.5}', 'featureVis.seed must be an integer', '0.5'],
  ['{"batch": 0}', 'featureVis.batch must be >= 1', '0'],
  ['{"batch": 17}', 'featureVis.batch must be <= 16', '17'],
  ['{"stepz": 10}', "unknown property 'stepz' in featureVis", '"stepz"'],
  ['{"objective": "units"}', 'featureVis.objective must be one of: channel, negative, unit', '"units"'],
  ['{"objective": 1}', 'featureVis.objective must be one of: channel, negative, unit', '1'],
  ['{"unit": {"x": -1, "y": 2}}', 'featureVis.unit.x must be >= 0', '-1'],
  ['{"unit": {"x": 1, "y": 2.5}}', 'featureVis.unit.y must be an integer', '2.5'],
  ['{"unit": {"x": 1, "y": 1, "z": 1}}', "unknown property 'z' in featureVis.unit", '"z"'],
  ['{"unit": [7, 7]}', 'featureVis.unit must be an object', '[7, 7]'],
  ['true', 'featureVis must be an object', 'true'],
  ['[]', 'featureVis must be an object', '[]'],
];

test('every bad featureVis value is an error located on the value (the scene does not parse)', () => {
  for (const [body, message, span] of BAD) {
    const text = scene(body);
    const { scene: parsed, diagnostics } = parseScene(text);
    assert.equal(parsed, null, `${body} accepted`);
    const d = diagnostics.find((x) => x.message === message);
    assert.ok(d, `${body}: expected "${message}", got ${JSON.stringify(diagnostics.map((x) => x.message))}`);
    assert.equal(d.severity, 'error');
    const start = text.indexOf(span, text.indexOf('"featureVis"') + '"featureVis"'.length);
    assert.equal(text.slice(d.offset, d.offset + d.length), span, body);
    assert.equal(d.offset, start, body);
  }
});
