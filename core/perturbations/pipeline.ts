/**
 * The scene's perturbation pipeline: resolve each step's parameters against its op's declared ranges, apply
 * the enabled steps in order, clamp to [0, 1] after each, and time them. Also the RGBA <-> float conversions.
 */
import type { FrameImage } from '../protocol';
import { findOp } from './registry';
import { SkipStep, type FloatImage, type OpParams, type PerturbationOp, type PerturbationResources, type PerturbationStepSpec } from './types';

/** Frames are rendered at each model's size; lengths in pixels are given for this size and scaled from it. */
export const REFERENCE_SIZE = 224;

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

/** '' (no file) or a name ending in one of `extensions` (case-insensitive); where it may point is the host's check. */
function hasExtension(value: string, extensions: readonly string[]): boolean {
  const lower = value.toLowerCase();
  return value === '' || extensions.some((e) => lower.endsWith(`.${e.toLowerCase()}`) && lower.length > e.length + 1);
}

/**
 * Every declared parameter of `op` from `given` (defaults for missing ones), numbers clamped into range and
 * rounded for integers, pixel lengths scaled by `width / 224`. `problems` names what was wrong (unknown
 * parameter, wrong type, out of range); the scene checks report the same problems in the editor.
 */
export function resolveParams(
  op: PerturbationOp,
  given: Readonly<Record<string, unknown>>,
  width = REFERENCE_SIZE,
): { params: OpParams; problems: string[] } {
  const params: OpParams = {};
  const problems: string[] = [];
  for (const name of Object.keys(given)) {
    if (!op.params.some((p) => p.name === name)) problems.push(`${op.id} has no parameter '${name}'`);
  }
  for (const spec of op.params) {
    const value = given[spec.name];
    if (spec.kind === 'color') {
      if (value !== undefined && (typeof value !== 'string' || !HEX_COLOR.test(value))) {
        problems.push(`${op.id}.${spec.name} must be a colour like '#ff8800'`);
        params[spec.name] = spec.default;
      } else params[spec.name] = (value as string | undefined) ?? spec.default;
    } else if (spec.kind === 'choice') {
      if (value !== undefined && (typeof value !== 'string' || !spec.options.includes(value))) {
        problems.push(`${op.id}.${spec.name} must be one of ${spec.options.join(', ')}`);
        params[spec.name] = spec.default;
      } else params[spec.name] = (value as string | undefined) ?? spec.default;
    } else if (spec.kind === 'file') {
      if (value !== undefined && (typeof value !== 'string' || !hasExtension(value, spec.extensions))) {
        problems.push(`${op.id}.${spec.name} must be a path ending in ${spec.extensions.map((e) => `.${e}`).join(' or ')} (or '' for none)`);
        params[spec.name] = spec.default;
      } else params[spec.name] = (value as string | undefined) ?? spec.default;
    } else {
      let v = spec.default;
      if (value !== undefined) {
        if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${op.id}.${spec.name} must be a number`);
        else if (value < spec.min || value > spec.max) {
          problems.push(`${op.id}.${spec.name} = ${value} is outside ${spec.min}..${spec.max}`);
          v = Math.min(spec.max, Math.max(spec.min, value));
        } else v = value;
      }
      if (spec.kind === 'integer') v = Math.round(v);
      if (spec.scalesWithSize) v *= width / REFERENCE_SIZE;
      params[spec.name] = v;
    }
  }
  return { params, problems };
}

export interface StepTiming {
  op: string;
  ms: number;
}

export interface PipelineResult {
  image: FloatImage;
  /** One entry per applied step. */
  timings: StepTiming[];
  /** Steps skipped or repaired, e.g. an unknown op id. */
  problems: string[];
}

/** Clamps every value into [0, 1] in place (NaN becomes 0). */
export function clampUnit(data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    data[i] = v > 0 ? (v < 1 ? v : 1) : 0;
  }
}

/**
 * Applies the enabled steps in order. Never modifies `image`; returns it unchanged (same object) when no step
 * is enabled. `now` is a millisecond clock for the step timings (performance.now in the host). `resources`
 * (files named by `file` parameters, loaded by the host) reaches every op's context; a step whose op throws
 * SkipStep (e.g. its file is missing) is skipped, untimed, with "<op id>: <reason>" in `problems`.
 */
export function applyPipeline(
  image: FloatImage,
  steps: readonly PerturbationStepSpec[],
  now: () => number = Date.now,
  resources?: PerturbationResources,
): PipelineResult {
  let current = image;
  const timings: StepTiming[] = [];
  const problems: string[] = [];
  for (const step of steps) {
    if (!step.enabled) continue;
    const op = findOp(step.op);
    if (!op) {
      problems.push(`unknown perturbation '${step.op}' skipped`);
      continue;
    }
    const { params, problems: paramProblems } = resolveParams(op, step.params ?? {}, image.width);
    problems.push(...paramProblems);
    const start = now();
    let next: FloatImage;
    try {
      next = op.apply(current, params, resources ? { seed: step.seed >>> 0, resources } : { seed: step.seed >>> 0 });
    } catch (error) {
      if (!(error instanceof SkipStep)) throw error;
      problems.push(`${op.id}: ${error.message}`);
      continue;
    }
    if (next.width !== current.width || next.height !== current.height || next.data.length !== current.data.length) {
      throw new Error(`perturbation ${op.id} returned a ${next.width}x${next.height} image for a ${current.width}x${current.height} one`);
    }
    if (next === current || next.data === current.data) throw new Error(`perturbation ${op.id} modified its input in place`);
    clampUnit(next.data);
    timings.push({ op: op.id, ms: now() - start });
    current = next;
  }
  return { image: current, timings, problems };
}

/** RGBA bytes (rows top to bottom) -> a CHW float image in [0, 1]; alpha is ignored. */
export function rgbaToFloat(image: FrameImage): FloatImage {
  const { width, height, pixels } = image;
  const count = width * height;
  if (pixels.length < count * 4) throw new Error(`image data holds ${pixels.length} bytes, expected ${count * 4}`);
  const data = new Float32Array(count * 3);
  const k = 1 / 255;
  for (let i = 0, p = 0; i < count; i++, p += 4) {
    data[i] = pixels[p] * k;
    data[count + i] = pixels[p + 1] * k;
    data[2 * count + i] = pixels[p + 2] * k;
  }
  return { width, height, data };
}

/** A CHW float image -> opaque RGBA bytes, rounding to nearest (half up) and clamping (for display and PNG files). */
export function floatToRgba(image: FloatImage): FrameImage {
  const { width, height, data } = image;
  const count = width * height;
  const pixels = new Uint8Array(count * 4);
  const byte = (v: number): number => {
    const x = Math.round(v * 255);
    return x > 0 ? (x < 255 ? x : 255) : 0;
  };
  for (let i = 0, p = 0; i < count; i++, p += 4) {
    pixels[p] = byte(data[i]);
    pixels[p + 1] = byte(data[count + i]);
    pixels[p + 2] = byte(data[2 * count + i]);
    pixels[p + 3] = 255;
  }
  return { width, height, pixels };
}
