/**
 * ImageNet-C snow: a layer of Gaussian noise, magnified about the centre, thresholded into flakes and smeared by
 * the motion blur along a random angle in [-135, -45) degrees, added twice (once rotated by 180 degrees) to the
 * image brightened towards its grey value. Follows imagecorruptions (the motion blur in float, then 8-bit rounding
 * of the layer), which at 224 px matches make_imagenet_c.py up to ImageMagick's 8-bit quantisation.
 */
import { rngFor } from '../random';
import type { FloatImage, PerturbationOp } from '../types';
import { blankLike, clippedZoomAxis, clippedZoomPlane, FieldCache, fieldKey, rgbToGray, roundHalfEven, severityIndex, severityOp } from './common';
import { motionBlurPlane, motionBlurTaps } from './motionBlur';

/**
 * (loc, scale, zoom, threshold, blur radius, blur sigma, image weight) per severity (snow): the layer is
 * N(loc, scale^2), zoomed, values below the threshold dropped, motion-blurred; the image keeps `weight` of itself.
 */
export const SNOW_SEVERITIES: readonly (readonly [number, number, number, number, number, number, number])[] = [
  [0.1, 0.3, 3, 0.5, 10, 4, 0.8],
  [0.2, 0.3, 2, 0.5, 12, 4, 0.7],
  [0.55, 0.3, 4, 0.9, 12, 8, 0.7],
  [0.55, 0.3, 4.5, 0.85, 12, 8, 0.65],
  [0.55, 0.3, 2.5, 0.85, 12, 12, 0.55],
];

/** The random field of snow: one standard normal per pixel (row-major, height x width) and the blur angle. */
export function drawSnowField(seed: number, width: number, height: number): { z: Float32Array; angle: number } {
  const rng = rngFor(seed, 0);
  const z = new Float32Array(width * height);
  for (let i = 0; i < z.length; i++) z[i] = rng.normal();
  return { z, angle: rngFor(seed, 1).range(-135, -45) };
}

/** Snow given the standard normals `z` (height x width) and the motion blur angle in degrees. */
export function snowWith(image: FloatImage, severity: number, z: ArrayLike<number>, angleDeg: number): FloatImage {
  return snowBlend(image, severity, snowLayer(image.width, image.height, severity, z, angleDeg));
}

/**
 * The snow layer (height x width, 8-bit levels / 255): noise zoomed, thresholded, motion-blurred and rounded.
 * It does not depend on the image, so the op computes it once per (seed, size, severity).
 */
export function snowLayer(W: number, H: number, severity: number, z: ArrayLike<number>, angleDeg: number): Float64Array {
  const [loc, scale, zoom, threshold, radius, sigma] = SNOW_SEVERITIES[severityIndex(severity)];
  const n = W * H;
  const layer = new Float64Array(n);
  for (let i = 0; i < n; i++) layer[i] = loc + scale * z[i];
  // The whole zoomed layer (scipy's output, larger than the image): the motion blur reads beyond the image window.
  const fullH = clippedZoomAxis(H, zoom, 0).fullSize;
  const fullW = clippedZoomAxis(W, zoom, 0).fullSize;
  const zoomed = new Float64Array(fullW * fullH);
  clippedZoomPlane(layer, W, clippedZoomAxis(H, zoom, fullH), clippedZoomAxis(W, zoom, fullW), zoomed, fullW, fullH, false);
  for (let i = 0; i < zoomed.length; i++) {
    const v = zoomed[i];
    zoomed[i] = v < threshold ? 0 : v > 1 ? 1 : v;
  }
  const blurred = new Float64Array(n);
  motionBlurPlane(zoomed, fullW, fullH, motionBlurTaps(radius, sigma, angleDeg, fullW, fullH), blurred, W, H);
  for (let i = 0; i < n; i++) blurred[i] = roundHalfEven(blurred[i] * 255) / 255;
  return blurred;
}

/** The image brightened towards its grey value, plus the layer twice (once turned 180 degrees). */
export function snowBlend(image: FloatImage, severity: number, blurred: Float64Array): FloatImage {
  const weight = SNOW_SEVERITIES[severityIndex(severity)][6];
  const n = image.width * image.height;
  const gray = rgbToGray(image);
  const out = blankLike(image);
  const src = image.data;
  const dst = out.data;
  for (let c = 0; c < 3; c++) {
    const o = c * n;
    for (let i = 0; i < n; i++) {
      const x = src[o + i];
      const bright = gray[i] * 1.5 + 0.5;
      dst[o + i] = weight * x + (1 - weight) * (x > bright ? x : bright) + blurred[i] + blurred[n - 1 - i];
    }
  }
  return out;
}

const layerCache = new FieldCache<Float64Array>();

export const SNOW_OP: PerturbationOp = severityOp(
  {
    id: 'snow',
    label: 'Snow',
    group: 'imagenet-c weather',
    random: true,
    description:
      'ImageNet-C snow: Gaussian noise zoomed 2 to 4.5 times and thresholded into flakes, motion-blurred (radius 10 to 12 px) along a random ' +
      'angle in [-135, -45) degrees, added twice (once turned 180 degrees) to the brightened image, as imagecorruptions computes it; pixel sizes as given, not scaled with the image.',
  },
  (image, severity, seed) => {
    const { width, height } = image;
    const layer = layerCache.get(fieldKey(seed, width, height, severity), () => {
      const { z, angle } = drawSnowField(seed, width, height);
      return snowLayer(width, height, severity, z, angle);
    });
    return snowBlend(image, severity, layer);
  },
);
