// Shared setup of the browser tests of the webviews (and scripts/real-gallery.mjs): building the bundles when they are
// stale, opening a page of the webview harness (scripts/webview-harness.mjs) in Chromium, delivering a `scene`
// message, waiting for and summarising the `frame` messages, and screenshots.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../scripts/browser.mjs';
import { startHarness } from '../../scripts/webview-harness.mjs';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHOTS = join(ROOT, 'test-results', 'screenshots');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the webview bundles (dist/webview/<name>.js) when one is missing or older than webview/ and core/. */
export function ensureBundles(names = ['scene']) {
  const bundles = names.map((n) => join(ROOT, 'dist', 'webview', `${n}.js`));
  const built = bundles.every(existsSync) ? Math.min(...bundles.map((b) => statSync(b).mtimeMs)) : 0;
  if (built > Math.max(newestMtime(join(ROOT, 'webview')), newestMtime(join(ROOT, 'core')))) return;
  const webpack = join(ROOT, 'node_modules', 'webpack', 'bin', 'webpack.js');
  const result = spawnSync(process.execPath, [webpack, '--mode', 'development', '--env', 'webviewsOnly'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`webpack failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * Opens a harness page and waits for its `ready` message. `onError(text, source)` hears page errors (source 'page')
 * and console errors (source 'console': CSP violations, uncaught errors; favicon and resource 404s do not count).
 */
export async function openPage(browser, harness, name, { viewport = { width: 1100, height: 860 }, theme, onError } = {}) {
  const page = await browser.newPage({ viewport });
  if (onError) {
    page.on('pageerror', (e) => onError(e.message, 'page'));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon|Failed to load resource/.test(m.text())) onError(m.text(), 'console');
    });
  }
  await page.goto(harness.url(name, { theme }));
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'), null, { timeout: 10000 });
  return page;
}

/**
 * The hooks of a webview test suite (call inside `describe`): builds `bundles`, starts the harness (serving
 * `files`) and Chromium before the tests, closes them after. `open(name, options)` opens a page whose page and
 * console errors are collected in `errors` (a suite usually ends by asserting it is empty).
 */
export function harnessSuite({ bundles = ['scene'], files } = {}) {
  const suite = {
    harness: undefined,
    browser: undefined,
    errors: [],
    open: (name, options = {}) => openPage(suite.browser, suite.harness, name, { ...options, onError: (text) => suite.errors.push(text) }),
  };
  before(async () => {
    ensureBundles(bundles);
    mkdirSync(SHOTS, { recursive: true });
    suite.harness = await startHarness(files ? { files } : {});
    suite.browser = await launchChromium();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.harness?.close();
  });
  return suite;
}

/** The messages of one type the page has posted to the (fake) host. */
export async function posted(page, type) {
  return page.evaluate((t) => window.__posted.filter((m) => m.type === t), type);
}

/** Delivers a `scene` message: no diagnostics and one `size` x `size` render unless the message says otherwise. */
export async function deliverScene(page, message, size = 64) {
  await page.evaluate(
    ({ m, size }) => window.__deliver({ type: 'scene', diagnostics: [], renderSizes: [{ width: size, height: size }], ...m }),
    { m: message, size },
  );
}

/** How many `frame` messages the page has posted. */
export async function frameCount(page) {
  return page.evaluate(() => window.__posted.filter((m) => m.type === 'frame').length);
}

/** Waits until the page has posted at least `count` frames. */
export async function waitForFrames(page, count, timeout = 15000) {
  await page.waitForFunction((n) => window.__posted.filter((m) => m.type === 'frame').length >= n, count, { timeout });
}

/** Frame summaries (the pixels stay in the page). */
export async function frames(page) {
  return page.evaluate(() =>
    window.__posted
      .filter((m) => m.type === 'frame')
      .map((f) => ({
        frameId: f.frameId,
        docVersion: f.docVersion,
        timing: f.timing,
        images: f.images.map((img) => {
          const px = img.pixels;
          const colours = new Set();
          for (let i = 0; i < px.length; i += 4) colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
          const at = (x, y) => Array.from(px.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
          return {
            width: img.width,
            height: img.height,
            length: px.length,
            isUint8: px instanceof Uint8Array,
            distinctColours: colours.size,
            topLeft: at(0, 0),
            topRight: at(img.width - 1, 0),
            center: at(img.width >> 1, img.height >> 1),
          };
        }),
      })),
  );
}

/** The newest frame's first image, its pixels as a plain array. */
export async function lastFrame(page) {
  return page.evaluate(() => {
    const frame = window.__posted.filter((m) => m.type === 'frame').at(-1);
    const img = frame.images[0];
    return { width: img.width, height: img.height, pixels: Array.from(img.pixels) };
  });
}

/** Saves a screenshot of the page (or of `locator`) as <dir>/<name>.png. */
export async function shot(page, name, locator, dir = SHOTS) {
  const path = join(dir, `${name}.png`);
  await (locator ?? page).screenshot({ path });
  return path;
}
