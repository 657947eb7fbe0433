import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultScene, parseScene } from '../../core/scene';
import { applySceneEdit, sceneEditsToTextEdits, type TextSpanEdit } from '../../core/sceneEdit';
import type { Scene, SceneEdit } from '../../core/sceneTypes';

function applySpans(text: string, spans: readonly TextSpanEdit[]): string {
  // Spans refer to the original text: apply from the end so earlier offsets stay valid.
  let out = text;
  for (const span of [...spans].sort((a, b) => b.offset - a.offset)) {
    out = out.slice(0, span.offset) + span.content + out.slice(span.offset + span.length);
  }
  return out;
}

function edited(text: string, edits: SceneEdit[]): string {
  return applySpans(text, sceneEditsToTextEdits(text, edits));
}

function parsed(text: string): Scene {
  const { scene, diagnostics } = parseScene(text);
  assert.deepEqual(diagnostics, []);
  assert.ok(scene);
  return scene;
}

const SAMPLE = `{
  "version": 2,
  "name": "round trip",
  "object": { "name": "cube", "yaw": 10 },
  "camera": {
    "azimuth": 20,
    "fov": 40
  },
  "models": [
    { "id": "a", "path": "a.onnx", "watch": [{ "layer": "conv1", "neurons": [1, 2] }] }
  ]
}
`;

const ROUND_TRIPS: { name: string; edits: SceneEdit[] }[] = [
  { name: 'set an existing number', edits: [{ path: ['camera', 'azimuth'], value: -35.5 }] },
  { name: 'set a missing field of a present section', edits: [{ path: ['camera', 'distance'], value: 4 }] },
  { name: 'set a field of a missing section', edits: [{ path: ['light', 'ambient'], value: 0.75 }] },
  { name: 'replace a string', edits: [{ path: ['object', 'name'], value: 'torusKnot' }] },
  // A whole section carries every field (as the controls send it): the scene value gets no defaults filled in.
  { name: 'replace a whole section', edits: [{ path: ['background'], value: { kind: 'image', path: 'bg.png', blur: 0, rotation: 0, brightness: 1 } }] },
  { name: 'switch a texture from none to a builtin', edits: [{ path: ['material', 'texture'], value: { kind: 'builtin', name: 'fur', seed: 0 } }] },
  { name: 'set a shape parameter', edits: [{ path: ['object', 'name'], value: 'dog' }, { path: ['object', 'params', 'legLength'], value: 1.1 }] },
  { name: 'edit inside an array', edits: [{ path: ['models', 0, 'watch', 0, 'neurons', 1], value: 9 }] },
  { name: 'append to an array', edits: [{ path: ['models', 1], value: { id: 'b', path: 'b.onnx', watch: [] } }] },
  {
    name: 'several edits in one step, later ones on the result of earlier ones',
    edits: [
      { path: ['camera', 'azimuth'], value: 1 },
      { path: ['light'], value: { azimuth: 0, elevation: 0, intensity: 2, ambient: 0 } },
      { path: ['light', 'intensity'], value: 2.5 },
      { path: ['camera', 'azimuth'], value: 2 },
    ],
  },
];

for (const c of ROUND_TRIPS) {
  test(`round trip: ${c.name}`, () => {
    const expected = c.edits.reduce(applySceneEdit, parsed(SAMPLE));
    assert.deepEqual(parsed(edited(SAMPLE, c.edits)), expected);
  });
}

test('an edit that changes nothing gives no text edit', () => {
  assert.deepEqual(sceneEditsToTextEdits(SAMPLE, [{ path: ['camera', 'azimuth'], value: 20 }]), []);
  assert.deepEqual(sceneEditsToTextEdits(SAMPLE, []), []);
});

test('a number change is one minimal span against the original text', () => {
  const spans = sceneEditsToTextEdits(SAMPLE, [{ path: ['camera', 'azimuth'], value: 25 }]);
  assert.deepEqual(spans, [{ offset: SAMPLE.indexOf('20,') + 1, length: 1, content: '5' }]);
});

test('two spaces: new properties use the file indentation', () => {
  const text = '{\n  "version": 1,\n  "camera": {\n    "azimuth": 10\n  }\n}\n';
  assert.equal(
    edited(text, [{ path: ['camera', 'fov'], value: 30 }]),
    '{\n  "version": 1,\n  "camera": {\n    "azimuth": 10,\n    "fov": 30\n  }\n}\n',
  );
});

test('four spaces: a missing object is created with the file indentation', () => {
  const text = '{\n    "version": 1\n}';
  assert.equal(
    edited(text, [{ path: ['camera', 'azimuth'], value: 3 }]),
    '{\n    "version": 1,\n    "camera": {\n        "azimuth": 3\n    }\n}',
  );
});

test('tabs stay tabs', () => {
  const text = '{\n\t"version": 1,\n\t"camera": {\n\t\t"fov": 10\n\t}\n}';
  assert.equal(
    edited(text, [{ path: ['camera', 'azimuth'], value: 3 }]),
    '{\n\t"version": 1,\n\t"camera": {\n\t\t"fov": 10,\n\t\t"azimuth": 3\n\t}\n}',
  );
});

test('CRLF line ends stay CRLF', () => {
  const text = '{\r\n  "version": 1\r\n}\r\n';
  assert.equal(
    edited(text, [{ path: ['light', 'ambient'], value: 1 }]),
    '{\r\n  "version": 1,\r\n  "light": {\r\n    "ambient": 1\r\n  }\r\n}\r\n',
  );
});

test('numbers are written with at most 4 decimals, in the text and in the value', () => {
  const text = '{\n  "version": 1,\n  "camera": {\n    "azimuth": 10\n  }\n}\n';
  const edits: SceneEdit[] = [
    { path: ['camera', 'azimuth'], value: 0.1 + 0.2 },
    { path: ['camera', 'translateX'], value: 1 / 3 },
    { path: ['camera', 'translateY'], value: -0.00001 },
  ];
  assert.equal(
    edited(text, edits),
    '{\n  "version": 1,\n  "camera": {\n    "azimuth": 0.3,\n    "translateX": 0.3333,\n    "translateY": 0\n  }\n}\n',
  );
  const scene = edits.reduce(applySceneEdit, defaultScene());
  assert.equal(scene.camera.azimuth, 0.3);
  assert.equal(scene.camera.translateX, 0.3333);
  assert.ok(Object.is(scene.camera.translateY, 0), '-0 becomes 0');
});

test('rounding applies inside object and array values too', () => {
  const scene = applySceneEdit(defaultScene(), { path: ['light'], value: { azimuth: 1.23456, elevation: 0, intensity: 1, ambient: 0.1 + 0.7 } });
  assert.deepEqual(scene.light, { azimuth: 1.2346, elevation: 0, intensity: 1, ambient: 0.8 });
});

test('applySceneEdit is pure and shares untouched sections', () => {
  const before = defaultScene();
  const snapshot = JSON.parse(JSON.stringify(before)) as Scene;
  const after = applySceneEdit(before, { path: ['camera', 'azimuth'], value: 90 });
  assert.deepEqual(before, snapshot);
  assert.equal(after.camera.azimuth, 90);
  assert.notEqual(after, before);
  assert.notEqual(after.camera, before.camera);
  assert.equal(after.light, before.light);
  assert.equal(after.object, before.object);
  assert.equal(after.models, before.models);
});

test('applySceneEdit creates missing objects along the path', () => {
  const scene = { version: 1 } as unknown as Scene;
  assert.deepEqual(applySceneEdit(scene, { path: ['camera', 'azimuth'], value: 5 }), { version: 1, camera: { azimuth: 5 } });
});

test('applySceneEdit throws a clear error on a path that does not fit', () => {
  const scene = defaultScene();
  const cases: [SceneEdit, string][] = [
    [{ path: [], value: 1 }, 'a scene edit needs a path (replacing the whole scene is not an edit)'],
    [{ path: ['camera', 'azimuth', 'x'], value: 1 }, 'cannot set camera.azimuth.x: camera.azimuth is a number, not an object'],
    [{ path: ['camera', 0], value: 1 }, 'cannot set camera[0]: camera is an object, not an array'],
    [{ path: ['models', 'a'], value: 1 }, 'cannot set models.a: models is an array, not an object'],
    [{ path: ['models', 3], value: 1 }, 'cannot set models[3]: models has only 0 entries'],
    [{ path: ['models', -1], value: 1 }, 'cannot set models[-1]: -1 is not an array index'],
    [{ path: ['models', 0.5], value: 1 }, 'cannot set models[0.5]: 0.5 is not an array index'],
    [{ path: ['camera', 'fov'], value: Number.NaN }, 'cannot set camera.fov to NaN: not a finite number'],
    [{ path: ['camera', 'fov'], value: Number.POSITIVE_INFINITY }, 'cannot set camera.fov to Infinity: not a finite number'],
  ];
  for (const [edit, message] of cases) {
    assert.throws(() => applySceneEdit(scene, edit), { message }, JSON.stringify(edit.path));
  }
});

test('sceneEditsToTextEdits checks paths the same way and refuses broken JSON', () => {
  assert.throws(() => sceneEditsToTextEdits(SAMPLE, [{ path: ['camera', 'fov', 'x'], value: 1 }]), {
    message: 'cannot set camera.fov.x: camera.fov is a number, not an object',
  });
  assert.throws(() => sceneEditsToTextEdits('{"version": 1,', [{ path: ['name'], value: 'x' }]), {
    message: 'the scene file is not valid JSON; fix it before editing with the controls',
  });
});

test('a "__proto__" key is an ordinary property, not a prototype change', () => {
  const scene = applySceneEdit(defaultScene(), { path: ['camera', '__proto__'], value: { polluted: true } });
  assert.equal(Object.getPrototypeOf(scene.camera), Object.prototype);
  assert.deepEqual(Object.keys(scene.camera).includes('__proto__'), true);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('spans never split a surrogate pair', () => {
  const text = '{\n  "version": 1,\n  "name": "a\u{1F600}"\n}';
  const spans = sceneEditsToTextEdits(text, [{ path: ['name'], value: 'a\u{1F601}' }]);
  assert.equal(spans.length, 1);
  const [span] = spans;
  assert.equal(span.content, '\u{1F601}');
  assert.equal(text.slice(span.offset, span.offset + span.length), '\u{1F600}');
});
