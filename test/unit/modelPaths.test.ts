import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { absoluteSearchPaths, isInside, manifestPathFor, resolveModelPath, scenePathFor } from '../../src/inference/modelPaths';

const WS = path.resolve('/ws/project');
const BUILTIN = path.resolve('/ext/models');
const ctx = { sceneDir: path.join(WS, 'scenes'), builtinDir: BUILTIN, allowedRoots: [WS, path.resolve('/data/models')] };

/** One row per rule: the scene's reference, and either the .onnx it resolves to or a fragment of the refusal. */
const CASES: { ref: string; onnx?: string; builtin?: boolean; refused?: RegExp; why: string }[] = [
  { ref: 'builtin:fixture', onnx: path.join(BUILTIN, 'fixture', 'fixture.onnx'), builtin: true, why: 'built-in model' },
  { ref: '  builtin:fixture ', onnx: path.join(BUILTIN, 'fixture', 'fixture.onnx'), builtin: true, why: 'whitespace around' },
  { ref: 'BUILTIN:fixture', onnx: path.join(BUILTIN, 'fixture', 'fixture.onnx'), builtin: true, why: 'scheme is case-insensitive' },
  { ref: 'builtin:../secret', refused: /not a valid built-in model name/, why: 'builtin name escaping the models folder' },
  { ref: 'builtin:lab/standard', onnx: path.join(BUILTIN, 'lab', 'standard.onnx'), builtin: true, why: 'built-in GROUP/NAME (the lab trio)' },
  { ref: 'builtin:a/b/c', refused: /not a valid built-in model name/, why: 'builtin name with two folders' },
  { ref: 'builtin:lab/..', refused: /not a valid built-in model name/, why: 'builtin GROUP/NAME escaping the group' },
  { ref: 'builtin:lab/', refused: /not a valid built-in model name/, why: 'builtin GROUP/ without a name' },
  { ref: 'builtin:', refused: /not a valid built-in model name/, why: 'empty builtin name' },
  { ref: 'model.onnx', onnx: path.join(WS, 'scenes', 'model.onnx'), builtin: false, why: 'beside the scene' },
  { ref: '../models/net.onnx', onnx: path.join(WS, 'models', 'net.onnx'), builtin: false, why: 'elsewhere in the workspace' },
  { ref: '/data/models/big.onnx', onnx: path.resolve('/data/models/big.onnx'), builtin: false, why: 'inside a search path' },
  { ref: '../../outside.onnx', refused: /outside the workspace folder.*perturber\.models\.searchPaths/, why: 'escapes the workspace' },
  { ref: '/etc/net.onnx', refused: /outside the workspace folder/, why: 'absolute path elsewhere' },
  { ref: '/ws/project-other/net.onnx', refused: /outside the workspace folder/, why: 'sibling folder sharing a name prefix' },
  { ref: 'https://example.com/net.onnx', refused: /is a URL/, why: 'remote model' },
  { ref: 'file:///ws/project/net.onnx', refused: /is a URL/, why: 'file URL' },
  { ref: 'net.pt', refused: /not an \.onnx file/, why: 'not an ONNX file name' },
  { ref: '   ', refused: /empty/, why: 'empty path' },
];

for (const c of CASES) {
  test(`resolveModelPath: ${c.why} (${JSON.stringify(c.ref)})`, () => {
    const r = resolveModelPath(c.ref, ctx);
    if (c.refused) {
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.message, c.refused);
      return;
    }
    assert.deepEqual(r, { ok: true, onnxPath: c.onnx, manifestPath: manifestPathFor(c.onnx ?? ''), builtin: c.builtin });
  });
}

test('a scene outside any workspace may only use built-in models', () => {
  const lonely = { sceneDir: path.resolve('/tmp/x'), builtinDir: BUILTIN, allowedRoots: [] };
  assert.equal(resolveModelPath('net.onnx', lonely).ok, false);
  assert.equal(resolveModelPath('builtin:fixture', lonely).ok, true);
});

test('manifestPathFor puts x.model.json beside x.onnx', () => {
  assert.equal(manifestPathFor('/a/b/net.onnx'), '/a/b/net.model.json');
  assert.equal(manifestPathFor('/a/b/NET.ONNX'), '/a/b/NET.model.json');
});

test('isInside compares whole path segments', () => {
  assert.equal(isInside('/ws/project/a.onnx', '/ws/project'), true);
  assert.equal(isInside('/ws/project', '/ws/project'), true);
  assert.equal(isInside('/ws/projectX/a.onnx', '/ws/project'), false);
  assert.equal(isInside('/ws/project/../other/a.onnx', '/ws/project'), false);
});

test('scenePathFor writes builtin:NAME, or a forward-slash path relative to the scene', () => {
  const sceneDir = path.join(WS, 'scenes');
  assert.equal(scenePathFor(path.join(BUILTIN, 'fixture', 'fixture.onnx'), sceneDir, BUILTIN), 'builtin:fixture');
  assert.equal(scenePathFor(path.join(BUILTIN, 'lab', 'adversarial.onnx'), sceneDir, BUILTIN), 'builtin:lab/adversarial');
  assert.equal(scenePathFor(path.join(sceneDir, 'net.onnx'), sceneDir, BUILTIN), 'net.onnx');
  assert.equal(scenePathFor(path.join(WS, 'models', 'v2', 'net.onnx'), sceneDir, BUILTIN), '../models/v2/net.onnx');
  // What scenePathFor writes resolves back to the same file.
  const written = scenePathFor(path.join(WS, 'models', 'net.onnx'), sceneDir, BUILTIN);
  assert.deepEqual(resolveModelPath(written, ctx), {
    ok: true,
    onnxPath: path.join(WS, 'models', 'net.onnx'),
    manifestPath: path.join(WS, 'models', 'net.model.json'),
    builtin: false,
  });
});

test('absoluteSearchPaths resolves relative entries against the first workspace folder', () => {
  assert.deepEqual(absoluteSearchPaths(['/abs/models', 'rel/models'], WS), [path.resolve('/abs/models'), path.join(WS, 'rel', 'models')]);
  assert.deepEqual(absoluteSearchPaths(['rel'], undefined), []);
});
