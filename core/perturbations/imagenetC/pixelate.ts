/**
 * ImageNet-C pixelate: Pillow's BOX resize down to int(side * c) and back up, computed in float with Pillow's
 * exact box coefficients (Pillow itself rounds each pass to 8 bits). The original resizes back up with BOX;
 * imagecorruptions uses NEAREST for the way up — we follow the original.
 */
import type { FloatImage } from '../types';

export const PIXELATE_FACTOR = [0.6, 0.5, 0.4, 0.3, 0.25] as const;

interface Coeffs {
  /** First input index per output index. */
  start: Int32Array;
  /** Number of taps per output index. */
  count: Int32Array;
  /** ksize weights per output index. */
  weights: Float64Array;
  ksize: number;
}

/** Pillow's precompute_coeffs for the box filter (support 0.5, widened by the scale when shrinking). */
export function boxCoefficients(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 0.5 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = (x + xmin - center + 0.5) / filterscale;
      const w = t > -0.5 && t <= 0.5 ? 1 : 0;
      weights[xx * ksize + x] = w;
      ww += w;
    }
    if (ww !== 0) for (let x = 0; x < xmax; x++) weights[xx * ksize + x] /= ww;
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, ksize };
}

/** Resamples `planes` planes (each h x w, row-major) along x then y with box coefficients. */
export function boxResize(src: Float32Array, planes: number, w: number, h: number, outW: number, outH: number): Float32Array {
  const cx = boxCoefficients(w, outW);
  const cy = boxCoefficients(h, outH);
  const tmp = new Float32Array(planes * h * outW);
  const out = new Float32Array(planes * outH * outW);
  for (let p = 0; p < planes; p++) {
    const s0 = p * w * h;
    const t0 = p * outW * h;
    for (let y = 0; y < h; y++) {
      const row = s0 + y * w;
      for (let xx = 0; xx < outW; xx++) {
        const st = cx.start[xx];
        const k = xx * cx.ksize;
        let acc = 0;
        for (let i = 0; i < cx.count[xx]; i++) acc += src[row + st + i] * cx.weights[k + i];
        tmp[t0 + y * outW + xx] = acc;
      }
    }
    const o0 = p * outW * outH;
    for (let yy = 0; yy < outH; yy++) {
      const st = cy.start[yy];
      const k = yy * cy.ksize;
      const cnt = cy.count[yy];
      for (let x = 0; x < outW; x++) {
        let acc = 0;
        for (let i = 0; i < cnt; i++) acc += tmp[t0 + (st + i) * outW + x] * cy.weights[k + i];
        out[o0 + yy * outW + x] = acc;
      }
    }
  }
  return out;
}

export function pixelateTransform(image: FloatImage, severity: number): FloatImage {
  const c = PIXELATE_FACTOR[severity - 1];
  const { width, height } = image;
  const sw = Math.max(1, Math.trunc(width * c));
  const sh = Math.max(1, Math.trunc(height * c));
  const small = boxResize(image.data, 3, width, height, sw, sh);
  return { width, height, data: boxResize(small, 3, sw, sh, width, height) };
}
