import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BUILTIN_TEXTURES, generateTexture } from '../../core/textures';
import type { FrameImage } from '../../core/protocol';
import type { BuiltinTextureName } from '../../core/sceneTypes';

const SIZE = 128;

function hash(image: FrameImage): string {
  return createHash('sha256').update(image.pixels).digest('hex');
}

/** Per-channel means, luminance variance and the share of near-black / near-white pixels. */
function stats(image: FrameImage) {
  const px = image.pixels;
  const n = image.width * image.height;
  let r = 0;
  let g = 0;
  let b = 0;
  let l2 = 0;
  let dark = 0;
  let light = 0;
  for (let i = 0; i < px.length; i += 4) {
    r += px[i];
    g += px[i + 1];
    b += px[i + 2];
    const l = 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
    l2 += l * l;
    if (l < 60) dark += 1;
    if (l > 200) light += 1;
  }
  const mean = { r: r / n, g: g / n, b: b / n };
  const l = 0.299 * mean.r + 0.587 * mean.g + 0.114 * mean.b;
  return { ...mean, variance: l2 / n - l * l, dark: dark / n, light: light / n };
}

/** Mean absolute difference between the first and last row/column and the mean between neighbouring rows/columns. */
function seamRatio(image: FrameImage): number {
  const { width: w, height: h, pixels: px } = image;
  const at = (x: number, y: number, c: number) => px[(y * w + x) * 4 + c];
  let seam = 0;
  let inner = 0;
  for (let i = 0; i < w; i++) {
    for (let c = 0; c < 3; c++) {
      seam += Math.abs(at(i, 0, c) - at(i, h - 1, c)) + Math.abs(at(0, i, c) - at(w - 1, i, c));
      inner += Math.abs(at(i, h >> 1, c) - at(i, (h >> 1) - 1, c)) + Math.abs(at(w >> 1, i, c) - at((w >> 1) - 1, i, c));
    }
  }
  return seam / Math.max(1, inner);
}

test('the list names each texture once, with a label', () => {
  const names = BUILTIN_TEXTURES.map((t) => t.name);
  assert.deepEqual([...names].sort(), ['brick', 'fur', 'grass', 'leopard', 'metal', 'tabby', 'wood', 'zebra']);
  assert.ok(BUILTIN_TEXTURES.every((t) => t.label.length > 0));
});

for (const { name } of BUILTIN_TEXTURES) {
  test(`${name}: deterministic, seed-dependent, opaque, the requested size, textured, tileable`, () => {
    const a = generateTexture(name, 7, SIZE);
    assert.equal(a.width, SIZE);
    assert.equal(a.height, SIZE);
    assert.equal(a.pixels.length, SIZE * SIZE * 4);
    assert.equal(hash(generateTexture(name, 7, SIZE)), hash(a), 'same seed, different pixels');
    assert.notEqual(hash(generateTexture(name, 8, SIZE)), hash(a), 'another seed gives the same pixels');
    for (let i = 3; i < a.pixels.length; i += 4) assert.equal(a.pixels[i], 255, 'alpha must be 255');
    const s = stats(a);
    assert.ok(s.variance > 40, `${name} is nearly flat (luminance variance ${s.variance.toFixed(1)})`);
    // Tileable: the wrap-around edge is no more different than any two neighbouring rows inside.
    assert.ok(seamRatio(a) < 2, `${name} has a seam (edge/inner difference ratio ${seamRatio(a).toFixed(2)})`);
    const odd = generateTexture(name, 1, 37);
    assert.equal(odd.pixels.length, 37 * 37 * 4);
  });
}

/** Colour statistics that make each texture what it is named. */
const CHARACTER: Record<BuiltinTextureName, (s: ReturnType<typeof stats>) => string | null> = {
  fur: (s) => (s.r > s.g && s.g > s.b && s.r - s.b > 50 ? null : 'brown/tan (r > g > b)'),
  tabby: (s) => (s.r >= s.b && s.r - s.b < 50 && s.dark > 0.1 ? null : 'grey-brown with dark stripes'),
  leopard: (s) => (s.r > s.g && s.g > s.b + 40 && s.dark > 0.05 ? null : 'golden with dark spots'),
  zebra: (s) => (s.dark + s.light > 0.85 && s.dark > 0.3 && s.light > 0.3 ? null : 'mostly near-black and near-white'),
  wood: (s) => (s.r > s.g + 30 && s.g > s.b + 30 ? null : 'warm brown'),
  metal: (s) => (Math.abs(s.r - s.b) < 25 && s.b >= s.r && s.variance < 600 ? null : 'cool grey, low contrast'),
  brick: (s) => (s.r > s.g + 40 && s.light < 0.2 ? null : 'red-brown'),
  grass: (s) => (s.g > s.r + 20 && s.g > s.b + 40 ? null : 'green-dominant'),
};

test('each texture has its characteristic colour statistics', () => {
  for (const { name } of BUILTIN_TEXTURES) {
    for (const seed of [0, 3]) {
      const s = stats(generateTexture(name, seed, SIZE));
      const problem = CHARACTER[name](s);
      assert.equal(problem, null, `${name} (seed ${seed}) should be ${problem}: ${JSON.stringify(s)}`);
    }
  }
});
