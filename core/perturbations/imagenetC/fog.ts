/**
 * ImageNet-C fog: a plasma fractal (diamond-square, the reference's `plasma_fractal` with its per-severity
 * wibble decay) added to the image, then rescaled by max / (max + c). Map size as imagecorruptions generalises
 * it: the next power of two of the image's largest side, cropped to the image.
 */
import type { FloatImage } from '../types';

/** (strength, wibbledecay) per severity, as in both reference implementations. */
export const FOG_PARAMS: readonly (readonly [number, number])[] = [[1.5, 2], [2, 2], [2.5, 1.7], [2.5, 1.5], [3, 1.4]];

export function nextPowerOfTwo(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/**
 * The reference's diamond-square heightmap (side `mapsize`, a power of two), normalised to [0, 1]. `uniform01`
 * supplies the random numbers in [0, 1), consumed in numpy's order (each step's array in row-major order), so a
 * recorded numpy sequence reproduces numpy's map. Note the reference's noise amplitude is wibble * U(-wibble, wibble).
 */
export function plasmaFractal(mapsize: number, wibbledecay: number, uniform01: () => number): Float64Array {
  if (!(mapsize >= 1) || (mapsize & (mapsize - 1)) !== 0) throw new Error('plasmaFractal: mapsize must be a power of two');
  const n = mapsize;
  const map = new Float64Array(n * n);
  let step = n;
  let wibble = 100;
  const noise = (): number => wibble * (-wibble + 2 * wibble * uniform01());
  while (step >= 2) {
    const half = step >> 1;
    const k = n / step;
    // Squares: centre = mean of the 4 corners (wrapping) + noise.
    for (let i = 0; i < k; i++) {
      const i1 = (i + 1) % k;
      for (let j = 0; j < k; j++) {
        const j1 = (j + 1) % k;
        const sum = map[i * step * n + j * step] + map[i1 * step * n + j * step] + map[i * step * n + j1 * step] + map[i1 * step * n + j1 * step];
        map[(i * step + half) * n + j * step + half] = sum / 4 + noise();
      }
    }
    // Diamonds on the rows of the corners: dr[i][j] + dr[i-1][j] + ul[i][j] + ul[i][j+1].
    for (let i = 0; i < k; i++) {
      const im = (i - 1 + k) % k;
      for (let j = 0; j < k; j++) {
        const j1 = (j + 1) % k;
        const sum = map[(i * step + half) * n + j * step + half] + map[(im * step + half) * n + j * step + half] + map[i * step * n + j * step] + map[i * step * n + j1 * step];
        map[i * step * n + j * step + half] = sum / 4 + noise();
      }
    }
    // Diamonds on the rows of the centres: dr[i][j] + dr[i][j-1] + ul[i][j] + ul[i+1][j].
    for (let i = 0; i < k; i++) {
      const i1 = (i + 1) % k;
      for (let j = 0; j < k; j++) {
        const jm = (j - 1 + k) % k;
        const sum = map[(i * step + half) * n + j * step + half] + map[(i * step + half) * n + jm * step + half] + map[i * step * n + j * step] + map[i1 * step * n + j * step];
        map[(i * step + half) * n + j * step] = sum / 4 + noise();
      }
    }
    step = half;
    wibble /= wibbledecay;
  }
  let mn = Infinity;
  for (let i = 0; i < map.length; i++) if (map[i] < mn) mn = map[i];
  let mx = -Infinity;
  for (let i = 0; i < map.length; i++) {
    map[i] -= mn;
    if (map[i] > mx) mx = map[i];
  }
  const inv = mx > 0 ? 1 / mx : 0;
  for (let i = 0; i < map.length; i++) map[i] *= inv;
  return map;
}

/**
 * The deterministic part: x' = (x + c * plasma) * max / (max + c), with `max` the image's largest value and
 * `plasma` a row-major map of side `mapsize` >= max(width, height) (its top-left corner is used).
 */
export function fogBlend(image: FloatImage, plasma: ArrayLike<number>, mapsize: number, severity: number): FloatImage {
  const c = FOG_PARAMS[severity - 1][0];
  const { width, height } = image;
  const n = width * height;
  const src = image.data;
  let maxVal = -Infinity;
  for (let i = 0; i < src.length; i++) if (src[i] > maxVal) maxVal = src[i];
  const scale = maxVal / (maxVal + c);
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const add = c * plasma[y * mapsize + x];
      const i = y * width + x;
      out[i] = (src[i] + add) * scale;
      out[i + n] = (src[i + n] + add) * scale;
      out[i + 2 * n] = (src[i + 2 * n] + add) * scale;
    }
  }
  return { width, height, data: out };
}
