/** The seed's image filters: Gaussian blur, FFT low/high-pass, patch shuffle, alpha blends. */
import { fourierFilterPlane } from './fft';
import { gaussianFilter } from './gaussian';
import { rngFor } from './random';
import type { FloatImage, OpParams, PerturbationOp } from './types';

function copy(image: FloatImage): FloatImage {
  return { width: image.width, height: image.height, data: image.data.slice() };
}

/** Border mode of the blur: scipy's default 'reflect' (d c b a | a b c d), so edges keep their colour without smearing. */
export const BLUR_MODE = 'reflect';

const gaussianBlur: PerturbationOp = {
  id: 'gaussianBlur',
  label: 'Gaussian blur',
  group: 'filter',
  description:
    'Blurs with a Gaussian kernel (scipy.ndimage.gaussian_filter semantics: radius 4 sigma, border mode reflect).',
  params: [
    {
      name: 'sigma',
      label: 'Sigma',
      help: 'Standard deviation of the Gaussian in pixels of a 224 px frame (scaled with the frame size); 0 leaves the image unchanged.',
      kind: 'number',
      min: 0,
      max: 20,
      step: 0.1,
      default: 2,
      unit: 'px',
      scalesWithSize: true,
    },
  ],
  random: false,
  apply(image, params) {
    const sigma = params.sigma as number;
    if (!(sigma > 0)) return copy(image);
    return gaussianFilter(image, sigma, BLUR_MODE);
  },
};

export type FourierMask = 'hard' | 'gaussian';

/**
 * Gains of the low-pass mask for fourierFilterPlane: radius r = sqrt(fx^2 + fy^2) with fx, fy in cycles per image
 * (numpy.fft.fftfreq(n) * n). 'hard': 1 where r <= threshold, else 0. 'gaussian': exp(-ln 2 * r^2 / threshold^2),
 * a half-power (gain 1/2) at the threshold. Threshold 0 keeps only the DC term (the mean colour) for both.
 */
export function lowPassMask(width: number, height: number, threshold: number, kind: FourierMask): Float64Array {
  const half = (width >> 1) + 1;
  const mask = new Float64Array(height * half);
  const t2 = threshold * threshold;
  for (let ky = 0; ky < height; ky++) {
    const fy = ky <= height / 2 ? ky : ky - height;
    for (let kx = 0; kx < half; kx++) {
      const r2 = fy * fy + kx * kx;
      let g: number;
      if (r2 === 0) g = 1;
      else if (!(threshold > 0)) g = 0;
      else if (kind === 'hard') g = r2 <= t2 ? 1 : 0;
      else g = Math.exp((-Math.LN2 * r2) / t2);
      mask[ky * half + kx] = g;
    }
  }
  return mask;
}

/** The low-pass part of every plane, in float64 (before any offset or clamping). */
function lowPassPlanes(image: FloatImage, threshold: number, kind: FourierMask): Float64Array {
  const { width, height, data } = image;
  const size = width * height;
  const mask = lowPassMask(width, height, threshold, kind);
  const out = new Float64Array(3 * size);
  for (let c = 0; c < 3; c++) {
    fourierFilterPlane(data.subarray(c * size, (c + 1) * size), width, height, mask, out.subarray(c * size, (c + 1) * size));
  }
  return out;
}

const fourierParams = (defaultThreshold: number, what: string) =>
  [
    {
      name: 'threshold',
      label: 'Cut-off',
      help: `Radius of the pass band in cycles per image (the same at every frame size; a 224 px frame holds up to 112), ${what}.`,
      kind: 'number',
      min: 0,
      max: 112,
      step: 0.5,
      default: defaultThreshold,
      unit: 'cycles/image',
    },
    {
      name: 'mask',
      label: 'Mask',
      help: "'hard' cuts sharply at the radius (ringing near edges); 'gaussian' rolls off smoothly with gain 1/2 at the radius.",
      kind: 'choice',
      options: ['hard', 'gaussian'] as const,
      default: 'hard',
    },
  ] as const;

const lowPass: PerturbationOp = {
  id: 'lowPass',
  label: 'Low-pass (Fourier)',
  group: 'filter',
  description:
    'Keeps the spatial frequencies inside a radius (cycles per image) of each colour plane\'s 2-D DFT and removes the rest; the complement of the high-pass with the same settings.',
  params: fourierParams(16, 'frequencies inside it are kept (0 leaves only the mean colour)'),
  random: false,
  apply(image, params) {
    const low = lowPassPlanes(image, params.threshold as number, params.mask as FourierMask);
    return { width: image.width, height: image.height, data: Float32Array.from(low) };
  },
};

const highPass: PerturbationOp = {
  id: 'highPass',
  label: 'High-pass (Fourier)',
  group: 'filter',
  description:
    'Removes the spatial frequencies inside a radius (cycles per image): the input minus the low-pass with the same settings, plus a grey offset so the result is visible.',
  params: [
    ...fourierParams(16, 'frequencies inside it are removed (0 removes only the mean colour)'),
    {
      name: 'offset',
      label: 'Offset',
      help: 'Added to every value after filtering (the high-passed image has mean 0; 0.5 shows it on mid grey).',
      kind: 'number',
      min: 0,
      max: 1,
      step: 0.01,
      default: 0.5,
    },
  ],
  random: false,
  apply(image, params) {
    const low = lowPassPlanes(image, params.threshold as number, params.mask as FourierMask);
    const offset = params.offset as number;
    const src = image.data;
    const data = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) data[i] = src[i] - low[i] + offset;
    return { width: image.width, height: image.height, data };
  },
};

/**
 * The k x k patch grid of a width x height image: patches are floor(width / k) x floor(height / k) px, tiled from
 * the top-left corner; the remainder (fewer than k columns on the right, fewer than k rows at the bottom) stays put.
 */
export function patchGrid(width: number, height: number, k: number): { patchWidth: number; patchHeight: number } {
  return { patchWidth: Math.floor(width / k), patchHeight: Math.floor(height / k) };
}

/** The patch permutation of a step: source patch index for each destination patch (Fisher-Yates with rngFor(seed)). */
export function patchPermutation(count: number, seed: number): Int32Array {
  const perm = new Int32Array(count);
  for (let i = 0; i < count; i++) perm[i] = i;
  const rng = rngFor(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

const patchShuffle: PerturbationOp = {
  id: 'patchShuffle',
  label: 'Patch shuffle',
  group: 'filter',
  description:
    'Cuts the image into a k x k grid of patches and permutes them with the step seed; when the size is not a multiple of k the few leftover right columns and bottom rows stay in place.',
  params: [
    {
      name: 'grid',
      label: 'Grid',
      help: 'Patches per side (k x k patches); 1 leaves the image unchanged.',
      kind: 'integer',
      min: 1,
      max: 16,
      step: 1,
      default: 4,
    },
  ],
  random: true,
  apply(image, params, ctx) {
    const { width, height } = image;
    const k = Math.max(1, Math.round(params.grid as number));
    const out = copy(image);
    const { patchWidth: pw, patchHeight: ph } = patchGrid(width, height, k);
    if (k === 1 || pw === 0 || ph === 0) return out;
    const perm = patchPermutation(k * k, ctx.seed);
    const size = width * height;
    const src = image.data;
    const dst = out.data;
    for (let d = 0; d < k * k; d++) {
      const s = perm[d];
      const dx = (d % k) * pw;
      const dy = Math.floor(d / k) * ph;
      const sx = (s % k) * pw;
      const sy = Math.floor(s / k) * ph;
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < ph; y++) {
          const from = c * size + (sy + y) * width + sx;
          dst.set(src.subarray(from, from + pw), c * size + (dy + y) * width + dx);
        }
      }
    }
    return out;
  },
};

const alphaParam = {
  name: 'alpha',
  label: 'Alpha',
  help: 'Weight of the image: 1 leaves it unchanged, 0 replaces it entirely.',
  kind: 'number',
  min: 0,
  max: 1,
  step: 0.01,
  default: 0.5,
} as const;

/** '#rrggbb' -> [r, g, b] in [0, 1] (bytes / 255). */
export function parseHexColor(hex: string): [number, number, number] {
  const v = /^#[0-9a-fA-F]{6}$/.test(hex) ? parseInt(hex.slice(1), 16) : 0x808080;
  return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

function blend(image: FloatImage, alpha: number, colour: readonly number[]): FloatImage {
  const { width, height, data: src } = image;
  const size = width * height;
  const data = new Float32Array(src.length);
  for (let c = 0; c < 3; c++) {
    const add = (1 - alpha) * colour[c];
    for (let i = c * size; i < (c + 1) * size; i++) data[i] = alpha * src[i] + add;
  }
  return { width, height, data };
}

const alphaBlack: PerturbationOp = {
  id: 'alphaBlack',
  label: 'Fade to black',
  group: 'filter',
  description: 'Multiplies the image by alpha: out = alpha * x (alpha 1 unchanged, 0 black).',
  params: [alphaParam],
  random: false,
  apply(image, params: OpParams) {
    return blend(image, params.alpha as number, [0, 0, 0]);
  },
};

const alphaColor: PerturbationOp = {
  id: 'alphaColor',
  label: 'Fade to colour',
  group: 'filter',
  description: 'Blends the image with a flat colour: out = alpha * x + (1 - alpha) * colour.',
  params: [
    alphaParam,
    { name: 'color', label: 'Colour', help: 'The colour faded to, as #rrggbb.', kind: 'color', default: '#808080' },
  ],
  random: false,
  apply(image, params: OpParams) {
    return blend(image, params.alpha as number, parseHexColor(params.color as string));
  },
};

export const FILTER_OPS: readonly PerturbationOp[] = [gaussianBlur, lowPass, highPass, patchShuffle, alphaBlack, alphaColor];
