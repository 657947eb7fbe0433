// The scene webview's render requests (sweeps, issue 8) in Chromium with the harness: a `renderRequest` renders
// another scene than the document's at the asked sizes through the same renderer and frame capture as frames (the
// pixels equal a frame of that scene as the document), answers `rendered`, and gives the view back (the next frame of
// the document equals the one before the request). Bad requests answer `renderFailed`.
// Run: `node --test test/ui/sweepRender.test.mjs`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchChromium } from '../../scripts/browser.mjs';
import { startHarness } from '../../scripts/webview-harness.mjs';
import { deliverScene, ensureBundles, openPage, waitForFrames } from './harnessPage.mjs';

function scene(camera = {}, background = '#808080') {
  return {
    version: 2,
    name: 'Sweep render test',
    object: { kind: 'builtin', name: 'teapot', seed: 0, params: {}, morph: null, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#c08040', texture: { kind: 'builtin', name: 'wood', seed: 0 }, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: background, blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
    camera: { azimuth: 0, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40, ...camera },
    models: [{ id: 'standard', path: 'builtin:fixture', watch: [] }],
    perturbations: [],
  };
}

/** The pixels of the newest message of `type` (images[i]) as a plain array. */
async function pixelsOf(page, type, index = 0) {
  return page.evaluate(({ type, index }) => Array.from(window.__posted.filter((m) => m.type === type).at(-1).images[index].pixels), { type, index });
}

async function answers(page) {
  return page.evaluate(() => window.__posted.filter((m) => m.type === 'rendered' || m.type === 'renderFailed').map((m) => ({
    type: m.type, requestId: m.requestId, error: m.error, sizes: m.images?.map((i) => [i.width, i.height, i.pixels.length]),
  })));
}

describe('scene webview: render requests', () => {
  let harness;
  let browser;
  before(async () => {
    ensureBundles();
    harness = await startHarness({});
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  test('renders another scene like a frame of it, answers, and gives the view back', async () => {
    const errors = [];
    const page = await openPage(browser, harness, 'scene', { onError: (t) => errors.push(t) });
    const a = scene();
    const b = scene({ azimuth: 90, elevation: 30 }, '#204060');
    await deliverScene(page, { docVersion: 1, scene: a });
    await waitForFrames(page, 1);
    const frameA = await pixelsOf(page, 'frame');

    await page.evaluate((b) => window.__deliver({ type: 'renderRequest', requestId: 7, scene: b, sizes: [{ width: 64, height: 64 }, { width: 32, height: 48 }] }), b);
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'rendered'), null, { timeout: 15000 });
    assert.deepEqual(await answers(page), [{ type: 'rendered', requestId: 7, error: undefined, sizes: [[64, 64, 64 * 64 * 4], [32, 48, 32 * 48 * 4]] }]);
    const renderedB = await pixelsOf(page, 'rendered');
    assert.deepEqual(renderedB.slice(0, 4), [32, 64, 96, 255], 'the background of the requested scene');
    assert.notDeepEqual(renderedB, frameA);

    // The view is handed back: a new frame of the document (same scene, new version) equals the first one.
    await new Promise((r) => setTimeout(r, 600));
    await deliverScene(page, { docVersion: 2, scene: a });
    await waitForFrames(page, 2);
    assert.deepEqual(await pixelsOf(page, 'frame'), frameA, 'the document\'s scene again, exactly');

    // The requested scene as the document: its frame has exactly the pixels the request got.
    await deliverScene(page, { docVersion: 3, scene: b });
    await waitForFrames(page, 3);
    assert.deepEqual(await pixelsOf(page, 'frame'), renderedB, 'a render request and a frame of the same scene give the same pixels');

    // Bad requests: no sizes, an invalid size.
    await page.evaluate((a) => window.__deliver({ type: 'renderRequest', requestId: 8, scene: a, sizes: [] }), a);
    await page.evaluate((a) => window.__deliver({ type: 'renderRequest', requestId: 9, scene: a, sizes: [{ width: 0, height: 10 }] }), a);
    await page.waitForFunction(() => window.__posted.filter((m) => m.type === 'renderFailed').length === 2, null, { timeout: 15000 });
    const failed = (await answers(page)).filter((m) => m.type === 'renderFailed');
    assert.deepEqual(failed.map((m) => m.requestId), [8, 9]);
    assert.match(failed[0].error, /no render sizes/);
    assert.match(failed[1].error, /bad render sizes/);
    assert.deepEqual(errors, []);
  });
});
