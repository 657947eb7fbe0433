// Golden thumbnails of the built-ins: every built-in object, texture and background is rendered again by the scene
// webview in Chromium (scripts/gallery.mjs) and compared with test/ui/golden/<kind>-<name>.png.
//
// Tolerance (GPU/driver rasterisation differs slightly between machines, shapes and colours must not):
//   - mean absolute difference per channel (R, G, B separately, over all pixels) < 4 (of 255), and
//   - fewer than 2% of the pixels differ by more than 40 in any channel.
// A built-in without a golden file yet is skipped with a message; make them with `npm run gallery -- --update-golden`
// and look at docs/gallery.png before committing them.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { ensureBundles, galleryItems, goldenPath, openRenderer, ROOT } from '../../scripts/gallery.mjs';

const MAX_MEAN_DIFF = 4;
const BIG_DIFF = 40;
const MAX_BIG_DIFF_FRACTION = 0.02;
const DIFFS = join(ROOT, 'test-results', 'gallery');

/** Per-channel mean absolute difference and the fraction of pixels with a channel off by more than BIG_DIFF. */
function compare(actual, expected) {
  const sums = [0, 0, 0];
  let big = 0;
  const pixels = actual.width * actual.height;
  for (let i = 0; i < pixels * 4; i += 4) {
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(actual.data[i + c] - expected.data[i + c]);
      sums[c] += d;
      worst = Math.max(worst, d);
    }
    if (worst > BIG_DIFF) big++;
  }
  return { mean: sums.map((s) => s / pixels), bigFraction: big / pixels };
}

describe('built-in gallery thumbnails match their goldens', () => {
  let renderer;

  before(async () => {
    ensureBundles();
    renderer = await openRenderer();
  });

  after(async () => {
    await renderer?.close();
  });

  for (const item of galleryItems()) {
    const id = `${item.kind}-${item.name}`;
    const golden = goldenPath(item);
    const skip = existsSync(golden) ? false : `no golden ${id}.png yet (npm run gallery -- --update-golden)`;
    test(id, { skip }, async () => {
      const result = await renderer.render(item);
      assert.ok(result.png, `built-in ${id} did not render: ${result.error}`);
      assert.equal(result.error, undefined, `built-in ${id} rendered with errors: ${result.error}`);
      const expected = PNG.sync.read(readFileSync(golden));
      assert.deepEqual([result.png.width, result.png.height], [expected.width, expected.height], `built-in ${id}: size differs from its golden`);
      const { mean, bigFraction } = compare(result.png, expected);
      const ok = mean.every((m) => m < MAX_MEAN_DIFF) && bigFraction < MAX_BIG_DIFF_FRACTION;
      if (!ok) {
        mkdirSync(DIFFS, { recursive: true });
        writeFileSync(join(DIFFS, `${id}.actual.png`), PNG.sync.write(result.png));
      }
      assert.ok(
        ok,
        `built-in ${id} differs from test/ui/golden/${id}.png: mean |diff| per channel ${mean.map((m) => m.toFixed(2)).join('/')} ` +
          `(limit ${MAX_MEAN_DIFF}), ${(bigFraction * 100).toFixed(2)}% of pixels off by > ${BIG_DIFF} (limit ${MAX_BIG_DIFF_FRACTION * 100}%); ` +
          `actual in test-results/gallery/${id}.actual.png`,
      );
    });
  }
});
