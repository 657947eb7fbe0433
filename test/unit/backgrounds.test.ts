import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BUILTIN_BACKGROUNDS, generateBackground } from '../../core/backgrounds';
import type { FrameImage } from '../../core/protocol';

function hash(image: FrameImage): string {
  return createHash('sha256').update(image.pixels).digest('hex');
}

/** Mean colour of the rows [y0, y1) (fractions of the height). */
function band(image: FrameImage, y0: number, y1: number) {
  const { width: w, height: h, pixels: px } = image;
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  for (let y = Math.floor(y0 * h); y < Math.floor(y1 * h); y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      r += px[i];
      g += px[i + 1];
      b += px[i + 2];
      n += 1;
    }
  }
  return { r: r / n, g: g / n, b: b / n };
}

function lumaVariance(image: FrameImage): number {
  const px = image.pixels;
  let s = 0;
  let s2 = 0;
  const n = image.width * image.height;
  for (let i = 0; i < px.length; i += 4) {
    const l = 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
    s += l;
    s2 += l * l;
  }
  return s2 / n - (s / n) ** 2;
}

test('the list names each background once, with a label', () => {
  assert.deepEqual(BUILTIN_BACKGROUNDS.map((b) => b.name).sort(), ['grass', 'room', 'sky', 'street', 'water']);
  assert.ok(BUILTIN_BACKGROUNDS.every((b) => b.label.length > 0));
});

for (const { name } of BUILTIN_BACKGROUNDS) {
  test(`${name}: deterministic, seed-dependent, opaque, the requested size, not flat`, () => {
    const a = generateBackground(name, 5, 160, 120);
    assert.deepEqual([a.width, a.height, a.pixels.length], [160, 120, 160 * 120 * 4]);
    assert.equal(hash(generateBackground(name, 5, 160, 120)), hash(a));
    assert.notEqual(hash(generateBackground(name, 6, 160, 120)), hash(a));
    for (let i = 3; i < a.pixels.length; i += 4) assert.equal(a.pixels[i], 255, 'alpha must be 255');
    assert.ok(lumaVariance(a) > 100, `${name} is nearly flat (${lumaVariance(a).toFixed(0)})`);
  });
}

test('outdoor backgrounds: the sky on top is blue, bluer than the ground (water: brighter than the deep water)', () => {
  for (const name of ['sky', 'grass', 'water', 'street'] as const) {
    for (const seed of [0, 1, 2]) {
      const image = generateBackground(name, seed, 224, 224);
      const top = band(image, 0, 0.08);
      const bottom = band(image, 0.9, 1);
      assert.ok(top.b > top.r + 30, `${name} (seed ${seed}): the top should be sky blue, got ${JSON.stringify(top)}`);
      if (name === 'water') {
        assert.ok(top.r + top.g + top.b > bottom.r + bottom.g + bottom.b, `water (seed ${seed}): the sky should be brighter than the near water`);
      } else {
        assert.ok(top.b - top.r > bottom.b - bottom.r + 30, `${name} (seed ${seed}): the top should be bluer than the bottom`);
      }
    }
  }
});

test('each background has its characteristic colours below the horizon', () => {
  for (const seed of [0, 4]) {
    const grass = band(generateBackground('grass', seed, 224, 224), 0.5, 1);
    assert.ok(grass.g > grass.r + 30 && grass.g > grass.b + 50, `grass field should be green: ${JSON.stringify(grass)}`);
    const sky = band(generateBackground('sky', seed, 224, 224), 0.8, 1);
    assert.ok(sky.g > sky.b, `sky: the ground should not be blue: ${JSON.stringify(sky)}`);
    const water = band(generateBackground('water', seed, 224, 224), 0.6, 1);
    assert.ok(water.b > water.r + 40, `water should be blue: ${JSON.stringify(water)}`);
    const road = band(generateBackground('street', seed, 224, 224), 0.85, 1);
    assert.ok(Math.abs(road.r - road.b) < 20 && road.r < 110, `street: the road should be dark grey asphalt: ${JSON.stringify(road)}`);
    const room = generateBackground('room', seed, 224, 224);
    const floor = band(room, 0.88, 1);
    assert.ok(floor.r > floor.b + 40, `room: the floor should be wooden: ${JSON.stringify(floor)}`);
  }
});
