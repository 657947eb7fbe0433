/**
 * ImageNet-C blurs computed without randoms or with few: defocus, glass and zoom blur, and the held-out Gaussian
 * blur. Glass blur is split into drawing its pixel offsets and a deterministic glassBlurWith (for the tests).
 */
import { gaussianFilter64, gaussianFilterPlane64 } from '../gaussian';
import { rngFor } from '../random';
import type { FloatImage, PerturbationOp } from '../types';
import { blankLike, clippedZoomAxis, clippedZoomPlane, FieldCache, fieldKey, numpyArange, severityIndex, severityOp, snapTo8Bit } from './common';
import { defocusBlur } from './defocus';

export { DEFOCUS_BLUR_SEVERITIES, defocusBlur, defocusKernel, type Kernel2d } from './defocus';

// ---- Gaussian blur (held out) ----------------------------------------------------------------------------------

/** Sigma in pixels per severity (gaussian_blur). */
export const GAUSSIAN_BLUR_C_SEVERITIES = [1, 2, 3, 4, 6] as const;

export function gaussianBlurC(image: FloatImage, severity: number): FloatImage {
  return gaussianFilter64(image, GAUSSIAN_BLUR_C_SEVERITIES[severityIndex(severity)]);
}

// ---- Glass blur ------------------------------------------------------------------------------------------------

/** (sigma, max_delta, iterations) per severity (glass_blur). */
export const GLASS_BLUR_SEVERITIES: readonly (readonly [number, number, number])[] = [
  [0.7, 1, 2],
  [0.9, 2, 1],
  [1, 2, 3],
  [1.1, 3, 2],
  [1.5, 4, 2],
];

/** How many offsets (dx and dy counted separately) glass blur draws for a width x height image. */
export function glassBlurOffsetCount(width: number, height: number, severity: number): number {
  const [, d, iterations] = GLASS_BLUR_SEVERITIES[severityIndex(severity)];
  return iterations * Math.max(0, height - 2 * d) * Math.max(0, width - 2 * d) * 2;
}

/** The reference's draws: per iteration, per pixel (rows and columns from the far end), dx then dy in [-d, d). */
export function drawGlassBlurOffsets(seed: number, severity: number, width: number, height: number): Int8Array {
  const d = GLASS_BLUR_SEVERITIES[severityIndex(severity)][1];
  const rng = rngFor(seed, 0);
  const offsets = new Int8Array(glassBlurOffsetCount(width, height, severity));
  for (let i = 0; i < offsets.length; i++) offsets[i] = rng.int(-d, d);
  return offsets;
}

/**
 * Glass blur given the offsets: Gaussian blur (sigma), quantise to uint8 by truncation, then for each iteration
 * and each pixel (h, w) from (H - d, W - d) down to (d + 1, d + 1), row by row, copy the pixel at
 * (h + dy, w + dx) into (h, w), and blur again. The reference writes this as a tuple swap of numpy views, which
 * only copies (the second pixel keeps its value); we reproduce that.
 */
export function glassBlurWith(image: FloatImage, severity: number, offsets: ArrayLike<number>): FloatImage {
  const [sigma, d, iterations] = GLASS_BLUR_SEVERITIES[severityIndex(severity)];
  const { width: W, height: H } = image;
  const n = W * H;
  const x64 = snapTo8Bit(image.data);
  const q = new Uint8Array(3 * n);
  const plane = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    gaussianFilterPlane64(x64.subarray(c * n, (c + 1) * n), W, H, sigma, 'nearest', { out: plane });
    for (let i = 0; i < n; i++) {
      const v = plane[i] * 255;
      q[c * n + i] = v >= 255 ? 255 : v > 0 ? v : 0; // Uint8Array truncates
    }
  }
  let k = 0;
  const needed = glassBlurOffsetCount(W, H, severity);
  if (offsets.length < needed) throw new Error(`glass blur needs ${needed} offsets, got ${offsets.length}`);
  for (let it = 0; it < iterations; it++) {
    for (let h = H - d; h > d; h--) {
      for (let w = W - d; w > d; w--) {
        const dx = offsets[k++];
        const dy = offsets[k++];
        const to = h * W + w;
        const from = (h + dy) * W + (w + dx);
        q[to] = q[from];
        q[n + to] = q[n + from];
        q[2 * n + to] = q[2 * n + from];
      }
    }
  }
  const q64 = new Float64Array(3 * n);
  for (let i = 0; i < 3 * n; i++) q64[i] = q[i] / 255;
  return gaussianFilter64(image, sigma, q64);
}

// ---- Zoom blur -------------------------------------------------------------------------------------------------

/** numpy.arange(start, stop, step) of zoom factors per severity (zoom_blur). */
export const ZOOM_BLUR_SEVERITIES: readonly (readonly [number, number, number])[] = [
  [1, 1.11, 0.01],
  [1, 1.16, 0.01],
  [1, 1.21, 0.02],
  [1, 1.26, 0.02],
  [1, 1.31, 0.03],
];

/** The zoom factors of a severity, as numpy.arange makes them (e.g. 1.00 to 1.11 for severity 1). */
export function zoomBlurFactors(severity: number): number[] {
  return numpyArange(...ZOOM_BLUR_SEVERITIES[severityIndex(severity)]);
}

/**
 * (x + sum_z clipped_zoom(x, z)) / (count + 1): each zoom magnifies the centre of the image by z (scipy zoom,
 * order 1) and keeps the top-left width x height of the result, as imagecorruptions does.
 */
export function zoomBlur(image: FloatImage, severity: number): FloatImage {
  const factors = zoomBlurFactors(severity);
  const { width: W, height: H } = image;
  const n = W * H;
  const acc = new Float64Array(3 * n);
  for (const z of factors) {
    const ys = clippedZoomAxis(H, z, H);
    const xs = clippedZoomAxis(W, z, W);
    for (let c = 0; c < 3; c++) {
      clippedZoomPlane(image.data.subarray(c * n, (c + 1) * n), W, ys, xs, acc.subarray(c * n, (c + 1) * n), W, H, true);
    }
  }
  const out = blankLike(image);
  const k = factors.length + 1;
  for (let i = 0; i < 3 * n; i++) out.data[i] = (image.data[i] + acc[i]) / k;
  return out;
}

// ---- Ops ---------------------------------------------------------------------------------------------------------

const AS_GIVEN = 'pixel sizes as given, not scaled with the image size';

/** Glass blur's offsets, drawn once per (seed, size, severity). */
const glassCache = new FieldCache<Int8Array>();

export const BLUR_OPS: readonly PerturbationOp[] = [
  severityOp(
    {
      id: 'defocusBlur',
      label: 'Defocus blur',
      group: 'imagenet-c blur',
      random: false,
      description: `ImageNet-C defocus blur: convolution with an anti-aliased disk of radius 3 to 10 px (cv2.filter2D, reflect-101 borders) as in make_imagenet_c.py; ${AS_GIVEN}.`,
    },
    (image, severity) => defocusBlur(image, severity),
  ),
  severityOp(
    {
      id: 'glassBlur',
      label: 'Glass blur',
      group: 'imagenet-c blur',
      random: true,
      description: `ImageNet-C glass blur: Gaussian blur (sigma 0.7 to 1.5 px), 8-bit quantisation, 1 to 3 passes of local pixel shuffling (up to 1 to 4 px) and blur again, over the whole image as imagecorruptions does; ${AS_GIVEN}.`,
    },
    (image, severity, seed) => {
      const { width, height } = image;
      const offsets = glassCache.get(fieldKey(seed, width, height, severity), () => drawGlassBlurOffsets(seed, severity, width, height));
      return glassBlurWith(image, severity, offsets);
    },
  ),
  severityOp(
    {
      id: 'zoomBlur',
      label: 'Zoom blur',
      group: 'imagenet-c blur',
      random: false,
      description: `ImageNet-C zoom blur: the mean of the image and 11 to 16 copies magnified about the centre by up to 1.11 to 1.30 (bilinear, scipy zoom order 1), windowed as imagecorruptions does for any size.`,
    },
    (image, severity) => zoomBlur(image, severity),
  ),
  severityOp(
    {
      id: 'gaussianBlurC',
      label: 'Gaussian blur (ImageNet-C)',
      group: 'imagenet-c held-out',
      random: false,
      description: `ImageNet-C held-out Gaussian blur: skimage gaussian with sigma 1, 2, 3, 4 or 6 px (edge pixels repeated, truncated at 4 sigma); ${AS_GIVEN}.`,
    },
    (image, severity) => gaussianBlurC(image, severity),
  ),
];
