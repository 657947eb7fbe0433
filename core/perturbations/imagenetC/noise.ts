/**
 * ImageNet-C noise corruptions (gaussian, shot, impulse) and the held-out speckle noise. Each op is split into
 * drawing its random field from rngFor(seed) and a deterministic `...With(image, severity, field)` that applies
 * the reference formula to it (exported for the reference tests).
 */
import { rngFor } from '../random';
import type { FloatImage, OpContext, OpParams, PerturbationOp } from '../types';
import { blankLike, SEVERITY_PARAM, severityIndex } from './common';

/** Noise standard deviation per severity (make_imagenet_c.py gaussian_noise). */
export const GAUSSIAN_NOISE_SEVERITIES = [0.08, 0.12, 0.18, 0.26, 0.38] as const;
/** Photon count scale per severity (shot_noise: Poisson(x * c) / c). */
export const SHOT_NOISE_SEVERITIES = [60, 25, 12, 5, 3] as const;
/** Fraction of values replaced by salt or pepper per severity (impulse_noise: skimage s&p, amount c). */
export const IMPULSE_NOISE_SEVERITIES = [0.03, 0.06, 0.09, 0.17, 0.27] as const;
/** Multiplicative noise standard deviation per severity (speckle_noise: x + x * N(0, c)). */
export const SPECKLE_NOISE_SEVERITIES = [0.15, 0.2, 0.35, 0.45, 0.6] as const;

/** One standard normal per value (CHW, `length` of them) from the step's seed. */
export function drawStandardNormals(seed: number, length: number): Float32Array {
  const rng = rngFor(seed, 0);
  const z = new Float32Array(length);
  for (let i = 0; i < length; i++) z[i] = rng.normal();
  return z;
}

/** x + c * z for the standard normals `z` (one per value, CHW). */
export function gaussianNoiseWith(image: FloatImage, severity: number, z: ArrayLike<number>): FloatImage {
  const c = GAUSSIAN_NOISE_SEVERITIES[severityIndex(severity)];
  const out = blankLike(image);
  const src = image.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = src[i] + z[i] * c;
  return out;
}

/** x + x * (c * z) for the standard normals `z` (one per value, CHW). */
export function speckleNoiseWith(image: FloatImage, severity: number, z: ArrayLike<number>): FloatImage {
  const c = SPECKLE_NOISE_SEVERITIES[severityIndex(severity)];
  const out = blankLike(image);
  const src = image.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = src[i] + src[i] * (z[i] * c);
  return out;
}

/** Poisson counts with means x * c (CHW), the random field of shot noise. */
export function drawShotNoiseCounts(image: FloatImage, severity: number, seed: number): Float32Array {
  const c = SHOT_NOISE_SEVERITIES[severityIndex(severity)];
  const rng = rngFor(seed, 0);
  const src = image.data;
  const counts = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) counts[i] = rng.poisson(Math.max(0, src[i]) * c);
  return counts;
}

/** counts / c: shot noise given the Poisson counts drawn with means x * c. */
export function shotNoiseWith(image: FloatImage, severity: number, counts: ArrayLike<number>): FloatImage {
  const c = SHOT_NOISE_SEVERITIES[severityIndex(severity)];
  const out = blankLike(image);
  const dst = out.data;
  for (let i = 0; i < dst.length; i++) dst[i] = counts[i] / c;
  return out;
}

/** Impulse mask values: keep the value, set it to 1 (salt) or to 0 (pepper). */
export const IMPULSE_KEEP = 0;
export const IMPULSE_SALT = 1;
export const IMPULSE_PEPPER = 2;

/**
 * skimage's s&p draws: each value is flipped with probability `amount`, and a flipped value is salt or pepper
 * with probability 1/2 each (CHW, one entry per value).
 */
export function drawImpulseMask(severity: number, seed: number, length: number): Uint8Array {
  const amount = IMPULSE_NOISE_SEVERITIES[severityIndex(severity)];
  const rng = rngFor(seed, 0);
  const mask = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    if (rng.uniform() < amount) mask[i] = rng.uniform() < 0.5 ? IMPULSE_SALT : IMPULSE_PEPPER;
  }
  return mask;
}

/** Impulse noise given the mask (IMPULSE_KEEP / _SALT / _PEPPER per value, CHW). */
export function impulseNoiseWith(image: FloatImage, mask: ArrayLike<number>): FloatImage {
  const out = blankLike(image);
  const src = image.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) {
    const m = mask[i];
    dst[i] = m === IMPULSE_KEEP ? src[i] : m === IMPULSE_SALT ? 1 : 0;
  }
  return out;
}

const SIZES = 'no pixel sizes involved';

export const NOISE_OPS: readonly PerturbationOp[] = [
  {
    id: 'gaussianNoise',
    label: 'Gaussian noise',
    group: 'imagenet-c noise',
    description: `ImageNet-C Gaussian noise: adds N(0, c^2) to every value, c = 0.08 to 0.38 as in make_imagenet_c.py (${SIZES}).`,
    params: [SEVERITY_PARAM],
    random: true,
    apply(image: FloatImage, params: OpParams, ctx: OpContext): FloatImage {
      return gaussianNoiseWith(image, severityIndex(params) + 1, drawStandardNormals(ctx.seed, image.data.length));
    },
  },
  {
    id: 'shotNoise',
    label: 'Shot noise',
    group: 'imagenet-c noise',
    description: `ImageNet-C shot (Poisson) noise: Poisson(x * c) / c per value, c = 60 to 3 photons as in make_imagenet_c.py (${SIZES}).`,
    params: [SEVERITY_PARAM],
    random: true,
    apply(image: FloatImage, params: OpParams, ctx: OpContext): FloatImage {
      const severity = severityIndex(params) + 1;
      return shotNoiseWith(image, severity, drawShotNoiseCounts(image, severity, ctx.seed));
    },
  },
  {
    id: 'impulseNoise',
    label: 'Impulse noise',
    group: 'imagenet-c noise',
    description: `ImageNet-C impulse (salt-and-pepper) noise: a fraction c = 0.03 to 0.27 of the values becomes 0 or 1, as skimage's random_noise('s&p') in make_imagenet_c.py (${SIZES}).`,
    params: [SEVERITY_PARAM],
    random: true,
    apply(image: FloatImage, params: OpParams, ctx: OpContext): FloatImage {
      return impulseNoiseWith(image, drawImpulseMask(severityIndex(params) + 1, ctx.seed, image.data.length));
    },
  },
  {
    id: 'speckleNoise',
    label: 'Speckle noise',
    group: 'imagenet-c held-out',
    description: `ImageNet-C held-out speckle noise: x + x * N(0, c^2), c = 0.15 to 0.6 as in make_imagenet_c.py (${SIZES}).`,
    params: [SEVERITY_PARAM],
    random: true,
    apply(image: FloatImage, params: OpParams, ctx: OpContext): FloatImage {
      return speckleNoiseWith(image, severityIndex(params) + 1, drawStandardNormals(ctx.seed, image.data.length));
    },
  },
];
