// Materials, textures, silhouettes and backgrounds of the scene webview in a real browser (Debian Chromium via
// playwright-core, the fake host of scripts/webview-harness.mjs). Checks the frames the models get: silhouette
// frames hold only the two colours, textures and texture morph change the surface, background brightness, blur and
// rotation do what they say, failures are reported, and the frame still has the colours of the view (sRGB).
// Screenshots of every texture, background and adjustment go to test-results/screenshots/materials/
// (PERTURBER_SHOTS overrides the folder).
// Run: `node --test test/ui/sceneMaterials.test.mjs` (builds the webviews first when the bundles are stale).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { launchChromium } from '../../scripts/browser.mjs';
import { startHarness } from '../../scripts/webview-harness.mjs';
import { deliverScene, ensureBundles, frameCount, lastFrame, openPage, ROOT } from './harnessPage.mjs';

const SHOTS = process.env.PERTURBER_SHOTS ?? join(ROOT, 'test-results', 'screenshots', 'materials');
const TEXTURES = ['fur', 'tabby', 'leopard', 'zebra', 'wood', 'metal', 'brick', 'grass'];
const BACKGROUNDS = ['sky', 'room', 'street', 'grass', 'water'];
const SIZE = 96;
/** Real textured models and photographs (outside the repository; the tests that use them skip without them). */
const ASSETS = resolve(ROOT, '..', 'shared', 'assets');
const DOG = join(ASSETS, 'objects', 'dog');
const PHOTO = join(ASSETS, 'backgrounds', 'meadow-grass.jpg');

// ---------------------------------------------------------------- fixtures

/** A v2 scene; each override section is merged into the default one. */
function scene(overrides = {}) {
  const base = {
    version: 2,
    name: 'Materials test scene',
    object: { kind: 'builtin', name: 'sphere', seed: 0, params: {}, morph: null, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#ffffff', texture: null, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: '#808080', blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 30, elevation: 30, intensity: 1, ambient: 0.5 },
    camera: { azimuth: 0, elevation: 0, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [],
  };
  const out = structuredClone(base);
  for (const [section, value] of Object.entries(overrides)) out[section] = { ...out[section], ...value };
  return out;
}

/** A 64x64 PNG: a 4x4 checkerboard of orange and teal (an image texture / background). */
function checkerPng() {
  const png = new PNG({ width: 64, height: 64 });
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const odd = ((x >> 4) + (y >> 4)) % 2;
      png.data.set(odd ? [240, 140, 20, 255] : [20, 150, 160, 255], (y * 64 + x) * 4);
    }
  }
  return PNG.sync.write(png);
}

// ---------------------------------------------------------------- helpers

/** Delivers a scene (a new document version) and waits for its frame; returns the frame's pixels as an image. */
async function render(page, sceneValue, extra = {}) {
  const before = await frameCount(page);
  const docVersion = (await page.evaluate(() => (window.__docVersion = (window.__docVersion ?? 0) + 1)));
  await deliverScene(page, { docVersion, scene: sceneValue, resourceUris: extra.resourceUris ?? {} }, extra.size ?? SIZE);
  await page.waitForFunction((n) => window.__posted.filter((m) => m.type === 'frame').length > n, before, { timeout: 20000 });
  return lastFrame(page);
}

function lum(px, i) {
  return 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
}

function meanAbsDiff(a, b) {
  let sum = 0;
  for (let i = 0; i < a.pixels.length; i += 4) {
    sum += Math.abs(a.pixels[i] - b.pixels[i]) + Math.abs(a.pixels[i + 1] - b.pixels[i + 1]) + Math.abs(a.pixels[i + 2] - b.pixels[i + 2]);
  }
  return sum / ((a.pixels.length / 4) * 3);
}

/** Mean luminance of the pixels where `mask(x, y)` holds. */
function meanLum(img, mask) {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!mask(x, y)) continue;
      sum += lum(img.pixels, (y * img.width + x) * 4);
      n += 1;
    }
  }
  return sum / n;
}

/** Sum of absolute luminance differences between horizontal and vertical neighbours: high-frequency energy. */
function gradientEnergy(img, mask = () => true) {
  let sum = 0;
  const w = img.width;
  for (let y = 0; y < img.height - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      if (!mask(x, y)) continue;
      const i = (y * w + x) * 4;
      sum += Math.abs(lum(img.pixels, i) - lum(img.pixels, i + 4)) + Math.abs(lum(img.pixels, i) - lum(img.pixels, i + w * 4));
    }
  }
  return sum;
}

/** The outer ring of the frame, where a small centred object never is. */
const border = (img) => (x, y) => x < img.width * 0.2 || x > img.width * 0.8 || y < img.height * 0.2 || y > img.height * 0.8;

function savePng(img, name) {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.pixels);
  writeFileSync(join(SHOTS, `${name}.png`), PNG.sync.write(png));
}

// ---------------------------------------------------------------- tests

describe('scene materials and backgrounds in Chromium', () => {
  let harness;
  let browser;
  let page;
  const errors = [];

  before(async () => {
    ensureBundles();
    mkdirSync(SHOTS, { recursive: true });
    const files = { '/images/checker.png': checkerPng() };
    if (existsSync(DOG)) for (const f of ['dog.obj', 'dog.mtl', 'dog-texture.jpg']) files[`/objects/dog/${f}`] = join(DOG, f);
    if (existsSync(PHOTO)) files['/images/meadow.jpg'] = PHOTO;
    harness = await startHarness({ files });
    browser = await launchChromium();
    page = await openPage(browser, harness, 'scene', { viewport: { width: 1000, height: 700 }, onError: (text) => errors.push(text) });
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  test('silhouette: only the object colour and the background colour (and their blend at the edges)', async () => {
    const img = await render(
      page,
      scene({
        object: { name: 'teapot', yaw: 30 },
        material: { texture: { kind: 'builtin', name: 'zebra', seed: 1 } },
        silhouette: { enabled: true, objectColor: '#ff0000', backgroundColor: '#0000ff' },
        background: { kind: 'builtin', name: 'street', seed: 0 },
      }),
    );
    let object = 0;
    let background = 0;
    let edge = 0;
    for (let i = 0; i < img.pixels.length; i += 4) {
      const [r, g, b] = img.pixels.slice(i, i + 3);
      assert.ok(g <= 2, `a silhouette pixel has green ${g} (texture or lighting leaking in)`);
      if (r >= 253 && b <= 2) object += 1;
      else if (b >= 253 && r <= 2) background += 1;
      else edge += 1;
    }
    const n = img.pixels.length / 4;
    assert.ok(object > n * 0.08, `too little object (${object} of ${n})`);
    assert.ok(background > n * 0.3, `too little background (${background} of ${n})`);
    assert.ok(edge < n * 0.08, `${edge} of ${n} pixels are neither colour`);
    savePng(img, 'silhouette-frame');
    await page.locator('canvas#view').screenshot({ path: join(SHOTS, 'silhouette.png') });
  });

  test('a texture changes the surface; texture morph 0.5 lies between 0 and 1', async () => {
    const plain = await render(page, scene());
    const textured = await render(page, scene({ material: { texture: { kind: 'builtin', name: 'zebra', seed: 1 }, textureScale: 2 } }));
    assert.ok(meanAbsDiff(plain, textured) > 10, `zebra texture barely changes the frame (${meanAbsDiff(plain, textured).toFixed(1)})`);
    assert.ok(gradientEnergy(textured) > gradientEnergy(plain) * 2, 'the texture should add detail');

    const morph = (t) =>
      scene({
        material: { texture: { kind: 'builtin', name: 'zebra', seed: 1 }, texture2: { kind: 'builtin', name: 'grass', seed: 2 }, textureMorph: t },
      });
    const m0 = await render(page, morph(0));
    const m5 = await render(page, morph(0.5));
    const m1 = await render(page, morph(1));
    assert.ok(meanAbsDiff(m0, m1) > 10, `morph 0 and 1 look alike (${meanAbsDiff(m0, m1).toFixed(1)})`);
    assert.ok(meanAbsDiff(m0, m5) > 3 && meanAbsDiff(m1, m5) > 3, 'morph 0.5 should differ from both ends');
    let outside = 0;
    for (let i = 0; i < m5.pixels.length; i++) {
      if (i % 4 === 3) continue;
      const lo = Math.min(m0.pixels[i], m1.pixels[i]);
      const hi = Math.max(m0.pixels[i], m1.pixels[i]);
      if (m5.pixels[i] < lo - 3 || m5.pixels[i] > hi + 3) outside += 1;
    }
    assert.ok(outside < m5.pixels.length * 0.01, `${outside} channel values of morph 0.5 lie outside [morph 0, morph 1]`);
    assert.deepEqual(m0, await render(page, morph(0)), 'the same scene should give the same frame');
    for (const [t, img] of [[0, m0], [0.5, m5], [1, m1]]) savePng(img, `morph-${t}`);
  });

  test('background brightness, blur and rotation', async () => {
    const bg = (extra) => scene({ object: { scale: 0.25 }, background: { kind: 'builtin', name: 'street', seed: 0, ...extra } });
    const normal = await render(page, bg({}));
    const dark = await render(page, bg({ brightness: 0.5 }));
    const bright = await render(page, bg({ brightness: 1.5 }));
    const ring = border(normal);
    const [lNormal, lDark, lBright] = [normal, dark, bright].map((img) => meanLum(img, ring));
    assert.ok(lDark < lNormal * 0.6 && lDark > lNormal * 0.4, `brightness 0.5: ${lDark.toFixed(1)} vs ${lNormal.toFixed(1)}`);
    assert.ok(lBright > lNormal * 1.2, `brightness 1.5: ${lBright.toFixed(1)} vs ${lNormal.toFixed(1)}`);

    const blurred = await render(page, bg({ blur: 4 }));
    const sharpEnergy = gradientEnergy(normal, ring);
    const blurEnergy = gradientEnergy(blurred, ring);
    assert.ok(blurEnergy < sharpEnergy * 0.7, `blur 4 should remove detail (${blurEnergy.toFixed(0)} vs ${sharpEnergy.toFixed(0)})`);
    // Blurring keeps the overall colour and has no dark rim at the frame's edges.
    assert.ok(Math.abs(meanLum(blurred, ring) - lNormal) < 6, 'blur changed the brightness');
    const edgeRows = (img) => meanLum(img, (x, y) => y === 0 || y === img.height - 1 || x === 0 || x === img.width - 1);
    assert.ok(Math.abs(edgeRows(blurred) - edgeRows(normal)) < 20, `blurred edges ${edgeRows(blurred)} vs ${edgeRows(normal)}`);

    const rotated = await render(page, bg({ rotation: 30 }));
    assert.ok(meanAbsDiff(normal, rotated) > 10, 'rotation 30 does not change the background');
    // Rotated, the image still covers the frame: no empty (black or placeholder) corners.
    for (const [x, y] of [[0, 0], [SIZE - 1, 0], [0, SIZE - 1], [SIZE - 1, SIZE - 1]]) {
      const i = (y * SIZE + x) * 4;
      const px = rotated.pixels.slice(i, i + 3);
      assert.ok(px.some((v) => v > 12) && !px.every((v) => Math.abs(v - 58) < 3), `empty corner at ${x},${y}: ${px}`);
    }
    for (const [name, img] of Object.entries({ normal, dark, bright, blurred, rotated })) savePng(img, `background-street-${name}`);
  });

  test('the frame has the colours of the view (sRGB), textured and on a built-in background', async () => {
    await render(
      page,
      scene({
        object: { name: 'teapot', yaw: 20 },
        material: { color: '#ffffff', texture: { kind: 'builtin', name: 'leopard', seed: 0 }, textureScale: 0.5 },
        background: { kind: 'builtin', name: 'sky', seed: 3, blur: 2 },
      }),
      { size: 64 },
    );
    await page.waitForTimeout(100);
    const frame = await lastFrame(page);
    const png = PNG.sync.read(await page.locator('canvas#view').screenshot());
    // Box-average the view down to the frame's size; a linear (not sRGB) frame would be far darker.
    let diff = 0;
    let lumFrame = 0;
    let lumView = 0;
    const k = png.width / frame.width;
    for (let y = 0; y < frame.height; y++) {
      for (let x = 0; x < frame.width; x++) {
        const acc = [0, 0, 0];
        let n = 0;
        for (let yy = Math.floor(y * k); yy < Math.floor((y + 1) * k); yy++) {
          for (let xx = Math.floor(x * k); xx < Math.floor((x + 1) * k); xx++) {
            for (let c = 0; c < 3; c++) acc[c] += png.data[(yy * png.width + xx) * 4 + c];
            n += 1;
          }
        }
        const i = (y * frame.width + x) * 4;
        for (let c = 0; c < 3; c++) diff += Math.abs(acc[c] / n - frame.pixels[i + c]);
        lumFrame += lum(frame.pixels, i);
        lumView += 0.299 * (acc[0] / n) + 0.587 * (acc[1] / n) + 0.114 * (acc[2] / n);
      }
    }
    const count = frame.width * frame.height;
    assert.ok(diff / (count * 3) < 8, `frame vs view: mean difference ${(diff / (count * 3)).toFixed(1)}`);
    assert.ok(Math.abs(lumFrame - lumView) / count < 4, `frame brightness ${lumFrame / count} vs view ${lumView / count}`);
  });

  test('image textures and backgrounds load from resourceUris; failures are problems and the rest still renders', async () => {
    const uris = { 'checker.png': `${harness.origin}/images/checker.png`, 'broken.png': `${harness.origin}/images/missing.png` };
    const plain = await render(page, scene(), { resourceUris: uris });
    const withImage = await render(page, scene({ material: { texture: { kind: 'image', path: 'checker.png' } } }), { resourceUris: uris });
    assert.ok(meanAbsDiff(plain, withImage) > 8, 'the image texture does not show');
    const bgImage = await render(page, scene({ object: { scale: 0.2 }, background: { kind: 'image', path: 'checker.png' } }), { resourceUris: uris });
    const corner = bgImage.pixels.slice(0, 3);
    assert.ok(Math.abs(corner[0] - 20) < 6 && Math.abs(corner[2] - 160) < 6, `background image corner ${corner}`);

    const problemsBefore = await page.evaluate(() => window.__posted.filter((m) => m.type === 'problem').length);
    const failed = await render(page, scene({ material: { texture: { kind: 'image', path: 'broken.png' } } }), { resourceUris: uris });
    await page.waitForFunction((n) => window.__posted.filter((m) => m.type === 'problem').length > n, problemsBefore, { timeout: 10000 });
    const problem = (await page.evaluate(() => window.__posted.filter((m) => m.type === 'problem').at(-1))).message;
    assert.match(problem, /broken\.png/);
    // Falls back to the plain colour.
    await page.waitForTimeout(100);
    assert.ok(meanAbsDiff(plain, await lastFrame(page)) < 2, 'a failed texture should fall back to the colour');
    assert.ok(failed.width === SIZE);

    // A missing object file: a problem in #problems, and the background still renders.
    const missing = await render(
      page,
      scene({ object: { kind: 'file', path: 'objects/nowhere.obj' }, background: { kind: 'color', color: '#336699' } }),
      { resourceUris: uris },
    );
    await page.locator('#problems').waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await page.locator('#problems').innerText(), /nowhere\.obj/);
    const c = missing.pixels.slice((SIZE / 2) * SIZE * 4 + (SIZE / 2) * 4, (SIZE / 2) * SIZE * 4 + (SIZE / 2) * 4 + 3);
    assert.deepEqual(c, [0x33, 0x66, 0x99], 'the view should show the background where the object would be');
    await page.locator('#problems').screenshot({ path: join(SHOTS, 'problems-missing-object.png') });
  });

  test('a file object keeps its own materials without a scene texture, takes the scene material with one', { skip: !existsSync(DOG) || !existsSync(PHOTO) }, async () => {
    const uris = { 'objects/dog/dog.obj': `${harness.origin}/objects/dog/dog.obj`, 'meadow.jpg': `${harness.origin}/images/meadow.jpg` };
    const dog = (material = {}, extra = {}) =>
      scene({ object: { kind: 'file', path: 'objects/dog/dog.obj', yaw: 40 }, material, background: { kind: 'color', color: '#303840' }, ...extra });
    const own = await render(page, dog(), { resourceUris: uris });
    await page.locator('canvas#view').screenshot({ path: join(SHOTS, 'file-dog-own.png') });
    const zebra = await render(page, dog({ texture: { kind: 'builtin', name: 'zebra', seed: 0 } }), { resourceUris: uris });
    await page.locator('canvas#view').screenshot({ path: join(SHOTS, 'file-dog-zebra.png') });
    assert.ok(meanAbsDiff(own, zebra) > 4, `the scene texture does not replace the file's own (${meanAbsDiff(own, zebra).toFixed(1)})`);
    const again = await render(page, dog(), { resourceUris: uris });
    assert.ok(meanAbsDiff(own, again) < 1, 'clearing the texture should give the file its own materials back');
    const silhouette = await render(page, dog({}, { silhouette: { enabled: true, objectColor: '#000000', backgroundColor: '#ffffff' } }), { resourceUris: uris });
    let grey = 0;
    for (let i = 0; i < silhouette.pixels.length; i += 4) {
      const [r, g, b] = silhouette.pixels.slice(i, i + 3);
      if (Math.max(r, g, b) - Math.min(r, g, b) > 2) grey += 1;
    }
    assert.equal(grey, 0, 'a silhouette of a file object has only black, white and greys');
    await page.locator('canvas#view').screenshot({ path: join(SHOTS, 'file-dog-silhouette.png') });
    await render(page, dog({}, { background: { kind: 'image', path: 'meadow.jpg', blur: 3, rotation: -10, brightness: 1.1 } }), { resourceUris: uris });
    await page.locator('canvas#view').screenshot({ path: join(SHOTS, 'file-dog-meadow-blur3-rot-10.png') });
    assert.equal(await page.evaluate(() => window.__posted.filter((m) => m.type === 'problem' && /dog/.test(m.message)).length), 0);
  });

  test('screenshots: each texture on a sphere and on the teapot, each background, the adjustments', async () => {
    const view = page.locator('canvas#view');
    for (const name of TEXTURES) {
      for (const object of ['sphere', 'teapot']) {
        const img = await render(
          page,
          scene({
            object: { name: object, yaw: 25, pitch: 10 },
            material: { texture: { kind: 'builtin', name, seed: 0 }, textureScale: object === 'teapot' ? 1 : 2 },
            background: { kind: 'color', color: '#404850' },
          }),
        );
        assert.ok(gradientEnergy(img) > 0, `${name} on the ${object} renders nothing`);
        await view.screenshot({ path: join(SHOTS, `texture-${name}-${object}.png`) });
      }
    }
    for (const name of BACKGROUNDS) {
      await render(page, scene({ object: { name: 'teapot', scale: 0.6 }, material: { color: '#c08040' }, background: { kind: 'builtin', name, seed: 0 } }));
      await view.screenshot({ path: join(SHOTS, `background-${name}.png`) });
    }
    const adjustments = { 'blur-0': {}, 'blur-4': { blur: 4 }, 'rotation-30': { rotation: 30 }, 'brightness-0.5': { brightness: 0.5 }, 'brightness-1.5': { brightness: 1.5 } };
    for (const [label, extra] of Object.entries(adjustments)) {
      await render(page, scene({ object: { name: 'teapot', scale: 0.6 }, material: { color: '#c08040' }, background: { kind: 'builtin', name: 'sky', seed: 0, ...extra } }));
      await view.screenshot({ path: join(SHOTS, `background-sky-${label}.png`) });
    }
    for (const t of [0, 0.5, 1]) {
      await render(
        page,
        scene({
          object: { name: 'teapot', yaw: 25 },
          material: { texture: { kind: 'builtin', name: 'fur', seed: 0 }, texture2: { kind: 'builtin', name: 'tabby', seed: 0 }, textureMorph: t },
        }),
      );
      await view.screenshot({ path: join(SHOTS, `morph-fur-tabby-${t}.png`) });
    }
  });

  test('no page errors', () => {
    assert.deepEqual(errors, []);
  });
});
