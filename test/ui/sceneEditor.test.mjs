// The scene editor webview in a real browser (Debian Chromium via playwright-core), without VS Code: the harness fakes
// the host (scripts/webview-harness.mjs). Checks the DOM hooks of docs/CONTRACTS.md, the frames (sizes, content,
// colour space), edits from the controls, and saves screenshots to test-results/screenshots/.
// Run: `node --test test/ui/sceneEditor.test.mjs` (builds the webviews first when the bundles are missing or stale).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { launchChromium } from '../../scripts/browser.mjs';
import { startHarness } from '../../scripts/webview-harness.mjs';
import { deliverScene, ensureBundles, frames, openPage, posted, shot, SHOTS, waitForFrames } from './harnessPage.mjs';

// ---------------------------------------------------------------- fixtures

function scene(overrides = {}) {
  const base = {
    version: 2,
    name: 'UI test scene',
    object: { kind: 'builtin', name: 'teapot', seed: 0, params: {}, morph: null, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#c08040', texture: null, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: '#808080', blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
    camera: { azimuth: 0, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [
      { id: 'standard', path: 'builtin:fixture', watch: [{ layer: 'conv1', neurons: [0, 1, 2, 3] }] },
      { id: 'robust', path: 'models/robust.onnx', watch: [] },
    ],
  };
  const out = structuredClone(base);
  for (const [section, value] of Object.entries(overrides)) {
    out[section] = typeof value === 'object' && !Array.isArray(value) && value !== null && section !== 'background' ? { ...out[section], ...value } : value;
  }
  // Shorthand kept from scene v1: `object: { color }` is the material's colour; a background gets the v2 extras.
  if ('color' in out.object) {
    out.material = { ...out.material, color: out.object.color };
    delete out.object.color;
  }
  out.background = { blur: 0, rotation: 0, brightness: 1, ...out.background };
  return out;
}

const NUMERIC_PATHS = [
  'object.yaw', 'object.pitch', 'object.roll', 'object.scale', 'object.x', 'object.y', 'object.z',
  'object.morph.amount',
  'material.textureMorph', 'material.textureScale', 'material.roughness', 'material.metalness',
  'background.blur', 'background.rotation', 'background.brightness',
  'camera.azimuth', 'camera.elevation', 'camera.distance', 'camera.translateX', 'camera.translateY', 'camera.roll', 'camera.fov',
  'light.azimuth', 'light.elevation', 'light.intensity', 'light.ambient',
];

/** A 64x64 PNG: left half red, right half blue (for the background image check). */
function twoColourPng() {
  const png = new PNG({ width: 64, height: 64 });
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const i = (y * 64 + x) * 4;
      png.data.set(x < 32 ? [220, 40, 30, 255] : [30, 60, 200, 255], i);
    }
  }
  return PNG.sync.write(png);
}

function close(a, b, tolerance) {
  return a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
}

// ---------------------------------------------------------------- tests

describe('scene editor webview in Chromium', () => {
  let harness;
  let browser;
  const errors = [];
  const open = (name, options = {}) => openPage(browser, harness, name, { ...options, onError: (text) => errors.push(`${name}: ${text}`) });

  before(async () => {
    ensureBundles();
    mkdirSync(SHOTS, { recursive: true });
    harness = await startHarness({ files: { '/images/two-colour.png': twoColourPng() } });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  test('scene editor: DOM hooks, and a frame per render size with the scene in it', async () => {
    const page = await open('scene');
    for (const selector of ['canvas#view', 'button#open-json', '#status', '#problems']) {
      assert.equal(await page.locator(selector).count(), 1, `${selector} is missing`);
    }
    await deliverScene(page, { docVersion: 3, scene: scene(), renderSizes: [{ width: 64, height: 64 }, { width: 96, height: 48 }] });
    await waitForFrames(page, 1);
    for (const path of NUMERIC_PATHS) {
      const row = page.locator(`[data-path="${path}"]`);
      assert.equal(await row.count(), 1, `no control for ${path}`);
      assert.equal(await row.locator('vscode-slider').count(), 1, `${path} has no vscode-slider`);
      assert.equal(await row.locator('vscode-textfield').count(), 1, `${path} has no number field`);
      assert.match((await row.getAttribute('title')) ?? '', new RegExp(`${path.replace('.', '\\.')} in the scene file`));
    }
    for (const path of [
      'object.kind', 'object.name', 'object.seed', 'object.morph.target', 'material.color', 'material.texture.kind', 'material.texture2.kind',
      'silhouette.enabled', 'silhouette.objectColor', 'silhouette.backgroundColor', 'background.kind', 'background.color',
    ]) {
      assert.equal(await page.locator(`[data-path="${path}"]`).count(), 1, `no control for ${path}`);
    }
    assert.equal(await page.locator('[data-path="camera.azimuth"] vscode-textfield').evaluate((f) => f.value), '0');
    assert.equal(await page.locator('#problems').isHidden(), true, '#problems shows without diagnostics');

    const [frame] = await frames(page);
    assert.equal(frame.frameId, 1);
    assert.equal(frame.docVersion, 3);
    assert.deepEqual(frame.images.map((i) => [i.width, i.height, i.length]), [[64, 64, 64 * 64 * 4], [96, 48, 96 * 48 * 4]]);
    assert.ok(frame.images.every((i) => i.isUint8), 'pixels must be a Uint8Array');
    assert.ok(frame.images[0].distinctColours > 100, `frame looks uniform (${frame.images[0].distinctColours} colours)`);
    // #808080 background: sRGB in, sRGB out (a linear render target would read back ~55).
    assert.ok(close(frame.images[0].topLeft, [128, 128, 128, 255], 1), `background pixel ${frame.images[0].topLeft}`);
    assert.ok(frame.timing.renderMs >= 0 && frame.timing.readbackMs >= 0 && frame.timing.postedAt > 0);
    assert.ok((await page.evaluate(() => window.__transferred)) >= 2, 'pixel buffers should be transferred');
    await shot(page, 'scene-teapot');
    await page.close();
  });

  test('scene editor: the frame has the colours of the view (sRGB), rows top to bottom', async () => {
    const page = await open('scene', { viewport: { width: 900, height: 700 } });
    // A sphere shifted up: smooth shading to compare, and the top rows differ from the bottom ones.
    const sphere = scene({ object: { name: 'sphere', color: '#3080c0' }, camera: { translateY: 0.5, distance: 4 }, background: { kind: 'color', color: '#204020' } });
    await deliverScene(page, { docVersion: 1, scene: sphere, renderSizes: [{ width: 64, height: 64 }] });
    await waitForFrames(page, 1);
    await page.waitForTimeout(100);
    const png = PNG.sync.read(await page.locator('canvas#view').screenshot());
    const viewAt = (fx, fy) => {
      const x = Math.round(fx * (png.width - 1));
      const y = Math.round(fy * (png.height - 1));
      return Array.from(png.data.slice((y * png.width + x) * 4, (y * png.width + x) * 4 + 4));
    };
    const pixels = await page.evaluate(() => {
      const img = window.__posted.find((m) => m.type === 'frame').images[0];
      const at = (fx, fy) => {
        const x = Math.round(fx * (img.width - 1));
        const y = Math.round(fy * (img.height - 1));
        return Array.from(img.pixels.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
      };
      return { sphere: at(0.5, 0.25), bottom: at(0.5, 0.95) };
    });
    // The sphere's centre sits at y = 0.25 of the image (translateY 0.5 moves it half-way to the top edge).
    assert.ok(close(pixels.sphere, viewAt(0.5, 0.25), 8), `frame ${pixels.sphere} vs view ${viewAt(0.5, 0.25)} at the sphere`);
    assert.ok(close(pixels.bottom, [32, 64, 32, 255], 1), `bottom row should be background, got ${pixels.bottom}`);
    assert.ok(close(viewAt(0.5, 0.95), [32, 64, 32, 255], 2), `view bottom should be background, got ${viewAt(0.5, 0.95)}`);
    await page.close();
  });

  test('scene editor: dragging a slider edits locally, sends throttled edits and a final one', async () => {
    const page = await open('scene');
    await deliverScene(page, { docVersion: 1, scene: scene(), renderSizes: [{ width: 64, height: 64 }] });
    await waitForFrames(page, 1);
    const input = page.locator('[data-path="camera.azimuth"] vscode-slider input[type=range]');
    // The controls column is taller than the window since scene v2: bring the slider into view to drag it.
    await input.scrollIntoViewIfNeeded();
    const box = await input.boundingBox();
    assert.ok(box, 'slider not visible');
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) {
      await page.mouse.move(box.x + box.width / 2 + (i * box.width * 0.3) / 20, y);
      await page.waitForTimeout(8);
    }
    await page.mouse.up();
    await page.waitForTimeout(150);
    const { edits, times } = await page.evaluate(() => ({
      edits: window.__posted.filter((m) => m.type === 'edit'),
      times: window.__postedAt.filter((_, i) => window.__posted[i].type === 'edit'),
    }));
    assert.ok(edits.length >= 2, `expected several edits, got ${edits.length}`);
    assert.ok(edits.length <= 20, `edits are not throttled (${edits.length})`);
    for (const edit of edits) {
      assert.deepEqual(edit.edits.map((e) => e.path), [['camera', 'azimuth']]);
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // Throttled to one per 50 ms, except the final edit on release, which goes at once.
    assert.ok(gaps.slice(0, -1).every((g) => g >= 45), `edits closer than 50 ms: ${gaps.map((g) => g.toFixed(0))}`);
    const finalValue = edits.at(-1).edits[0].value;
    assert.ok(finalValue > 30, `final azimuth ${finalValue}`);
    assert.equal(await page.locator('[data-path="camera.azimuth"] vscode-textfield').evaluate((f) => f.value), String(finalValue));
    const after = await frames(page);
    assert.ok(after.length >= 2, 'no frames rendered while dragging');

    // The host's echo of an intermediate value must not move the control back while it waits for the final one.
    await deliverScene(page, { docVersion: 2, scene: scene({ camera: { azimuth: edits[0].edits[0].value } }) });
    await page.waitForTimeout(50);
    assert.equal(await page.locator('[data-path="camera.azimuth"] vscode-textfield').evaluate((f) => f.value), String(finalValue));
    // ...but when the document never shows the final value (an undo won the race), the document wins after a grace period.
    await page.waitForFunction(
      (v) => document.querySelector('[data-path="camera.azimuth"] vscode-textfield').value === String(v),
      edits[0].edits[0].value,
      { timeout: 4000 },
    );

    // Typing in the number field: one edit, clamped to the range.
    const field = page.locator('[data-path="camera.fov"] vscode-textfield input');
    await field.fill('500');
    await field.press('Enter');
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'edit' && m.edits[0].path[1] === 'fov'));
    const fovEdit = (await posted(page, 'edit')).find((m) => m.edits[0].path[1] === 'fov');
    assert.deepEqual(fovEdit.edits, [{ path: ['camera', 'fov'], value: 90 }]);

    // Dragging in the view orbits the camera: azimuth and elevation travel together, one undo step per message.
    const view = await page.locator('canvas#view').boundingBox();
    await page.mouse.move(view.x + view.width / 2, view.y + view.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++) await page.mouse.move(view.x + view.width / 2 - i * 10, view.y + view.height / 2 + i * 6);
    await page.mouse.up();
    await page.waitForTimeout(100);
    const orbit = (await posted(page, 'edit')).at(-1);
    assert.deepEqual(orbit.edits.map((e) => e.path.join('.')), ['camera.azimuth', 'camera.elevation']);
    assert.equal(await page.locator('[data-path="camera.elevation"] vscode-textfield').evaluate((f) => f.value), String(orbit.edits[1].value));

    // Shape select and the buttons.
    await page.locator('[data-path="object.name"] select').selectOption('mug');
    await page.locator('button#open-json').click();
    await page.locator('#show-panels').click();
    const types = (await page.evaluate(() => window.__posted.map((m) => m.type))).join(',');
    assert.match(types, /openAsJson/);
    assert.match(types, /showPanels/);
    assert.ok((await posted(page, 'edit')).some((m) => m.edits[0].path.join('.') === 'object.name' && m.edits[0].value === 'mug'));
    await page.waitForTimeout(100);
    await shot(page, 'scene-after-edits');
    await page.close();
  });

  test('scene editor: scene v2 controls (parameters, morph, textures, silhouette, backgrounds, file objects)', async () => {
    const page = await open('scene');
    await deliverScene(page, { docVersion: 1, scene: scene({ object: { name: 'dog' } }) });
    await waitForFrames(page, 1);
    const lastEdit = async () => (await posted(page, 'edit')).at(-1)?.edits;
    const editCount = async () => (await posted(page, 'edit')).length;
    const expectEdit = async (before, expected, what) => {
      await page.waitForFunction((n) => window.__posted.filter((m) => m.type === 'edit').length > n, before, { timeout: 5000 });
      assert.deepEqual(await lastEdit(), expected, what);
    };

    // The dog's shape parameters are sliders writing object.params.<name>, with help naming the path.
    const leg = page.locator('[data-path="object.params.legLength"]');
    assert.equal(await leg.locator('vscode-slider').count(), 1, 'no legLength slider');
    assert.match((await leg.getAttribute('title')) ?? '', /object\.params\.legLength in the scene file/);
    let n = await editCount();
    const legField = leg.locator('vscode-textfield input');
    await legField.fill('1');
    await legField.press('Enter');
    await expectEdit(n, [{ path: ['object', 'params', 'legLength'], value: 1 }], 'parameter edit');

    // Morph targets: only compatible objects; the amount slider works once a target is set.
    const targets = await page.locator('[data-path="object.morph.target"] select option').evaluateAll((o) => o.map((x) => x.value));
    assert.deepEqual(targets, ['none', 'cat']);
    n = await editCount();
    await page.locator('[data-path="object.morph.target"] select').selectOption('cat');
    await expectEdit(n, [{ path: ['object', 'morph'], value: { target: 'cat', amount: 0.5 } }], 'morph target edit');

    // Texture kind none -> builtin: one edit setting the whole slot.
    n = await editCount();
    await page.locator('[data-path="material.texture.kind"] select').selectOption('builtin');
    await expectEdit(n, [{ path: ['material', 'texture'], value: { kind: 'builtin', name: 'fur', seed: 0 } }], 'texture kind edit');
    assert.equal(await page.locator('[data-path="material.texture.name"]').isVisible(), true);

    n = await editCount();
    await page.locator('[data-path="silhouette.enabled"] input').check();
    await expectEdit(n, [{ path: ['silhouette', 'enabled'], value: true }], 'silhouette edit');

    // Background kind colour -> builtin keeps blur, rotation and brightness.
    n = await editCount();
    await page.locator('[data-path="background.kind"] select').selectOption('builtin');
    await expectEdit(n, [{ path: ['background'], value: { kind: 'builtin', name: 'sky', seed: 0, blur: 0, rotation: 0, brightness: 1 } }], 'background kind edit');

    // Object kind file: asks for a path first, then one edit with the pose kept.
    n = await editCount();
    await page.locator('[data-path="object.kind"] select').selectOption('file');
    assert.equal(await page.locator('[data-path="object.path"]').isVisible(), true, 'no file path field');
    const pathField = page.locator('[data-path="object.path"] vscode-textfield input');
    await pathField.fill('models/dog.glb');
    await pathField.press('Enter');
    await expectEdit(n, [{ path: ['object'], value: { kind: 'file', path: 'models/dog.glb', yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 } }], 'file object edit');
    await shot(page, 'scene-v2-controls');
    await page.close();
  });

  test('scene editor: diagnostics, a broken file greys the last good scene, status and latency', async () => {
    const page = await open('scene');
    await deliverScene(page, { docVersion: 1, scene: scene({ object: { name: 'torusKnot', color: '#b04060' } }) });
    await waitForFrames(page, 1);
    await page.evaluate(() => {
      window.__deliver({ type: 'status', level: 'info', text: 'GoogLeNet (standard): ready' });
      window.__deliver({ type: 'frameDone', frameId: 1, totalMs: 41.7 });
    });
    assert.match(await page.locator('#status').innerText(), /GoogLeNet \(standard\): ready/);
    assert.match(await page.locator('#status').innerText(), /42 ms/);
    const diagnostics = [
      { message: 'Expected a comma or closing brace', path: '', offset: 212, length: 1, severity: 'error' },
      { message: 'camera.fov must be <= 90', path: 'camera.fov', offset: 180, length: 3, severity: 'error' },
    ];
    await deliverScene(page, { docVersion: 2, scene: null, diagnostics });
    await page.locator('#problems').waitFor({ state: 'visible', timeout: 5000 });
    const text = await page.locator('#problems').innerText();
    assert.match(text, /Expected a comma/);
    assert.match(text, /character 212/);
    assert.equal(await page.locator('.view-wrap.stale').count(), 1, 'last good scene not greyed');
    await page.waitForTimeout(100);
    assert.equal((await frames(page)).length, 1, 'a broken document must not produce frames');
    await shot(page, 'scene-broken-with-last-good');

    // Fixed again: problems gone, frames again.
    await deliverScene(page, { docVersion: 3, scene: scene({ object: { name: 'cube', color: '#40a060', yaw: 30, pitch: 20 } }) });
    await waitForFrames(page, 2);
    assert.equal(await page.locator('#problems').isHidden(), true);

    // A fresh editor on a broken file: the problems are all there is to see.
    const fresh = await open('scene');
    await deliverScene(fresh, { docVersion: 1, scene: null, diagnostics });
    await fresh.locator('#problems').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await fresh.locator('.view-message').isVisible(), true);
    await shot(fresh, 'scene-broken-no-scene');
    await fresh.close();
    await page.close();
  });

  test('scene editor: background image in the frames, and a problem when it fails to load', async () => {
    const page = await open('scene');
    const withImage = scene({ object: { name: 'sphere', scale: 0.4 }, background: { kind: 'image', path: 'two-colour.png' } });
    await deliverScene(page, { docVersion: 1, scene: withImage, backgroundUri: `${harness.origin}/images/two-colour.png` });
    await waitForFrames(page, 1);
    const [frame] = await frames(page);
    assert.ok(close(frame.images[0].topLeft, [220, 40, 30, 255], 3), `left of the image: ${frame.images[0].topLeft}`);
    assert.ok(close(frame.images[0].topRight, [30, 60, 200, 255], 3), `right of the image: ${frame.images[0].topRight}`);
    assert.equal(await page.locator('[data-path="background.path"]').isVisible(), true);
    await shot(page, 'scene-background-image');

    const missing = { ...withImage, background: { ...withImage.background, path: 'missing.png' } };
    await deliverScene(page, { docVersion: 2, scene: missing, backgroundUri: `${harness.origin}/images/missing.png` });
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'problem'), null, { timeout: 10000 });
    assert.match((await posted(page, 'problem'))[0].message, /missing\.png/);
    await page.close();
  });

  test('scene editor: every built-in object renders (screenshots)', async () => {
    const page = await open('scene', { viewport: { width: 900, height: 620 } });
    let version = 0;
    for (const [name, color] of [['cube', '#4a90d0'], ['sphere', '#d04a4a'], ['torusKnot', '#60b060'], ['mug', '#e0d0b0']]) {
      version += 1;
      await deliverScene(page, { docVersion: version, scene: scene({ object: { name, color, yaw: 30, pitch: 10 } }) });
      await waitForFrames(page, version);
      const last = (await frames(page)).at(-1);
      assert.ok(last.images[0].distinctColours > 50, `${name} frame looks empty`);
      await page.waitForTimeout(50);
      await shot(page, `object-${name}`, page.locator('canvas#view'));
    }
    await page.close();
  });

  test('scene editor: narrow light-themed layout stacks the controls under the view (screenshot)', async () => {
    const page = await open('scene', { viewport: { width: 520, height: 1000 }, theme: 'light' });
    await deliverScene(page, { docVersion: 1, scene: scene({ object: { name: 'teapot', color: '#2a7fbf', yaw: -35 } }) });
    await waitForFrames(page, 1);
    const view = await page.locator('canvas#view').boundingBox();
    const controls = await page.locator('[data-path="object.yaw"]').boundingBox();
    assert.ok(controls.y > view.y + view.height - 1, 'controls should be below the view when narrow');
    assert.ok(view.width <= 512 && view.width > 400, `view width ${view.width}`);
    await page.waitForTimeout(50);
    await shot(page, 'scene-narrow-light');
    await page.close();
  });

  test('no page errors or CSP violations', () => {
    assert.deepEqual(errors, []);
  });
});
