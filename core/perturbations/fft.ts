/**
 * Discrete Fourier transforms of any length for the Fourier filters (core/perturbations/filters.ts), built on
 * fft.js (radix-4, power-of-two lengths only):
 *  - n a power of two: fft.js directly;
 *  - n = 2^a * m with a small odd m (224 = 32 * 7, 192 = 64 * 3): one Cooley-Tukey step, m fft.js transforms of
 *    length 2^a, twiddles, then 2^a direct DFTs of length m;
 *  - otherwise (299 = 13 * 23, primes): Bluestein's chirp-z algorithm with fft.js at the next power of two >= 2n - 1.
 * All three compute the exact DFT of length n (numpy.fft.fft's definition), so no padding changes the result.
 * Plans (tables, chirps, scratch buffers) are cached per length. Complex data is interleaved re, im in Float64Array.
 */
import FFT from 'fft.js';

export interface FftPlan {
  readonly n: number;
  /** out[k] = sum_j input[j] e^{-2 pi i jk / n}; `input` is not modified; `out` must be a different array. */
  forward(out: Float64Array, input: Float64Array): void;
  /** out[j] = (1 / n) sum_k input[k] e^{+2 pi i jk / n}; `input` is not modified; `out` must be a different array. */
  inverse(out: Float64Array, input: Float64Array): void;
}

/** Odd factors up to this are done with direct DFTs after one Cooley-Tukey step; larger ones use Bluestein. */
const MAX_DIRECT_FACTOR = 31;

const PLANS = new Map<number, FftPlan>();

/** The cached plan for length n >= 1. */
export function fftPlan(n: number): FftPlan {
  if (!Number.isInteger(n) || n < 1) throw new Error(`FFT length must be a positive integer, got ${n}`);
  let plan = PLANS.get(n);
  if (!plan) {
    plan = makePlan(n);
    PLANS.set(n, plan);
  }
  return plan;
}

function makePlan(n: number): FftPlan {
  let p = 1;
  while (n % (p * 2) === 0) p *= 2;
  const m = n / p;
  let forward: (out: Float64Array, input: Float64Array) => void;
  if (m === 1) forward = n === 1 ? (out, input) => out.set(input.subarray(0, 2)) : powerOfTwo(n);
  else if (m <= MAX_DIRECT_FACTOR) forward = p === 1 ? directDft(n) : splitStep(p, m);
  else forward = bluestein(n);
  const scratch = new Float64Array(2 * n);
  const inverse = (out: Float64Array, input: Float64Array): void => {
    // ifft(x) = conj(fft(conj(x))) / n.
    for (let i = 0; i < 2 * n; i += 2) {
      scratch[i] = input[i];
      scratch[i + 1] = -input[i + 1];
    }
    forward(out, scratch);
    const s = 1 / n;
    for (let i = 0; i < 2 * n; i += 2) {
      out[i] *= s;
      out[i + 1] *= -s;
    }
  };
  return { n, forward, inverse };
}

function powerOfTwo(n: number): (out: Float64Array, input: Float64Array) => void {
  const f = new FFT(n);
  return (out, input) => f.transform(out, input);
}

/** cos/sin table of e^{-2 pi i k / n}, k = 0..n-1, interleaved. */
function unitRoots(n: number): Float64Array {
  const table = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    const angle = (-2 * Math.PI * k) / n;
    table[2 * k] = Math.cos(angle);
    table[2 * k + 1] = Math.sin(angle);
  }
  return table;
}

function directDft(n: number): (out: Float64Array, input: Float64Array) => void {
  const roots = unitRoots(n);
  return (out, input) => {
    for (let k = 0; k < n; k++) {
      let re = 0;
      let im = 0;
      for (let j = 0, idx = 0; j < n; j++, idx = (idx + k) % n) {
        const wr = roots[2 * idx];
        const wi = roots[2 * idx + 1];
        const xr = input[2 * j];
        const xi = input[2 * j + 1];
        re += xr * wr - xi * wi;
        im += xr * wi + xi * wr;
      }
      out[2 * k] = re;
      out[2 * k + 1] = im;
    }
  };
}

/** n = p * m, p a power of two >= 2, m odd: X[k1 + p k2] = sum_j2 W_m^{j2 k2} W_n^{j2 k1} FFT_p(x[m j1 + j2])[k1]. */
function splitStep(p: number, m: number): (out: Float64Array, input: Float64Array) => void {
  const n = p * m;
  const inner = new FFT(p);
  const rootsN = unitRoots(n);
  const cosM = new Float64Array(m);
  const sinM = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    cosM[k] = Math.cos((2 * Math.PI * k) / m);
    sinM[k] = Math.sin((2 * Math.PI * k) / m);
  }
  const sr = new Float64Array(m);
  const si = new Float64Array(m);
  const dr = new Float64Array(m);
  const di = new Float64Array(m);
  const sub = new Float64Array(2 * p);
  const subOut = new Float64Array(2 * p);
  // a[(j2 * p + k1)] after twiddling.
  const a = new Float64Array(2 * n);
  return (out, input) => {
    for (let j2 = 0; j2 < m; j2++) {
      for (let j1 = 0; j1 < p; j1++) {
        const src = 2 * (m * j1 + j2);
        sub[2 * j1] = input[src];
        sub[2 * j1 + 1] = input[src + 1];
      }
      inner.transform(subOut, sub);
      const base = 2 * j2 * p;
      for (let k1 = 0; k1 < p; k1++) {
        const t = 2 * ((j2 * k1) % n);
        const wr = rootsN[t];
        const wi = rootsN[t + 1];
        const xr = subOut[2 * k1];
        const xi = subOut[2 * k1 + 1];
        a[base + 2 * k1] = xr * wr - xi * wi;
        a[base + 2 * k1 + 1] = xr * wi + xi * wr;
      }
    }
    // Length-m DFTs over j2 for each k1, pairing j2 with m - j2 and k2 with m - k2 (m is odd):
    // X[k2] = a0 + sum_j (a_j + a_{m-j}) cos(2 pi j k2 / m) - i sum_j (a_j - a_{m-j}) sin(2 pi j k2 / m).
    const hm = (m - 1) >> 1;
    for (let k1 = 0; k1 < p; k1++) {
      const a0r = a[2 * k1];
      const a0i = a[2 * k1 + 1];
      let dcr = a0r;
      let dci = a0i;
      for (let j = 1; j <= hm; j++) {
        const u = 2 * (j * p + k1);
        const v = 2 * ((m - j) * p + k1);
        sr[j] = a[u] + a[v];
        si[j] = a[u + 1] + a[v + 1];
        dr[j] = a[u] - a[v];
        di[j] = a[u + 1] - a[v + 1];
        dcr += sr[j];
        dci += si[j];
      }
      out[2 * k1] = dcr;
      out[2 * k1 + 1] = dci;
      for (let k2 = 1; k2 <= hm; k2++) {
        let cr = a0r;
        let ci = a0i;
        let tr = 0;
        let ti = 0;
        for (let j = 1, idx = k2; j <= hm; j++, idx += k2) {
          if (idx >= m) idx -= m;
          const cos = cosM[idx];
          const sin = sinM[idx];
          cr += sr[j] * cos;
          ci += si[j] * cos;
          tr += dr[j] * sin;
          ti += di[j] * sin;
        }
        const d = 2 * (k1 + p * k2);
        out[d] = cr + ti;
        out[d + 1] = ci - tr;
        const e = 2 * (k1 + p * (m - k2));
        out[e] = cr - ti;
        out[e + 1] = ci + tr;
      }
    }
  };
}

/** Bluestein: X[k] = conj(w_k) sum_j (x_j conj(w_j)) w_{k-j}, w_j = e^{i pi j^2 / n}, as a circular convolution. */
function bluestein(n: number): (out: Float64Array, input: Float64Array) => void {
  let size = 2;
  while (size < 2 * n - 1) size *= 2;
  const f = new FFT(size);
  const chirp = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    // j^2 mod 2n keeps the angle exact for large j.
    const angle = (Math.PI * ((j * j) % (2 * n))) / n;
    chirp[2 * j] = Math.cos(angle);
    chirp[2 * j + 1] = Math.sin(angle);
  }
  const b = new Float64Array(2 * size);
  for (let j = 0; j < n; j++) {
    b[2 * j] = chirp[2 * j];
    b[2 * j + 1] = chirp[2 * j + 1];
    if (j > 0) {
      b[2 * (size - j)] = chirp[2 * j];
      b[2 * (size - j) + 1] = chirp[2 * j + 1];
    }
  }
  const bHat = new Float64Array(2 * size);
  f.transform(bHat, b);
  const a = new Float64Array(2 * size);
  const aHat = new Float64Array(2 * size);
  const conv = new Float64Array(2 * size);
  return (out, input) => {
    for (let j = 0; j < n; j++) {
      const xr = input[2 * j];
      const xi = input[2 * j + 1];
      const wr = chirp[2 * j];
      const wi = -chirp[2 * j + 1];
      a[2 * j] = xr * wr - xi * wi;
      a[2 * j + 1] = xr * wi + xi * wr;
    }
    a.fill(0, 2 * n);
    f.transform(aHat, a);
    for (let k = 0; k < 2 * size; k += 2) {
      const xr = aHat[k];
      const xi = aHat[k + 1];
      const wr = bHat[k];
      const wi = bHat[k + 1];
      aHat[k] = xr * wr - xi * wi;
      aHat[k + 1] = xr * wi + xi * wr;
    }
    f.inverseTransform(conv, aHat);
    for (let k = 0; k < n; k++) {
      const xr = conv[2 * k];
      const xi = conv[2 * k + 1];
      const wr = chirp[2 * k];
      const wi = -chirp[2 * k + 1];
      out[2 * k] = xr * wr - xi * wi;
      out[2 * k + 1] = xr * wi + xi * wr;
    }
  };
}

/**
 * Filters a real plane (height x width, row-major) in the frequency domain: out = real(ifft2(mask * fft2(plane))).
 * `mask` holds height x (floor(width / 2) + 1) real gains for the non-negative horizontal frequencies (rows = vertical
 * frequency index 0..height-1 as numpy orders them) and must be symmetric (mask(-fy, -fx) = mask(fy, fx)) so the
 * result is real. Uses the real-input tricks: two rows per complex transform, half the columns.
 */
export function fourierFilterPlane(
  plane: ArrayLike<number>,
  width: number,
  height: number,
  mask: Float64Array,
  out: Float64Array,
): void {
  const half = (width >> 1) + 1;
  const rows = fftPlan(width);
  const cols = fftPlan(height);
  const spec = new Float64Array(2 * height * half);
  const z = new Float64Array(2 * width);
  const zHat = new Float64Array(2 * width);
  // Rows, two at a time: z = row0 + i row1; Row0[k] = (Z[k] + conj Z[-k]) / 2, Row1[k] = (Z[k] - conj Z[-k]) / 2i.
  for (let r = 0; r < height; r += 2) {
    const pair = r + 1 < height;
    const o0 = r * width;
    const o1 = o0 + width;
    for (let j = 0; j < width; j++) {
      z[2 * j] = plane[o0 + j];
      z[2 * j + 1] = pair ? plane[o1 + j] : 0;
    }
    rows.forward(zHat, z);
    const s0 = 2 * r * half;
    const s1 = s0 + 2 * half;
    for (let k = 0; k < half; k++) {
      const c = k === 0 ? 0 : width - k;
      const ar = zHat[2 * k];
      const ai = zHat[2 * k + 1];
      const br = zHat[2 * c];
      const bi = -zHat[2 * c + 1];
      spec[s0 + 2 * k] = 0.5 * (ar + br);
      spec[s0 + 2 * k + 1] = 0.5 * (ai + bi);
      if (pair) {
        spec[s1 + 2 * k] = 0.5 * (ai - bi);
        spec[s1 + 2 * k + 1] = -0.5 * (ar - br);
      }
    }
  }
  // Columns: forward, mask, inverse.
  const col = new Float64Array(2 * height);
  const colHat = new Float64Array(2 * height);
  for (let k = 0; k < half; k++) {
    for (let r = 0; r < height; r++) {
      const s = 2 * (r * half + k);
      col[2 * r] = spec[s];
      col[2 * r + 1] = spec[s + 1];
    }
    cols.forward(colHat, col);
    for (let r = 0; r < height; r++) {
      const g = mask[r * half + k];
      colHat[2 * r] *= g;
      colHat[2 * r + 1] *= g;
    }
    cols.inverse(col, colHat);
    for (let r = 0; r < height; r++) {
      const s = 2 * (r * half + k);
      spec[s] = col[2 * r];
      spec[s + 1] = col[2 * r + 1];
    }
  }
  // Rows back, two at a time: Z = Row0 + i Row1 over the full (Hermitian) spectrum; real part row0, imaginary row1.
  for (let r = 0; r < height; r += 2) {
    const pair = r + 1 < height;
    const s0 = 2 * r * half;
    const s1 = s0 + 2 * half;
    for (let k = 0; k < width; k++) {
      const h = k < half ? k : width - k;
      const sign = k < half ? 1 : -1;
      const y0r = spec[s0 + 2 * h];
      const y0i = sign * spec[s0 + 2 * h + 1];
      const y1r = pair ? spec[s1 + 2 * h] : 0;
      const y1i = pair ? sign * spec[s1 + 2 * h + 1] : 0;
      zHat[2 * k] = y0r - y1i;
      zHat[2 * k + 1] = y0i + y1r;
    }
    rows.inverse(z, zHat);
    const o0 = r * width;
    for (let j = 0; j < width; j++) out[o0 + j] = z[2 * j];
    if (pair) for (let j = 0; j < width; j++) out[o0 + width + j] = z[2 * j + 1];
  }
}
