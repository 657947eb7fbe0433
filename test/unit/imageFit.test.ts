/**
 * The manifest's crop policy (core/imageFit.ts, `input.resize`) on non-square images: every mode into a square and a
 * non-square input, with the boxes worked out by hand below. Two independent checks: solid-colour images whose
 * colour changes exactly at the expected source box (the output must be that colour exactly inside the expected
 * target box and black outside it, and a 1 px frame on the box's border must reach every edge of the output), and
 * Pillow (crop, resize BILINEAR, paste on black) given the same hand-made boxes, byte for byte. Then the manifest
 * side: defaults, schema errors with their paths, and resizePolicy's errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DEFAULT_RESIZE, fitImage, resizePolicy, sourceBox, targetBox, type Box } from '../../core/imageFit';
import { parseManifest } from '../../core/manifest';
import type { ResizeSpec } from '../../core/manifestTypes';
import type { FrameImage } from '../../core/protocol';

interface Case {
  name: string;
  src: [number, number];
  dst: [number, number];
  resize: ResizeSpec;
  /** [x, y, width, height] of the source that is used, and where it lands in the output. */
  box: [number, number, number, number];
  target: [number, number, number, number];
}

const crop = (cropFraction: number): ResizeSpec => ({ mode: 'centerCrop', cropFraction });
const CASES: Case[] = [
  // 100x60 -> square: the centred 60x60 square.
  { name: 'centerCrop 100x60 -> 64x64', src: [100, 60], dst: [64, 64], resize: crop(1), box: [20, 0, 60, 60], target: [0, 0, 64, 64] },
  // -> 2:1: the full width, 50 rows, (60 - 50) / 2 = 5 rows off the top.
  { name: 'centerCrop 100x60 -> 64x32', src: [100, 60], dst: [64, 32], resize: crop(1), box: [0, 5, 100, 50], target: [0, 0, 64, 32] },
  // 0.875 of 60 = 52.5 -> 53 px; (100 - 53) / 2 = 23.5 -> 23, (60 - 53) / 2 = 3.5 -> 3.
  { name: 'centerCrop 0.875 100x60 -> 64x64', src: [100, 60], dst: [64, 64], resize: crop(0.875), box: [23, 3, 53, 53], target: [0, 0, 64, 64] },
  // 0.875 of 100x50 = 87.5x43.75 -> 88x44 at (6, 8).
  { name: 'centerCrop 0.875 100x60 -> 64x32', src: [100, 60], dst: [64, 32], resize: crop(0.875), box: [6, 8, 88, 44], target: [0, 0, 64, 32] },
  { name: 'centerCrop 60x100 -> 64x64', src: [60, 100], dst: [64, 64], resize: crop(1), box: [0, 20, 60, 60], target: [0, 0, 64, 64] },
  // A tall image into a wide input: 60 wide, 30 rows, 35 off the top.
  { name: 'centerCrop 60x100 -> 64x32', src: [60, 100], dst: [64, 32], resize: crop(1), box: [0, 35, 60, 30], target: [0, 0, 64, 32] },
  { name: 'stretch 100x60 -> 64x64', src: [100, 60], dst: [64, 64], resize: { mode: 'stretch', cropFraction: 1 }, box: [0, 0, 100, 60], target: [0, 0, 64, 64] },
  { name: 'stretch 100x60 -> 64x32', src: [100, 60], dst: [64, 32], resize: { mode: 'stretch', cropFraction: 1 }, box: [0, 0, 100, 60], target: [0, 0, 64, 32] },
  // 0.875 of the whole image: 87.5x52.5 -> 88x53 at (6, 3).
  { name: 'stretch 0.875 100x60 -> 64x32', src: [100, 60], dst: [64, 32], resize: { mode: 'stretch', cropFraction: 0.875 }, box: [6, 3, 88, 53], target: [0, 0, 64, 32] },
  // 100x60 fitted into 64x64: 64 x 38.4 -> 38 rows, (64 - 38) / 2 = 13 black rows above.
  { name: 'pad 100x60 -> 64x64', src: [100, 60], dst: [64, 64], resize: { mode: 'pad', cropFraction: 1 }, box: [0, 0, 100, 60], target: [0, 13, 64, 38] },
  // into 64x32: 53.33 x 32 -> 53 columns, (64 - 53) / 2 = 5.5 -> 5 black columns on the left.
  { name: 'pad 100x60 -> 64x32', src: [100, 60], dst: [64, 32], resize: { mode: 'pad', cropFraction: 1 }, box: [0, 0, 100, 60], target: [5, 0, 53, 32] },
  // 60x100 into 64x32: 19.2 x 32 -> 19 columns at 22.
  { name: 'pad 60x100 -> 64x32', src: [60, 100], dst: [64, 32], resize: { mode: 'pad', cropFraction: 1 }, box: [0, 0, 60, 100], target: [22, 0, 19, 32] },
];

function image(width: number, height: number, f: (x: number, y: number) => [number, number, number]): FrameImage {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.set([...f(x, y), 255], (y * width + x) * 4);
  return { width, height, pixels };
}

const inside = ([bx, by, bw, bh]: readonly number[], x: number, y: number) => x >= bx && x < bx + bw && y >= by && y < by + bh;
const at = (im: FrameImage, x: number, y: number) => Array.from(im.pixels.subarray((y * im.width + x) * 4, (y * im.width + x) * 4 + 3));
const asBox = ([x, y, width, height]: readonly number[]): Box => ({ x, y, width, height });
const GREEN: [number, number, number] = [0, 200, 0];

test('the boxes worked out by hand', () => {
  for (const c of CASES) {
    const box = sourceBox(c.src[0], c.src[1], c.dst[0], c.dst[1], c.resize);
    assert.deepEqual(box, asBox(c.box), c.name);
    assert.deepEqual(targetBox(box.width, box.height, c.dst[0], c.dst[1], c.resize.mode), asBox(c.target), c.name);
  }
});

test('solid colours: exactly the expected box is used, and lands exactly in the expected place', () => {
  for (const c of CASES) {
    const input = { width: c.dst[0], height: c.dst[1], resize: c.resize };
    // Green exactly inside the expected source box, red outside: the output is pure green in the target, black around.
    const out = fitImage(image(c.src[0], c.src[1], (x, y) => (inside(c.box, x, y) ? GREEN : [255, 0, 0])), input);
    assert.deepEqual([out.width, out.height], c.dst, c.name);
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) assert.deepEqual(at(out, x, y), inside(c.target, x, y) ? GREEN : [0, 0, 0], `${c.name} at (${x}, ${y})`);
    }
    // A 1 px blue frame on the box's own border reaches the output's first and last rows and columns of the target:
    // the box is not smaller than expected either.
    const [bx, by, bw, bh] = c.box;
    const framed = fitImage(
      image(c.src[0], c.src[1], (x, y) => (!inside(c.box, x, y) ? [255, 0, 0] : x === bx || y === by || x === bx + bw - 1 || y === by + bh - 1 ? [0, 0, 255] : GREEN)),
      input,
    );
    const [tx, ty, tw, th] = c.target;
    const edges = {
      top: Array.from({ length: tw }, (_, i) => at(framed, tx + i, ty)),
      bottom: Array.from({ length: tw }, (_, i) => at(framed, tx + i, ty + th - 1)),
      left: Array.from({ length: th }, (_, i) => at(framed, tx, ty + i)),
      right: Array.from({ length: th }, (_, i) => at(framed, tx + tw - 1, ty + i)),
    };
    for (const [edge, px] of Object.entries(edges)) assert.ok(px.every((p) => p[2] > 0 && p[0] === 0), `${c.name}: the frame shows on the ${edge} edge`);
  }
});

test('every case equals Pillow crop + resize(BILINEAR) + paste on black (skipped without /usr/bin/python3 + PIL)', (t) => {
  const python = '/usr/bin/python3';
  if (!existsSync(python) || spawnSync(python, ['-c', 'import PIL'], { encoding: 'utf8' }).status !== 0) {
    t.skip('no /usr/bin/python3 with Pillow');
    return;
  }
  const texture = (w: number, h: number) => image(w, h, (x, y) => [(37 * x + 101 * y) % 256, (11 * x * y + 53) % 256, (x * x + 3 * y) % 256]);
  const script = `
import base64, json, sys
from PIL import Image
out = []
for c in json.loads(sys.stdin.read()):
    w, h = c['src']
    im = Image.frombytes('RGB', (w, h), base64.b64decode(c['rgb']))
    x, y, bw, bh = c['box']
    tx, ty, tw, th = c['target']
    part = im.crop((x, y, x + bw, y + bh)).resize((tw, th), Image.BILINEAR)
    canvas = Image.new('RGB', tuple(c['dst']), (0, 0, 0))
    canvas.paste(part, (tx, ty))
    out.append(base64.b64encode(canvas.tobytes()).decode())
print(json.dumps(out))
`;
  const rgb = (im: FrameImage) => Buffer.from(im.pixels.filter((_, i) => i % 4 !== 3));
  const input = CASES.map((c) => ({ src: c.src, dst: c.dst, box: c.box, target: c.target, rgb: rgb(texture(c.src[0], c.src[1])).toString('base64') }));
  const run = spawnSync(python, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const pillow = JSON.parse(run.stdout) as string[];
  CASES.forEach((c, i) => {
    const ours = rgb(fitImage(texture(c.src[0], c.src[1]), { width: c.dst[0], height: c.dst[1], resize: c.resize }));
    const theirs = Buffer.from(pillow[i], 'base64');
    let differing = 0;
    for (let j = 0; j < ours.length; j++) if (ours[j] !== theirs[j]) differing++;
    assert.equal(differing, 0, `${c.name}: ${differing} of ${ours.length} values differ from Pillow`);
  });
});

test('an image already at the input size is passed through unless a crop fraction cuts it', () => {
  const im = image(64, 32, (x, y) => [x * 4, y * 8, 7]);
  for (const mode of ['centerCrop', 'stretch', 'pad'] as const) assert.equal(fitImage(im, { width: 64, height: 32, resize: { mode, cropFraction: 1 } }), im, mode);
  assert.equal(fitImage(im, { width: 64, height: 32 }), im, 'no resize: the default');
  const cut = fitImage(im, { width: 64, height: 32, resize: crop(0.5) });
  assert.notEqual(cut, im);
  // The centred 32x16 box (x 16..47, y 8..23) enlarged twice: the corners come from its corners, not the image's.
  assert.ok(at(cut, 0, 0)[0] >= 64 && at(cut, 0, 0)[0] <= 68 && at(cut, 63, 31)[0] >= 184 && at(cut, 63, 31)[0] <= 188, JSON.stringify([at(cut, 0, 0), at(cut, 63, 31)]));
});

test('the default policy is the old square centre crop, and a 1x1 image still fills the input', () => {
  assert.deepEqual(resizePolicy({}), DEFAULT_RESIZE);
  assert.deepEqual(DEFAULT_RESIZE, { mode: 'centerCrop', cropFraction: 1 });
  assert.deepEqual(sourceBox(7, 4, 10, 10, DEFAULT_RESIZE), { x: 1, y: 0, width: 4, height: 4 }, 'odd leftovers go right');
  const dot = fitImage(image(1, 1, () => [9, 8, 7]), { width: 5, height: 3, resize: { mode: 'pad', cropFraction: 0.1 } });
  assert.deepEqual([dot.width, dot.height, ...at(dot, 2, 1)], [5, 3, 9, 8, 7]);
});

test('manifest: resize is optional, its fields get defaults, bad values are errors with their path', () => {
  const base = { version: 1, displayName: 'T', input: { name: 'x', width: 32, height: 16 }, output: { name: 'y' }, labels: [] as string[] };
  const parse = (resize: unknown) => parseManifest(JSON.stringify({ ...base, input: { ...base.input, resize } }));
  assert.equal(parseManifest(JSON.stringify(base)).manifest?.input.resize, undefined);
  assert.deepEqual(parse({}).manifest?.input.resize, { mode: 'centerCrop', cropFraction: 1 });
  assert.deepEqual(parse({ cropFraction: 0.875 }).manifest?.input.resize, { mode: 'centerCrop', cropFraction: 0.875 });
  assert.deepEqual(parse({ mode: 'pad' }).manifest?.input.resize, { mode: 'pad', cropFraction: 1 });
  assert.deepEqual(parse({ mode: 'fill' }).errors, ['/input/resize/mode must be one of "centerCrop", "stretch", "pad"']);
  assert.deepEqual(parse({ cropFraction: 0 }).errors, ['/input/resize/cropFraction must be > 0']);
  assert.deepEqual(parse({ cropFraction: 1.5 }).errors, ['/input/resize/cropFraction must be <= 1']);
  assert.deepEqual(parse({ cropFraction: '0.9' }).errors, ['/input/resize/cropFraction must be number']);
  assert.deepEqual(parse({ scale: 2 }).errors, ['/input/resize: unknown property "scale"']);
  assert.deepEqual(parse('stretch').errors, ['/input/resize must be object']);
  // A manifest made in code (not parsed) gets the same checks when an image is fitted.
  const im = image(4, 4, () => [0, 0, 0]);
  assert.throws(() => fitImage(im, { width: 2, height: 2, resize: { mode: 'fill' as ResizeSpec['mode'], cropFraction: 1 } }), /input\.resize\.mode must be one of "centerCrop", "stretch", "pad", not "fill"/);
  assert.throws(() => fitImage(im, { width: 2, height: 2, resize: crop(0) }), /input\.resize\.cropFraction must be a number in \(0, 1\], not 0/);
  assert.throws(() => fitImage(im, { width: 2, height: 2, resize: crop(Number.NaN) }), /cropFraction must be a number in \(0, 1\]/);
  assert.throws(() => fitImage({ width: 4, height: 4, pixels: new Uint8Array(8) }, { width: 2, height: 2 }), /holds 8 bytes/);
});
