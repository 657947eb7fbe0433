/**
 * Separable Gaussian filtering with the semantics of scipy.ndimage.gaussian_filter (which skimage.filters.gaussian
 * and the ImageNet-C reference call): kernel radius round(truncate * sigma), weights exp(-x^2 / 2 sigma^2)
 * normalised to sum 1, and scipy's border modes. Accumulates in float64.
 */
import type { FloatImage } from './types';

/** scipy.ndimage border modes: reflect = (d c b a | a b c d), mirror = (d c b | a b c d), nearest, wrap, constant 0. */
export type BorderMode = 'reflect' | 'mirror' | 'nearest' | 'wrap' | 'constant';

/** The normalised 1-D kernel scipy uses for `sigma` (length 2 * radius + 1); [1] for sigma <= 0. */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 0)) return Float64Array.of(1);
  const radius = Math.floor(truncate * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp((-0.5 * i * i) / (sigma * sigma));
    kernel[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/** Index into [0, n) for a position outside it under `mode`; -1 means "use 0" (constant mode). */
export function borderIndex(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'constant':
      return -1;
    case 'reflect': {
      if (n === 1) return 0;
      const period = 2 * n;
      let j = ((i % period) + period) % period;
      if (j >= n) j = period - 1 - j;
      return j;
    }
    case 'mirror': {
      if (n === 1) return 0;
      const period = 2 * n - 2;
      let j = ((i % period) + period) % period;
      if (j >= n) j = period - j;
      return j;
    }
  }
}

/** For every position -radius..n+radius-1 of a padded line, the source index under `mode` (-1 = zero). */
function paddedIndices(n: number, radius: number, mode: BorderMode): Int32Array {
  const idx = new Int32Array(n + 2 * radius);
  for (let i = -radius; i < n + radius; i++) idx[i + radius] = borderIndex(i, n, mode);
  return idx;
}

/**
 * Gaussian blur of one plane (height x width, row-major) with separate sigmas per axis, like
 * scipy.ndimage.gaussian_filter(plane, (sigmaY, sigmaX), mode=mode, truncate=truncate). Returns a new array.
 * The kernel is symmetric, so each output sums pairs of taps; the vertical pass works on whole rows so its
 * inner loop runs along memory. Sums are accumulated in float64 and stored as float32.
 */
export function gaussianFilterPlane(
  plane: Float32Array,
  width: number,
  height: number,
  sigmaY: number,
  sigmaX: number,
  mode: BorderMode = 'nearest',
  truncate = 4,
): Float32Array {
  // scipy filters axis 0 (y) first, then axis 1 (x).
  const ky = gaussianKernel1d(sigmaY, truncate);
  const ry = (ky.length - 1) >> 1;
  const tmp = new Float32Array(plane.length);
  if (ry === 0) tmp.set(plane);
  else {
    const rows = paddedIndices(height, ry, mode);
    const acc = new Float64Array(width);
    for (let y = 0; y < height; y++) {
      const centre = y * width;
      const k0 = ky[ry];
      for (let x = 0; x < width; x++) acc[x] = plane[centre + x] * k0;
      for (let j = 1; j <= ry; j++) {
        const k = ky[ry + j];
        const above = rows[y + ry - j];
        const below = rows[y + ry + j];
        const a = above < 0 ? -1 : above * width;
        const b = below < 0 ? -1 : below * width;
        if (a >= 0 && b >= 0) for (let x = 0; x < width; x++) acc[x] += (plane[a + x] + plane[b + x]) * k;
        else if (a >= 0) for (let x = 0; x < width; x++) acc[x] += plane[a + x] * k;
        else if (b >= 0) for (let x = 0; x < width; x++) acc[x] += plane[b + x] * k;
      }
      for (let x = 0; x < width; x++) tmp[centre + x] = acc[x];
    }
  }
  const kx = gaussianKernel1d(sigmaX, truncate);
  const rx = (kx.length - 1) >> 1;
  if (rx === 0) return tmp;
  const out = new Float32Array(plane.length);
  const cols = paddedIndices(width, rx, mode);
  const line = new Float64Array(width + 2 * rx);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let i = 0; i < line.length; i++) {
      const j = cols[i];
      line[i] = j < 0 ? 0 : tmp[row + j];
    }
    const k0 = kx[rx];
    for (let x = 0; x < width; x++) {
      const c = x + rx;
      let sum = line[c] * k0;
      for (let j = 1; j <= rx; j++) sum += (line[c - j] + line[c + j]) * kx[rx + j];
      out[row + x] = sum;
    }
  }
  return out;
}

/** Blurs each colour plane with the same sigma (skimage.filters.gaussian(..., multichannel=True)). */
export function gaussianFilter(image: FloatImage, sigma: number, mode: BorderMode = 'nearest', truncate = 4): FloatImage {
  const { width, height } = image;
  const planeSize = width * height;
  const data = new Float32Array(image.data.length);
  for (let c = 0; c < 3; c++) {
    const plane = image.data.subarray(c * planeSize, (c + 1) * planeSize);
    data.set(gaussianFilterPlane(plane, width, height, sigma, sigma, mode, truncate), c * planeSize);
  }
  return { width, height, data };
}
