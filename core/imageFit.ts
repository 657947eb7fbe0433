/**
 * Getting an image file of arbitrary size to a model's input size, as its manifest's `input.resize` says
 * (core/manifestTypes.ts ResizeSpec): which box of the source is used, and where it lands in the input. The box is
 * cut first and then resized (Pillow-exact bilinear, core/preprocess.ts), so `cropFraction` 0.875 takes the same
 * region as torchvision's "resize 256, centre-crop 224" (pixel values differ by the filter at the crop's border only).
 * Boxes are whole pixels: sizes are rounded to the nearest pixel (halves up), odd leftovers go to the right/bottom.
 */
import type { ModelInputSpec, ResizeSpec } from './manifestTypes';
import { resizeRgba } from './preprocess';
import type { FrameImage } from './protocol';

export const RESIZE_MODES: readonly ResizeSpec['mode'][] = ['centerCrop', 'stretch', 'pad'];
export const DEFAULT_RESIZE: ResizeSpec = { mode: 'centerCrop', cropFraction: 1 };
/** The letterbox fill of `pad`: black, as TensorFlow's resize_with_pad and torchvision's Pad (fill 0) leave it. */
export const PAD_RGBA: readonly [number, number, number, number] = [0, 0, 0, 255];

/** A rectangle in pixels: left, top, width, height. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The manifest's policy with defaults filled in; an Error that names the field for a value out of range. */
export function resizePolicy(input: Pick<ModelInputSpec, 'resize'>): ResizeSpec {
  const r: unknown = input.resize;
  if (r === undefined) return DEFAULT_RESIZE;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new Error('input.resize must be an object { mode, cropFraction }');
  const { mode = DEFAULT_RESIZE.mode, cropFraction = DEFAULT_RESIZE.cropFraction } = r as Partial<Record<keyof ResizeSpec, unknown>>;
  if (typeof mode !== 'string' || !(RESIZE_MODES as readonly string[]).includes(mode)) {
    throw new Error(`input.resize.mode must be one of ${RESIZE_MODES.map((m) => `"${m}"`).join(', ')}, not ${JSON.stringify(mode)}`);
  }
  if (typeof cropFraction !== 'number' || !(cropFraction > 0 && cropFraction <= 1)) {
    throw new Error(`input.resize.cropFraction must be a number in (0, 1], not ${JSON.stringify(cropFraction)}`);
  }
  return { mode: mode as ResizeSpec['mode'], cropFraction };
}

function checkSize(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`${what} is ${width}x${height}`);
}

/** `size` rounded to a whole pixel count within 1..limit. */
function pixels(size: number, limit: number): number {
  return Math.min(limit, Math.max(1, Math.round(size)));
}

/**
 * The box of a `srcWidth` x `srcHeight` image that becomes the input: for `centerCrop` the largest centred box of
 * the input's aspect ratio, for `stretch` and `pad` the whole image; either scaled by `cropFraction` about its centre.
 */
export function sourceBox(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, policy: ResizeSpec): Box {
  checkSize(srcWidth, srcHeight, 'the image');
  checkSize(dstWidth, dstHeight, 'the model input');
  let w = srcWidth;
  let h = srcHeight;
  if (policy.mode === 'centerCrop') {
    // Integer comparison first, so an image of exactly the input's aspect ratio is not cut by a rounding error.
    if (srcWidth * dstHeight >= srcHeight * dstWidth) w = (srcHeight * dstWidth) / dstHeight;
    else h = (srcWidth * dstHeight) / dstWidth;
  }
  const width = pixels(w * policy.cropFraction, srcWidth);
  const height = pixels(h * policy.cropFraction, srcHeight);
  return { x: Math.floor((srcWidth - width) / 2), y: Math.floor((srcHeight - height) / 2), width, height };
}

/** Where a `boxWidth` x `boxHeight` box lands in the input: the whole input, or for `pad` the centred fit. */
export function targetBox(boxWidth: number, boxHeight: number, dstWidth: number, dstHeight: number, mode: ResizeSpec['mode']): Box {
  if (mode !== 'pad') return { x: 0, y: 0, width: dstWidth, height: dstHeight };
  let width = dstWidth;
  let height = dstHeight;
  if (boxWidth * dstHeight >= boxHeight * dstWidth) height = pixels((boxHeight * dstWidth) / boxWidth, dstHeight);
  else width = pixels((boxWidth * dstHeight) / boxHeight, dstWidth);
  return { x: Math.floor((dstWidth - width) / 2), y: Math.floor((dstHeight - height) / 2), width, height };
}

/** The pixels of `box` (inside the image) as an image of their own. */
export function cropRgba(image: FrameImage, box: Box): FrameImage {
  const { x, y, width, height } = box;
  if (x < 0 || y < 0 || x + width > image.width || y + height > image.height) {
    throw new Error(`box ${width}x${height} at (${x}, ${y}) is outside the ${image.width}x${image.height} image`);
  }
  const pixels = new Uint8Array(width * height * 4);
  for (let row = 0; row < height; row++) {
    const src = ((y + row) * image.width + x) * 4;
    pixels.set(image.pixels.subarray(src, src + width * 4), row * width * 4);
  }
  return { width, height, pixels };
}

/**
 * An image file's pixels at the model's input size, by `input.resize`. An image already at the input size with
 * nothing to cut comes back as it is (the same object).
 */
export function fitImage(image: FrameImage, input: Pick<ModelInputSpec, 'width' | 'height' | 'resize'>): FrameImage {
  const policy = resizePolicy(input);
  const { width, height } = input;
  if (image.pixels.length < image.width * image.height * 4) {
    throw new Error(`image data holds ${image.pixels.length} bytes, expected ${image.width * image.height * 4} for ${image.width}x${image.height} RGBA`);
  }
  const box = sourceBox(image.width, image.height, width, height, policy);
  const whole = box.width === image.width && box.height === image.height;
  if (whole && image.width === width && image.height === height) return image;
  const source = whole ? image : cropRgba(image, box);
  const target = targetBox(box.width, box.height, width, height, policy.mode);
  const resized = resizeRgba(source, target.width, target.height);
  if (target.width === width && target.height === height) return resized;
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) pixels.set(PAD_RGBA, i * 4);
  for (let row = 0; row < target.height; row++) {
    pixels.set(resized.pixels.subarray(row * target.width * 4, (row + 1) * target.width * 4), ((target.y + row) * width + target.x) * 4);
  }
  return { width, height, pixels };
}
