/**
 * ImageNet-C spatter (held-out), as imagecorruptions' version for RGB images. A N(loc, scale) field is blurred
 * (skimage gaussian, mode 'nearest') and thresholded into a liquid layer. Severities 1-3 are water: OpenCV's
 * Canny edges of the 8-bit layer, their 5x5 chamfer distance transform (DIST_L2), truncation at 20, box blurs,
 * histogram equalisation and an emboss kernel shade the layer, which is added in pale turquoise. Severities 4-5
 * are mud: the thresholded mask is blurred, cut at 0.8 and blended in mud brown. Pixel constants are not scaled
 * with the image size.
 */
import { borderIndex, gaussianFilterPlane, gaussianFilterPlane64 } from '../gaussian';
import type { FloatImage } from '../types';
import { roundHalfEven } from './common';

/** (loc, scale, sigma, threshold, intensity/sigma2, mud) per severity. */
export const SPATTER_PARAMS: readonly (readonly [number, number, number, number, number, number])[] = [
  [0.65, 0.3, 4, 0.69, 0.6, 0],
  [0.65, 0.3, 3, 0.68, 0.6, 0],
  [0.65, 0.3, 2, 0.68, 0.5, 0],
  [0.65, 0.3, 1, 0.65, 1.5, 1],
  [0.67, 0.4, 1, 0.65, 1.5, 1],
];

const clampIdx = (i: number, n: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);
/** OpenCV BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba). */
const r101 = (i: number, n: number): number => borderIndex(i, n, 'mirror');

/** cv2.Canny(img, low, high) with aperture 3 and the L1 gradient: 255 on edges, 0 elsewhere. */
export function canny(img: Uint8Array, w: number, h: number, low: number, high: number): Uint8Array {
  const n = w * h;
  const dx = new Int32Array(n);
  const dy = new Int32Array(n);
  const mag = new Int32Array((w + 2) * (h + 2)); // zero border
  for (let y = 0; y < h; y++) {
    const ym = clampIdx(y - 1, h) * w;
    const y0 = y * w;
    const yp = clampIdx(y + 1, h) * w;
    for (let x = 0; x < w; x++) {
      const xm = clampIdx(x - 1, w);
      const xp = clampIdx(x + 1, w);
      const gx = img[ym + xp] - img[ym + xm] + 2 * (img[y0 + xp] - img[y0 + xm]) + img[yp + xp] - img[yp + xm];
      const gy = img[yp + xm] - img[ym + xm] + 2 * (img[yp + x] - img[ym + x]) + img[yp + xp] - img[ym + xp];
      dx[y0 + x] = gx;
      dy[y0 + x] = gy;
      mag[(y + 1) * (w + 2) + x + 1] = Math.abs(gx) + Math.abs(gy);
    }
  }
  const TG22 = Math.floor(0.4142135623730950488 * (1 << 15) + 0.5);
  // 0: candidate (weak), 1: not an edge, 2: edge.
  const map = new Uint8Array(n).fill(1);
  const stack: number[] = [];
  const W = w + 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const j = (y + 1) * W + x + 1;
      const m = mag[j];
      if (m <= low) continue;
      const xs = dx[y * w + x];
      const ys = dy[y * w + x];
      const ax = Math.abs(xs);
      const ay = Math.abs(ys) * 32768;
      const tg22x = ax * TG22;
      let keep: boolean;
      if (ay < tg22x) keep = m > mag[j - 1] && m >= mag[j + 1];
      else {
        const tg67x = tg22x + ax * 65536;
        if (ay > tg67x) keep = m > mag[j - W] && m >= mag[j + W];
        else {
          const s = (xs < 0) !== (ys < 0) ? -1 : 1;
          keep = m > mag[j - W - s] && m > mag[j + W + s];
        }
      }
      if (!keep) continue;
      const i = y * w + x;
      if (m > high) {
        map[i] = 2;
        stack.push(i);
      } else map[i] = 0;
    }
  }
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const y = Math.floor(i / w);
    const x = i - y * w;
    for (let oy = -1; oy <= 1; oy++) {
      const yy = y + oy;
      if (yy < 0 || yy >= h) continue;
      for (let ox = -1; ox <= 1; ox++) {
        const xx = x + ox;
        if (xx < 0 || xx >= w) continue;
        const k = yy * w + xx;
        if (map[k] === 0) {
          map[k] = 2;
          stack.push(k);
        }
      }
    }
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = map[i] === 2 ? 255 : 0;
  return out;
}

/** cv2.distanceTransform(src, DIST_L2, 5): 5x5 chamfer distance (1, 1.4, 2.1969) to the nearest zero pixel. */
export function distanceTransform5(src: Uint8Array, w: number, h: number): Float32Array {
  const HV = Math.round(Math.fround(1) * 65536);
  const DIAG = Math.round(Math.fround(1.4) * 65536);
  const LONG = Math.round(Math.fround(2.1969) * 65536);
  const INIT = 0x7fffffff >> 2;
  const B = 2;
  const W = w + 2 * B;
  const t = new Float64Array(W * (h + 2 * B)).fill(INIT);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const j = (y + B) * W + x + B;
      if (src[y * w + x] === 0) {
        t[j] = 0;
        continue;
      }
      let t0 = t[j - 2 * W - 1] + LONG;
      t0 = Math.min(t0, t[j - 2 * W + 1] + LONG, t[j - W - 2] + LONG, t[j - W - 1] + DIAG, t[j - W] + HV, t[j - W + 1] + DIAG, t[j - W + 2] + LONG, t[j - 1] + HV);
      t[j] = t0;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const j = (y + B) * W + x + B;
      let t0 = t[j];
      if (t0 > HV) {
        t0 = Math.min(t0, t[j + 2 * W + 1] + LONG, t[j + 2 * W - 1] + LONG, t[j + W + 2] + LONG, t[j + W + 1] + DIAG, t[j + W] + HV, t[j + W - 1] + DIAG, t[j + W - 2] + LONG, t[j + 1] + HV);
        t[j] = t0;
      }
      out[y * w + x] = Math.fround(t0 / 65536);
    }
  }
  return out;
}

/** cv2.equalizeHist for an 8-bit image. */
export function equalizeHist(src: Uint8Array): Uint8Array {
  const hist = new Int32Array(256);
  for (let i = 0; i < src.length; i++) hist[src[i]]++;
  let i = 0;
  while (i < 255 && hist[i] === 0) i++;
  const total = src.length;
  const out = new Uint8Array(total);
  if (hist[i] === total) return out.fill(i);
  const lut = new Uint8Array(256);
  const scale = Math.fround(255 / (total - hist[i]));
  let sum = 0;
  lut[i++] = 0;
  for (; i < 256; i++) {
    sum += hist[i];
    const v = roundHalfEven(Math.fround(sum * scale));
    lut[i] = v > 255 ? 255 : v;
  }
  for (let k = 0; k < total; k++) out[k] = lut[src[k]];
  return out;
}

/** 3x3 box sums with BORDER_REFLECT_101. */
function boxSum3(src: ArrayLike<number>, w: number, h: number): Float64Array {
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let oy = -1; oy <= 1; oy++) {
        const row = r101(y + oy, h) * w;
        for (let ox = -1; ox <= 1; ox++) s += src[row + r101(x + ox, w)];
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

/** The emboss-shaded water pattern (float, 0..255) for the 8-bit liquid layer, as the reference's cv2 chain. */
export function waterShade(layer8: Uint8Array, w: number, h: number): Float32Array {
  const edges = canny(layer8, w, h, 50, 150);
  const inv = new Uint8Array(w * h);
  for (let i = 0; i < inv.length; i++) inv[i] = 255 - edges[i];
  const dist = distanceTransform5(inv, w, h);
  for (let i = 0; i < dist.length; i++) if (dist[i] > 20) dist[i] = 20;
  const sums = boxSum3(dist, w, h);
  const dist8 = new Uint8Array(w * h);
  for (let i = 0; i < dist8.length; i++) dist8[i] = Math.trunc(Math.fround(sums[i] * (1 / 9)));
  const eq = equalizeHist(dist8);
  const KER = [-2, -1, 0, -1, 1, 1, 0, 1, 2];
  const emb = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let oy = -1; oy <= 1; oy++) {
        const row = r101(y + oy, h) * w;
        for (let ox = -1; ox <= 1; ox++) s += KER[(oy + 1) * 3 + ox + 1] * eq[row + r101(x + ox, w)];
      }
      emb[y * w + x] = s < 0 ? 0 : s > 255 ? 255 : s;
    }
  }
  const sums2 = boxSum3(emb, w, h);
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(sums2[i] / 9);
  return out;
}

/** The liquid mask of a spatter step (height x width): water intensity (already scaled) or mud opacity. */
export function spatterMask(normalField: ArrayLike<number>, w: number, h: number, severity: number): Float64Array {
  const c = SPATTER_PARAMS[severity - 1];
  const n = w * h;
  const liquid = gaussianFilterPlane64(normalField, w, h, c[2], 'nearest'); // skimage gaussian, float64
  for (let i = 0; i < n; i++) if (liquid[i] < c[3]) liquid[i] = 0;
  const m = new Float64Array(n);
  if (c[5] === 0) {
    const layer8 = new Uint8Array(n);
    for (let i = 0; i < n; i++) layer8[i] = Math.trunc(liquid[i] * 255) & 255;
    const shade = waterShade(layer8, w, h);
    let max = 0;
    for (let i = 0; i < n; i++) {
      m[i] = layer8[i] * shade[i];
      if (m[i] > max) max = m[i];
    }
    const k = max > 0 ? c[4] / max : 0;
    for (let i = 0; i < n; i++) m[i] *= k;
  } else {
    const mask = new Float32Array(n);
    for (let i = 0; i < n; i++) mask[i] = liquid[i] > c[3] ? 1 : 0;
    const blurred = gaussianFilterPlane(mask, w, h, c[4], c[4], 'nearest', 4);
    for (let i = 0; i < n; i++) m[i] = blurred[i] < 0.8 ? 0 : blurred[i];
  }
  return m;
}

/** Water (severities 1-3) adds mask * pale turquoise; mud (4-5) blends mud brown with the mask as opacity. */
export function spatterBlend(image: FloatImage, m: Float64Array, severity: number): FloatImage {
  const mud = SPATTER_PARAMS[severity - 1][5] !== 0;
  const { width: w, height: h } = image;
  const n = w * h;
  const src = image.data;
  const out = new Float32Array(src.length);
  if (!mud) {
    const color = [175 / 255, 238 / 255, 238 / 255];
    for (let ch = 0; ch < 3; ch++) for (let i = 0; i < n; i++) out[ch * n + i] = src[ch * n + i] + m[i] * color[ch];
  } else {
    const color = [63 / 255, 42 / 255, 20 / 255];
    for (let ch = 0; ch < 3; ch++) for (let i = 0; i < n; i++) out[ch * n + i] = src[ch * n + i] * (1 - m[i]) + color[ch] * m[i];
  }
  return { width: w, height: h, data: out };
}

/** The deterministic part of spatter, given the N(loc, scale) field drawn for the step (height x width). */
export function spatterWith(image: FloatImage, normalField: ArrayLike<number>, severity: number): FloatImage {
  return spatterBlend(image, spatterMask(normalField, image.width, image.height, severity), severity);
}
