/**
 * The lossy part of a baseline JPEG round trip as libjpeg(-turbo) does it for PIL's `save(..., 'JPEG', quality=q)`
 * and `Image.open`, without the (lossless) entropy coding: fixed-point RGB -> YCbCr, edge replication to whole
 * MCUs, 2x2 chroma averaging (4:2:0, PIL's default; or 4:4:4), the "islow" integer forward DCT, quantisation
 * with libjpeg's quality-scaled standard tables, dequantisation, the islow inverse DCT, "fancy" (triangle)
 * chroma upsampling and fixed-point YCbCr -> RGB. Written from the IJG algorithms (jccolor, jcsample, jfdctint,
 * jcdctmgr, jidctint, jdsample, jdcolor).
 */

const STD_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const STD_CHROMINANCE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** jpeg_set_quality(quality, force_baseline=TRUE): the scaled table (natural row-major order). */
export function quantTable(base: readonly number[], quality: number): Int32Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return Int32Array.from(base, (b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
}

const CONST_BITS = 13;
const PASS1_BITS = 2;
const F_0_298 = 2446;
const F_0_390 = 3196;
const F_0_541 = 4433;
const F_0_765 = 6270;
const F_0_899 = 7373;
const F_1_175 = 9633;
const F_1_501 = 12299;
const F_1_847 = 15137;
const F_1_961 = 16069;
const F_2_053 = 16819;
const F_2_562 = 20995;
const F_3_072 = 25172;

const descale = (x: number, n: number): number => (x + (1 << (n - 1))) >> n;

/** jfdctint.c (islow) in place on 64 level-shifted samples; output scaled by 8. */
function fdctIslow(d: Int32Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const stride = pass === 0 ? 1 : 8;
    const step = pass === 0 ? 8 : 1;
    for (let r = 0; r < 8; r++) {
      const o = r * step;
      const d0 = d[o];
      const d1 = d[o + stride];
      const d2 = d[o + 2 * stride];
      const d3 = d[o + 3 * stride];
      const d4 = d[o + 4 * stride];
      const d5 = d[o + 5 * stride];
      const d6 = d[o + 6 * stride];
      const d7 = d[o + 7 * stride];
      const tmp0 = d0 + d7;
      let tmp7 = d0 - d7;
      const tmp1 = d1 + d6;
      let tmp6 = d1 - d6;
      const tmp2 = d2 + d5;
      let tmp5 = d2 - d5;
      const tmp3 = d3 + d4;
      let tmp4 = d3 - d4;
      const tmp10 = tmp0 + tmp3;
      const tmp13 = tmp0 - tmp3;
      const tmp11 = tmp1 + tmp2;
      const tmp12 = tmp1 - tmp2;
      const sh = pass === 0 ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS;
      if (pass === 0) {
        d[o] = (tmp10 + tmp11) << PASS1_BITS;
        d[o + 4 * stride] = (tmp10 - tmp11) << PASS1_BITS;
      } else {
        d[o] = descale(tmp10 + tmp11, PASS1_BITS);
        d[o + 4 * stride] = descale(tmp10 - tmp11, PASS1_BITS);
      }
      let z1 = (tmp12 + tmp13) * F_0_541;
      d[o + 2 * stride] = descale(z1 + tmp13 * F_0_765, sh);
      d[o + 6 * stride] = descale(z1 - tmp12 * F_1_847, sh);
      z1 = tmp4 + tmp7;
      let z2 = tmp5 + tmp6;
      let z3 = tmp4 + tmp6;
      let z4 = tmp5 + tmp7;
      const z5 = (z3 + z4) * F_1_175;
      tmp4 *= F_0_298;
      tmp5 *= F_2_053;
      tmp6 *= F_3_072;
      tmp7 *= F_1_501;
      z1 *= -F_0_899;
      z2 *= -F_2_562;
      z3 = z3 * -F_1_961 + z5;
      z4 = z4 * -F_0_390 + z5;
      d[o + 7 * stride] = descale(tmp4 + z1 + z3, sh);
      d[o + 5 * stride] = descale(tmp5 + z2 + z4, sh);
      d[o + 3 * stride] = descale(tmp6 + z2 + z3, sh);
      d[o + stride] = descale(tmp7 + z1 + z4, sh);
    }
  }
}

/** jidctint.c (islow): dequantised coefficients -> 64 samples (level shift and clamp to 0..255 included). */
const WS = new Int32Array(64);
const VALS = new Int32Array(8);
function idctIslow(c: Int32Array, out: Int32Array): void {
  const ws = WS;
  const vals = VALS;
  for (let pass = 0; pass < 2; pass++) {
    const src = pass === 0 ? c : ws;
    const dst = pass === 0 ? ws : out;
    const stride = pass === 0 ? 8 : 1; // pass 0 walks columns, pass 1 rows
    const step = pass === 0 ? 1 : 8;
    for (let r = 0; r < 8; r++) {
      const o = r * step;
      let z2 = src[o + 2 * stride];
      let z3 = src[o + 6 * stride];
      let z1 = (z2 + z3) * F_0_541;
      let tmp2 = z1 - z3 * F_1_847;
      let tmp3 = z1 + z2 * F_0_765;
      z2 = src[o];
      z3 = src[o + 4 * stride];
      let tmp0 = (z2 + z3) << CONST_BITS;
      let tmp1 = (z2 - z3) << CONST_BITS;
      const tmp10 = tmp0 + tmp3;
      const tmp13 = tmp0 - tmp3;
      const tmp11 = tmp1 + tmp2;
      const tmp12 = tmp1 - tmp2;
      tmp0 = src[o + 7 * stride];
      tmp1 = src[o + 5 * stride];
      tmp2 = src[o + 3 * stride];
      tmp3 = src[o + stride];
      z1 = tmp0 + tmp3;
      z2 = tmp1 + tmp2;
      z3 = tmp0 + tmp2;
      let z4 = tmp1 + tmp3;
      const z5 = (z3 + z4) * F_1_175;
      tmp0 *= F_0_298;
      tmp1 *= F_2_053;
      tmp2 *= F_3_072;
      tmp3 *= F_1_501;
      z1 *= -F_0_899;
      z2 *= -F_2_562;
      z3 = z3 * -F_1_961 + z5;
      z4 = z4 * -F_0_390 + z5;
      tmp0 += z1 + z3;
      tmp1 += z2 + z4;
      tmp2 += z2 + z3;
      tmp3 += z1 + z4;
      vals[0] = tmp10 + tmp3;
      vals[1] = tmp11 + tmp2;
      vals[2] = tmp12 + tmp1;
      vals[3] = tmp13 + tmp0;
      vals[4] = tmp13 - tmp0;
      vals[5] = tmp12 - tmp1;
      vals[6] = tmp11 - tmp2;
      vals[7] = tmp10 - tmp3;
      for (let k = 0; k < 8; k++) {
        if (pass === 0) dst[o + k * stride] = descale(vals[k], CONST_BITS - PASS1_BITS);
        else {
          const v = descale(vals[k], CONST_BITS + PASS1_BITS + 3) + 128;
          dst[o + k * stride] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
  }
}

/** Compresses and decompresses one component plane (pw x ph, multiples of 8) in place. */
function roundTripPlane(plane: Int32Array, pw: number, ph: number, qtable: Int32Array): void {
  const block = new Int32Array(64);
  const samples = new Int32Array(64);
  for (let by = 0; by < ph; by += 8) {
    for (let bx = 0; bx < pw; bx += 8) {
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) block[y * 8 + x] = plane[(by + y) * pw + bx + x] - 128;
      fdctIslow(block);
      for (let i = 0; i < 64; i++) {
        const qval = qtable[i] << 3;
        let t = block[i];
        if (t < 0) t = -Math.floor((-t + (qval >> 1)) / qval);
        else t = Math.floor((t + (qval >> 1)) / qval);
        block[i] = t * qtable[i];
      }
      idctIslow(block, samples);
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) plane[(by + y) * pw + bx + x] = samples[y * 8 + x];
    }
  }
}

const FIX = (x: number): number => Math.floor(x * 65536 + 0.5);

/**
 * A JPEG round trip of an 8-bit RGB image (interleaved RGB, width x height) at `quality`, with 4:2:0 chroma (PIL's
 * default) or 4:4:4 (`subsampling: 0`). Returns interleaved RGB.
 */
export function libjpegRoundTrip(rgb: Uint8Array, width: number, height: number, quality: number, subsample420: boolean): Uint8Array {
  const mcu = subsample420 ? 16 : 8;
  const pw = Math.ceil(width / mcu) * mcu;
  const ph = Math.ceil(height / mcu) * mcu;
  const Y = new Int32Array(pw * ph);
  const Cb = new Int32Array(pw * ph);
  const Cr = new Int32Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(y, height - 1);
    for (let x = 0; x < pw; x++) {
      const s = 3 * (sy * width + Math.min(x, width - 1));
      const r = rgb[s];
      const g = rgb[s + 1];
      const b = rgb[s + 2];
      const i = y * pw + x;
      Y[i] = (FIX(0.299) * r + FIX(0.587) * g + FIX(0.114) * b + 32768) >> 16;
      Cb[i] = (-FIX(0.16874) * r - FIX(0.33126) * g + FIX(0.5) * b + (128 << 16) + 32767) >> 16;
      Cr[i] = (FIX(0.5) * r - FIX(0.41869) * g - FIX(0.08131) * b + (128 << 16) + 32767) >> 16;
    }
  }
  const lq = quantTable(STD_LUMINANCE, quality);
  const cq = quantTable(STD_CHROMINANCE, quality);
  roundTripPlane(Y, pw, ph, lq);
  let cb: Int32Array = Cb;
  let cr: Int32Array = Cr;
  let cw = pw;
  if (subsample420) {
    cw = pw / 2;
    const chh = ph / 2;
    cb = new Int32Array(cw * chh);
    cr = new Int32Array(cw * chh);
    for (let y = 0; y < chh; y++) {
      let bias = 1;
      for (let x = 0; x < cw; x++) {
        const i0 = 2 * y * pw + 2 * x;
        const i1 = i0 + pw;
        cb[y * cw + x] = (Cb[i0] + Cb[i0 + 1] + Cb[i1] + Cb[i1 + 1] + bias) >> 2;
        cr[y * cw + x] = (Cr[i0] + Cr[i0 + 1] + Cr[i1] + Cr[i1 + 1] + bias) >> 2;
        bias ^= 3;
      }
    }
    roundTripPlane(cb, cw, chh, cq);
    roundTripPlane(cr, cw, chh, cq);
  } else {
    roundTripPlane(cb, pw, ph, cq);
    roundTripPlane(cr, pw, ph, cq);
  }
  // Decoder side: fancy upsampling of the chroma (downsampled size ceil(side / 2), edges replicated).
  const out = new Uint8Array(3 * width * height);
  const dw = Math.ceil(width / 2);
  const dh = Math.ceil(height / 2);
  let ucb: Int32Array = cb;
  let ucr: Int32Array = cr;
  let uw = pw;
  if (subsample420) {
    uw = width;
    ucb = fancyUpsample(cb, cw, dw, dh, width, height);
    ucr = fancyUpsample(cr, cw, dw, dh, width, height);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const yy = Y[y * pw + x];
      const cbv = ucb[y * uw + x] - 128;
      const crv = ucr[y * uw + x] - 128;
      const r = yy + ((FIX(1.402) * crv + 32768) >> 16);
      const g = yy + ((-FIX(0.34414) * cbv + 32768 - FIX(0.71414) * crv) >> 16);
      const b = yy + ((FIX(1.772) * cbv + 32768) >> 16);
      const o = 3 * (y * width + x);
      out[o] = r < 0 ? 0 : r > 255 ? 255 : r;
      out[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
      out[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
  return out;
}

/** jdsample.c h2v2_fancy_upsample: triangle filter, edge rows/columns of the dw x dh plane replicated. */
function fancyUpsample(plane: Int32Array, stride: number, dw: number, dh: number, width: number, height: number): Int32Array {
  const out = new Int32Array(width * height);
  const colsum = new Int32Array(dw);
  for (let y = 0; y < height; y++) {
    const iy = y >> 1;
    let ny = (y & 1) === 0 ? iy - 1 : iy + 1;
    ny = ny < 0 ? 0 : ny > dh - 1 ? dh - 1 : ny;
    for (let j = 0; j < dw; j++) colsum[j] = 3 * plane[iy * stride + j] + plane[ny * stride + j];
    for (let x = 0; x < width; x++) {
      const ix = x >> 1;
      const even = (x & 1) === 0;
      let nx = even ? ix - 1 : ix + 1;
      nx = nx < 0 ? 0 : nx > dw - 1 ? dw - 1 : nx;
      out[y * width + x] = (3 * colsum[ix] + colsum[nx] + (even ? 8 : 7)) >> 4;
    }
  }
  return out;
}
