import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { defaultScene } from '../../core/scene';
import type { Scene } from '../../core/sceneTypes';
import {
  locateJsonPath,
  notFoundMessage,
  resolveSceneResource,
  resourceDiagnostic,
  sceneResourceRefs,
  versionedUri,
  type SceneResourceKind,
} from '../../src/sceneEditor/sceneResources';

const WS = path.resolve('/ws/project');
const SCENE_DIR = path.join(WS, 'scenes');

/** One row per rule: the reference, and either the file it resolves to or a fragment of the refusal. */
const CASES: { kind: SceneResourceKind; ref: string; file?: string; refused?: RegExp; why: string }[] = [
  { kind: 'object', ref: 'dog/dog.obj', file: path.join(SCENE_DIR, 'dog', 'dog.obj'), why: 'beside the scene' },
  { kind: 'object', ref: '../assets/car.glb', file: path.join(WS, 'assets', 'car.glb'), why: 'elsewhere in the workspace' },
  { kind: 'object', ref: 'Model.GLTF', file: path.join(SCENE_DIR, 'Model.GLTF'), why: 'extension in capitals' },
  { kind: 'object', ref: '  cat.obj ', file: path.join(SCENE_DIR, 'cat.obj'), why: 'whitespace around' },
  { kind: 'object', ref: '../outside.obj', file: path.join(WS, 'outside.obj'), why: 'one level up is still the workspace' },
  { kind: 'object', ref: '../../outside.obj', refused: /object file "\.\.\/\.\.\/outside\.obj" is outside the workspace folder/, why: 'escapes the workspace' },
  { kind: 'object', ref: '/etc/model.obj', refused: /outside the workspace folder/, why: 'absolute path elsewhere' },
  { kind: 'object', ref: '/ws/project-other/a.obj', refused: /outside the workspace folder/, why: 'sibling folder sharing a name prefix' },
  { kind: 'object', ref: 'https://example.com/a.glb', refused: /is a URL/, why: 'remote object' },
  { kind: 'object', ref: 'model.fbx', refused: /unsupported type "\.fbx"; use \.obj, \.gltf, \.glb/, why: 'unsupported format' },
  { kind: 'object', ref: 'model', refused: /unsupported type "\(none\)"/, why: 'no extension' },
  { kind: 'object', ref: '  ', refused: /object file path is empty/, why: 'empty path' },
  { kind: 'texture', ref: 'fur.png', file: path.join(SCENE_DIR, 'fur.png'), why: 'texture beside the scene' },
  { kind: 'texture', ref: 'data:image/png;base64,AAAA', refused: /texture image "data:.*" is a URL/, why: 'data URL' },
  { kind: 'background', ref: '../../bg.jpg', refused: /background image "\.\.\/\.\.\/bg\.jpg" is outside the workspace folder; background images load from inside the workspace only/, why: 'background outside (message kept from before)' },
  { kind: 'background', ref: 'bg/street.jpg', file: path.join(SCENE_DIR, 'bg', 'street.jpg'), why: 'background inside' },
];

for (const c of CASES) {
  test(`resolveSceneResource: ${c.why} (${c.kind} ${JSON.stringify(c.ref)})`, () => {
    const result = resolveSceneResource(c.kind, c.ref, SCENE_DIR, WS);
    if (c.file !== undefined) assert.deepEqual(result, { ok: true, file: c.file });
    else {
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.message, c.refused!);
    }
  });
}

test('resolveSceneResource: nothing loads for a scene outside any workspace folder', () => {
  const result = resolveSceneResource('object', 'dog.obj', SCENE_DIR, undefined);
  assert.equal(result.ok, false);
});

function sceneWith(change: (scene: Scene) => void): Scene {
  const scene = defaultScene();
  change(scene);
  return scene;
}

test('sceneResourceRefs: a built-in scene with a colour background names no files', () => {
  assert.deepEqual(sceneResourceRefs(defaultScene()), []);
});

test('sceneResourceRefs: object file, both image textures and the background image, in order', () => {
  const scene = sceneWith((s) => {
    s.object = { ...s.object, kind: 'file', path: 'models/dog.obj' } as Scene['object'];
    s.material.texture = { kind: 'image', path: 'fur.jpg' };
    s.material.texture2 = { kind: 'image', path: 'tabby.png' };
    s.background = { kind: 'image', path: 'bg.jpg', blur: 0, rotation: 0, brightness: 1 };
  });
  assert.deepEqual(sceneResourceRefs(scene), [
    { kind: 'object', ref: 'models/dog.obj', jsonPath: ['object', 'path'] },
    { kind: 'texture', ref: 'fur.jpg', jsonPath: ['material', 'texture', 'path'] },
    { kind: 'texture', ref: 'tabby.png', jsonPath: ['material', 'texture2', 'path'] },
    { kind: 'background', ref: 'bg.jpg', jsonPath: ['background', 'path'] },
  ]);
});

test('sceneResourceRefs: built-in textures and backgrounds name no files', () => {
  const scene = sceneWith((s) => {
    s.material.texture = { kind: 'builtin', name: 'fur', seed: 1 };
    s.background = { kind: 'builtin', name: 'sky', seed: 0, blur: 0, rotation: 0, brightness: 1 };
  });
  assert.deepEqual(sceneResourceRefs(scene), []);
});

test('resourceDiagnostic: located at the path in the text; an object is an error, a background a warning', () => {
  const text = '{\n  "object": { "kind": "file", "path": "missing.obj" },\n  "background": { "kind": "image", "path": "bg.png" }\n}';
  const object = resourceDiagnostic(text, { kind: 'object', ref: 'missing.obj', jsonPath: ['object', 'path'] }, notFoundMessage('object', 'missing.obj'));
  assert.equal(object.message, 'object file not found: missing.obj');
  assert.equal(object.path, 'object.path');
  assert.equal(object.severity, 'error');
  assert.equal(text.slice(object.offset, object.offset + object.length), '"missing.obj"');
  const background = resourceDiagnostic(text, { kind: 'background', ref: 'bg.png', jsonPath: ['background', 'path'] }, 'x');
  assert.equal(background.severity, 'warning');
  assert.equal(text.slice(background.offset, background.offset + background.length), '"bg.png"');
});

test('locateJsonPath: falls back to the nearest existing parent', () => {
  const text = '{ "material": { "texture": null } }';
  const at = locateJsonPath(text, ['material', 'texture', 'path']);
  assert.equal(text.slice(at.offset, at.offset + at.length), 'null');
  assert.deepEqual(locateJsonPath('not json', ['a']), { offset: 0, length: 0 });
});

test('versionedUri: appends the version as a query, keeping an existing one', () => {
  assert.equal(versionedUri('https://x/dog.obj', 1712345678901.7), 'https://x/dog.obj?v=1712345678901');
  assert.equal(versionedUri('https://x/dog.obj?a=1', 5), 'https://x/dog.obj?a=1&v=5');
});
