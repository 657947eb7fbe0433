// The gallery of image perturbations: one real scene (samples/perturbations.perturber.json, a furry dog on grass,
// with its perturbations removed) rendered at 224x224 by the scene webview's renderer in Debian Chromium (through
// scripts/gallery.mjs's renderer), then every op of the registry applied to that clean frame through the real
// pipeline (applyPipeline, one step, seed 0), laid out as a labelled contact sheet in docs/perturbations.png.
//
//   npm run perturbation-gallery         builds out/ (tsc -p test/tsconfig.json) and the webviews when stale,
//                                        writes docs/perturbations.png
//
// Filters: their defaults plus a stronger or different setting or two (FILTER_VARIANTS). Ops with a `severity`
// (ImageNet-C): severities 1, 3 and 5. Any other op: its defaults. A new op shows up here without touching this
// file, except ops with a `file` parameter (the stored adversarial perturbation), which need the host's files. Each row starts with the clean frame; the console prints each cell's mean absolute change from it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { ensureBundles, openRenderer, ROOT } from './gallery.mjs';

const SIZE = 224;
/** Thumbnails are the 224 px results scaled down to this size on the sheet. */
const THUMB = 112;
/** Two op cards per line, each the clean frame and up to three results. */
const CARD = 4 * (THUMB + 6);
const GAP = 16;
const PAGE_WIDTH = 2 * CARD + GAP;
const SCENE_FILE = join(ROOT, 'samples', 'perturbations.perturber.json');
const OUT = join(ROOT, 'docs', 'perturbations.png');
const SEED = 0;
const SEVERITIES = [1, 3, 5];
/** Settings shown for the filters besides their defaults ({} = defaults). */
const FILTER_VARIANTS = {
  gaussianBlur: [{}, { sigma: 5 }],
  lowPass: [{}, { threshold: 6 }, { mask: 'gaussian' }],
  highPass: [{}, { threshold: 40 }, { mask: 'gaussian' }],
  patchShuffle: [{}, { grid: 2 }, { grid: 8 }],
  alphaBlack: [{}, { alpha: 0.2 }],
  alphaColor: [{}, { alpha: 0.3, color: '#2040e0' }],
};

/** Compiles core/ into out/ (the scripts import the compiled registry and pipeline). */
function buildOut() {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'test', 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tsc -p test/tsconfig.json failed:\n${result.stdout}\n${result.stderr}`);
}

/** The cells of one op: `{ params, caption }`, defaults first. */
function settingsFor(op) {
  if (op.params.some((p) => p.name === 'severity')) return SEVERITIES.map((s) => ({ params: { severity: s }, caption: `severity ${s}` }));
  const variants = FILTER_VARIANTS[op.id] ?? [{}];
  return variants.map((given) => {
    const shown = op.params.map((p) => `${p.name} ${given[p.name] ?? p.default}`).join(', ');
    return { params: given, caption: Object.keys(given).length === 0 ? `${shown} (default)` : shown };
  });
}

function meanAbsDiff(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

function toPng({ width, height, pixels }) {
  const png = new PNG({ width, height });
  Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).copy(png.data);
  return png;
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function cell(dataUrl, caption) {
  return `<figure><img src="${dataUrl}" width="${THUMB}" height="${THUMB}"><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function sheetHtml(cleanUrl, sections) {
  const body = sections
    .filter((s) => s.rows.length > 0)
    .map(({ title, rows }) => {
      const cards = rows.map(
        ({ op, cells }) =>
          `<div class="card"><h3>${escapeHtml(op.label)} <code>${escapeHtml(op.id)}</code></h3><div class="row">${cell(cleanUrl, 'clean')}${cells
            .map((c) => cell(c.url, c.caption))
            .join('')}</div></div>`,
      );
      return `<section><h2>${escapeHtml(title)}</h2><div class="grid">${cards.join('')}</div></section>`;
    });
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
    body { margin: 0; padding: 16px 20px; background: #1e1e1e; color: #ddd; font: 12px system-ui, sans-serif; width: ${PAGE_WIDTH}px; }
    h1 { font-size: 18px; margin: 0 0 4px; } p { margin: 0 0 8px; color: #aaa; }
    h2 { font-size: 14px; margin: 12px 0 6px; color: #9cdcfe; }
    h3 { font-size: 12px; margin: 0 0 3px; font-weight: 600; } code { color: #ce9178; font-weight: normal; }
    .grid { display: flex; flex-wrap: wrap; gap: 8px ${GAP}px; }
    .card { width: ${CARD}px; }
    .row { display: flex; gap: 6px; }
    figure { margin: 0; width: ${THUMB}px; }
    img { display: block; width: ${THUMB}px; height: ${THUMB}px; }
    figcaption { text-align: center; padding: 2px 0 0; font-family: ui-monospace, monospace; font-size: 10px; color: #bbb; }
  </style></head><body><h1>Perturber image perturbations</h1>
  <p>${escapeHtml(relative(ROOT, SCENE_FILE))} without its perturbations, rendered at ${SIZE}x${SIZE} by the scene webview's renderer,
  each op applied alone through the pipeline (seed ${SEED}); shown at ${THUMB} px. Regenerate: npm run perturbation-gallery.</p>
  ${body.join('')}</body></html>`;
}

export async function buildPerturbationGallery({ out = OUT } = {}) {
  buildOut();
  const require = createRequire(import.meta.url);
  const { parseScene } = require(join(ROOT, 'out', 'core', 'scene.js'));
  const { PERTURBATION_OPS } = require(join(ROOT, 'out', 'core', 'perturbations', 'registry.js'));
  const { applyPipeline, rgbaToFloat, floatToRgba } = require(join(ROOT, 'out', 'core', 'perturbations', 'pipeline.js'));

  const file = JSON.parse(readFileSync(SCENE_FILE, 'utf8'));
  const { scene, diagnostics } = parseScene(JSON.stringify({ ...file, perturbations: [], models: [] }));
  if (!scene) throw new Error(`${SCENE_FILE}: ${diagnostics.map((d) => d.message).join('; ')}`);

  ensureBundles();
  const renderer = await openRenderer({ size: SIZE });
  const problems = [];
  try {
    const frame = await renderer.render({ kind: 'scene', name: scene.name, scene });
    if (!frame.png) throw new Error(`the scene did not render: ${frame.error}`);
    if (frame.error) problems.push(`render: ${frame.error}`);
    const pixels = new Uint8Array(frame.png.data.buffer, frame.png.data.byteOffset, frame.png.data.length);
    const clean = rgbaToFloat({ width: frame.png.width, height: frame.png.height, pixels });
    const dataUrl = (png) => `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;

    const sections = [
      { title: 'Filters (defaults, then other settings)', match: (op) => op.group === 'filter', rows: [] },
      { title: 'ImageNet-C corruptions (severity 1, 3, 5)', match: (op) => op.group.startsWith('imagenet-c'), rows: [] },
      { title: 'Other ops (defaults)', match: () => true, rows: [] },
    ];
    for (const op of PERTURBATION_OPS) {
      // Ops that read a file (the stored adversarial perturbation) need the host's resources: not shown here.
      if (op.params.some((p) => p.kind === 'file')) {
        console.log(`${op.id.padEnd(18)} skipped (reads a file)`);
        continue;
      }
      const cells = [];
      for (const { params, caption } of settingsFor(op)) {
        const result = applyPipeline(clean, [{ op: op.id, enabled: true, seed: SEED, params }]);
        problems.push(...result.problems.map((p) => `${op.id} (${caption}): ${p}`));
        const diff = meanAbsDiff(clean.data, result.image.data);
        console.log(`${op.id.padEnd(18)} ${caption.padEnd(40)} mean |change| ${(diff * 255).toFixed(1).padStart(5)} / 255`);
        if (diff === 0) problems.push(`${op.id} (${caption}): the image did not change`);
        cells.push({ caption, url: dataUrl(toPng(floatToRgba(result.image))) });
      }
      sections.find((s) => s.match(op)).rows.push({ op, cells });
    }

    const page = await renderer.browser.newPage({ viewport: { width: PAGE_WIDTH + 40, height: 600 } });
    await page.setContent(sheetHtml(dataUrl(frame.png), sections));
    mkdirSync(join(out, '..'), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    await page.close();
  } finally {
    await renderer.close();
  }
  return { ops: sections.reduce((n, s) => n + s.rows.length, 0), problems, bytes: statSync(out).size };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { ops, problems, bytes } = await buildPerturbationGallery();
  for (const p of problems) console.log(`PROBLEM: ${p}`);
  console.log(`wrote ${relative(ROOT, OUT)} (${ops} ops, ${(bytes / 1024).toFixed(0)} KiB, ${problems.length} problems)`);
  if (problems.length > 0) process.exitCode = 1;
}
