// Objects from files in the scene editor webview (Chromium through the harness, no VS Code): real OBJ+MTL models with
// textures from ../shared/assets/objects (skipped when that folder is absent), a glTF generated here (embedded buffer
// and PNG: data: URIs, which GLTFLoader fetches), and the failures a user can make (missing file, corrupt OBJ).
// Screenshots go to test-results/screenshots/file-*.png.
// Run: `node --test test/ui/fileObjects.test.mjs` (builds the webviews first when the bundles are missing or stale).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { launchChromium } from '../../scripts/browser.mjs';
import { startHarness } from '../../scripts/webview-harness.mjs';
import { deliverScene, ensureBundles, openPage, ROOT, SHOTS } from './harnessPage.mjs';

const SHARED_OBJECTS = resolve(ROOT, '..', 'shared', 'assets', 'objects');
/** Real models checked here: folder and OBJ file name. */
const REAL = [
  ['dog', 'dog.obj'],
  ['cat', 'cat.obj'],
  ['car-peugeot-308', 'peugeot-308.obj'],
  ['teapot', 'teapot.obj'],
];
const BACKGROUND = [128, 128, 128];
const SIZE = 128;

// ---------------------------------------------------------------- fixtures

/** A v2 scene (docs/SCENE_V2.md) showing `object`. */
function scene(object, overrides = {}) {
  return {
    version: 2,
    name: 'file object test',
    object: { yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0, ...object },
    material: { color: '#c08040', texture: null, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: '#808080', blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
    camera: { azimuth: 30, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [],
    ...overrides,
  };
}

/** A textured cube as a .gltf with an embedded buffer and an embedded PNG, and no normals (the loader computes them). */
export function cubeGltf() {
  const faces = [
    [[1, 0, 0], [0, 0, -1], [0, 1, 0]], [[-1, 0, 0], [0, 0, 1], [0, 1, 0]],
    [[0, 1, 0], [1, 0, 0], [0, 0, -1]], [[0, -1, 0], [1, 0, 0], [0, 0, 1]],
    [[0, 0, 1], [1, 0, 0], [0, 1, 0]], [[0, 0, -1], [-1, 0, 0], [0, 1, 0]],
  ];
  const positions = [];
  const uvs = [];
  const indices = [];
  faces.forEach(([n, u, v], f) => {
    for (const [a, b] of [[-1, -1], [1, -1], [1, 1], [-1, 1]]) {
      positions.push(...[0, 1, 2].map((k) => 0.5 * (n[k] + a * u[k] + b * v[k])));
      uvs.push((a + 1) / 2, 1 - (b + 1) / 2);
    }
    indices.push(4 * f, 4 * f + 1, 4 * f + 2, 4 * f, 4 * f + 2, 4 * f + 3);
  });
  const p = Buffer.from(new Float32Array(positions).buffer);
  const t = Buffer.from(new Float32Array(uvs).buffer);
  const i = Buffer.from(new Uint16Array(indices).buffer);
  const bin = Buffer.concat([p, t, i]);
  const png = new PNG({ width: 8, height: 8 });
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) png.data.set((x + y) % 2 ? [230, 40, 30, 255] : [40, 90, 230, 255], (y * 8 + x) * 4);
  return Buffer.from(
    JSON.stringify({
      asset: { version: '2.0', generator: 'perturber test' },
      scene: 0,
      scenes: [{ nodes: [0] }],
      nodes: [{ mesh: 0 }],
      meshes: [{ primitives: [{ attributes: { POSITION: 0, TEXCOORD_0: 1 }, indices: 2, material: 0 }] }],
      materials: [{ pbrMetallicRoughness: { baseColorTexture: { index: 0 }, metallicFactor: 0, roughnessFactor: 0.8 } }],
      textures: [{ source: 0, sampler: 0 }],
      samplers: [{ magFilter: 9728, minFilter: 9728 }],
      images: [{ uri: `data:image/png;base64,${PNG.sync.write(png).toString('base64')}` }],
      buffers: [{ byteLength: bin.length, uri: `data:application/octet-stream;base64,${bin.toString('base64')}` }],
      bufferViews: [
        { buffer: 0, byteOffset: 0, byteLength: p.length, target: 34962 },
        { buffer: 0, byteOffset: p.length, byteLength: t.length, target: 34962 },
        { buffer: 0, byteOffset: p.length + t.length, byteLength: i.length, target: 34963 },
      ],
      accessors: [
        { bufferView: 0, componentType: 5126, count: 24, type: 'VEC3', min: [-0.5, -0.5, -0.5], max: [0.5, 0.5, 0.5] },
        { bufferView: 1, componentType: 5126, count: 24, type: 'VEC2' },
        { bufferView: 2, componentType: 5123, count: 36, type: 'SCALAR' },
      ],
    }),
  );
}

// ---------------------------------------------------------------- helpers

/** The files the harness serves: the real models under /ws/objects/, generated ones under /ws/gen/. */
function harnessFiles() {
  const files = {
    '/ws/gen/cube.gltf': cubeGltf(),
    '/ws/gen/corrupt.obj': Buffer.from('this is not an OBJ file\n<html><body>oops</body></html>\n'),
  };
  if (existsSync(SHARED_OBJECTS)) {
    for (const [folder] of REAL) {
      const dir = join(SHARED_OBJECTS, folder);
      for (const name of readdirSync(dir)) files[`/ws/objects/${folder}/${name}`] = join(dir, name);
    }
  }
  return files;
}

/** Statistics of the newest frame: how much differs from the background, and how varied the object's colours are. */
async function lastFrameStats(page) {
  return page.evaluate((bg) => {
    const frame = window.__posted.filter((m) => m.type === 'frame').at(-1);
    if (!frame) return null;
    const { pixels: px, width, height } = frame.images[0];
    let covered = 0;
    let sum = 0;
    let sumSq = 0;
    const colours = new Set();
    for (let i = 0; i < px.length; i += 4) {
      const d = Math.abs(px[i] - bg[0]) + Math.abs(px[i + 1] - bg[1]) + Math.abs(px[i + 2] - bg[2]);
      if (d <= 12) continue;
      covered++;
      const lum = 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
      sum += lum;
      sumSq += lum * lum;
      colours.add(((px[i] >> 4) << 8) | ((px[i + 1] >> 4) << 4) | (px[i + 2] >> 4));
    }
    const mean = covered ? sum / covered : 0;
    const corner = Array.from(px.slice(0, 3));
    return {
      frameId: frame.frameId,
      coverage: covered / (width * height),
      meanLuminance: mean,
      luminanceSd: covered ? Math.sqrt(Math.max(0, sumSq / covered - mean * mean)) : 0,
      colours: colours.size,
      corner,
    };
  }, BACKGROUND);
}

/** Waits until a frame shows something besides the background (the object loads asynchronously). */
async function waitForObject(page, what, minCoverage = 0.03) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const stats = await lastFrameStats(page);
    if (stats && stats.coverage >= minCoverage) return stats;
    const problems = await page.evaluate(() => window.__posted.filter((m) => m.type === 'problem').map((m) => m.message));
    if (problems.length > 0) assert.fail(`${what}: the webview reported ${JSON.stringify(problems)}`);
    if (Date.now() > deadline) assert.fail(`${what}: no frame with the object after 20 s (last: ${JSON.stringify(stats)})`);
    await page.waitForTimeout(100);
  }
}

const deliver = (page, message) => deliverScene(page, message, SIZE);

// ---------------------------------------------------------------- tests

describe('objects from files in the scene editor', () => {
  let harness;
  let browser;
  const errors = [];

  const open = () => openPage(browser, harness, 'scene', { viewport: { width: 1000, height: 760 }, onError: (text) => errors.push(text) });

  const uri = (path) => `${harness.origin}/ws/${path}`;

  before(async () => {
    ensureBundles();
    mkdirSync(SHOTS, { recursive: true });
    harness = await startHarness({ files: harnessFiles() });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  test('real OBJ+MTL models with textures render, centred, lit and textured (screenshots)', async (t) => {
    if (!existsSync(SHARED_OBJECTS)) {
      t.skip(`no real models at ${SHARED_OBJECTS}`);
      return;
    }
    const page = await open();
    let version = 0;
    for (const [folder, file] of REAL) {
      version++;
      const path = `objects/${folder}/${file}`;
      await deliver(page, { docVersion: version, scene: scene({ kind: 'file', path }), resourceUris: { [path]: uri(path) } });
      const stats = await waitForObject(page, path);
      // A unit bounding sphere 3 radii away under a 40 degree field of view: a real share of the frame, not all of it.
      assert.ok(stats.coverage > 0.08 && stats.coverage < 0.85, `${path}: object covers ${(stats.coverage * 100).toFixed(1)}% of the frame`);
      assert.ok(Math.abs(stats.corner[0] - 128) <= 2, `${path}: the corner should be background, got ${stats.corner}`);
      // Not black (missing light or an inside-out mesh), not blown out.
      assert.ok(stats.meanLuminance > 60 && stats.meanLuminance < 240, `${path}: mean luminance ${stats.meanLuminance.toFixed(0)}`);
      // Textures loaded: shading and texture give many distinct colours.
      assert.ok(stats.colours > 40, `${path}: only ${stats.colours} colours on the object (texture missing?)`);
      await page.waitForTimeout(50);
      await page.locator('canvas#view').screenshot({ path: join(SHOTS, `file-${folder}.png`) });
    }
    assert.deepEqual(await page.evaluate(() => window.__posted.filter((m) => m.type === 'problem').map((m) => m.message)), []);
    await page.close();
  });

  test('a glTF with an embedded buffer and texture renders its texture (screenshot)', async () => {
    const page = await open();
    const path = 'gen/cube.gltf';
    await deliver(page, { docVersion: 1, scene: scene({ kind: 'file', path, yaw: 20, pitch: 15 }), resourceUris: { [path]: uri(path) } });
    const stats = await waitForObject(page, path);
    assert.ok(stats.coverage > 0.15 && stats.coverage < 0.85, `cube covers ${(stats.coverage * 100).toFixed(1)}%`);
    // The red/blue checker texture: red and blue pixels both present.
    const { red, blue } = await page.evaluate(() => {
      const { pixels: px } = window.__posted.filter((m) => m.type === 'frame').at(-1).images[0];
      let red = 0;
      let blue = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i] > px[i + 2] + 60) red++;
        if (px[i + 2] > px[i] + 60) blue++;
      }
      return { red, blue };
    });
    assert.ok(red > 200 && blue > 200, `checker texture not visible (red ${red}, blue ${blue})`);
    await page.waitForTimeout(50);
    await page.locator('canvas#view').screenshot({ path: join(SHOTS, 'file-gltf-cube.png') });
    await page.close();
  });

  for (const [what, path, pattern] of [
    ['a missing file', 'objects/nowhere/missing.obj', /missing\.obj.*not found/],
    ['a corrupt OBJ', 'gen/corrupt.obj', /corrupt\.obj.*(no vertices|OBJ)/],
  ]) {
    test(`${what} is a problem in the editor, and the view still renders the background`, async () => {
      const page = await open();
      await deliver(page, { docVersion: 1, scene: scene({ kind: 'file', path }), resourceUris: { [path]: uri(path) } });
      await page.waitForFunction(() => window.__posted.some((m) => m.type === 'problem'), null, { timeout: 15000 });
      const [problem] = await page.evaluate(() => window.__posted.filter((m) => m.type === 'problem').map((m) => m.message));
      assert.match(problem, pattern);
      // The user sees it too, in the status line or the problems list.
      const shown = `${await page.locator('#status').innerText()}\n${await page.locator('#problems').innerText()}`;
      assert.match(shown, pattern, 'the problem is not shown in the editor');
      await page.waitForFunction(() => window.__posted.some((m) => m.type === 'frame'), null, { timeout: 10000 });
      const stats = await lastFrameStats(page);
      assert.ok(stats.coverage < 0.01, `the frame should be background only, ${(stats.coverage * 100).toFixed(1)}% differs`);
      await page.close();
    });
  }

  test('no page errors', () => {
    assert.deepEqual(errors, []);
  });
});
