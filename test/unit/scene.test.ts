import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultScene, isSuspiciousPath, parseScene, SCENE_SCHEMA } from '../../core/scene';
import { BUILTIN_BACKGROUNDS } from '../../core/backgrounds';
import { BUILTIN_OBJECTS } from '../../core/builtinObjects';
import { SCENE_CONTROL_GROUPS, schemaAt } from '../../core/sceneControls';
import { BUILTIN_TEXTURES } from '../../core/textures';
import type { SceneDiagnostic } from '../../core/sceneTypes';

// Compiled to out/test/unit; fixtures stay in the source tree.
const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'scenes');

test('the valid sample parses with no diagnostics and keeps every value', () => {
  const { scene, diagnostics } = parseScene(readFileSync(join(FIXTURES, 'valid-basic.perturber.json'), 'utf8'));
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(scene, {
    version: 2,
    name: 'Dog on grey, two models',
    object: {
      kind: 'builtin',
      name: 'dog',
      seed: 7,
      params: { legLength: 1.2, tailLength: 0.5 },
      morph: { target: 'cat', amount: 0.25 },
      yaw: 30,
      pitch: -10.5,
      roll: 0,
      scale: 1.25,
      x: -0.5,
      y: 0,
      z: 2,
    },
    material: {
      color: '#C08040',
      texture: { kind: 'builtin', name: 'fur', seed: 3 },
      texture2: { kind: 'image', path: 'textures/tabby.png' },
      textureMorph: 0.5,
      textureScale: 2,
      roughness: 1,
      metalness: 0,
    },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'image', path: 'textures/studio.png', blur: 2.5, rotation: -180, brightness: 0.5 },
    light: { azimuth: -45, elevation: 60, intensity: 1.5, ambient: 0.3 },
    camera: { azimuth: 180, elevation: -89, distance: 1.2, translateX: -0.25, translateY: 1, roll: -180, fov: 90 },
    models: [
      { id: 'standard', path: 'builtin:fixture', watch: [{ layer: 'conv1', neurons: [0, 3, 7] }] },
      {
        id: 'robust',
        path: 'models/robust.onnx',
        watch: [
          { layer: 'mixed4a', neurons: [] },
          { layer: '/features/relu_2/Relu_output_0', neurons: [63] },
        ],
      },
    ],
    perturbations: [],
  });
});

test('defaultScene is the schema defaults and a fresh object each call', () => {
  const a = defaultScene();
  assert.deepEqual(a, {
    version: 2,
    name: 'Untitled scene',
    object: { kind: 'builtin', name: 'teapot', seed: 0, params: {}, morph: null, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#c08040', texture: null, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: '#808080', blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
    camera: { azimuth: 0, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [],
    perturbations: [],
  });
  a.camera.azimuth = 99;
  assert.equal(defaultScene().camera.azimuth, 0);
});

test('{"version": 2} alone gives the default scene', () => {
  assert.deepEqual(parseScene('{"version": 2}'), { scene: defaultScene(), diagnostics: [] });
});

test('{"version": 1} alone gives the default scene, migrated from version 1', () => {
  assert.deepEqual(parseScene('{"version": 1}'), { scene: defaultScene(), diagnostics: [], migratedFrom: 1 });
});

test('defaults fill the branch of a union picked by a default tag, and nullable unions', () => {
  const text = JSON.stringify({
    version: 2,
    object: { name: 'cat', morph: { target: 'dog' } },
    material: { texture: { kind: 'builtin', name: 'zebra' } },
    background: { kind: 'builtin', name: 'street' },
  });
  const { scene, diagnostics } = parseScene(text);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(scene?.object, {
    kind: 'builtin', name: 'cat', seed: 0, params: {}, morph: { target: 'dog', amount: 0.5 }, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0,
  });
  assert.deepEqual(scene?.material.texture, { kind: 'builtin', name: 'zebra', seed: 0 });
  assert.deepEqual(scene?.background, { kind: 'builtin', name: 'street', seed: 0, blur: 0, rotation: 0, brightness: 1 });
});

test('a file object takes a path and the pose only', () => {
  const { scene, diagnostics } = parseScene('{"version": 2, "object": {"kind": "file", "path": "models/dog.obj", "yaw": 90}}');
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(scene?.object, { kind: 'file', path: 'models/dog.obj', yaw: 90, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 });
});

test('defaults fill missing fields inside present sections and sections of models', () => {
  const text = JSON.stringify({
    version: 2,
    camera: { azimuth: 12 },
    background: { kind: 'color' },
    models: [{ id: 'm', path: 'm.onnx' }, { id: 'n', path: 'n.onnx', watch: [{ layer: 'conv2' }] }],
  });
  const { scene, diagnostics } = parseScene(text);
  assert.deepEqual(diagnostics, []);
  const expected = defaultScene();
  expected.camera.azimuth = 12;
  expected.models = [
    { id: 'm', path: 'm.onnx', watch: [] },
    { id: 'n', path: 'n.onnx', watch: [{ layer: 'conv2', neurons: [] }] },
  ];
  assert.deepEqual(scene, expected);
});

test('$schema is accepted and not part of the scene', () => {
  const { scene, diagnostics } = parseScene('{"$schema": "./scene.schema.json", "version": 2}');
  assert.deepEqual(diagnostics, []);
  assert.equal(scene !== null && '$schema' in scene, false);
});

interface BadCase {
  name: string;
  text: string;
  message: string;
  path: string;
  /** The underlined text: its first occurrence (after `after`, if given) must be the diagnostic's span. */
  span: string;
  after?: string;
  /** `span` is only the start of the underlined node (a long array or string). */
  prefix?: boolean;
  /** Further diagnostics expected after the first (messages only). */
  more?: string[];
}

const v = (body: string): string => `{\n  "version": 2,\n  ${body}\n}`;
/** A version 1 file: its diagnostics point at what the user wrote, not at where migration moved it. */
const v1 = (body: string): string => `{\n  "version": 1,\n  ${body}\n}`;

const OBJECT_NAMES = 'dog, cat, car, mug, bottle, chair, table, airplane, boat, house, teapot, tree, cube, sphere, torusKnot';

const BAD: BadCase[] = [
  { name: 'syntax: missing comma', text: '{\n  "version": 1\n  "name": "x"\n}', message: "syntax error: expected ',' between entries", path: '', span: '"name"' },
  { name: 'syntax: trailing comma', text: '{"version": 1,}', message: 'syntax error: expected a property name in double quotes (trailing commas are not allowed)', path: '', span: '}' },
  { name: 'syntax: comment', text: '{"version": 1 // one\n}', message: 'syntax error: comments are not allowed in scene files (they must stay plain JSON)', path: '', span: '// one' },
  { name: 'syntax: unterminated string', text: '{"version": 1, "name": "abc', message: 'syntax error: unterminated string', path: '', span: '"abc' },
  { name: 'empty file', text: '  \n', message: 'the scene file is empty; it needs at least {"version": 2}', path: '', span: '' },
  { name: 'not an object', text: '[1, 2]', message: 'the scene must be a JSON object, e.g. {"version": 2}', path: '', span: '[1, 2]' },
  { name: 'missing version', text: '{"name": "x"}', message: "the scene is missing required property 'version'", path: '', span: '{' },
  { name: 'version 3', text: v('"camera": {"zoom": 3}').replace('"version": 2', '"version": 3'), message: 'scene version 3 is newer than this extension supports (2)', path: 'version', span: '3' },
  { name: 'version 0', text: '{"version": 0}', message: 'version must be one of: 1, 2', path: 'version', span: '0' },
  { name: 'version as string', text: '{"version": "1"}', message: 'version must be one of: 1, 2', path: 'version', span: '"1"' },
  { name: 'v1: bad object colour (moved to material.color)', text: v1('"object": {"color": "#fff"}'), message: 'object.color must be a colour like "#c08040" (# and 6 hex digits)', path: 'object.color', span: '"#fff"' },
  { name: 'v1: unknown property in camera', text: v1('"camera": {"azimut": 10}'), message: "unknown property 'azimut' in camera", path: 'camera.azimut', span: '"azimut"' },
  { name: 'unknown property in camera', text: v('"camera": {"azimut": 10}'), message: "unknown property 'azimut' in camera", path: 'camera.azimut', span: '"azimut"' },
  { name: 'unknown property at the root', text: v('"lights": {}'), message: "unknown property 'lights' in the scene", path: 'lights', span: '"lights"' },
  { name: 'out of range above', text: v('"camera": {"azimuth": 181}'), message: 'camera.azimuth must be <= 180', path: 'camera.azimuth', span: '181' },
  { name: 'out of range below', text: v('"camera": {"distance": 0.5}'), message: 'camera.distance must be >= 1.2', path: 'camera.distance', span: '0.5' },
  { name: 'light intensity', text: v('"light": {"intensity": -1}'), message: 'light.intensity must be >= 0', path: 'light.intensity', span: '-1' },
  { name: 'wrong type number', text: v('"object": {"yaw": "30"}'), message: 'object.yaw must be a number', path: 'object.yaw', span: '"30"' },
  { name: 'wrong type section', text: v('"camera": [1]'), message: 'camera must be an object', path: 'camera', span: '[1]' },
  { name: 'wrong type models', text: v('"models": {}'), message: 'models must be an array', path: 'models', span: '{}' },
  { name: 'bad colour', text: v('"material": {"color": "#fff"}'), message: 'material.color must be a colour like "#c08040" (# and 6 hex digits)', path: 'material.color', span: '"#fff"' },
  { name: 'v2 object has no colour', text: v('"object": {"color": "#ffffff"}'), message: 'object.color is material.color since scene version 2', path: 'object.color', span: '"color"' },
  { name: 'v1 colour on a file object', text: v('"object": {"kind": "file", "path": "a.glb", "color": "#ffffff"}'), message: "unknown property 'color' in object", path: 'object.color', span: '"color"' },
  { name: 'unknown object kind', text: v('"object": {"kind": "mesh"}'), message: 'object.kind must be "builtin" or "file"', path: 'object.kind', span: '"mesh"' },
  { name: 'file object without path', text: v('"object": {"kind": "file"}'), message: "object is missing required property 'path'", path: 'object', span: '{', after: '"object"' },
  { name: 'params on a file object', text: v('"object": {"kind": "file", "path": "a.glb", "params": {}}'), message: "unknown property 'params' in object", path: 'object.params', span: '"params"' },
  { name: 'non-numeric parameter', text: v('"object": {"name": "dog", "params": {"legLength": "long"}}'), message: 'object.params.legLength must be a number', path: 'object.params.legLength', span: '"long"' },
  { name: 'negative seed', text: v('"object": {"seed": -1}'), message: 'object.seed must be >= 0', path: 'object.seed', span: '-1' },
  { name: 'fractional seed', text: v('"object": {"seed": 1.5}'), message: 'object.seed must be an integer', path: 'object.seed', span: '1.5' },
  { name: 'morph amount', text: v('"object": {"morph": {"target": "cat", "amount": 2}}'), message: 'object.morph.amount must be <= 1', path: 'object.morph.amount', span: '2', after: '"amount"' },
  { name: 'morph target', text: v('"object": {"morph": {"target": "unicorn"}}'), message: `object.morph.target must be one of: ${OBJECT_NAMES}`, path: 'object.morph.target', span: '"unicorn"' },
  { name: 'position out of range', text: v('"object": {"x": 3}'), message: 'object.x must be <= 2', path: 'object.x', span: '3' },
  { name: 'unknown texture', text: v('"material": {"texture": {"kind": "builtin", "name": "plaid"}}'), message: 'material.texture.name must be one of: fur, tabby, leopard, zebra, wood, metal, brick, grass', path: 'material.texture.name', span: '"plaid"' },
  { name: 'unknown texture kind', text: v('"material": {"texture2": {"kind": "video"}}'), message: 'material.texture2.kind must be "builtin" or "image"', path: 'material.texture2.kind', span: '"video"' },
  { name: 'texture not an object', text: v('"material": {"texture": "fur"}'), message: 'material.texture must be an object or null', path: 'material.texture', span: '"fur"' },
  { name: 'texture scale', text: v('"material": {"textureScale": 0.1}'), message: 'material.textureScale must be >= 0.25', path: 'material.textureScale', span: '0.1' },
  { name: 'silhouette colour', text: v('"silhouette": {"objectColor": "black"}'), message: 'silhouette.objectColor must be a colour like "#c08040" (# and 6 hex digits)', path: 'silhouette.objectColor', span: '"black"' },
  { name: 'silhouette enabled', text: v('"silhouette": {"enabled": 1}'), message: 'silhouette.enabled must be true or false', path: 'silhouette.enabled', span: '1' },
  { name: 'background blur', text: v('"background": {"kind": "color", "blur": 21}'), message: 'background.blur must be <= 20', path: 'background.blur', span: '21' },
  { name: 'unknown builtin background', text: v('"background": {"kind": "builtin", "name": "mars"}'), message: 'background.name must be one of: sky, room, street, grass, water', path: 'background.name', span: '"mars"' },
  { name: 'http texture path', text: v('"material": {"texture": {"kind": "image", "path": "https://x/t.png"}}'), message: 'material.texture.path "https://x/t.png" is a URL: remote loads are not allowed, use a file in the workspace', path: 'material.texture.path', span: '"https://x/t.png"' },
  { name: 'parameter out of range', text: v('"object": {"name": "dog", "params": {"legLength": 9}}'), message: 'object.params.legLength must be between 0.25 and 1.3', path: 'object.params.legLength', span: '9' },
  { name: 'incompatible morph', text: v('"object": {"name": "dog", "morph": {"target": "car"}}'), message: 'object.morph.target: shape morph needs two four-legged animals (dog, cat); dog -> car is not supported', path: 'object.morph.target', span: '"car"' },
  { name: 'http object path', text: v('"object": {"kind": "file", "path": "http://x/a.glb"}'), message: 'object.path "http://x/a.glb" is a URL: remote loads are not allowed, use a file in the workspace', path: 'object.path', span: '"http://x/a.glb"' },
  { name: 'bad background colour', text: v('"background": {"kind": "color", "color": "red"}'), message: 'background.color must be a colour like "#c08040" (# and 6 hex digits)', path: 'background.color', span: '"red"' },
  { name: 'unknown object', text: v('"object": {"name": "dragon"}'), message: `object.name must be one of: ${OBJECT_NAMES}`, path: 'object.name', span: '"dragon"' },
  { name: 'unknown background kind', text: v('"background": {"kind": "video"}'), message: 'background.kind must be "color", "image" or "builtin"', path: 'background.kind', span: '"video"' },
  { name: 'background without kind', text: v('"background": {"color": "#000000"}'), message: "background is missing required property 'kind'", path: 'background', span: '{', after: '"background"' },
  { name: 'image background without path', text: v('"background": {"kind": "image"}'), message: "background is missing required property 'path'", path: 'background', span: '{', after: '"background"' },
  { name: 'colour property on an image background', text: v('"background": {"kind": "image", "path": "a.png", "color": "#000000"}'), message: "unknown property 'color' in background", path: 'background.color', span: '"color"' },
  { name: 'model without path', text: v('"models": [{"id": "a"}]'), message: "models[0] is missing required property 'path'", path: 'models[0]', span: '{', after: '"models"' },
  { name: 'empty model id', text: v('"models": [{"id": "", "path": "a.onnx"}]'), message: 'models[0].id must not be empty', path: 'models[0].id', span: '""' },
  { name: 'duplicate model ids', text: v('"models": [{"id": "a", "path": "a.onnx"}, {"id": "a", "path": "b.onnx"}]'), message: 'duplicate model id "a" (already used by models[0])', path: 'models[1].id', span: '"a"', after: '"a.onnx"}' },
  { name: 'http model path', text: v('"models": [{"id": "a", "path": "http://example.com/m.onnx"}]'), message: 'models[0].path "http://example.com/m.onnx" is a URL: remote loads are not allowed, use a file in the workspace', path: 'models[0].path', span: '"http://example.com/m.onnx"' },
  { name: 'file background path', text: v('"background": {"kind": "image", "path": "file:///etc/passwd"}'), message: 'background.path "file:///etc/passwd" is a URL: remote loads are not allowed, use a file in the workspace', path: 'background.path', span: '"file:///etc/passwd"' },
  { name: 'negative neuron', text: v('"models": [{"id": "a", "path": "a.onnx", "watch": [{"layer": "c", "neurons": [1, -2]}]}]'), message: 'models[0].watch[0].neurons[1] must be >= 0', path: 'models[0].watch[0].neurons[1]', span: '-2' },
  { name: 'fractional neuron', text: v('"models": [{"id": "a", "path": "a.onnx", "watch": [{"layer": "c", "neurons": [1.5]}]}]'), message: 'models[0].watch[0].neurons[0] must be an integer', path: 'models[0].watch[0].neurons[0]', span: '1.5' },
  { name: 'repeated neuron', text: v('"models": [{"id": "a", "path": "a.onnx", "watch": [{"layer": "c", "neurons": [4, 4]}]}]'), message: 'models[0].watch[0].neurons lists the same value twice (entries 0 and 1)', path: 'models[0].watch[0].neurons', span: '[4, 4]' },
  { name: 'huge neuron array', text: v(`"models": [{"id": "a", "path": "a.onnx", "watch": [{"layer": "c", "neurons": [${Array.from({ length: 5000 }, (_, i) => i).join(',')}]}]}]`), message: 'models[0].watch[0].neurons must have at most 64 entries', path: 'models[0].watch[0].neurons', span: '[0,1,2,', prefix: true },
  { name: 'too many models', text: v(`"models": [${Array.from({ length: 9 }, (_, i) => `{"id": "m${i}", "path": "m.onnx"}`).join(', ')}]`), message: 'models must have at most 8 entries', path: 'models', span: '[{', prefix: true },
  { name: 'overlong path', text: v(`"background": {"kind": "image", "path": "${'a/'.repeat(600)}x.png"}`), message: 'background.path must be at most 1024 characters long', path: 'background.path', span: '"a/a/', prefix: true },
  { name: 'number overflow', text: v('"camera": {"fov": 1e400}'), message: 'camera.fov must be a number', path: 'camera.fov', span: '1e400' },
  { name: 'deep nesting', text: `{"version": 1, "name": ${'['.repeat(5000)}${']'.repeat(5000)}}`, message: 'the scene is nested too deeply (more than 32 levels)', path: '', span: '[', after: '['.repeat(31) },
  { name: 'duplicate key', text: v('"camera": {"fov": 30, "fov": 50}'), message: "duplicate property 'fov' in camera", path: 'camera.fov', span: '"fov"', after: '30' },
  { name: '__proto__ key', text: v('"__proto__": {"version": 2}'), message: "unknown property '__proto__' in the scene", path: '__proto__', span: '"__proto__"' },
];

/** Offset of `span` in `text`, searching after the first occurrence of `after` when given. */
function spanOffset(text: string, span: string, after?: string): number {
  const from = after === undefined ? 0 : text.indexOf(after) + after.length;
  const at = text.indexOf(span, from);
  assert.ok(at >= 0, `span ${span} not found`);
  return at;
}

for (const c of BAD) {
  test(`bad scene: ${c.name}`, () => {
    const { scene, diagnostics } = parseScene(c.text);
    assert.equal(scene, null);
    assert.ok(diagnostics.length >= 1);
    const first: SceneDiagnostic = diagnostics[0];
    assert.equal(first.message, c.message);
    assert.equal(first.path, c.path);
    assert.equal(first.severity, 'error');
    assert.equal(first.offset, spanOffset(c.text, c.span, c.after));
    assert.equal(first.length, spanLength(c));
  });
}

/** The full length of the underlined token: spans given as a prefix (long arrays/strings) extend to the node's end. */
function spanLength(c: BadCase): number {
  const start = spanOffset(c.text, c.span, c.after);
  if (!c.prefix) return c.span.length;
  return c.span.startsWith('[') ? matchingBracket(c.text, start) - start + 1 : c.text.indexOf('"', start + 1) - start + 1;
}

function matchingBracket(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '[') depth++;
    if (text[i] === ']' && --depth === 0) return i;
  }
  return -1;
}

test('several problems in one file are all reported', () => {
  const text = v('"camera": {"azimut": 3, "azimuth": 400}, "object": {"name": "dragon"}, "material": {"color": "red"}');
  const messages = parseScene(text).diagnostics.map((d) => d.message);
  assert.deepEqual(messages.slice().sort(), [
    "unknown property 'azimut' in camera",
    'camera.azimuth must be <= 180',
    'material.color must be a colour like "#c08040" (# and 6 hex digits)',
    `object.name must be one of: ${OBJECT_NAMES}`,
  ].sort());
});

test('a file with thousands of wrong values reports at most 100 diagnostics', () => {
  const neurons = Array.from({ length: 5000 }, () => '-1').join(',');
  const text = v(`"models": [{"id": "a", "path": "a.onnx", "watch": [{"layer": "c", "neurons": [${neurons}]}]}]`);
  const { scene, diagnostics } = parseScene(text);
  assert.equal(scene, null);
  assert.equal(diagnostics.length, 100);
});

test('a file over 1 MiB is refused without parsing', () => {
  const text = `{"version": 1, "name": "${'x'.repeat(1024 * 1024)}"}`;
  const { scene, diagnostics } = parseScene(text);
  assert.equal(scene, null);
  assert.deepEqual(diagnostics.map((d) => d.message), [`the scene file is too large (${text.length} characters; at most 1048576)`]);
});

test('isSuspiciousPath refuses URLs but not files, drive letters or builtin models', () => {
  for (const p of ['http://x/m.onnx', 'https://x/m.onnx', 'HTTPS://X', 'file:///etc/passwd', ' ftp://x', 'data:image/png;base64,AA']) {
    assert.equal(isSuspiciousPath(p), true, p);
  }
  for (const p of ['m.onnx', 'models/m.onnx', '../m.onnx', 'C:\\models\\m.onnx', 'c:/m.onnx', 'builtin:fixture', 'http_cache/m.onnx']) {
    assert.equal(isSuspiciousPath(p), false, p);
  }
});

test('scene controls mirror the schema ranges and descriptions', () => {
  const flat = SCENE_CONTROL_GROUPS.flatMap((g) => g.controls.map((c) => `${g.group}:${c.path.join('.')}:${c.min}..${c.max}`));
  assert.deepEqual(flat, [
    'Object:object.yaw:-180..180',
    'Object:object.pitch:-180..180',
    'Object:object.roll:-180..180',
    'Object:object.scale:0.1..3',
    'Object:object.x:-2..2',
    'Object:object.y:-2..2',
    'Object:object.z:-2..2',
    'Shape:object.morph.amount:0..1',
    'Material:material.textureMorph:0..1',
    'Material:material.textureScale:0.25..8',
    'Material:material.roughness:0..1',
    'Material:material.metalness:0..1',
    'Background:background.blur:0..20',
    'Background:background.rotation:-180..180',
    'Background:background.brightness:0..2',
    'Camera:camera.azimuth:-180..180',
    'Camera:camera.elevation:-89..89',
    'Camera:camera.distance:1.2..10',
    'Camera:camera.translateX:-1..1',
    'Camera:camera.translateY:-1..1',
    'Camera:camera.roll:-180..180',
    'Camera:camera.fov:10..90',
    'Light:light.azimuth:-180..180',
    'Light:light.elevation:-89..89',
    'Light:light.intensity:0..3',
    'Light:light.ambient:0..2',
  ]);
  const azimuth = SCENE_CONTROL_GROUPS.find((g) => g.group === 'Camera')?.controls[0];
  assert.ok(azimuth);
  assert.equal(azimuth.description, SCENE_SCHEMA.properties.camera.properties.azimuth.description);
  assert.equal(azimuth.label, 'Azimuth');
  assert.equal(azimuth.unit, '°');
  for (const control of SCENE_CONTROL_GROUPS.flatMap((g) => g.controls)) {
    assert.ok(control.step > 0 && control.step < control.max - control.min, control.path.join('.'));
    // The default scene must sit inside every slider's range.
    // (The morph amount's default applies once a morph target is set: the default morph is null.)
    const def = defaultScene();
    def.object = { ...def.object, kind: 'builtin', name: 'dog', seed: 0, params: {}, morph: { target: 'cat', amount: 0.5 } };
    let value: unknown = def;
    for (const key of control.path) value = (value as Record<string, unknown>)[key];
    assert.ok(typeof value === 'number' && value >= control.min && value <= control.max, control.path.join('.'));
  }
});

test('every property in the schema has a description (hover help)', () => {
  const missing: string[] = [];
  const walk = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    const props = n.properties as Record<string, unknown> | undefined;
    for (const [key, child] of Object.entries(props ?? {})) {
      if (typeof (child as Record<string, unknown>).description !== 'string') missing.push(`${where}.${key}`);
      walk(child, `${where}.${key}`);
    }
    if (n.items) walk(n.items, `${where}[]`);
    for (const branch of (n.oneOf as unknown[] | undefined) ?? []) walkBranch(branch, where);
    if (n.then) walkBranch(n.then, where);
  };
  // Union branches list the properties they share as `{}`: their description is the outer node's.
  const walkBranch = (node: unknown, where: string): void => {
    const n = node as Record<string, unknown>;
    for (const [key, child] of Object.entries((n.properties as Record<string, unknown> | undefined) ?? {})) {
      const c = child as Record<string, unknown>;
      if (Object.keys(c).length > 0 && typeof c.description !== 'string') missing.push(`${where}.${key}`);
      walk(child, `${where}.${key}`);
    }
    for (const branch of (n.oneOf as unknown[] | undefined) ?? []) walkBranch(branch, where);
    if (n.then) walkBranch(n.then, where);
  };
  walk(SCENE_SCHEMA, '');
  assert.deepEqual(missing, []);
});

test('an unknown shape parameter is a warning, and the scene still loads', () => {
  const { scene, diagnostics } = parseScene(v('"object": {"name": "cube", "params": {"legLength": 1}}'));
  assert.ok(scene);
  assert.deepEqual(diagnostics.map((d) => [d.message, d.severity, d.path]), [
    ["object.params.legLength is not a parameter of the cube (ignored; it has no shape parameters)", 'warning', 'object.params.legLength'],
  ]);
});

test("the schema's built-in names are core's lists (objects, textures, backgrounds)", () => {
  const names = (list: readonly { name: string }[]) => list.map((x) => x.name);
  const enumAt = (path: string[]) => schemaAt(path)?.enum;
  assert.deepEqual(enumAt(['object', 'name']), names(BUILTIN_OBJECTS));
  assert.deepEqual(enumAt(['object', 'morph', 'target']), names(BUILTIN_OBJECTS));
  assert.deepEqual(enumAt(['material', 'texture', 'name']), names(BUILTIN_TEXTURES));
  assert.deepEqual(enumAt(['material', 'texture2', 'name']), names(BUILTIN_TEXTURES));
  assert.deepEqual(enumAt(['background', 'name']), names(BUILTIN_BACKGROUNDS));
});
