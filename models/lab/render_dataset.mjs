#!/usr/bin/env node
// Renders the lab datasets (models/lab/README.md) with the project's own renderer: the scene webview's three.js code
// in headless Debian Chromium, through the webview harness, exactly as scripts/gallery.mjs renders the gallery. Every
// image is a v2 scene (core/sceneTypes.ts) drawn from a seeded random generator, so the data set is reproducible
// from this file and is not committed (models/lab/data/ is ignored).
//
//   node models/lab/render_dataset.mjs [--out models/lab/data] [--train 300] [--test 50] [--conflict 5] [--size 64] [--pages 2]
//
// Writes, under --out, one folder per split with PNGs and a labels.csv, plus scenes.jsonl (the scene of each image)
// and render-stats.json (images per second):
//   train-natural      each class with its natural texture            (--train per class)
//   train-randomised   the same scenes, texture and colour at random  (the Stylized-ImageNet idea)
//   test-natural       held-out scenes (other seeds), natural textures (--test per class)
//   test-randomised    the same held-out scenes, random textures
//   cue-conflict       shape of class A with the natural texture of class B != A (--conflict per ordered pair)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { launchChromium } from '../../scripts/browser.mjs';
import { ensureBundles, ROOT } from '../../scripts/gallery.mjs';
import { startHarness } from '../../scripts/webview-harness.mjs';

export const CLASSES = ['dog', 'cat', 'car', 'chair', 'airplane', 'boat', 'house', 'tree', 'teapot', 'bottle'];

/**
 * The natural surface of each class: a built-in texture (base colour white, so it shows as it is) or a plain colour.
 * Every class has its own, so a cue-conflict image's texture names exactly one class.
 */
export const NATURAL = {
  dog: { texture: 'fur', color: '#ffffff' },
  cat: { texture: 'tabby', color: '#ffffff' },
  car: { texture: 'metal', color: '#ffffff' },
  chair: { texture: 'wood', color: '#ffffff' },
  airplane: { texture: null, color: '#e6e6e6' },
  boat: { texture: null, color: '#2848a8' },
  house: { texture: 'brick', color: '#ffffff' },
  tree: { texture: 'grass', color: '#ffffff' },
  teapot: { texture: 'leopard', color: '#ffffff' },
  bottle: { texture: null, color: '#2e8b3e' },
};
const TEXTURES = ['fur', 'tabby', 'leopard', 'zebra', 'wood', 'metal', 'brick', 'grass'];
const BUILTIN_BACKGROUNDS = ['sky', 'room', 'street', 'grass', 'water'];
/** ../shared/assets/backgrounds without a strong object of their own (lakeshore-boats shows boats, sky-kite a kite). */
const PHOTOS = ['autumn-leaves.jpg', 'dune-beach.jpg', 'forest-path.jpg', 'lake-dusk.jpg', 'meadow-grass.jpg', 'pier-fog.jpg', 'pier-water.jpg', 'storm-sky.jpg'];
const PHOTO_DIR = resolve(ROOT, '..', 'shared', 'assets', 'backgrounds');
/**
 * Built-in textures and backgrounds are generated at 512 px for each new seed (~50 ms each in SwiftShader), so seeds
 * come from small pools and the renders are sorted to reuse them; camera, pose, light, scale and tint still vary.
 */
const TEXTURE_SEEDS = 4;
const BACKGROUND_SEEDS = 8;
/** Seeds of the scene generators: train and test draw from different streams (test: other pool seeds too). */
const SPLIT_SEEDS = { train: 1001, test: 2002, conflict: 3003 };

// ---------------------------------------------------------------- seeded randomness

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const uniform = (r, lo, hi) => lo + (hi - lo) * r();
const pick = (r, list) => list[Math.floor(r() * list.length)];
const int = (r, n) => Math.floor(r() * n);
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const hex = (rgb) => `#${rgb.map((c) => Math.max(0, Math.min(255, Math.round(c))).toString(16).padStart(2, '0')).join('')}`;
const parseHex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

/** A colour of random hue; `light` mixes it with white so a texture under it still shows. */
function randomColor(r, light) {
  const c = [r(), r(), r()].map((v) => v * 255);
  return hex(light ? c.map((v) => 0.45 * v + 0.55 * 255) : c);
}

/** The class's natural colour, its brightness jittered by up to 10 %. */
function jitterColor(r, color) {
  const k = uniform(r, 0.9, 1.1);
  return hex(parseHex(color).map((v) => v * k));
}

// ---------------------------------------------------------------- scenes

/**
 * The scene-independent part of one sample: camera, light, pose, background, shape seed, texture seed. Natural and
 * randomised renders of the same sample share all of it (only the surface differs).
 */
function sampleLayout(r, poolBase) {
  const bgDraw = r();
  let background;
  if (bgDraw < 0.5) background = { kind: 'builtin', name: pick(r, BUILTIN_BACKGROUNDS), seed: poolBase + int(r, BACKGROUND_SEEDS) };
  else if (bgDraw < 0.9) background = { kind: 'image', path: `backgrounds/${pick(r, PHOTOS)}` };
  else background = { kind: 'color', color: randomColor(r, false) };
  Object.assign(background, { blur: round(r() < 0.5 ? 0 : uniform(r, 0, 3)), rotation: round(uniform(r, -10, 10)), brightness: round(uniform(r, 0.75, 1.2)) });
  return {
    objectSeed: int(r, 100000),
    textureSeed: poolBase + int(r, TEXTURE_SEEDS),
    textureScale: round(uniform(r, 0.7, 1.6)),
    pose: { yaw: 0, pitch: round(uniform(r, -6, 6)), roll: round(uniform(r, -6, 6)), scale: round(uniform(r, 0.8, 1.15)), x: round(uniform(r, -0.15, 0.15)), y: round(uniform(r, -0.15, 0.15)), z: 0 },
    camera: {
      azimuth: round(uniform(r, -180, 180)),
      elevation: round(uniform(r, -5, 35)),
      distance: round(uniform(r, 2.6, 3.8)),
      translateX: round(uniform(r, -0.08, 0.08)),
      translateY: round(uniform(r, -0.08, 0.08)),
      roll: round(uniform(r, -8, 8)),
      fov: 40,
    },
    light: { azimuth: round(uniform(r, -150, 150)), elevation: round(uniform(r, 10, 70)), intensity: round(uniform(r, 0.6, 1.4)), ambient: round(uniform(r, 0.25, 0.65)) },
    roughness: round(uniform(r, 0.4, 0.9)),
    metalness: round(uniform(r, 0, 0.2)),
    background,
  };
}

/** A v2 scene: `shape` (a class) drawn with `surface` ({ texture: name | null, color }). */
function sceneOf(name, shape, layout, surface) {
  return {
    version: 2,
    name,
    object: { kind: 'builtin', name: shape, seed: layout.objectSeed, params: {}, morph: null, ...layout.pose },
    material: {
      color: surface.color,
      texture: surface.texture ? { kind: 'builtin', name: surface.texture, seed: layout.textureSeed } : null,
      texture2: null,
      textureMorph: 0,
      textureScale: layout.textureScale,
      roughness: layout.roughness,
      metalness: layout.metalness,
    },
    silhouette: { enabled: false, objectColor: '#000000', backgroundColor: '#ffffff' },
    background: layout.background,
    light: layout.light,
    camera: layout.camera,
    models: [],
  };
}

/** A random surface from every texture and a plain colour (9 choices), with a random tint. */
function randomSurface(r) {
  const texture = pick(r, [...TEXTURES, null]);
  return { texture, color: randomColor(r, texture !== null) };
}

/**
 * Every image of every split, in render order: `{ split, file, shape, texture, scene }` (`texture`: the class whose
 * natural surface is shown, or 'random').
 */
export function datasetItems({ train = 300, test = 50, conflict = 5 } = {}) {
  const items = [];
  for (const [split, perClass] of [['train', train], ['test', test]]) {
    const r = rng(SPLIT_SEEDS[split]);
    for (let i = 0; i < perClass * CLASSES.length; i++) {
      const shape = CLASSES[i % CLASSES.length];
      const layout = sampleLayout(r, SPLIT_SEEDS[split] ?? SPLIT_SEEDS.conflict);
      const natural = NATURAL[shape];
      const file = `${String(i).padStart(5, '0')}-${shape}.png`;
      items.push({ split: `${split}-natural`, file, shape, texture: shape, scene: sceneOf(`${split} ${i} ${shape}`, shape, layout, { ...natural, color: jitterColor(r, natural.color) }) });
      items.push({ split: `${split}-randomised`, file, shape, texture: 'random', scene: sceneOf(`${split} ${i} ${shape} random`, shape, layout, randomSurface(r)) });
    }
  }
  const r = rng(SPLIT_SEEDS.conflict);
  let i = 0;
  for (const shape of CLASSES) {
    for (const texture of CLASSES) {
      if (texture === shape) continue;
      for (let k = 0; k < conflict; k++, i++) {
        const layout = sampleLayout(r, SPLIT_SEEDS.conflict);
        const surface = NATURAL[texture];
        const file = `${String(i).padStart(5, '0')}-${shape}-${texture}.png`;
        items.push({ split: 'cue-conflict', file, shape, texture, scene: sceneOf(`conflict ${shape} shape ${texture} texture`, shape, layout, { ...surface, color: jitterColor(r, surface.color) }) });
      }
    }
  }
  return items;
}

// ---------------------------------------------------------------- rendering

/**
 * A batch renderer: one scene webview page of the harness (the photos served as workspace files). `render(scenes)`
 * renders a batch in the page and resolves to one `{ rgba: Buffer, width, height }` or `{ error }` per scene.
 */
export async function openBatchRenderer(size) {
  const resourceUris = {};
  const harness = await startHarness({ files: Object.fromEntries(PHOTOS.map((p) => [`/backgrounds/${p}`, join(PHOTO_DIR, p)])) });
  for (const p of PHOTOS) resourceUris[`backgrounds/${p}`] = `${harness.origin}/backgrounds/${p}`;
  const browser = await launchChromium();
  // A small viewport keeps the on-screen view (drawn on every frame too) cheap for SwiftShader.
  const page = await browser.newPage({ viewport: { width: 240, height: 240 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon|Failed to load resource/.test(m.text())) pageErrors.push(m.text());
  });
  await page.goto(harness.url('scene'));
  await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'), null, { timeout: 10_000 });
  let docVersion = 0;

  async function render(scenes) {
    const first = docVersion + 1;
    docVersion += scenes.length;
    const results = await page.evaluate(
      async ({ scenes, first, size, resourceUris, timeoutMs }) => {
        const out = [];
        for (let k = 0; k < scenes.length; k++) {
          const version = first + k;
          window.__posted.length = 0;
          window.__deliver({ type: 'scene', docVersion: version, scene: scenes[k], diagnostics: [], renderSizes: [{ width: size, height: size }], resourceUris });
          const started = performance.now();
          // The view posts no frame while anything the scene names is still loading, so the first frame is final.
          let frame;
          while (!(frame = window.__posted.find((m) => m.type === 'frame' && m.docVersion === version))) {
            if (performance.now() - started > timeoutMs) break;
            await new Promise((done) => setTimeout(done, 2));
          }
          const problems = window.__posted.filter((m) => m.type === 'problem').map((m) => m.message);
          if (!frame) {
            out.push({ error: `no frame within ${timeoutMs} ms ${problems.join('; ')}` });
            continue;
          }
          const img = frame.images[0];
          let binary = '';
          for (let i = 0; i < img.pixels.length; i += 0x8000) binary += String.fromCharCode(...img.pixels.subarray(i, i + 0x8000));
          out.push({ width: img.width, height: img.height, base64: btoa(binary), problems });
        }
        return out;
      },
      { scenes, first, size, resourceUris, timeoutMs: 15_000 },
    );
    const errors = pageErrors.splice(0);
    return results.map((r) => {
      if (r.error) return { error: r.error };
      const problems = [...r.problems, ...errors];
      return { rgba: Buffer.from(r.base64, 'base64'), width: r.width, height: r.height, error: problems.length ? problems.join('; ') : undefined };
    });
  }

  return {
    render,
    async close() {
      await browser.close();
      await harness.close();
    },
  };
}

function toPng(result) {
  const png = new PNG({ width: result.width, height: result.height, colorType: 2 });
  result.rgba.copy(png.data);
  return PNG.sync.write(png, { colorType: 2 });
}

function args() {
  const a = process.argv.slice(2);
  const get = (name, fallback) => {
    const i = a.indexOf(`--${name}`);
    return i >= 0 ? a[i + 1] : fallback;
  };
  return {
    out: resolve(get('out', join(ROOT, 'models', 'lab', 'data'))),
    train: Number(get('train', 300)),
    test: Number(get('test', 50)),
    conflict: Number(get('conflict', 5)),
    size: Number(get('size', 64)),
    only: get('only', ''),
    pages: Number(get('pages', 2)),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = args();
  ensureBundles();
  let items = datasetItems(opts);
  if (opts.only) items = items.filter((it) => opts.only.split(',').includes(it.split));
  const splits = [...new Set(items.map((it) => it.split))];
  const rows = Object.fromEntries(splits.map((s) => [s, ['file,label,shape,texture']]));
  const scenes = Object.fromEntries(splits.map((s) => [s, []]));
  for (const s of splits) mkdirSync(join(opts.out, s), { recursive: true });
  // Render order: grouped by background and texture, so each generated one is reused by the renders that follow.
  const key = (it) => {
    const { background: bg, material: m } = it.scene;
    const bgKey = bg.kind === 'builtin' ? `${bg.name}:${bg.seed}` : bg.kind === 'image' ? bg.path : 'color';
    return `${bgKey}|${m.texture ? `${m.texture.name}:${m.texture.seed}` : 'plain'}`;
  };
  const order = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const BATCH = 40;
  const batches = [];
  for (let b = 0; b < order.length; b += BATCH) batches.push(order.slice(b, b + BATCH));
  const renderers = await Promise.all(Array.from({ length: opts.pages }, () => openBatchRenderer(opts.size)));
  const started = Date.now();
  let problems = 0;
  let done = 0;
  let reported = 0;
  try {
    await Promise.all(renderers.map(async (renderer) => {
     for (let batch; (batch = batches.shift()); ) {
      const results = await renderer.render(batch.map((it) => it.scene));
      batch.forEach((it, k) => {
        const res = results[k];
        if (res.error) {
          problems++;
          console.error(`${it.split}/${it.file}: ${res.error}`);
        }
        if (!res.rgba) return;
        writeFileSync(join(opts.out, it.split, it.file), toPng(res));
        rows[it.split].push(`${it.file},${CLASSES.indexOf(it.shape)},${it.shape},${it.texture}`);
        scenes[it.split].push(JSON.stringify({ file: it.file, scene: it.scene }));
      });
      done += batch.length;
      if (done - reported >= 400 || done === items.length) {
        reported = done;
        const s = (Date.now() - started) / 1000;
        console.log(`${done}/${items.length} images, ${(done / s).toFixed(1)} images/s`);
      }
     }
    }));
  } finally {
    for (const renderer of renderers) await renderer.close();
  }
  // Rows in data set order (the render order is grouped for speed).
  for (const s of splits) {
    const [header, ...body] = rows[s];
    rows[s] = [header, ...body.sort()];
    scenes[s].sort();
  }
  const seconds = (Date.now() - started) / 1000;
  for (const s of splits) {
    writeFileSync(join(opts.out, s, 'labels.csv'), rows[s].join('\n') + '\n');
    writeFileSync(join(opts.out, s, 'scenes.jsonl'), scenes[s].join('\n') + '\n');
  }
  const stats = {
    size: opts.size,
    pages: opts.pages,
    classes: CLASSES,
    natural: NATURAL,
    images: items.length,
    perSplit: Object.fromEntries(splits.map((s) => [s, rows[s].length - 1])),
    seconds: Math.round(seconds * 10) / 10,
    imagesPerSecond: Math.round((items.length / seconds) * 10) / 10,
    problems,
  };
  writeFileSync(join(opts.out, 'render-stats.json'), JSON.stringify(stats, null, 2) + '\n');
  console.log(`rendered ${items.length} images in ${stats.seconds} s (${stats.imagesPerSecond} images/s), ${problems} with problems -> ${opts.out}`);
  if (problems > 0) process.exitCode = 1;
}
