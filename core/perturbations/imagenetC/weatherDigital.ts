/**
 * ImageNet-C weather and digital corruptions and the held-out ones, severities 1-5 (Hendrycks & Dietterich 2019),
 * with the constants of the reference implementation (hendrycks/robustness make_imagenet_c.py) and, where that
 * hard-codes 224 px, the any-size generalisation of the imagecorruptions package. Pixel constants are applied as
 * given, never scaled with the image size. Each random op is split into drawing its random fields from
 * rngFor(seed, stream) (the draw* functions) and a deterministic transform of those fields (tested against the
 * reference's Python on the same fields).
 */
import { rngFor } from '../random';
import type { FloatImage, PerturbationOp } from '../types';
import { brightnessTransform, contrastTransform, saturateTransform } from './colorOps';
import { ELASTIC_PARAMS, type ElasticFields, elasticAffine, elasticDisplacement, sampleDisplaced } from './elasticTransform';
import { FOG_PARAMS, fogBlend, nextPowerOfTwo, plasmaFractal } from './fog';
import { frostBlend, frostTexture } from './frost';
import { JPEG_QUALITY, jpegRoundTrip } from './jpegCompression';
import { pixelateTransform } from './pixelate';
import { SPATTER_PARAMS, spatterBlend, spatterMask } from './spatter';
import { FieldCache, fieldKey, severityOp } from './common';

// ---- (a) the random fields of each random op, from the step's seed ----

/** Fog's plasma map: side nextPowerOfTwo(max(width, height, 3)) (imagecorruptions), row-major, in [0, 1]. */
export function drawFogPlasma(seed: number, width: number, height: number, severity: number): { map: Float64Array; mapsize: number } {
  const mapsize = nextPowerOfTwo(Math.max(width, height, 3));
  const rng = rngFor(seed, 0);
  return { map: plasmaFractal(mapsize, FOG_PARAMS[severity - 1][1], rng.uniform), mapsize };
}

/** The procedural frost texture (CHW, [0, 1]); the same for every severity. */
export function drawFrostTexture(seed: number, width: number, height: number): Float32Array {
  return frostTexture(width, height, rngFor(seed, 0));
}

/** The elastic transform's affine offsets U(-c2, c2) (float32) and two U(-1, 1) noise fields. */
export function drawElasticFields(seed: number, width: number, height: number, severity: number): ElasticFields {
  const jitter = ELASTIC_PARAMS[severity - 1][2];
  const a = rngFor(seed, 0);
  const affine = new Float64Array(6);
  for (let i = 0; i < 6; i++) affine[i] = Math.fround(a.range(-jitter, jitter));
  const n = width * height;
  const noiseX = new Float32Array(n);
  const noiseY = new Float32Array(n);
  const rx = rngFor(seed, 1);
  const ry = rngFor(seed, 2);
  for (let i = 0; i < n; i++) noiseX[i] = rx.range(-1, 1);
  for (let i = 0; i < n; i++) noiseY[i] = ry.range(-1, 1);
  return { affine, noiseX, noiseY };
}

/** Spatter's N(loc, scale) field, height x width. */
export function drawSpatterField(seed: number, width: number, height: number, severity: number): Float64Array {
  const [loc, scale] = SPATTER_PARAMS[severity - 1];
  const rng = rngFor(seed, 0);
  const field = new Float64Array(width * height);
  for (let i = 0; i < field.length; i++) field[i] = loc + scale * rng.normal();
  return field;
}

const fogCache = new FieldCache<{ map: Float64Array; mapsize: number }>();
const frostCache = new FieldCache<Float32Array>();
const elasticCache = new FieldCache<{ affine: ElasticFields['affine']; dx: Float64Array; dy: Float64Array }>();
const spatterCache = new FieldCache<Float64Array>();
const key = (seed: number, image: FloatImage, severity: number): string => fieldKey(seed, image.width, image.height, severity);

// ---- the ops ----

const op = (
  id: string,
  label: string,
  group: PerturbationOp['group'],
  random: boolean,
  description: string,
  run: (image: FloatImage, severity: number, seed: number) => FloatImage,
): PerturbationOp => severityOp({ id, label, group, random, description }, run);

export const WEATHER_DIGITAL_OPS: readonly PerturbationOp[] = [
  op(
    'frost',
    'Frost',
    'imagenet-c weather',
    true,
    'Blends a frost texture over the image with the reference\'s weights per severity (x * a + frost * b). The reference uses photographs of frost we cannot ship; this texture is procedural (haze, branching ice crystals, sparkles; blue-tinted), drawn from the seed.',
    (image, severity, seed) => {
      const texture = frostCache.get(fieldKey(seed, image.width, image.height), () => drawFrostTexture(seed, image.width, image.height));
      return frostBlend(image, texture, severity);
    },
  ),
  op(
    'fog',
    'Fog',
    'imagenet-c weather',
    true,
    'Adds a diamond-square plasma fractal (the reference\'s plasma_fractal and wibble decay per severity) and rescales by max / (max + c); the map is the next power of two of the largest side, cropped, as imagecorruptions generalises it.',
    (image, severity, seed) => {
      const { map, mapsize } = fogCache.get(key(seed, image, severity), () => drawFogPlasma(seed, image.width, image.height, severity));
      return fogBlend(image, map, mapsize, severity);
    },
  ),
  op(
    'brightness',
    'Brightness',
    'imagenet-c weather',
    false,
    'Adds 0.1-0.5 to the HSV value (skimage rgb2hsv / hsv2rgb), as the reference.',
    (image, severity) => brightnessTransform(image, severity),
  ),
  op(
    'contrast',
    'Contrast',
    'imagenet-c digital',
    false,
    'Scales each channel\'s deviation from its mean by 0.4-0.05, as the reference.',
    (image, severity) => contrastTransform(image, severity),
  ),
  op(
    'elasticTransform',
    'Elastic transform',
    'imagenet-c digital',
    true,
    'The original\'s random affine warp (OpenCV, reflect-101 border) followed by a Gaussian-smoothed random displacement field, sampled bilinearly; its pixel constants (244 * k) are applied as given at any size.',
    (image, severity, seed) => {
      const f = elasticCache.get(key(seed, image, severity), () => {
        const fields = drawElasticFields(seed, image.width, image.height, severity);
        return { affine: fields.affine, ...elasticDisplacement(fields, image.width, image.height, severity) };
      });
      return sampleDisplaced(elasticAffine(image, f.affine), f.dx, f.dy);
    },
  ),
  op(
    'pixelate',
    'Pixelate',
    'imagenet-c digital',
    false,
    'Box-resizes down to int(side * c), c = 0.6-0.25, and back up with the box filter, as the original (Pillow\'s BOX coefficients, in float).',
    (image, severity) => pixelateTransform(image, severity),
  ),
  op(
    'jpegCompression',
    'JPEG compression',
    'imagenet-c digital',
    false,
    'JPEG round trip at the reference\'s PIL quality (25, 18, 15, 10, 7): libjpeg\'s integer DCTs, quality-scaled standard tables and 4:2:0 chroma as PIL\'s defaults (entropy coding, which is lossless, is skipped).',
    (image, severity) => jpegRoundTrip(image, JPEG_QUALITY[severity - 1]),
  ),
  op(
    'saturate',
    'Saturate',
    'imagenet-c held-out',
    false,
    'Scales and offsets the HSV saturation (x0.3, x0.1, x2, x5 + 0.1, x20 + 0.2), as the reference.',
    (image, severity) => saturateTransform(image, severity),
  ),
  op(
    'spatter',
    'Spatter',
    'imagenet-c held-out',
    true,
    'A thresholded, blurred random liquid layer: water (severities 1-3, edge-distance emboss shading in pale turquoise) or mud (4-5, brown blobs), as imagecorruptions\' spatter; pixel constants are not scaled.',
    (image, severity, seed) => {
      const mask = spatterCache.get(key(seed, image, severity), () =>
        spatterMask(drawSpatterField(seed, image.width, image.height, severity), image.width, image.height, severity),
      );
      return spatterBlend(image, mask, severity);
    },
  ),
];
