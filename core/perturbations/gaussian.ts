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

/** Correlates every line of length n (elements `stride` apart, lines starting at `starts`) with `kernel`. */
function filterLines(
  src: Float32Array,
  dst: Float32Array,
  n: number,
  stride: number,
  starts: Iterable<number>,
  kernel: Float64Array,
  mode: BorderMode,
): void {
  const radius = (kernel.length - 1) >> 1;
  const line = new Float64Array(n + 2 * radius);
  for (const start of starts) {
    for (let i = -radius; i < n + radius; i++) {
      const j = borderIndex(i, n, mode);
      line[i + radius] = j < 0 ? 0 : src[start + j * stride];
    }
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let k = 0; k < kernel.length; k++) acc += line[i + k] * kernel[k];
      dst[start + i * stride] = acc;
    }
  }
}

/**
 * Gaussian blur of one plane (height x width, row-major) with separate sigmas per axis, like
 * scipy.ndimage.gaussian_filter(plane, (sigmaY, sigmaX), mode=mode, truncate=truncate). Returns a new array.
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
  const tmp = new Float32Array(plane.length);
  const out = new Float32Array(plane.length);
  const rowStarts = function* (): Generator<number> {
    for (let y = 0; y < height; y++) yield y * width;
  };
  const colStarts = function* (): Generator<number> {
    for (let x = 0; x < width; x++) yield x;
  };
  // scipy filters axis 0 (rows of the array = y) first, then axis 1.
  filterLines(plane, tmp, height, width, colStarts(), gaussianKernel1d(sigmaY, truncate), mode);
  filterLines(tmp, out, width, 1, rowStarts(), gaussianKernel1d(sigmaX, truncate), mode);
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
