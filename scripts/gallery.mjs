// The gallery of built-ins: every built-in object, texture (on a sphere) and background, rendered at 160x160 by the
// scene webview's real renderer in Debian Chromium (through scripts/webview-harness.mjs, as the UI tests do), and
// laid out as a labelled contact sheet in docs/gallery.png.
//
//   npm run gallery                      writes docs/gallery.png
//   npm run gallery -- --update-golden   also writes each thumbnail to test/ui/golden/<kind>-<name>.png
//
// The built-ins are read from the scene schema's enums (a unit test keeps them equal to core's lists), so a new
// built-in shows up here without touching this file. test/ui/gallery.test.mjs renders them again and compares
// with the golden thumbnails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { launchChromium } from './browser.mjs';
import { startHarness } from './webview-harness.mjs';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const GOLDEN_DIR = join(ROOT, 'test', 'ui', 'golden');
export const THUMBNAIL_SIZE = 160;
/** How long one built-in may take to show up in a frame before it counts as not rendering. */
const FRAME_TIMEOUT_MS = 15_000;
/** A frame counts as final when no newer one for the same scene arrives within this time (async loads settle). */
const SETTLE_MS = 250;

// ---------------------------------------------------------------- the built-ins

function schemaEnums() {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'scene.schema.json'), 'utf8'));
  const objectBranch = schema.properties.object.oneOf.find((b) => b.properties.kind.const === 'builtin');
  const textureBranch = schema.properties.material.properties.texture.then.oneOf.find((b) => b.properties.kind.const === 'builtin');
  const backgroundBranch = schema.properties.background.oneOf.find((b) => b.properties.kind.const === 'builtin');
  return {
    objects: objectBranch.properties.name.enum,
    textures: textureBranch.properties.name.enum,
    backgrounds: backgroundBranch.properties.name.enum,
  };
}

/** A v2 scene with neutral settings: grey background, a light grey matte material, the default camera and light. */
function baseScene(name) {
  return {
    version: 2,
    name,
    object: { kind: 'builtin', name: 'sphere', seed: 0, params: {}, morph: null, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#b4b4b4', texture: null, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'color', color: '#808080', blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 30, intensity: 1, ambient: 0.4 },
    camera: { azimuth: 0, elevation: 10, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [],
  };
}

/**
 * Every thumbnail of the gallery: `{ kind, name, scene }`, in sheet order. Objects: default parameters,
 * seed 0, turned 30 degrees so their side and front both show. Textures: white base colour on a sphere.
 * Backgrounds: the object pushed far back and shrunk to a speck.
 */
export function galleryItems() {
  const { objects, textures, backgrounds } = schemaEnums();
  const items = [];
  for (const name of objects) {
    const scene = baseScene(`object ${name}`);
    scene.object = { ...scene.object, name, yaw: 30 };
    items.push({ kind: 'object', name, scene });
  }
  for (const name of textures) {
    const scene = baseScene(`texture ${name}`);
    scene.material = { ...scene.material, color: '#ffffff', texture: { kind: 'builtin', name, seed: 0 } };
    items.push({ kind: 'texture', name, scene });
  }
  for (const name of backgrounds) {
    const scene = baseScene(`background ${name}`);
    // The smallest object, far back, in the bottom right corner: a speck of a few pixels at most.
    scene.object = { ...scene.object, scale: 0.1, z: -2 };
    scene.camera = { ...scene.camera, distance: 10, translateX: 1, translateY: -1 };
    scene.background = { kind: 'builtin', name, seed: 0, blur: 0, rotation: 0, brightness: 1 };
    items.push({ kind: 'background', name, scene });
  }
  return items;
}

export function goldenPath(item) {
  return join(GOLDEN_DIR, `${item.kind}-${item.name}.png`);
}

// ---------------------------------------------------------------- rendering

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the webview bundles when they are missing or older than webview/ or core/ (as the UI tests do). */
export function ensureBundles() {
  const bundles = ['scene', 'predictions', 'activations'].map((n) => join(ROOT, 'dist', 'webview', `${n}.js`));
  const built = bundles.every(existsSync) ? Math.min(...bundles.map((b) => statSync(b).mtimeMs)) : 0;
  const sources = Math.max(newestMtime(join(ROOT, 'webview')), newestMtime(join(ROOT, 'core')), newestMtime(join(ROOT, 'schemas')));
  if (built > sources) return;
  const webpack = join(ROOT, 'node_modules', 'webpack', 'bin', 'webpack.js');
  const result = spawnSync(process.execPath, [webpack, '--mode', 'development', '--env', 'webviewsOnly'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`webpack failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * A renderer for thumbnails: one scene webview page in Chromium. `render(item)` delivers the item's scene and
 * resolves to `{ png: PNG }` (the frame's pixels) or `{ error: string }` (no frame, or the view reported a problem).
 * `size`: the frames' width and height in pixels.
 */
export async function openRenderer({ size = THUMBNAIL_SIZE } = {}) {
  const harness = await startHarness();
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon|Failed to load resource/.test(m.text())) pageErrors.push(m.text());
  });
  await page.goto(harness.url('scene'));
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'), null, { timeout: 10_000 });
  let docVersion = 0;

  async function render(item) {
    docVersion += 1;
    const errorsBefore = pageErrors.length;
    await page.evaluate(
      ({ scene, version, size }) =>
        window.__deliver({ type: 'scene', docVersion: version, scene, diagnostics: [], renderSizes: [{ width: size, height: size }] }),
      { scene: item.scene, version: docVersion, size },
    );
    const count = () => page.evaluate((v) => window.__posted.filter((m) => m.type === 'frame' && m.docVersion === v).length, docVersion);
    try {
      await page.waitForFunction((v) => window.__posted.some((m) => m.type === 'frame' && m.docVersion === v), docVersion, { timeout: FRAME_TIMEOUT_MS });
    } catch {
      const why = pageErrors.slice(errorsBefore).join('; ') || (await statusText(page)) || 'no frame';
      return { error: `no frame within ${FRAME_TIMEOUT_MS / 1000} s: ${why}` };
    }
    // Let late frames (textures or images that load asynchronously) arrive; take the newest.
    for (let seen = await count(); ; ) {
      await page.waitForTimeout(SETTLE_MS);
      const now = await count();
      if (now === seen) break;
      seen = now;
    }
    const frame = await page.evaluate((v) => {
      const frames = window.__posted.filter((m) => m.type === 'frame' && m.docVersion === v);
      const img = frames[frames.length - 1].images[0];
      let binary = '';
      for (let i = 0; i < img.pixels.length; i += 0x8000) binary += String.fromCharCode(...img.pixels.subarray(i, i + 0x8000));
      return { width: img.width, height: img.height, base64: btoa(binary) };
    }, docVersion);
    const png = new PNG({ width: frame.width, height: frame.height });
    Buffer.from(frame.base64, 'base64').copy(png.data);
    const errors = pageErrors.slice(errorsBefore);
    if (item.kind !== 'background' && onlyBackground(png)) errors.push('nothing but the background in the frame (the built-in draws nothing?)');
    return errors.length > 0 ? { png, error: errors.join('; ') } : { png };
  }

  return {
    render,
    browser,
    async close() {
      await browser.close();
      await harness.close();
    },
  };
}

/** Whether (almost) every pixel has the top-left pixel's colour: an object or texture that did not draw. */
export function onlyBackground(png) {
  const d = png.data;
  let differing = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 24) differing++;
  }
  return differing < 0.005 * png.width * png.height;
}

async function statusText(page) {
  return page.evaluate(() => {
    const parts = [document.querySelector('#status')?.textContent, document.querySelector('#problems')?.textContent];
    return parts.filter((t) => t && t.trim()).join(' ').trim();
  });
}

// ---------------------------------------------------------------- the contact sheet

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

const SECTION_TITLES = { object: 'Objects (default parameters, seed 0)', texture: 'Textures (on a sphere, seed 0)', background: 'Backgrounds (seed 0)' };

function sheetHtml(results) {
  const sections = Object.entries(SECTION_TITLES).map(([kind, title]) => {
    const cells = results
      .filter((r) => r.item.kind === kind)
      .map(({ item, png, error }) => {
        const image = png
          ? `<img src="data:image/png;base64,${PNG.sync.write(png).toString('base64')}" width="${THUMBNAIL_SIZE}" height="${THUMBNAIL_SIZE}">`
          : `<div class="missing">not rendered</div>`;
        const note = error ? `<div class="error" title="${escapeHtml(error)}">${escapeHtml(error.slice(0, 80))}</div>` : '';
        return `<figure>${image}<figcaption>${escapeHtml(item.name)}</figcaption>${note}</figure>`;
      });
    return `<section><h2>${escapeHtml(title)}</h2><div class="grid">${cells.join('')}</div></section>`;
  });
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
    body { margin: 0; padding: 16px 20px; background: #1e1e1e; color: #ddd; font: 13px system-ui, sans-serif; width: 1060px; }
    h1 { font-size: 18px; margin: 0 0 4px; } p { margin: 0 0 12px; color: #aaa; }
    h2 { font-size: 14px; margin: 14px 0 8px; color: #9cdcfe; }
    .grid { display: flex; flex-wrap: wrap; gap: 10px; }
    figure { margin: 0; width: ${THUMBNAIL_SIZE}px; }
    img, .missing { display: block; width: ${THUMBNAIL_SIZE}px; height: ${THUMBNAIL_SIZE}px; border: 1px solid #444; }
    .missing { display: flex; align-items: center; justify-content: center; background: #3a1d1d; color: #f88; }
    figcaption { text-align: center; padding: 3px 0 0; font-family: ui-monospace, monospace; }
    .error { color: #f88; font-size: 10px; word-break: break-word; }
  </style></head><body><h1>Perturber built-ins</h1>
  <p>Rendered at ${THUMBNAIL_SIZE}x${THUMBNAIL_SIZE} by the scene webview's renderer (npm run gallery).</p>
  ${sections.join('')}</body></html>`;
}

/** Renders every built-in; writes docs/gallery.png and, with `updateGolden`, test/ui/golden/*.png. */
export async function buildGallery({ updateGolden = false, out = join(ROOT, 'docs', 'gallery.png') } = {}) {
  ensureBundles();
  const renderer = await openRenderer();
  const results = [];
  try {
    for (const item of galleryItems()) {
      const result = await renderer.render(item);
      results.push({ item, ...result });
      console.log(`${item.kind}-${item.name}: ${result.error ? `PROBLEM: ${result.error}` : 'ok'}`);
      if (updateGolden && result.png && !result.error) {
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(goldenPath(item), PNG.sync.write(result.png));
      }
    }
    const page = await renderer.browser.newPage({ viewport: { width: 1100, height: 600 } });
    await page.setContent(sheetHtml(results));
    mkdirSync(join(out, '..'), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    await page.close();
  } finally {
    await renderer.close();
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const updateGolden = process.argv.includes('--update-golden');
  const results = await buildGallery({ updateGolden });
  const problems = results.filter((r) => r.error);
  console.log(`wrote docs/gallery.png (${results.length} built-ins, ${problems.length} with problems)${updateGolden ? ' and test/ui/golden/' : ''}`);
  if (problems.length > 0) process.exitCode = 1;
}
