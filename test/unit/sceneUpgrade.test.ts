/** The host's rewrite of an older scene file on its first edit from the scene editor (pure part). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScene } from '../../core/scene';
import { applySceneEdit, sceneEditsToTextEdits } from '../../core/sceneEdit';
import { sceneTextEdits, upgradedSceneText } from '../../core/sceneUpgrade';
import type { SceneEdit } from '../../core/sceneTypes';

const V1 = '{\r\n    "version": 1,\r\n    "object": { "name": "mug", "color": "#123456" },\r\n    "camera": { "azimuth": 10 }\r\n}\r\n';

test('an older file is rewritten as the current version in its own indentation and line ends', () => {
  const upgraded = upgradedSceneText(V1);
  assert.ok(upgraded);
  assert.equal(
    upgraded,
    [
      '{',
      '    "version": 2,',
      '    "object": {',
      '        "kind": "builtin",',
      '        "name": "mug",',
      '        "seed": 0,',
      '        "params": {},',
      '        "morph": null,',
      '        "x": 0,',
      '        "y": 0,',
      '        "z": 0',
      '    },',
      '    "material": {',
      '        "color": "#123456"',
      '    },',
      '    "camera": {',
      '        "azimuth": 10',
      '    }',
      '}',
      '',
    ].join('\r\n'),
  );
  assert.equal(upgradedSceneText('{\n\t"version": 1\n}'), '{\n\t"version": 2\n}');
});

test('current, newer and broken files are not rewritten', () => {
  assert.equal(upgradedSceneText('{"version": 2}'), undefined);
  assert.equal(upgradedSceneText('{"version": 3}'), undefined);
  assert.equal(upgradedSceneText('{"version": 1, "camera": {"azimut": 1}}'), undefined);
  assert.equal(upgradedSceneText('{"version": 1,'), undefined);
});

test('the first edit of an older file is one span: the whole text, migrated and edited', () => {
  const edits: SceneEdit[] = [{ path: ['material', 'color'], value: '#abcdef' }, { path: ['camera', 'azimuth'], value: 20 }];
  const spans = sceneTextEdits(V1, edits);
  assert.equal(spans.length, 1);
  assert.equal(spans[0].offset, 0);
  assert.equal(spans[0].length, V1.length);
  const after = parseScene(spans[0].content);
  assert.deepEqual(after.diagnostics, []);
  assert.equal(after.migratedFrom, undefined);
  // What the webview showed (the migrated scene with the edits) is what the document now says.
  const before = parseScene(V1).scene;
  assert.ok(before);
  assert.deepEqual(after.scene, edits.reduce(applySceneEdit, before));
  assert.match(spans[0].content, /"color": "#abcdef"/);
});

test('a current file gets the usual minimal spans', () => {
  const text = '{\n  "version": 2,\n  "camera": { "azimuth": 10 }\n}\n';
  const edits: SceneEdit[] = [{ path: ['camera', 'azimuth'], value: 25 }];
  assert.deepEqual(sceneTextEdits(text, edits), sceneEditsToTextEdits(text, edits));
  assert.deepEqual(sceneTextEdits(V1, []), []);
});
