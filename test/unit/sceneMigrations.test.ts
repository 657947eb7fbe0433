/** Scene migrations: every committed old file migrates to its expected current value, and each step on its own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultScene, parseScene } from '../../core/scene';
import { MIGRATIONS, migrateScene, pathInVersion, type JsonObject } from '../../core/sceneMigrations';
import { SCENE_VERSION } from '../../core/sceneTypes';

// Compiled to out/test/unit; fixtures stay in the source tree.
const SCENES = join(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'scenes');

function readJson(path: string): JsonObject {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
}

/** One folder per old version: `v1/*.perturber.json`, each with its expected migrated value in `v<current>/`. */
const OLD_VERSIONS = readdirSync(SCENES).filter((d) => /^v\d+$/.test(d) && Number(d.slice(1)) < SCENE_VERSION);

test('there are committed fixtures for every old version', () => {
  assert.deepEqual(OLD_VERSIONS.map((d) => Number(d.slice(1))), MIGRATIONS.map((step) => step.from));
});

for (const folder of OLD_VERSIONS) {
  for (const file of readdirSync(join(SCENES, folder)).filter((f) => f.endsWith('.perturber.json'))) {
    test(`${folder}/${file} migrates to v${SCENE_VERSION}/${file}`, () => {
      const old = readJson(join(SCENES, folder, file));
      const before = JSON.stringify(old);
      const { value, from } = migrateScene(old);
      assert.equal(from, Number(folder.slice(1)));
      assert.deepEqual(value, readJson(join(SCENES, `v${SCENE_VERSION}`, file)));
      assert.equal(JSON.stringify(old), before, 'the input is not modified');
      // The old text parses (migrated in memory) to the same scene as the migrated text.
      const oldParse = parseScene(readFileSync(join(SCENES, folder, file), 'utf8'));
      const newParse = parseScene(JSON.stringify(value));
      assert.deepEqual(oldParse.diagnostics, []);
      assert.equal(oldParse.migratedFrom, from);
      assert.deepEqual(oldParse.scene, newParse.scene);
      assert.equal(newParse.migratedFrom, undefined);
    });
  }
}

test('migration is idempotent: a current scene comes back unchanged, as the same object', () => {
  for (const folder of OLD_VERSIONS) {
    for (const file of readdirSync(join(SCENES, folder)).filter((f) => f.endsWith('.perturber.json'))) {
      const once = migrateScene(readJson(join(SCENES, folder, file))).value;
      const twice = migrateScene(once);
      assert.equal(twice.value, once, file);
      assert.equal(twice.from, SCENE_VERSION);
    }
  }
  const current = defaultScene() as unknown as JsonObject;
  assert.equal(migrateScene(current).value, current);
});

test('step v1 -> v2: colour to material, object and background gain their new fields, in reading order', () => {
  const step = MIGRATIONS.find((s) => s.from === 1);
  assert.ok(step);
  const v1 = {
    version: 1,
    name: 'x',
    object: { kind: 'builtin', name: 'mug', color: '#123456', yaw: 5, pitch: 0, roll: 0, scale: 1 },
    background: { kind: 'color', color: '#000000' },
    camera: { azimuth: 3 },
  };
  const v2 = step.migrate(v1);
  assert.deepEqual(v2, {
    version: 2,
    name: 'x',
    object: { kind: 'builtin', name: 'mug', seed: 0, params: {}, morph: null, yaw: 5, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#123456' },
    background: { kind: 'color', color: '#000000', blur: 0, rotation: 0, brightness: 1 },
    camera: { azimuth: 3 },
  });
  assert.deepEqual(Object.keys(v2), ['version', 'name', 'object', 'material', 'background', 'camera']);
  assert.deepEqual(Object.keys(v2.object as JsonObject).slice(0, 5), ['kind', 'name', 'seed', 'params', 'morph']);
});

test('step v1 -> v2 leaves what it does not understand for validation to report', () => {
  const step = MIGRATIONS.find((s) => s.from === 1);
  assert.ok(step);
  assert.deepEqual(step.migrate({ version: 1, object: 'teapot', background: [1], extra: true }), {
    version: 2,
    object: 'teapot',
    background: [1],
    extra: true,
  });
  // An object of an unknown kind keeps it (validation names the kind) and gets no builtin-only fields.
  assert.deepEqual(step.migrate({ version: 1, object: { kind: 'mesh' } }), { version: 2, object: { kind: 'mesh', x: 0, y: 0, z: 0 } });
  // "__proto__" stays an ordinary key instead of replacing the prototype.
  const tricky = JSON.parse('{"version": 1, "object": {"__proto__": {"polluted": true}}}') as JsonObject;
  const migrated = step.migrate(tricky);
  assert.equal(Object.prototype.hasOwnProperty.call(migrated.object, '__proto__'), true);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('versions without a step are returned as they are', () => {
  for (const version of [0, 2, 3, 1.5, '1', null]) {
    const value = { version } as JsonObject;
    assert.deepEqual(migrateScene(value), { value, from: SCENE_VERSION }, String(version));
  }
});

test('a moved value is located where the old version had it', () => {
  assert.deepEqual(pathInVersion(['material', 'color'], 1), ['object', 'color']);
  assert.deepEqual(pathInVersion(['material', 'roughness'], 1), ['material', 'roughness']);
  assert.deepEqual(pathInVersion(['material', 'color'], SCENE_VERSION), ['material', 'color']);
});

test('a file newer than this extension is still refused', () => {
  const { scene, diagnostics } = parseScene(`{"version": ${SCENE_VERSION + 1}}`);
  assert.equal(scene, null);
  assert.equal(diagnostics[0]?.message, `scene version ${SCENE_VERSION + 1} is newer than this extension supports (${SCENE_VERSION})`);
});
