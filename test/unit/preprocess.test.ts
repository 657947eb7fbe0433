import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeRgba, toModelInput } from '../../core/preprocess';
import type { ModelInputSpec } from '../../core/manifestTypes';
import type { FrameImage } from '../../core/protocol';

/** Float32 results compared to hand-computed decimals: equal up to float32 rounding. */
function assertClose(actual: ArrayLike<number>, expected: number[], eps = 1e-6): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= eps, `[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}

function image(width: number, height: number, rgba: number[]): FrameImage {
  return { width, height, pixels: Uint8Array.from(rgba) };
}

function spec(overrides: Partial<ModelInputSpec>): ModelInputSpec {
  return {
    name: 'input', width: 2, height: 1, layout: 'NCHW', channelOrder: 'RGB',
    range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1], ...overrides,
  };
}

// Two pixels, left to right: (255, 0, 51) and (102, 204, 0); alpha must be ignored.
const TWO = image(2, 1, [255, 0, 51, 255, 102, 204, 0, 7]);

test('NCHW RGB, range [0,1]: planes R, G, B', () => {
  assertClose(toModelInput(TWO, spec({})), [1, 0.4, 0, 0.8, 0.2, 0]);
});

test('NHWC RGB: channels interleaved per pixel', () => {
  assertClose(toModelInput(TWO, spec({ layout: 'NHWC' })), [1, 0, 0.2, 0.4, 0.8, 0]);
});

test('BGR swaps the first and last channel, in both layouts', () => {
  assertClose(toModelInput(TWO, spec({ channelOrder: 'BGR' })), [0.2, 0, 0, 0.8, 1, 0.4]);
  assertClose(toModelInput(TWO, spec({ channelOrder: 'BGR', layout: 'NHWC' })), [0.2, 0, 1, 0, 0.8, 0.4]);
});

test('range, then mean and std per channel', () => {
  // R: 255 -> 1 -> (1 - 0.5) / 0.5 = 1;     102 -> -0.2 -> (-0.2 - 0.5) / 0.5 = -1.4
  // G:   0 -> -1 -> (-1 - 0) / 2 = -0.5;     204 -> 0.6 -> 0.3
  // B:  51 -> -0.6 -> (-0.6 + 0.5) / 1 = -0.1; 0 -> -1 -> -0.5
  const input = spec({ range: [-1, 1], mean: [0.5, 0, -0.5], std: [0.5, 2, 1] });
  assertClose(toModelInput(TWO, input), [1, -1.4, -0.5, 0.3, -0.1, -0.5]);
});

test('range [0,255] with Caffe-style BGR means: mean/std are in the model channel order', () => {
  const input = spec({ channelOrder: 'BGR', range: [0, 255], mean: [10, 20, 30], std: [1, 1, 1] });
  // Channel 0 is B (51, 0), 1 is G (0, 204), 2 is R (255, 102).
  assertClose(toModelInput(TWO, input), [41, -10, -20, 184, 225, 72], 1e-4);
});

test('ImageNet mean/std at 0 and 255', () => {
  const input = spec({ width: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assertClose(toModelInput(image(1, 1, [0, 255, 0, 255]), input), [-0.485 / 0.229, 0.544 / 0.224, -0.406 / 0.225]);
});

test('a size mismatch is a clear error', () => {
  assert.throws(() => toModelInput(TWO, spec({ width: 3 })), /image is 2x1 but model input "input" expects 3x1/);
  assert.throws(() => toModelInput(image(2, 1, [1, 2, 3, 4]), spec({})), /expected 8/);
});

test('the output has 3 * width * height values', () => {
  const big = { width: 224, height: 224, pixels: new Uint8Array(224 * 224 * 4) };
  assert.equal(toModelInput(big, spec({ width: 224, height: 224 })).length, 3 * 224 * 224);
});

test('resize to the same size is an identity copy', () => {
  const pixels = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 37) % 256);
  const src = { width: 5, height: 3, pixels };
  const out = resizeRgba(src, 5, 3);
  assert.deepEqual(out, src);
  assert.notEqual(out.pixels, src.pixels);
});

test('2x2 -> 4x4 bilinear with half-pixel centres (as PIL and TF)', () => {
  // R ramps left to right (0 | 255), G top to bottom, B constant 10, alpha opaque.
  const src = image(2, 2, [0, 0, 10, 255, 255, 0, 10, 255, 0, 255, 10, 255, 255, 255, 10, 255]);
  const out = resizeRgba(src, 4, 4);
  const ramp = [0, 64, 191, 255];
  const expected: number[] = [];
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expected.push(ramp[x], ramp[y], 10, 255);
  assert.deepEqual(Array.from(out.pixels), expected);
});

test('downscaling averages over the widened triangle filter (PIL values)', () => {
  // 4 -> 2: taps 3/7, 3/7, 1/7 and 1/7, 3/7, 3/7; PIL's BILINEAR gives [50, 160] for this row too.
  const row = [0, 70, 140, 210].flatMap((v) => [v, v, v, 255]);
  const out = resizeRgba(image(4, 1, row), 2, 1);
  assert.deepEqual(Array.from(out.pixels), [50, 50, 50, 255, 160, 160, 160, 255]);
});

test('resizeRgba is Pillow\'s BILINEAR bit for bit (values from Pillow 9.4 Image.resize)', () => {
  // Pixel (x, y) = ((37x + 101y) % 256, (37x + 101y + 53) % 256, (37x + 101y + 106) % 256, 255): shrink and enlarge,
  // where rounding the horizontal pass to bytes (as Pillow does) changes some values by one.
  const formula = (w: number, h: number) =>
    image(w, h, Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? 255 : (37 * ((i >> 2) % w) + 101 * Math.floor((i >> 2) / w) + 53 * (i % 4)) % 256)));
  const rgb = (out: { pixels: Uint8Array }) => Array.from(out.pixels).filter((_, i) => i % 4 !== 3);
  assert.deepEqual(rgb(resizeRgba(formula(9, 7), 4, 3)), [
    106, 136, 146, 139, 118, 139, 133, 130, 130, 114, 105, 147, 132, 141, 143, 117, 137, 115, 130, 126, 126, 126, 121, 114,
    134, 135, 146, 130, 110, 131, 129, 122, 125, 140, 124, 134,
  ]);
  assert.deepEqual(rgb(resizeRgba(formula(3, 2), 5, 4)), [
    0, 53, 106, 15, 68, 121, 37, 90, 143, 59, 112, 165, 74, 127, 180, 25, 78, 131, 40, 93, 146, 62, 115, 168, 84, 137, 152,
    99, 152, 141, 76, 129, 182, 91, 144, 197, 113, 166, 219, 135, 188, 126, 150, 203, 64, 101, 154, 207, 116, 169, 222,
    138, 191, 244, 160, 213, 113, 175, 228, 25,
  ]);
});

test('resize rejects empty or fractional sizes', () => {
  assert.throws(() => resizeRgba(TWO, 0, 1), /cannot resize/);
  assert.throws(() => resizeRgba(TWO, 1.5, 1), /cannot resize/);
});

