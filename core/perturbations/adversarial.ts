/**
 * The stored adversarial perturbation: a "Perturber: Attack Scene" run saves its delta (float32 [3, H, W], pixel
 * units) as a .npy file next to the scene (under `.perturber/`), and this op adds it, times `strength`, to every
 * frame, so every model of the scene sees the same attacked image. The host loads the file (OpContext.resources);
 * a frame of another size gets the delta resized to it (resizeFloatImage below), cached per (loaded delta, size).
 */
import { SkipStep, type FloatImage, type PerturbationOp } from './types';

/** One output index's taps along an axis: source indices and their weights (summing to 1). */
interface Taps {
  index: Int32Array;
  weight: Float64Array;
  /** Taps per output index (the same for every index, padded with zero weights). */
  size: number;
}

/**
 * Taps resizing an axis of `src` samples to `dst`. Upsampling (and equal sizes): linear interpolation between pixel
 * centres, half-pixel convention (source position (i + 0.5) * src / dst - 0.5, clamped to the edge pixels), which is
 * what three.js' linear texture filtering and Pillow's BILINEAR give when enlarging. Downsampling: area averaging
 * (each output pixel is the mean of the source interval it covers, partial pixels weighted by their overlap), so
 * no source pixel is skipped; Pillow's BILINEAR widens its triangle filter instead, which differs slightly.
 */
function axisTaps(src: number, dst: number): Taps {
  const scale = src / dst;
  if (dst >= src) {
    const index = new Int32Array(dst * 2);
    const weight = new Float64Array(dst * 2);
    for (let i = 0; i < dst; i++) {
      const pos = Math.min(src - 1, Math.max(0, (i + 0.5) * scale - 0.5));
      const i0 = Math.floor(pos);
      const i1 = Math.min(src - 1, i0 + 1);
      const f = pos - i0;
      index[2 * i] = i0;
      index[2 * i + 1] = i1;
      weight[2 * i] = 1 - f;
      weight[2 * i + 1] = f;
    }
    return { index, weight, size: 2 };
  }
  const size = Math.ceil(scale) + 1;
  const index = new Int32Array(dst * size);
  const weight = new Float64Array(dst * size);
  for (let i = 0; i < dst; i++) {
    const lo = i * scale;
    const hi = (i + 1) * scale;
    let k = 0;
    for (let j = Math.floor(lo); j < Math.min(src, Math.ceil(hi)); j++) {
      const overlap = Math.min(hi, j + 1) - Math.max(lo, j);
      if (overlap <= 0 || k === size) continue;
      index[i * size + k] = j;
      weight[i * size + k] = overlap / scale;
      k++;
    }
  }
  return { index, weight, size };
}

/** `image` resized to width x height (separable; see axisTaps for the filters). Returns a new image. */
export function resizeFloatImage(image: FloatImage, width: number, height: number): FloatImage {
  const { width: sw, height: sh, data } = image;
  const tx = axisTaps(sw, width);
  const ty = axisTaps(sh, height);
  const rows = new Float64Array(sh * width);
  const out = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++) {
    const plane = c * sw * sh;
    for (let y = 0; y < sh; y++) {
      for (let x = 0; x < width; x++) {
        let v = 0;
        for (let k = 0; k < tx.size; k++) v += tx.weight[x * tx.size + k] * data[plane + y * sw + tx.index[x * tx.size + k]];
        rows[y * width + x] = v;
      }
    }
    const base = c * width * height;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let v = 0;
        for (let k = 0; k < ty.size; k++) v += ty.weight[y * ty.size + k] * rows[ty.index[y * ty.size + k] * width + x];
        out[base + y * width + x] = v;
      }
    }
  }
  return { width, height, data: out };
}

/** Resized copies of each loaded delta, by "WxH"; dropped with the delta when the host lets go of it. */
const resized = new WeakMap<FloatImage, Map<string, FloatImage>>();

function deltaAt(delta: FloatImage, width: number, height: number): FloatImage {
  if (delta.width === width && delta.height === height) return delta;
  let sizes = resized.get(delta);
  if (!sizes) resized.set(delta, (sizes = new Map()));
  const key = `${width}x${height}`;
  let copy = sizes.get(key);
  if (!copy) sizes.set(key, (copy = resizeFloatImage(delta, width, height)));
  return copy;
}

/** Loaded deltas already checked to hold only finite values. */
const finite = new WeakSet<FloatImage>();

function allFinite(delta: FloatImage): boolean {
  if (finite.has(delta)) return true;
  for (const v of delta.data) if (!Number.isFinite(v)) return false;
  finite.add(delta);
  return true;
}

function isFloatImage(value: unknown): value is FloatImage {
  const v = value as FloatImage;
  return (
    typeof v === 'object' && v !== null && v.data instanceof Float32Array &&
    Number.isInteger(v.width) && Number.isInteger(v.height) && v.width > 0 && v.height > 0 && v.data.length === 3 * v.width * v.height
  );
}

export const ADVERSARIAL: PerturbationOp = {
  id: 'adversarial',
  label: 'Adversarial perturbation',
  group: 'attack',
  description:
    'Adds a perturbation stored by a "Perturber: Attack Scene" run (a targeted PGD attack on the scene), times strength; a frame of another size gets it resized (bilinear up, area average down).',
  random: false,
  params: [
    {
      name: 'file',
      label: 'File',
      kind: 'file',
      extensions: ['npy'],
      default: '',
      help: 'The .npy file (float32 [3, H, W], values in pixel units) a "Perturber: Attack Scene" run stored, relative to the scene file.',
    },
    {
      name: 'strength',
      label: 'Strength',
      kind: 'number',
      min: 0,
      max: 2,
      step: 0.05,
      default: 1,
      help: 'Multiplies the stored perturbation: 0 = the clean frame, 1 = as attacked.',
    },
  ],
  apply(image, params, ctx) {
    const file = String(params.file ?? '');
    if (file === '') throw new SkipStep('no file chosen (run "Perturber: Attack Scene" or set params.file)');
    if (!ctx.resources) throw new SkipStep(`${file} cannot be loaded here (no perturbation files are available)`);
    const loaded = ctx.resources.perturbation(file);
    if (typeof loaded === 'object' && loaded !== null && 'error' in loaded) throw new SkipStep(`${file}: ${String(loaded.error)}`);
    if (!isFloatImage(loaded)) throw new SkipStep(`${file} is not a 3-channel float image`);
    if (!allFinite(loaded)) throw new SkipStep(`${file} holds NaN or infinite values`);
    const strength = Number(params.strength);
    const delta = deltaAt(loaded, image.width, image.height).data;
    const src = image.data;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = src[i] + strength * delta[i];
    return { width: image.width, height: image.height, data: out };
  },
};
