/**
 * Lucid's Fourier image parameterisation (`param.spatial.fft_image`), one real plane at a time: the parameters are
 * the real and imaginary parts of the non-negative horizontal frequencies of the image's 2D spectrum (numpy's
 * rfft2 layout: `height` rows by `floor(width / 2) + 1` columns), scaled by 1 / f (the natural-image spectrum, so
 * every frequency starts on an equal footing; Olah et al. 2017) and by sqrt(width x height), and the image is the
 * inverse real FFT divided by 4 (Lucid's constant).
 *
 * The inverse real FFT, written out: plane[y][x] = 1/(h w) sum_{ky < h, kx < wf} c_kx Re(S[ky][kx] e^{2 pi i (ky y / h
 * + kx x / w)}) with c_kx = 1 for the DC column (and the Nyquist column of an even width), 2 otherwise; the imaginary
 * parts of those columns' self-conjugate bins are ignored, like numpy.fft.irfft2. It is a real-linear map, and its
 * adjoint is d/dRe S = c_kx / (h w) Re F, d/dIm S = c_kx / (h w) Im F with F = fft2(G) (G: the gradient of the plane).
 * Transforms of any length via core/perturbations/fft.ts (fft.js).
 */
import { fftPlan } from '../perturbations/fft';

/** Columns of the half spectrum for an image `width` wide. */
export const halfWidth = (width: number): number => (width >> 1) + 1;

/**
 * Lucid's per-frequency gain: 1 / max(f, 1 / max(w, h)) x sqrt(w h) / 4 (the 1/4 being Lucid's final division), with
 * f = sqrt(fx^2 + fy^2) in cycles per pixel (numpy.fft.fftfreq). `height` x halfWidth(width) values.
 */
export function spectrumScale(width: number, height: number): Float64Array {
  const wf = halfWidth(width);
  const out = new Float64Array(height * wf);
  const floor = 1 / Math.max(width, height);
  const gain = Math.sqrt(width * height) / 4;
  for (let ky = 0; ky < height; ky++) {
    const fy = (ky < (height + 1) >> 1 ? ky : ky - height) / height;
    for (let kx = 0; kx < wf; kx++) {
      const fx = kx / width;
      out[ky * wf + kx] = gain / Math.max(Math.sqrt(fx * fx + fy * fy), floor);
    }
  }
  return out;
}

/** Per-column weight c_kx of the inverse real FFT. */
function columnWeight(kx: number, width: number): number {
  return kx === 0 || (width % 2 === 0 && kx === width / 2) ? 1 : 2;
}

/** Scratch buffers per size. */
interface Work {
  col: Float64Array;
  colOut: Float64Array;
  row: Float64Array;
  rowOut: Float64Array;
  half: Float64Array;
}
const WORK = new Map<string, Work>();
function work(width: number, height: number): Work {
  const key = `${width}x${height}`;
  let w = WORK.get(key);
  if (!w) {
    w = {
      col: new Float64Array(2 * height),
      colOut: new Float64Array(2 * height),
      row: new Float64Array(2 * width),
      rowOut: new Float64Array(2 * width),
      half: new Float64Array(2 * height * halfWidth(width)),
    };
    WORK.set(key, w);
  }
  return w;
}

/**
 * plane = irfft2(re + i im) (no scaling beyond the transform's own 1/(h w)); `re`, `im`: height x halfWidth(width),
 * row-major; `out`: height x width.
 */
export function irfft2(re: ArrayLike<number>, im: ArrayLike<number>, width: number, height: number, out: Float64Array | Float32Array): void {
  const wf = halfWidth(width);
  const { col, colOut, row, rowOut, half } = work(width, height);
  const cols = fftPlan(height);
  const rows = fftPlan(width);
  // Columns: inverse complex FFT over ky (includes 1 / h); half[y][kx] (interleaved).
  for (let kx = 0; kx < wf; kx++) {
    for (let ky = 0; ky < height; ky++) {
      col[2 * ky] = re[ky * wf + kx];
      col[2 * ky + 1] = im[ky * wf + kx];
    }
    cols.inverse(colOut, col);
    for (let y = 0; y < height; y++) {
      half[2 * (y * wf + kx)] = colOut[2 * y];
      half[2 * (y * wf + kx) + 1] = colOut[2 * y + 1];
    }
  }
  // Rows: Re(ifft_w(c_k z_k)) (includes 1 / w).
  for (let y = 0; y < height; y++) {
    row.fill(0);
    for (let kx = 0; kx < wf; kx++) {
      const c = columnWeight(kx, width);
      row[2 * kx] = c * half[2 * (y * wf + kx)];
      row[2 * kx + 1] = c * half[2 * (y * wf + kx) + 1];
    }
    rows.inverse(rowOut, row);
    for (let x = 0; x < width; x++) out[y * width + x] = rowOut[2 * x];
  }
}

/** The adjoint of irfft2: the gradients of `re` and `im` (height x halfWidth(width)) for the plane's gradient `g`. */
export function irfft2Backward(g: ArrayLike<number>, width: number, height: number, gradRe: Float64Array, gradIm: Float64Array): void {
  const wf = halfWidth(width);
  const { col, colOut, row, rowOut, half } = work(width, height);
  const cols = fftPlan(height);
  const rows = fftPlan(width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      row[2 * x] = g[y * width + x];
      row[2 * x + 1] = 0;
    }
    rows.forward(rowOut, row);
    for (let kx = 0; kx < wf; kx++) {
      half[2 * (y * wf + kx)] = rowOut[2 * kx];
      half[2 * (y * wf + kx) + 1] = rowOut[2 * kx + 1];
    }
  }
  const norm = 1 / (width * height);
  for (let kx = 0; kx < wf; kx++) {
    for (let y = 0; y < height; y++) {
      col[2 * y] = half[2 * (y * wf + kx)];
      col[2 * y + 1] = half[2 * (y * wf + kx) + 1];
    }
    cols.forward(colOut, col);
    const c = columnWeight(kx, width) * norm;
    for (let ky = 0; ky < height; ky++) {
      gradRe[ky * wf + kx] = c * colOut[2 * ky];
      gradIm[ky * wf + kx] = c * colOut[2 * ky + 1];
    }
  }
}
