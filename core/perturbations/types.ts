/**
 * Image-level perturbations (DESIGN.md step 3): operations over float images that the host applies, in the
 * order the scene lists them, to every rendered frame before inference. README "Image perturbations"
 * and its generated op table describe them.
 */

/** A float image: 3 planes (R, G, B) of height x width, rows top to bottom (CHW), values in [0, 1]. */
export interface FloatImage {
  width: number;
  height: number;
  /** Length 3 * width * height: all R, then all G, then all B. */
  data: Float32Array;
}

interface ParamBase {
  /** Key in the scene step's `params`. */
  name: string;
  label: string;
  /** One sentence for hover help and the JSON schema's description. */
  help: string;
}

export interface NumberParam extends ParamBase {
  kind: 'number' | 'integer';
  min: number;
  max: number;
  /** Slider step (1 for integers). */
  step: number;
  default: number;
  unit?: string;
  /**
   * True for lengths in pixels: the value is given for a 224 px frame and the pipeline multiplies it by
   * width / 224, so a 192 px and a 224 px model see the same blur of the same scene.
   */
  scalesWithSize?: boolean;
}

export interface ColorParam extends ParamBase {
  kind: 'color';
  /** '#rrggbb' */
  default: string;
}

export interface ChoiceParam extends ParamBase {
  kind: 'choice';
  options: readonly string[];
  default: string;
}

/**
 * A file relative to the scene file (e.g. the perturbation an attack stored under `.perturber/attacks/`). The host
 * loads it and hands its contents to the op through OpContext.resources; ops never read files.
 */
export interface FileParam extends ParamBase {
  kind: 'file';
  /** Accepted extensions without the dot, e.g. ['npy']. */
  extensions: readonly string[];
  /** '' = none chosen. */
  default: string;
}

export type ParamSpec = NumberParam | ColorParam | ChoiceParam | FileParam;

/** Resolved parameters: every declared parameter present, numbers in range, sizes already scaled. */
export type OpParams = Record<string, number | string>;

/**
 * Files named by `file` parameters, loaded by the host before the frame (core stays free of I/O). A stored
 * perturbation is a CHW float image (delta values, any size; ops resize it to the frame).
 */
export interface PerturbationResources {
  /** The loaded file named by `file` (as written in the scene), or why it is not available. */
  perturbation(file: string): FloatImage | { error: string };
}

/**
 * Thrown by an op's `apply` when the step cannot run with what it was given (no file chosen, the file not loaded,
 * no resources at all): applyPipeline skips the step, leaves the image as it was, and lists
 * "<op id>: <message>" in its problems, so a missing input is never silently a clean frame.
 */
export class SkipStep extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SkipStep';
  }
}

export interface OpContext {
  /** The step's seed (integer >= 0); random ops draw everything from `rngFor(seed)` (core/perturbations/random.ts). */
  seed: number;
  /** Loaded files for ops with `file` parameters; absent where the caller has none (then such ops report a problem). */
  resources?: PerturbationResources;
}

export type OpGroup = 'attack' | 'filter' | 'imagenet-c noise' | 'imagenet-c blur' | 'imagenet-c weather' | 'imagenet-c digital' | 'imagenet-c held-out';

export interface PerturbationOp {
  /** Stable id stored in scene files, camelCase, e.g. 'gaussianBlur', 'gaussianNoise', 'jpegCompression'. */
  id: string;
  label: string;
  group: OpGroup;
  /** One or two sentences: what it does, and for ImageNet-C ops how it follows the reference implementation. */
  description: string;
  params: readonly ParamSpec[];
  /** True when the result depends on the seed. */
  random: boolean;
  /**
   * Pure: never modifies `image`; returns a new image of the same size. Values may leave [0, 1]; the pipeline
   * clamps after every step. Must not throw for any parameter values within the declared ranges, except
   * `SkipStep` when the step cannot run (e.g. its file is not loaded): the pipeline then skips the step and
   * reports the reason as a problem ("<op id>: <reason>").
   */
  apply(image: FloatImage, params: OpParams, ctx: OpContext): FloatImage;
}

/** One entry of a scene's `perturbations` list (also in core/sceneTypes.ts as PerturbationStep). */
export interface PerturbationStepSpec {
  op: string;
  enabled: boolean;
  seed: number;
  params: Record<string, number | string>;
}
