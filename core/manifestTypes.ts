/** Types of a `*.model.json` manifest beside an `.onnx` file (version 1). Mirrored by schemas/model.schema.json. */

export interface ModelInputSpec {
  name: string;
  width: number;
  height: number;
  layout: 'NCHW' | 'NHWC';
  channelOrder: 'RGB' | 'BGR';
  /** Pixel values are mapped linearly from [0,1] to this range before mean/std, e.g. [-1,1] or [0,255]. */
  range: [number, number];
  /** Per-channel mean and std applied after the range mapping: (x - mean) / std. */
  mean: [number, number, number];
  std: [number, number, number];
  /** How an image file of another size becomes the input (Classify Image, the dataset index); absent: centre crop, fraction 1. */
  resize?: ResizeSpec;
}

/**
 * The crop/resize policy for image files (core/imageFit.ts). `centerCrop`: the largest centred region of the input's
 * aspect ratio, scaled by `cropFraction`, resized to the input; `stretch`: the whole image (or its centred
 * `cropFraction`) resized to the input, aspect ratio not kept; `pad`: the same region resized to fit inside the input
 * with its aspect ratio kept, the rest black (letterbox).
 */
export interface ResizeSpec {
  mode: 'centerCrop' | 'stretch' | 'pad';
  /** Share of each side of that region that is kept, in (0, 1]: 0.875 is "resize 256, centre-crop 224". */
  cropFraction: number;
}

export interface ModelOutputSpec {
  name: string;
  /** Whether the output already holds probabilities (softmax is then not applied again). */
  kind: 'logits' | 'probabilities';
}

/** One checkpoint of a fine-tuning run: another ONNX file with the same inputs, outputs, labels and layers. */
export interface CheckpointSpec {
  /** Shown on the checkpoint slider, e.g. "epoch 3" or "step 1200". */
  label: string;
  /** Relative to the manifest. */
  path: string;
  /** Training step or epoch, for plots along fine-tuning (optional). */
  step?: number;
}

/**
 * A checkpoint family that follows a folder: every .onnx file matching `pattern` (relative to the manifest; `*` and
 * `?` within a path segment), in natural order; files that appear or go later update the family.
 */
export interface CheckpointPattern {
  pattern: string;
  /** Label template: `{step}` the last number the wildcards matched, `{name}` the file name without .onnx. */
  label?: string;
}

export interface ModelManifest {
  version: number;
  displayName: string;
  input: ModelInputSpec;
  output: ModelOutputSpec;
  /** Class names, or a path (relative to the manifest) of a text file with one label per line. */
  labels: string[] | string;
  /** Index of the first label in the output (1 for models with a background class at 0 whose label file omits it). */
  labelOffset: number;
  /** Human layer names -> graph tensor names. */
  layerAliases: Record<string, string>;
  /**
   * Optional checkpoint family, in training order (the manifest's own .onnx is usually the last one): a list, or a
   * file pattern (a string is the short form of `{ pattern }`). The scene picks one with `models[].checkpoint`; the
   * panels can plot predictions and activations along the family.
   */
  checkpoints?: CheckpointSpec[] | string | CheckpointPattern;
}

/** A layer found in the graph whose output can be watched. */
export interface LayerInfo {
  /** Graph tensor name. */
  tensor: string;
  /** Alias from the manifest, if any. */
  alias?: string;
  /** Type of the node producing it (Conv, Relu, Concat, ...). */
  opType: string;
  /** [channels, height, width] when statically known (NCHW), else undefined entries. */
  channels?: number;
  height?: number;
  width?: number;
}
