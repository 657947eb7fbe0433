/**
 * The optimised image (Lucid's `param.image`): per batch item, parameters -> (Fourier: irfft2 of the 1/f-scaled
 * spectrum | pixels) -> (decorrelated colour -> RGB | as is) -> sigmoid -> CHW RGB in [0, 1] at size x size. The
 * parameters start as normal noise with sd 0.01 (Lucid), seeded: every item of a batch starts from the same noise
 * for a given seed, so an image does not depend on which other neurons shared its batch.
 */
import { rngFor } from '../perturbations/random';
import { decorrelate, decorrelateBackward, sigmoid, sigmoidBackward } from './color';
import { halfWidth, irfft2, irfft2Backward, spectrumScale } from './fourier';

export interface ImageParamOptions {
  size: number;
  batch: number;
  fourier: boolean;
  decorrelate: boolean;
  seed: number;
}

export class ImageParam {
  /** All items' parameters, concatenated (`perItem` each). */
  readonly params: Float64Array;
  readonly perItem: number;
  private readonly scale: Float64Array | undefined;
  /** The sigmoid's outputs of the last forward (for the backward). */
  private readonly rgb: Float64Array;
  private readonly plane: Float64Array;
  private readonly pre: Float64Array;
  /** Scratch: one channel's scaled spectrum, and the backward's planes. */
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly gPre: Float64Array;
  private readonly gPlane: Float64Array;

  constructor(readonly opts: ImageParamOptions) {
    const { size, batch } = opts;
    if (!Number.isInteger(size) || size < 8) throw new Error(`image size must be an integer >= 8, got ${size}`);
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
    const pixels = size * size;
    this.perItem = opts.fourier ? 2 * 3 * size * halfWidth(size) : 3 * pixels;
    this.scale = opts.fourier ? spectrumScale(size, size) : undefined;
    this.params = new Float64Array(batch * this.perItem);
    const rng = rngFor(opts.seed, 0);
    const first = this.params.subarray(0, this.perItem);
    for (let i = 0; i < this.perItem; i++) first[i] = 0.01 * rng.normal();
    for (let b = 1; b < batch; b++) this.params.set(first, b * this.perItem);
    this.rgb = new Float64Array(batch * 3 * pixels);
    this.plane = new Float64Array(3 * pixels);
    this.pre = new Float64Array(3 * pixels);
    this.re = new Float64Array(this.scale?.length ?? 0);
    this.im = new Float64Array(this.scale?.length ?? 0);
    this.gPre = new Float64Array(3 * pixels);
    this.gPlane = new Float64Array(3 * pixels);
  }

  get pixels(): number {
    return this.opts.size * this.opts.size;
  }

  /** The images, CHW RGB in [0, 1] (float64), batch concatenated (a view that the next forward overwrites). */
  forward(): Float64Array {
    const { batch, size } = this.opts;
    const pixels = this.pixels;
    for (let b = 0; b < batch; b++) {
      const p = this.params.subarray(b * this.perItem, (b + 1) * this.perItem);
      const planes = this.opts.decorrelate ? this.plane : this.pre;
      if (this.scale) {
        const n = this.scale.length;
        const { re, im } = this;
        for (let c = 0; c < 3; c++) {
          const base = 2 * c * n;
          for (let k = 0; k < n; k++) {
            re[k] = p[base + k] * this.scale[k];
            im[k] = p[base + n + k] * this.scale[k];
          }
          irfft2(re, im, size, size, planes.subarray(c * pixels, (c + 1) * pixels));
        }
      } else planes.set(p);
      if (this.opts.decorrelate) decorrelate(this.plane, pixels, this.pre);
      sigmoid(this.pre, this.rgb.subarray(b * 3 * pixels, (b + 1) * 3 * pixels));
    }
    return this.rgb;
  }

  /** d loss / d params for d loss / d images `g` (same layout as forward's result), after a forward. */
  backward(g: Float32Array | Float64Array, out: Float64Array = new Float64Array(this.params.length)): Float64Array {
    if (g.length !== this.rgb.length) throw new Error(`ImageParam.backward: ${g.length} gradient values for ${this.rgb.length} pixels`);
    const { batch, size } = this.opts;
    const pixels = this.pixels;
    const { gPre, gPlane } = this;
    for (let b = 0; b < batch; b++) {
      const off = b * 3 * pixels;
      const gb = g.subarray(off, off + 3 * pixels);
      sigmoidBackward(gb, this.rgb.subarray(off, off + 3 * pixels), gPre);
      const gp = this.opts.decorrelate ? gPlane : gPre;
      if (this.opts.decorrelate) decorrelateBackward(gPre, pixels, gPlane);
      const o = out.subarray(b * this.perItem, (b + 1) * this.perItem);
      if (this.scale) {
        const n = this.scale.length;
        for (let c = 0; c < 3; c++) {
          const gRe = o.subarray(2 * c * n, 2 * c * n + n);
          const gIm = o.subarray(2 * c * n + n, 2 * (c + 1) * n);
          irfft2Backward(gp.subarray(c * pixels, (c + 1) * pixels), size, size, gRe, gIm);
          for (let k = 0; k < n; k++) {
            gRe[k] *= this.scale[k];
            gIm[k] *= this.scale[k];
          }
        }
      } else o.set(gp);
    }
    return out;
  }
}
