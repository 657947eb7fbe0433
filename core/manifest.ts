/**
 * Reading `*.model.json` manifests (schema validation with defaults filled in) and proposing one for a model that
 * has none, from what its graph says. The ajv validator is compiled lazily: it generates code with `new Function`,
 * which a webview's CSP forbids, so importing MODEL_SCHEMA alone must not compile it.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../schemas/model.schema.json';
import { describePathProblem, manifestPathProblems } from './checkpointPattern';
import { proposeLayerNames, withLayerNames, type LayerNaming } from './layerNames';
import type { ModelManifest } from './manifestTypes';
import type { LayerCandidate, OnnxModelInfo, OnnxTensorInfo } from './onnxGraph';

/** The JSON schema of model manifests (schemas/model.schema.json). */
export const MODEL_SCHEMA = schema;

let validator: ValidateFunction | undefined;

function validate(value: unknown): { ok: boolean; errors: ErrorObject[] } {
  // useDefaults fills layout, channelOrder, range, mean, std, output kind, labelOffset and layerAliases in place.
  validator ??= new Ajv({ allErrors: true, useDefaults: true, strict: true }).compile(MODEL_SCHEMA);
  const ok = validator(value);
  return { ok, errors: validator.errors ?? [] };
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(manifest)';
  const params: Record<string, unknown> = error.params;
  if (error.keyword === 'additionalProperties') return `${where}: unknown property "${String(params.additionalProperty)}"`;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `${where} must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (error.keyword === 'const') return `${where} must be ${JSON.stringify(params.allowedValue)}`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

const CHECKPOINT_BRANCH = /^#\/properties\/checkpoints\/oneOf\/(\d+)\//;

/**
 * `checkpoints` is a list, a pattern string or a pattern object (oneOf): keep only the complaints of the branch of
 * the value's own type, or one line when its type fits none.
 */
function checkpointErrors(errors: ErrorObject[], value: unknown): ErrorObject[] {
  const c: unknown = typeof value === 'object' && value !== null ? (value as { checkpoints?: unknown }).checkpoints : undefined;
  const branch = Array.isArray(c) ? 0 : typeof c === 'string' ? 1 : typeof c === 'object' && c !== null ? 2 : -1;
  return errors.flatMap((e) => {
    const m = CHECKPOINT_BRANCH.exec(e.schemaPath);
    if (m) return Number(m[1]) === branch ? [e] : [];
    if (e.instancePath !== '/checkpoints' || e.keyword !== 'oneOf') return [e];
    if (branch >= 0) return [];
    return [{ ...e, message: 'must be a list of checkpoints, a file pattern, or {"pattern": ...}' }];
  });
}

/**
 * Parses and validates a manifest. On success the manifest comes back with every default filled in; on failure
 * it is null and `errors` holds one readable line per problem (JSON path, then what is wrong).
 */
export function parseManifest(text: string): { manifest: ModelManifest | null; errors: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { manifest: null, errors: [`not valid JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const { ok, errors } = validate(value);
  if (!ok) {
    // oneOf failures repeat each branch's complaint; the summary line is enough.
    const kept = errors.filter((e) => !/\/labels$/.test(e.instancePath) || e.keyword === 'oneOf');
    const lines = checkpointErrors(kept, value).map(describe);
    return { manifest: null, errors: [...new Set(lines)] };
  }
  // The schema mirrors ModelManifest field for field, and validation (with defaults) has just established it.
  const manifest = value as ModelManifest;
  // What the schema cannot say: checkpoint files and patterns stay inside the manifest's folder (the host checks
  // that files exist and that links do not lead out).
  const pathErrors = manifestPathProblems(manifest).map(describePathProblem);
  if (pathErrors.length > 0) return { manifest: null, errors: pathErrors };
  return { manifest, errors: [] };
}

const DEFAULT_SIZE = 224;

function staticSize(dim: OnnxTensorInfo['dims'][number] | undefined): number | undefined {
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

/** The image input: the first 4-D float input with 3 channels first (NCHW) or last (NHWC). */
export function imageInput(info: { inputs: readonly OnnxTensorInfo[] }): { tensor: OnnxTensorInfo; layout: 'NCHW' | 'NHWC' } | undefined {
  for (const tensor of info.inputs) {
    if (tensor.elemType !== 'float32' || tensor.dims.length !== 4) continue;
    if (tensor.dims[1] === 3) return { tensor, layout: 'NCHW' };
    if (tensor.dims[3] === 3) return { tensor, layout: 'NHWC' };
  }
  return undefined;
}

/**
 * A starting manifest for a model without one: input name, size and layout from the graph, the first output,
 * and neutral normalisation (range [0, 1], no mean/std), which the user must check against how the model was
 * trained. Sizes the graph leaves symbolic fall back to 224.
 */
export function proposeManifest(info: OnnxModelInfo, displayName: string): ModelManifest {
  const found = imageInput(info);
  const tensor = found?.tensor ?? info.inputs[0];
  const layout = found?.layout ?? 'NCHW';
  const dims = found?.tensor.dims ?? [];
  const [h, w] = layout === 'NCHW' ? [dims[2], dims[3]] : [dims[1], dims[2]];
  return {
    version: 1,
    displayName,
    input: {
      name: tensor?.name ?? 'input',
      width: staticSize(w) ?? DEFAULT_SIZE,
      height: staticSize(h) ?? DEFAULT_SIZE,
      layout,
      channelOrder: 'RGB',
      range: [0, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
    },
    output: { name: info.outputs[0]?.name ?? 'output', kind: 'logits' },
    labels: [],
    labelOffset: 0,
    layerAliases: {},
  };
}

/**
 * `proposeManifest` completed with what the graph's family implies (core/layerNames.ts: layer aliases and the
 * family's preprocessing): the manifest Add Model writes, and the one a model without a manifest file runs with.
 */
export function proposeNamedManifest(
  info: OnnxModelInfo,
  candidates: readonly LayerCandidate[],
  displayName: string,
): { manifest: ModelManifest; naming: LayerNaming } {
  const naming = proposeLayerNames(candidates);
  return { manifest: withLayerNames(proposeManifest(info, displayName), naming), naming };
}
