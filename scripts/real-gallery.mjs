#!/usr/bin/env node
// A gallery of real scenes: every model of ../shared/assets/objects (OBJ+MTL with textures) over photographs from
// ../shared/assets/backgrounds, rendered by the scene editor webview in Chromium (the webview harness stands in for
// VS Code), as the models see them (224 x 224 frames). Writes docs/real-gallery.png (a contact sheet with a caption
// per object naming its class, licence and author) and docs/real-gallery.md (the attribution lines).
//
//   node scripts/real-gallery.mjs            (builds the webviews first when the bundles are missing or stale)
//
// Nothing in the extension depends on ../shared: this script and the tests only read it when it is there.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { ensureBundles, frameCount, openPage, ROOT } from '../test/ui/harnessPage.mjs';
import { launchChromium } from './browser.mjs';
import { startHarness } from './webview-harness.mjs';

const SHARED = resolve(ROOT, '..', 'shared', 'assets');
const OBJECTS = join(SHARED, 'objects');
const BACKGROUNDS = join(SHARED, 'backgrounds');
const SIZE = 224;
/** Photographs without a strong object class of their own (the notes in LICENSES.md warn about kite and boats). */
const PHOTOS = ['meadow-grass.jpg', 'forest-path.jpg', 'dune-beach.jpg', 'autumn-leaves.jpg', 'storm-sky.jpg', 'pier-fog.jpg'];
/** A three-quarter view suits most models; flat or long ones read better from a little higher or more to the side. */
const VIEWS = { default: { azimuth: 35, elevation: 12 }, bicycle: { azimuth: 70, elevation: 12 }, biplane: { azimuth: 40, elevation: 20 } };

/** The models: index.json's order, each with the OBJ named in its object.json and its licence lines. */
function models() {
  const index = JSON.parse(readFileSync(join(OBJECTS, 'index.json'), 'utf8'));
  return index.map((entry) => {
    const dir = join(OBJECTS, entry.folder);
    const meta = JSON.parse(readFileSync(join(dir, 'object.json'), 'utf8'));
    const licence = readFileSync(join(dir, 'LICENSE.txt'), 'utf8').split('\n');
    const line = (key) => licence.find((l) => l.startsWith(`${key}:`))?.slice(key.length + 1).trim() ?? '';
    return { ...entry, file: meta.file, title: licence[0].trim(), licenceLine: line('License'), copyright: line('Copyright') };
  });
}

function scene(model, photo) {
  const view = VIEWS[model.folder] ?? VIEWS.default;
  return {
    version: 2,
    name: `${model.name} on ${photo}`,
    object: { kind: 'file', path: `objects/${model.folder}/${model.file}`, yaw: 0, pitch: 0, roll: 0, scale: 1, x: 0, y: 0, z: 0 },
    material: { color: '#c08040', texture: null, texture2: null, textureMorph: 0, textureScale: 1, roughness: 0.6, metalness: 0 },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: { kind: 'image', path: `backgrounds/${photo}`, blur: 0, rotation: 0, brightness: 1 },
    light: { azimuth: 45, elevation: 35, intensity: 1, ambient: 0.5 },
    camera: { ...view, distance: 3, translateX: 0, translateY: 0, roll: 0, fov: 40 },
    models: [],
  };
}

/** Delivers the scene and waits until the frames stop changing (object and photograph loaded), then returns the last. */
async function render(page, docVersion, value, resourceUris) {
  await page.evaluate(
    ({ docVersion, value, resourceUris, size }) => {
      window.__posted.length = 0;
      window.__deliver({
        type: 'scene',
        docVersion,
        scene: value,
        diagnostics: [],
        renderSizes: [{ width: size, height: size }],
        backgroundUri: resourceUris[value.background.path],
        resourceUris,
      });
    },
    { docVersion, value, resourceUris, size: SIZE },
  );
  const started = Date.now();
  let count = -1;
  let stableSince = Date.now();
  for (;;) {
    await page.waitForTimeout(150);
    const now = await frameCount(page);
    if (now !== count) {
      count = now;
      stableSince = Date.now();
    }
    if (count > 0 && Date.now() - stableSince > 800 && Date.now() - started > 1000) break;
    if (Date.now() - started > 30_000) throw new Error(`${value.name}: no settled frame after 30 s`);
  }
  return page.evaluate(() => {
    const frame = window.__posted.filter((m) => m.type === 'frame').at(-1);
    const problems = window.__posted.filter((m) => m.type === 'problem').map((m) => m.message);
    return { pixels: Array.from(frame.images[0].pixels), problems };
  });
}

function pngDataUrl(pixels) {
  const png = new PNG({ width: SIZE, height: SIZE });
  png.data.set(pixels);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

const escapeHtml = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

async function main() {
  if (!existsSync(OBJECTS) || !existsSync(BACKGROUNDS)) {
    console.log(`real-gallery: ${OBJECTS} or ${BACKGROUNDS} is missing; nothing to do`);
    return;
  }
  ensureBundles();
  const list = models();
  const files = {};
  for (const model of list) {
    for (const name of readdirSync(join(OBJECTS, model.folder))) files[`/ws/objects/${model.folder}/${name}`] = join(OBJECTS, model.folder, name);
  }
  for (const photo of PHOTOS) files[`/ws/backgrounds/${photo}`] = join(BACKGROUNDS, photo);
  const harness = await startHarness({ files });
  const browser = await launchChromium();
  const tiles = [];
  let failures = 0;
  try {
    const onError = (text, source) => source === 'page' && console.error(`page error: ${text}`);
    const page = await openPage(browser, harness, 'scene', { viewport: { width: 1000, height: 760 }, onError });
    for (const [i, model] of list.entries()) {
      const photo = PHOTOS[i % PHOTOS.length];
      const value = scene(model, photo);
      const resourceUris = {
        [value.object.path]: `${harness.origin}/ws/${value.object.path}`,
        [value.background.path]: `${harness.origin}/ws/${value.background.path}`,
      };
      const { pixels, problems } = await render(page, i + 1, value, resourceUris);
      if (problems.length > 0) {
        failures++;
        console.error(`${model.folder}: ${problems.join('; ')}`);
      }
      tiles.push({ model, photo, src: pngDataUrl(pixels) });
      console.log(`${model.folder} over ${photo}${problems.length ? ' (problems)' : ''}`);
    }
    await page.close();

    const columns = 4;
    const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
      body { margin: 0; padding: 16px; background: #1f1f1f; color: #ddd; font: 12px/1.35 system-ui, sans-serif; }
      h1 { font-size: 16px; margin: 0 0 12px; font-weight: 600; }
      .grid { display: grid; grid-template-columns: repeat(${columns}, ${SIZE}px); gap: 14px; }
      figure { margin: 0; } img { width: ${SIZE}px; height: ${SIZE}px; display: block; image-rendering: auto; }
      figcaption { margin-top: 4px; } .name { font-weight: 600; color: #fff; } .meta { color: #9d9d9d; }
    </style></head><body><h1>Real models (../shared/assets/objects) in the scene editor, 224 x 224 frames as the classifiers see them</h1>
    <div class="grid">${tiles
      .map(
        ({ model, photo, src }) => `<figure><img src="${src}"><figcaption><span class="name">${escapeHtml(model.name)}</span>
        <span class="meta">· ImageNet ${escapeHtml(model.class)} (${model.class_index})</span><br>
        <span class="meta">${escapeHtml(model.license)} · ${escapeHtml(model.author)} · on ${escapeHtml(photo)}</span></figcaption></figure>`,
      )
      .join('')}</div></body></html>`;
    const sheet = await browser.newPage({ viewport: { width: 32 + columns * SIZE + (columns - 1) * 14, height: 400 } });
    await sheet.setContent(html);
    await sheet.screenshot({ path: join(ROOT, 'docs', 'real-gallery.png'), fullPage: true });
    await sheet.close();
  } finally {
    await browser.close();
    await harness.close();
  }

  const photoLicences = readFileSync(join(BACKGROUNDS, 'LICENSES.md'), 'utf8')
    .split('\n')
    .filter((l) => PHOTOS.some((p) => l.startsWith(`| ${p} |`)))
    .map((l) => l.split('|').map((c) => c.trim()))
    .map((c) => `- \`${c[1]}\`: ${c[5]}; ${c[4]} (from the Debian package ${c[2]}, \`${c[3]}\`)`);
  const md = `# Gallery of real scenes

![Real models in the scene editor](real-gallery.png)

\`docs/real-gallery.png\` is made by \`node scripts/real-gallery.mjs\`: each model from \`../shared/assets/objects\`
(OBJ + MTL + textures, loaded by \`webview/scene/fileObjects.ts\` exactly as a user's own file would be) over a
photograph from \`../shared/assets/backgrounds\`, rendered by the scene editor webview at 224 x 224, the size the
classifiers see. Neither folder is part of the extension; the script only reads them when they are there.

## Attribution

The models come from the Sweet Home 3D furniture libraries (Debian package sweethome3d-furniture 1.8-1). The
image shows renderings of them; their licences allow redistribution with attribution (CC-BY-3.0) or without
conditions (CC0-1.0).

${list.map((m) => `- ${m.title}: ${m.name} by ${m.author}, ${m.licenceLine}${m.copyright ? `. ${m.copyright}` : ''}`).join('\n')}

Background photographs (downscaled; see \`../shared/assets/backgrounds/LICENSES.md\`):

${photoLicences.join('\n')}
`;
  writeFileSync(join(ROOT, 'docs', 'real-gallery.md'), md);
  console.log(`wrote docs/real-gallery.png and docs/real-gallery.md (${tiles.length} objects${failures ? `, ${failures} with problems` : ''})`);
  if (failures > 0) process.exitCode = 1;
}

await main();
