/**
 * ImageNet-C elastic transform, as the original make_imagenet_c.py: a random affine warp (three control points
 * moved by U(-c2, c2) px, cv2.getAffineTransform + cv2.warpAffine bilinear with BORDER_REFLECT_101, including
 * OpenCV's 1/32 px fixed-point sampling), then a displacement field of U(-1, 1) noise smoothed by a Gaussian
 * (sigma c1, scipy 'reflect', truncate 3) times c0, sampled bilinearly with scipy map_coordinates(order=1,
 * mode='reflect'). The code works for any size like the original; its constants are pixels (244 * k) and are
 * applied as given, not scaled with the image size.
 */
import { borderIndex, gaussianFilterPlane64 } from '../gaussian';
import type { FloatImage } from '../types';
import { roundHalfEven } from './common';

/** (alpha, sigma, affine jitter) per severity: the original's 244-based pixel constants. */
export const ELASTIC_PARAMS: readonly (readonly [number, number, number])[] = [
  [244 * 2, 244 * 0.7, 244 * 0.1],
  [244 * 2, 244 * 0.08, 244 * 0.2],
  [244 * 0.05, 244 * 0.01, 244 * 0.02],
  [244 * 0.07, 244 * 0.01, 244 * 0.02],
  [244 * 0.12, 244 * 0.01, 244 * 0.02],
];

/** The random fields of one elastic step. */
export interface ElasticFields {
  /** 6 offsets (3 points x (x, y)) in px, already float32-rounded, added to the control points. */
  affine: Float64Array | readonly number[];
  /** U(-1, 1) noise, height x width row-major, for the x and y displacement. */
  noiseX: ArrayLike<number>;
  noiseY: ArrayLike<number>;
}

/** The reference's control points: centre = (h // 2, w // 2) used as (x, y) points, as the original does. */
export function elasticControlPoints(width: number, height: number): number[] {
  const c0 = Math.floor(height / 2);
  const c1 = Math.floor(width / 2);
  const s = Math.floor(Math.min(height, width) / 3);
  return [c0 + s, c1 + s, c0 + s, c1 - s, c0 - s, c1 - s];
}

/** cv2.getAffineTransform: the 2x3 matrix (row-major) mapping the 3 `src` points onto `dst`, solved in double. */
export function affineFromPoints(src: readonly number[], dst: readonly number[]): Float64Array {
  const m = new Float64Array(6);
  for (let r = 0; r < 2; r++) {
    // Solve [x y 1] * [a b c]^T = dst_r with partial pivoting (OpenCV's LU).
    const A = [
      [src[0], src[1], 1, dst[r]],
      [src[2], src[3], 1, dst[2 + r]],
      [src[4], src[5], 1, dst[4 + r]],
    ];
    for (let i = 0; i < 3; i++) {
      let p = i;
      for (let j = i + 1; j < 3; j++) if (Math.abs(A[j][i]) > Math.abs(A[p][i])) p = j;
      if (A[p][i] === 0) return Float64Array.of(1, 0, 0, 0, 1, 0);
      [A[i], A[p]] = [A[p], A[i]];
      const d = -1 / A[i][i];
      for (let j = i + 1; j < 3; j++) {
        const alpha = A[j][i] * d;
        for (let k = i + 1; k < 4; k++) A[j][k] += alpha * A[i][k];
      }
      A[i][i] = -d;
    }
    const x = [0, 0, 0];
    for (let i = 2; i >= 0; i--) {
      let s = A[i][3];
      for (let k = i + 1; k < 3; k++) s -= A[i][k] * x[k];
      x[i] = s * A[i][i];
    }
    m[3 * r] = x[0];
    m[3 * r + 1] = x[1];
    m[3 * r + 2] = x[2];
  }
  return m;
}

/** OpenCV's cvRound / saturate_cast<int>(double): C's lrint, round half to even. */
const cvRound = roundHalfEven;
const reflect101 = (i: number, n: number): number => borderIndex(i, n, 'mirror');

/**
 * cv2.warpAffine(image, M, (w, h), flags=INTER_LINEAR, borderMode=BORDER_REFLECT_101) for a float image:
 * inverse-maps every pixel with OpenCV's fixed-point arithmetic (10-bit, then 5-bit sub-pixel weights).
 */
export function warpAffineReflect101(image: FloatImage, matrix: ArrayLike<number>): FloatImage {
  const { width, height } = image;
  const n = width * height;
  const M = Array.from(matrix);
  let D = M[0] * M[4] - M[1] * M[3];
  D = D !== 0 ? 1 / D : 0;
  const A11 = M[4] * D;
  const A22 = M[0] * D;
  M[0] = A11;
  M[1] *= -D;
  M[3] *= -D;
  M[4] = A22;
  const b1 = -M[0] * M[2] - M[1] * M[5];
  const b2 = -M[3] * M[2] - M[4] * M[5];
  M[2] = b1;
  M[5] = b2;
  const AB = 1024;
  const roundDelta = 16; // AB_SCALE / INTER_TAB_SIZE / 2
  const adelta = new Int32Array(width);
  const bdelta = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    adelta[x] = cvRound(M[0] * x * AB);
    bdelta[x] = cvRound(M[3] * x * AB);
  }
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    const X0 = cvRound((M[1] * y + M[2]) * AB) + roundDelta;
    const Y0 = cvRound((M[4] * y + M[5]) * AB) + roundDelta;
    for (let x = 0; x < width; x++) {
      const X = (X0 + adelta[x]) >> 5;
      const Y = (Y0 + bdelta[x]) >> 5;
      const sx = X >> 5;
      const sy = Y >> 5;
      const fx = (X & 31) / 32;
      const fy = (Y & 31) / 32;
      const w0 = (1 - fy) * (1 - fx);
      const w1 = (1 - fy) * fx;
      const w2 = fy * (1 - fx);
      const w3 = fy * fx;
      let x0: number;
      let x1: number;
      let y0: number;
      let y1: number;
      if (sx >= 0 && sx < width - 1 && sy >= 0 && sy < height - 1) {
        x0 = sx;
        x1 = sx + 1;
        y0 = sy;
        y1 = sy + 1;
      } else {
        x0 = reflect101(sx, width);
        x1 = reflect101(sx + 1, width);
        y0 = reflect101(sy, height);
        y1 = reflect101(sy + 1, height);
      }
      const i00 = y0 * width + x0;
      const i01 = y0 * width + x1;
      const i10 = y1 * width + x0;
      const i11 = y1 * width + x1;
      const o = y * width + x;
      for (let c = 0; c < 3; c++) {
        const p = c * n;
        out[p + o] = src[p + i00] * w0 + src[p + i01] * w1 + src[p + i10] * w2 + src[p + i11] * w3;
      }
    }
  }
  return { width, height, data: out };
}

/** The smoothed displacement (dx, dy) in px, float32 values, from the fields' noise (scipy gaussian * alpha). */
export function elasticDisplacement(fields: ElasticFields, width: number, height: number, severity: number): { dx: Float64Array; dy: Float64Array } {
  const [alpha, sigma] = ELASTIC_PARAMS[severity - 1];
  // scipy.ndimage.gaussian_filter(noise, sigma, mode='reflect', truncate=3); sigma reaches 170 px (severity 1),
  // so kernels longer than the image are folded onto it.
  const dx = gaussianFilterPlane64(fields.noiseX, width, height, sigma, 'reflect', { truncate: 3, fold: true });
  const dy = gaussianFilterPlane64(fields.noiseY, width, height, sigma, 'reflect', { truncate: 3, fold: true });
  for (let i = 0; i < dx.length; i++) {
    dx[i] = Math.fround(dx[i] * alpha);
    dy[i] = Math.fround(dy[i] * alpha);
  }
  return { dx, dy };
}

/** The deterministic part of the elastic transform, given the step's random fields. */
export function elasticTransformWith(image: FloatImage, fields: ElasticFields, severity: number): FloatImage {
  const { dx, dy } = elasticDisplacement(fields, image.width, image.height, severity);
  return sampleDisplaced(elasticAffine(image, fields.affine), dx, dy);
}

/** The affine step alone (control points moved by `offsets`, float32 arithmetic as the reference). */
export function elasticAffine(image: FloatImage, offsets: ArrayLike<number>): FloatImage {
  const pts1 = elasticControlPoints(image.width, image.height);
  const pts2 = pts1.map((p, i) => Math.fround(p + Math.fround(offsets[i])));
  return warpAffineReflect101(image, affineFromPoints(pts1, pts2));
}

/** map_coordinates(image, (y + dy, x + dx), order=1, mode='reflect') per colour plane. */
export function sampleDisplaced(image: FloatImage, dx: ArrayLike<number>, dy: ArrayLike<number>): FloatImage {
  const { width, height } = image;
  const n = width * height;
  const src = image.data;
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * width + x;
      const cy = y + dy[o];
      const cx = x + dx[o];
      const iy = Math.floor(cy);
      const ix = Math.floor(cx);
      const fy = cy - iy;
      const fx = cx - ix;
      const y0 = borderIndex(iy, height, 'reflect') * width;
      const y1 = borderIndex(iy + 1, height, 'reflect') * width;
      const x0 = borderIndex(ix, width, 'reflect');
      const x1 = borderIndex(ix + 1, width, 'reflect');
      for (let c = 0; c < 3; c++) {
        const p = c * n;
        const top = src[p + y0 + x0] * (1 - fx) + src[p + y0 + x1] * fx;
        const bottom = src[p + y1 + x0] * (1 - fx) + src[p + y1 + x1] * fx;
        out[p + o] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return { width, height, data: out };
}
