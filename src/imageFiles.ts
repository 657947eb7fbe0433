/** Reading PNG and JPEG files into RGBA frames (for classifying a picture instead of a rendered scene). */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import type { FrameImage } from '../core/protocol';

/** Photos beyond this are not worth decoding to classify at 224 px, and could exhaust memory. */
const MAX_MEGAPIXELS = 64;

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg'];

/** Decodes a PNG or JPEG file (by its content, not its name) to 8-bit RGBA. */
export async function readImageFile(fsPath: string): Promise<FrameImage> {
  const bytes = await fs.readFile(fsPath);
  const name = path.basename(fsPath);
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
    // pngjs expands palette, grey and 16-bit images to 8-bit RGBA.
    const png = PNG.sync.read(bytes);
    if (png.width * png.height > MAX_MEGAPIXELS * 1e6) throw new Error(`${name} is larger than ${MAX_MEGAPIXELS} megapixels`);
    return { width: png.width, height: png.height, pixels: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const jpeg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS, maxMemoryUsageInMB: 1024 });
    return { width: jpeg.width, height: jpeg.height, pixels: jpeg.data };
  }
  throw new Error(`${name} is neither a PNG nor a JPEG image`);
}
