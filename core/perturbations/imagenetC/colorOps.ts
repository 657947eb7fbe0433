/**
 * ImageNet-C brightness, contrast and saturate: deterministic colour transforms with skimage's rgb2hsv / hsv2rgb
 * semantics (float64 per pixel; ties of the maximum resolved blue > green > red as skimage does).
 */
import type { FloatImage } from '../types';

export const BRIGHTNESS_SHIFT = [0.1, 0.2, 0.3, 0.4, 0.5] as const;
export const CONTRAST_FACTOR = [0.4, 0.3, 0.2, 0.1, 0.05] as const;
export const SATURATE_PARAMS: readonly (readonly [number, number])[] = [[0.3, 0], [0.1, 0], [2, 0], [5, 0.1], [20, 0.2]];

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * For each pixel: rgb2hsv, then s' = clamp01(s * sMul + sAdd), v' = clamp01(v + vAdd), then hsv2rgb.
 * Brightness is (1, 0, c), saturate is (c0, c1, 0).
 */
export function hsvAdjust(image: FloatImage, sMul: number, sAdd: number, vAdd: number): FloatImage {
  const { width, height } = image;
  const n = width * height;
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < n; i++) {
    const r = src[i];
    const g = src[i + n];
    const b = src[i + 2 * n];
    const v = r > g ? (r > b ? r : b) : g > b ? g : b;
    const mn = r < g ? (r < b ? r : b) : g < b ? g : b;
    const delta = v - mn;
    let h = 0;
    let s = 0;
    if (delta !== 0) {
      s = delta / v;
      let h6: number;
      if (b === v) h6 = 4 + (r - g) / delta;
      else if (g === v) h6 = 2 + (b - r) / delta;
      else h6 = (g - b) / delta;
      h = h6 / 6;
      h = h - Math.floor(h); // Python's % 1.
    }
    s = clamp01(s * sMul + sAdd);
    const vv = clamp01(v + vAdd);
    // hsv2rgb
    const hi = Math.floor(h * 6);
    const f = h * 6 - hi;
    const p = vv * (1 - s);
    const q = vv * (1 - f * s);
    const t = vv * (1 - (1 - f) * s);
    let ro: number;
    let go: number;
    let bo: number;
    switch (((hi % 6) + 6) % 6) {
      case 0: ro = vv; go = t; bo = p; break;
      case 1: ro = q; go = vv; bo = p; break;
      case 2: ro = p; go = vv; bo = t; break;
      case 3: ro = p; go = q; bo = vv; break;
      case 4: ro = t; go = p; bo = vv; break;
      default: ro = vv; go = p; bo = q; break;
    }
    out[i] = ro;
    out[i + n] = go;
    out[i + 2 * n] = bo;
  }
  return { width, height, data: out };
}

export function brightnessTransform(image: FloatImage, severity: number): FloatImage {
  return hsvAdjust(image, 1, 0, BRIGHTNESS_SHIFT[severity - 1]);
}

export function saturateTransform(image: FloatImage, severity: number): FloatImage {
  const [mul, add] = SATURATE_PARAMS[severity - 1];
  return hsvAdjust(image, mul, add, 0);
}

/** (x - mean) * c + mean with the mean of each colour plane. */
export function contrastTransform(image: FloatImage, severity: number): FloatImage {
  const c = CONTRAST_FACTOR[severity - 1];
  const { width, height } = image;
  const n = width * height;
  const out = new Float32Array(image.data.length);
  for (let ch = 0; ch < 3; ch++) {
    const plane = image.data.subarray(ch * n, (ch + 1) * n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += plane[i];
    const mean = sum / n;
    const add = mean * (1 - c);
    for (let i = 0; i < n; i++) out[ch * n + i] = plane[i] * c + add;
  }
  return { width, height, data: out };
}
