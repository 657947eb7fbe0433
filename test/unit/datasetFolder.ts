/** A small folder of images for the dataset-index tests: lab sample crops, synthetic images, JPEGs, a corrupt file. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import type { FrameImage } from '../../core/protocol';

export const LAB = path.resolve(__dirname, '..', '..', '..', 'models', 'lab');

/** Park-Miller: seeded data. */
export function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

export function png(image: FrameImage): Buffer {
  const p = new PNG({ width: image.width, height: image.height });
  Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.length).copy(p.data);
  return PNG.sync.write(p);
}

export function readPng(file: string): FrameImage {
  const p = PNG.sync.read(readFileSync(file));
  return { width: p.width, height: p.height, pixels: new Uint8Array(p.data) };
}

export function synthetic(width: number, height: number, f: (x: number, y: number) => [number, number, number]): FrameImage {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.set([...f(x, y), 255], (y * width + x) * 4);
  return { width, height, pixels };
}

function crop(image: FrameImage, x0: number, y0: number, w: number, h: number): FrameImage {
  const pixels = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) pixels.set(image.pixels.subarray(((y0 + y) * image.width + x0) * 4, ((y0 + y) * image.width + x0 + w) * 4), y * w * 4);
  return { width: w, height: h, pixels };
}

/** 12 images (7 lab crops, 3 synthetic PNGs, a .jpg and a .jpeg) in two folders, a corrupt PNG, and files the scan must ignore. */
export function writeFolder(root: string): { folder: string; valid: string[]; corrupt: string } {
  const folder = path.join(root, 'images');
  mkdirSync(path.join(folder, 'more'), { recursive: true });
  mkdirSync(path.join(folder, '.hidden'), { recursive: true });
  const samples = readdirSync(path.join(LAB, 'samples')).filter((f) => f.endsWith('.png')).sort();
  const valid: string[] = [];
  const put = (rel: string, bytes: Buffer) => {
    writeFileSync(path.join(folder, rel), bytes);
    valid.push(`images/${rel}`);
  };
  const r = rng(3);
  for (let i = 0; i < 7; i++) {
    const s = readPng(path.join(LAB, 'samples', samples[i * 2]));
    const x0 = Math.floor(r() * 16);
    const y0 = Math.floor(r() * 16);
    // Non-square crops: the indexer centre-crops and resizes them to 64 x 64.
    put(`${i < 4 ? '' : 'more/'}crop${i}.png`, png(crop(s, x0, y0, 64 - x0, 48 - Math.min(y0, 16))));
  }
  put('gradient.png', png(synthetic(100, 70, (x, y) => [x * 2.5, y * 3.6, 128])));
  put('noise.png', png(synthetic(50, 50, () => [r() * 255, r() * 255, r() * 255])));
  put('more/checker.png', png(synthetic(128, 96, (x, y) => (((x >> 3) + (y >> 3)) % 2 ? [230, 40, 40] : [20, 20, 200]))));
  const jpeg = synthetic(90, 90, (x, y) => [(x * y) % 256, 200 - x, y * 2]);
  put('photo.jpg', encodeJpeg({ width: 90, height: 90, data: Buffer.from(jpeg.pixels) }, 90).data);
  // A wide JPEG named .jpeg, in the subfolder (after the top-level files the cancel test counts).
  const wide = synthetic(120, 72, (x, y) => [255 - 2 * x, (x + 3 * y) % 256, 40 + y]);
  put('more/wide.jpeg', encodeJpeg({ width: 120, height: 72, data: Buffer.from(wide.pixels) }, 90).data);
  writeFileSync(path.join(folder, 'corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]));
  writeFileSync(path.join(folder, '.hidden', 'ignored.png'), png(synthetic(8, 8, () => [0, 0, 0])));
  writeFileSync(path.join(folder, 'notes.txt'), 'not an image');
  return { folder, valid: valid.sort(), corrupt: 'images/corrupt.png' };
}

