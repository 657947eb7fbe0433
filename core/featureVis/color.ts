/**
 * Lucid's colour handling (`param.color.to_valid_rgb`): the optimised channels live in a decorrelated colour space
 * (the square root of ImageNet's colour correlation, from its SVD, Lucid's `color_correlation_svd_sqrt`), normalised
 * by the largest column norm, mapped to RGB by that matrix, then squashed to [0, 1] by a sigmoid. Forward and
 * adjoint of each piece; planes are CHW, 3 x `pixels`.
 */

/** Lucid's color_correlation_svd_sqrt (rows: R, G, B). */
export const COLOR_CORRELATION_SVD_SQRT: readonly (readonly number[])[] = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];

/** The matrix divided by its largest column norm (Lucid's max_norm_svd_sqrt). */
export const COLOR_MATRIX: readonly (readonly number[])[] = (() => {
  const m = COLOR_CORRELATION_SVD_SQRT;
  let maxNorm = 0;
  for (let j = 0; j < 3; j++) maxNorm = Math.max(maxNorm, Math.hypot(m[0][j], m[1][j], m[2][j]));
  return m.map((row) => row.map((v) => v / maxNorm));
})();

/** rgb[i] = sum_j M[i][j] t[j] per pixel; `t` and `out` CHW (3 planes of `pixels`); may not alias. */
export function decorrelate(t: ArrayLike<number>, pixels: number, out: Float64Array | Float32Array): void {
  const M = COLOR_MATRIX;
  for (let p = 0; p < pixels; p++) {
    const a = t[p];
    const b = t[pixels + p];
    const c = t[2 * pixels + p];
    for (let i = 0; i < 3; i++) out[i * pixels + p] = M[i][0] * a + M[i][1] * b + M[i][2] * c;
  }
}

/** The adjoint: gt[j] = sum_i M[i][j] g[i]. */
export function decorrelateBackward(g: ArrayLike<number>, pixels: number, out: Float64Array | Float32Array): void {
  const M = COLOR_MATRIX;
  for (let p = 0; p < pixels; p++) {
    const a = g[p];
    const b = g[pixels + p];
    const c = g[2 * pixels + p];
    for (let j = 0; j < 3; j++) out[j * pixels + p] = M[0][j] * a + M[1][j] * b + M[2][j] * c;
  }
}

export function sigmoid(t: ArrayLike<number>, out: Float64Array | Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-t[i]));
}

/** d/dt from the sigmoid's output `s`: g s (1 - s). */
export function sigmoidBackward(g: ArrayLike<number>, s: ArrayLike<number>, out: Float64Array | Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = g[i] * s[i] * (1 - s[i]);
}
