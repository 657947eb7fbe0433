/**
 * ImageNet-C noise corruptions (gaussian, shot, impulse) and the held-out speckle noise. Each op is split into
 * drawing its random field from rngFor(seed) and a deterministic `...With(image, severity, field)` that applies
 * the reference formula to it (exported for the reference tests).
 */
import { rngFor } from '../random';
import type { FloatImage, PerturbationOp } from '../types';
import { blankLike, FieldCache, fieldKey, severityIndex, severityOp } from './common';

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

/** One uniform in [0, 1) per value (CHW) from the step's seed: shot noise's random field. */
export function drawUniforms(seed: number, length: number): Float64Array {
  const rng = rngFor(seed, 0);
  const u = new Float64Array(length);
  for (let i = 0; i < length; i++) u[i] = rng.uniform();
  return u;
}

/**
 * The CDF of Poisson(lambda) summed term by term from k = 0 (p_k = p_(k-1) * lambda / k) until adding a term no
 * longer changes it: F[k] = P(K <= k).
 */
function poissonCdf(lambda: number): Float64Array {
  let p = Math.exp(-lambda);
  let f = p;
  const cdf = [f];
  for (let k = 1; ; k++) {
    p = (p * lambda) / k;
    const next = f + p;
    if (next === f) break;
    cdf.push((f = next));
  }
  return Float64Array.from(cdf);
}

/** The Poisson quantile of `u`: the first k with u < F[k] (F.length if none), searched from k = floor(lambda). */
function quantile(cdf: Float64Array, lambda: number, u: number): number {
  let k = Math.min(Math.floor(lambda), cdf.length - 1);
  if (u < cdf[k]) {
    while (k > 0 && u < cdf[k - 1]) k--;
    return k;
  }
  while (k < cdf.length && u >= cdf[k]) k++;
  return k;
}

/** Beyond this mean e^-lambda underflows; such values (never a clamped pixel: lambda <= 60) use PTRS draws. */
const MAX_TABLE_LAMBDA = 500;
/** All 256 8-bit levels' CDFs of one severity, end to end: level k's is cdf[start[k]] .. cdf[start[k + 1] - 1]. */
interface LevelCdfs {
  start: Int32Array;
  cdf: Float64Array;
}
const levelCdfs: (LevelCdfs | undefined)[] = [];

function levelCdfsFor(s: number): LevelCdfs {
  let t = levelCdfs[s];
  if (!t) {
    const c = SHOT_NOISE_SEVERITIES[s];
    const parts = Array.from({ length: 256 }, (_, level) => poissonCdf(Math.fround(level / 255) * c));
    const start = new Int32Array(257);
    for (let k = 0; k < 256; k++) start[k + 1] = start[k] + parts[k].length;
    const cdf = new Float64Array(start[256]);
    parts.forEach((part, k) => cdf.set(part, start[k]));
    levelCdfs[s] = t = { start, cdf };
  }
  return t;
}

/**
 * Poisson counts with means x * c (CHW) by inversion: the count of a value is the Poisson(x * c) quantile of its
 * uniform `u` (an exact Poisson draw). Values on the 8-bit grid (x = k / 255 in float32, every pixel of a frame)
 * use their level's precomputed CDF; other values get theirs computed the same way, so both give the same count.
 */
export function shotNoiseCountsFrom(image: FloatImage, severity: number, u: ArrayLike<number>, seed = 0): Float32Array {
  const s = severityIndex(severity);
  const c = SHOT_NOISE_SEVERITIES[s];
  const { start, cdf } = levelCdfsFor(s);
  const src = image.data;
  const counts = new Float32Array(src.length);
  let large: ReturnType<typeof rngFor> | undefined;
  for (let i = 0; i < src.length; i++) {
    const x = src[i];
    const lambda = Math.max(0, x) * c;
    if (!(lambda > 0)) continue;
    const level = Math.round(x * 255);
    if (level <= 255 && x === Math.fround(level / 255)) {
      // quantile() on the level's slice of `cdf`
      const lo = start[level];
      const hi = start[level + 1];
      let k = Math.min(lo + Math.floor(lambda), hi - 1);
      const v = u[i];
      if (v < cdf[k]) while (k > lo && v < cdf[k - 1]) k--;
      else while (k < hi && v >= cdf[k]) k++;
      counts[i] = k - lo;
    } else if (lambda <= MAX_TABLE_LAMBDA) counts[i] = quantile(poissonCdf(lambda), lambda, u[i]);
    else counts[i] = (large ??= rngFor(seed, 1)).poisson(lambda);
  }
  return counts;
}

/** Poisson counts with means x * c (CHW), the random field of shot noise. */
export function drawShotNoiseCounts(image: FloatImage, severity: number, seed: number): Float32Array {
  return shotNoiseCountsFrom(image, severity, drawUniforms(seed, image.data.length), seed);
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

// The random fields, drawn once per (seed, size[, severity]) and reused while the step stays the same.
const normalsCache = new FieldCache<Float32Array>();
const impulseCache = new FieldCache<Uint8Array>();
const uniformsCache = new FieldCache<Float64Array>();
const standardNormals = (seed: number, image: FloatImage): Float32Array =>
  normalsCache.get(fieldKey(seed, image.width, image.height), () => drawStandardNormals(seed, image.data.length));

export const NOISE_OPS: readonly PerturbationOp[] = [
  severityOp(
    {
      id: 'gaussianNoise',
      label: 'Gaussian noise',
      group: 'imagenet-c noise',
      random: true,
      description: `ImageNet-C Gaussian noise: adds N(0, c^2) to every value, c = 0.08 to 0.38 as in make_imagenet_c.py (${SIZES}).`,
    },
    (image, severity, seed) => gaussianNoiseWith(image, severity, standardNormals(seed, image)),
  ),
  severityOp(
    {
      id: 'shotNoise',
      label: 'Shot noise',
      group: 'imagenet-c noise',
      random: true,
      description: `ImageNet-C shot (Poisson) noise: Poisson(x * c) / c per value, c = 60 to 3 photons as in make_imagenet_c.py (${SIZES}).`,
    },
    (image, severity, seed) => {
      const u = uniformsCache.get(fieldKey(seed, image.width, image.height), () => drawUniforms(seed, image.data.length));
      return shotNoiseWith(image, severity, shotNoiseCountsFrom(image, severity, u, seed));
    },
  ),
  severityOp(
    {
      id: 'impulseNoise',
      label: 'Impulse noise',
      group: 'imagenet-c noise',
      random: true,
      description: `ImageNet-C impulse (salt-and-pepper) noise: a fraction c = 0.03 to 0.27 of the values becomes 0 or 1, as skimage's random_noise('s&p') in make_imagenet_c.py (${SIZES}).`,
    },
    (image, severity, seed) =>
      impulseNoiseWith(
        image,
        impulseCache.get(fieldKey(seed, image.width, image.height, severity), () => drawImpulseMask(severity, seed, image.data.length)),
      ),
  ),
  severityOp(
    {
      id: 'speckleNoise',
      label: 'Speckle noise',
      group: 'imagenet-c held-out',
      random: true,
      description: `ImageNet-C held-out speckle noise: x + x * N(0, c^2), c = 0.15 to 0.6 as in make_imagenet_c.py (${SIZES}).`,
    },
    (image, severity, seed) => speckleNoiseWith(image, severity, standardNormals(seed, image)),
  ),
];
