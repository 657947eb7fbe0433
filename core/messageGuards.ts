/**
 * Validation of messages from webviews at the host boundary. A webview runs untrusted-ish content (a scene from
 * any repository, third-party libraries), so the host never trusts a message's shape: each one is checked
 * field by field and rebuilt from the checked fields only. The guards never throw.
 */
import { isFeatureVisObjective } from './featureVis/objectiveKind';
import type { FrameImage, FrameTiming, PanelToHost, SaliencyMethod, SceneToHost, SweepResultsToHost } from './protocol';
import type { JsonValue, SceneEdit } from './sceneTypes';

export interface GuardError {
  error: string;
}

const MAX_IMAGES = 8;
const MAX_IMAGE_SIDE = 1024;
const MAX_EDITS = 64;
const MAX_PATH_LENGTH = 8;
const MAX_KEY_LENGTH = 256;
const MAX_VALUE_BYTES = 64 * 1024;
/** Deeper than any scene value; also stops cyclic or pathological objects before the stack does. */
const MAX_VALUE_DEPTH = 32;
const MAX_PROBLEM_LENGTH = 4096;
/** The scene schema's limit on `models[].id`. */
const MAX_MODEL_ID_LENGTH = 64;
/** Longer than any layer alias or graph tensor name a model has. */
const MAX_LAYER_LENGTH = 1024;
/** Longer than any workspace-relative path an image index stores. */
const MAX_IMAGE_PATH_LENGTH = 4096;

/** Thrown inside the guards only; turned into `{ error }` at the top. */
class Invalid extends Error {}

function fail(message: string): never {
  throw new Invalid(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) fail(`${what} must be an object`);
  // A webview message is structured-cloned: plain objects only. Anything else (a class instance, an object whose
  // prototype was set, e.g. by a `__proto__` key in a literal) could supply fields through its prototype chain.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) fail(`${what} must be a plain object (got ${describe(value)})`);
  return value;
}

function integer(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${what} must be an integer in ${min}..${max === Number.MAX_SAFE_INTEGER ? 'max' : max} (got ${describe(value)})`);
  }
  // -0 is an integer in range; pass it on as 0 (as every JSON round trip would).
  return value === 0 ? 0 : value;
}

function finite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${what} must be a finite number (got ${describe(value)})`);
  return value;
}

function array(value: unknown, what: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) fail(`${what} must be an array`);
  if (value.length < min || value.length > max) fail(`${what} must have ${min}..${max} entries (got ${value.length})`);
  // `map` skips holes and keeps them: a sparse array would come out with `undefined` entries.
  for (let i = 0; i < value.length; i++) if (!(i in value)) fail(`${what} has a hole at ${i}`);
  return value;
}

/** A short description of a bad value for the error text (never the whole value: it may be huge). */
function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return value.length > 20 ? 'a long string' : JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

// ---------------------------------------------------------------- frame

function frameImage(value: unknown, what: string): FrameImage {
  const image = record(value, what);
  const width = integer(image.width, `${what}.width`, 1, MAX_IMAGE_SIDE);
  const height = integer(image.height, `${what}.height`, 1, MAX_IMAGE_SIDE);
  const pixels = image.pixels;
  if (!(pixels instanceof Uint8Array)) fail(`${what}.pixels must be a Uint8Array (got ${describe(pixels)})`);
  const expected = width * height * 4;
  if (pixels.length !== expected) fail(`${what}.pixels must hold ${width}x${height} RGBA = ${expected} bytes (got ${pixels.length})`);
  return { width, height, pixels };
}

function frameTiming(value: unknown): FrameTiming {
  const timing = record(value, 'timing');
  return {
    renderMs: finite(timing.renderMs, 'timing.renderMs'),
    readbackMs: finite(timing.readbackMs, 'timing.readbackMs'),
    postedAt: finite(timing.postedAt, 'timing.postedAt'),
  };
}

// ---------------------------------------------------------------- edit

/**
 * Checks that a value is plain JSON data (no NaN/Infinity, no holes, no class instances or typed arrays) and
 * returns a copy built from own enumerable properties only.
 */
function jsonValue(value: unknown, what: string, depth: number): JsonValue {
  if (depth > MAX_VALUE_DEPTH) fail(`${what} is nested too deeply`);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (value.length > MAX_VALUE_BYTES) fail(`${what} is too large`);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(`${what} must be a finite number (got ${value})`);
    return value;
  }
  if (Array.isArray(value)) {
    // Every entry costs at least 2 bytes serialised; cheaper to refuse a huge array before walking it.
    if (value.length > MAX_VALUE_BYTES / 2) fail(`${what} is too large`);
    const out: JsonValue[] = [];
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) fail(`${what} has a hole at ${i}`);
      out.push(jsonValue(value[i], `${what}[${i}]`, depth + 1));
    }
    return out;
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail(`${what} must be plain JSON data (got ${describe(value)})`);
    const keys = Object.keys(value);
    if (keys.length > MAX_VALUE_BYTES / 4) fail(`${what} is too large`);
    const out: { [key: string]: JsonValue } = {};
    for (const key of keys) {
      const item = jsonValue((value as Record<string, unknown>)[key], `${what}.${key}`, depth + 1);
      Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return fail(`${what} must be JSON data (got ${typeof value})`);
}

function scenePath(value: unknown, what: string): (string | number)[] {
  const path = array(value, what, 1, MAX_PATH_LENGTH);
  return path.map((segment, i) => {
    if (typeof segment === 'string') {
      if (segment.length === 0 || segment.length > MAX_KEY_LENGTH) fail(`${what}[${i}] must be a property name of 1..${MAX_KEY_LENGTH} characters`);
      return segment;
    }
    return integer(segment, `${what}[${i}]`, 0);
  });
}

function sceneEdit(value: unknown, what: string): SceneEdit {
  const edit = record(value, what);
  const path = scenePath(edit.path, `${what}.path`);
  if (!Object.prototype.hasOwnProperty.call(edit, 'value')) fail(`${what}.value is missing`);
  const checked = jsonValue(edit.value, `${what}.value`, 0);
  if (JSON.stringify(checked).length > MAX_VALUE_BYTES) fail(`${what}.value is larger than ${MAX_VALUE_BYTES} bytes`);
  return { path, value: checked };
}

// ---------------------------------------------------------------- saliency view

const SALIENCY_METHODS: readonly SaliencyMethod[] = ['gradient', 'integratedGradients'];
/** Larger than any classifier's output (ImageNet-21k has 21843 classes). */
const MAX_CLASS_INDEX = 1_000_000;

function saliencyView(m: Record<string, unknown>): SceneToHost {
  if (typeof m.enabled !== 'boolean') fail(`saliencyView.enabled must be true or false (got ${describe(m.enabled)})`);
  const method = SALIENCY_METHODS.find((x) => x === m.method);
  if (!method) fail(`saliencyView.method must be one of ${SALIENCY_METHODS.join(', ')} (got ${describe(m.method)})`);
  const out: Extract<SceneToHost, { type: 'saliencyView' }> = { type: 'saliencyView', enabled: m.enabled, method };
  if (m.model !== undefined) {
    if (typeof m.model !== 'string' || m.model.length === 0 || m.model.length > MAX_MODEL_ID_LENGTH) {
      fail(`saliencyView.model must be a model id of 1..${MAX_MODEL_ID_LENGTH} characters (got ${describe(m.model)})`);
    }
    out.model = m.model;
  }
  if (m.classIndex !== undefined) out.classIndex = m.classIndex === null ? null : integer(m.classIndex, 'saliencyView.classIndex', 0, MAX_CLASS_INDEX);
  return out;
}

// ---------------------------------------------------------------- neuron insights

function modelId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_MODEL_ID_LENGTH) {
    fail(`${what} must be a model id of 1..${MAX_MODEL_ID_LENGTH} characters (got ${describe(value)})`);
  }
  return value;
}

/**
 * A workspace-relative path as the dataset index stores it. Only its shape is checked here (the host still checks
 * that it resolves inside the workspace): no NUL or other control characters, not absolute, no URL scheme.
 */
function imagePath(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_IMAGE_PATH_LENGTH) {
    fail(`openImage.path must be a path of 1..${MAX_IMAGE_PATH_LENGTH} characters (got ${describe(value)})`);
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) fail('openImage.path must not contain control characters');
  if (/^([a-zA-Z][a-zA-Z0-9+.-]+:|[\\/]|[a-zA-Z]:)/.test(value)) fail(`openImage.path must be relative to the workspace (got ${describe(value)})`);
  if (value.split(/[\\/]/).includes('..')) fail('openImage.path must not leave the workspace (a ".." segment)');
  return value;
}

function similarImages(m: Record<string, unknown>): PanelToHost {
  const layer = m.layer;
  if (layer !== null && (typeof layer !== 'string' || layer.length === 0 || layer.length > MAX_LAYER_LENGTH)) {
    fail(`similarImages.layer must be a layer name of 1..${MAX_LAYER_LENGTH} characters or null (got ${describe(layer)})`);
  }
  return { type: 'similarImages', modelId: modelId(m.modelId, 'similarImages.modelId'), layer };
}

// ---------------------------------------------------------------- entry points

/**
 * True when a guard accepted the message. Test this, not `'error' in result`: a valid `renderFailed` message has an
 * `error` field too (a refusal never has a `type`).
 */
export function isAccepted<T extends { type: string }>(result: T | GuardError): result is T {
  return 'type' in result;
}

function guarded<T>(msg: unknown, parse: (message: Record<string, unknown>) => T): T | GuardError {
  try {
    return parse(record(msg, 'message'));
  } catch (err) {
    // Anything else (a throwing getter, a revoked proxy) is just as much a bad message.
    return { error: err instanceof Invalid ? err.message : `malformed message (${err instanceof Error ? err.message : 'unreadable'})` };
  }
}

/** A message from the scene editor webview, checked and rebuilt, or why it was refused. */
export function parseSceneMessage(msg: unknown): SceneToHost | GuardError {
  return guarded(msg, (m): SceneToHost => {
    switch (m.type) {
      case 'ready':
      case 'openAsJson':
      case 'showPanels':
      case 'runSweep':
      case 'showSweepResults':
        return { type: m.type };
      case 'edit': {
        const edits = array(m.edits, 'edits', 0, MAX_EDITS);
        return { type: 'edit', edits: edits.map((e, i) => sceneEdit(e, `edits[${i}]`)) };
      }
      case 'frame': {
        const images = array(m.images, 'images', 1, MAX_IMAGES);
        return {
          type: 'frame',
          frameId: integer(m.frameId, 'frameId', 0),
          docVersion: integer(m.docVersion, 'docVersion', 0),
          images: images.map((image, i) => frameImage(image, `images[${i}]`)),
          timing: frameTiming(m.timing),
        };
      }
      case 'problem': {
        if (typeof m.message !== 'string' || m.message.length > MAX_PROBLEM_LENGTH) {
          fail(`problem.message must be a string of at most ${MAX_PROBLEM_LENGTH} characters`);
        }
        return { type: 'problem', message: m.message };
      }
      case 'modelInputView':
        if (typeof m.enabled !== 'boolean') fail(`modelInputView.enabled must be true or false (got ${describe(m.enabled)})`);
        return { type: 'modelInputView', enabled: m.enabled };
      case 'saliencyView':
        return saliencyView(m);
      case 'rendered': {
        const images = array(m.images, 'rendered.images', 1, MAX_IMAGES);
        return { type: 'rendered', requestId: integer(m.requestId, 'rendered.requestId', 0), images: images.map((image, i) => frameImage(image, `rendered.images[${i}]`)) };
      }
      case 'renderFailed': {
        if (typeof m.error !== 'string' || m.error.length > MAX_PROBLEM_LENGTH) fail(`renderFailed.error must be a string of at most ${MAX_PROBLEM_LENGTH} characters`);
        return { type: 'renderFailed', requestId: integer(m.requestId, 'renderFailed.requestId', 0), error: m.error };
      }
      default:
        return fail(`unknown scene message type ${describe(m.type)}`);
    }
  });
}

/** A message from a result panel webview, checked and rebuilt, or why it was refused. */
export function parsePanelMessage(msg: unknown): PanelToHost | GuardError {
  return guarded(msg, (m): PanelToHost => {
    switch (m.type) {
      case 'ready':
        return { type: 'ready' };
      case 'checkpointTrend': {
        const id = m.modelId;
        if (id !== null && (typeof id !== 'string' || id.length === 0 || id.length > MAX_MODEL_ID_LENGTH)) {
          fail(`checkpointTrend.modelId must be a model id of 1..${MAX_MODEL_ID_LENGTH} characters or null (got ${describe(id)})`);
        }
        return { type: 'checkpointTrend', modelId: id };
      }
      case 'saveCheckpointTrend':
        return { type: 'saveCheckpointTrend' };
      case 'painted':
        return {
          type: 'painted',
          frameId: integer(m.frameId, 'frameId', 0),
          paintMs: finite(m.paintMs, 'paintMs'),
          receivedAt: finite(m.receivedAt, 'receivedAt'),
        };
      case 'openImage':
        return { type: 'openImage', path: imagePath(m.path) };
      case 'cancelFeatureVis':
        return { type: 'cancelFeatureVis' };
      case 'featureVisObjective':
        if (!isFeatureVisObjective(m.objective)) fail(`featureVisObjective.objective must be "channel", "negative" or "unit" (got ${describe(m.objective)})`);
        return { type: 'featureVisObjective', objective: m.objective };
      case 'similarImages':
        return similarImages(m);
      default:
        return fail(`unknown panel message type ${describe(m.type)}`);
    }
  });
}

/** A message from the sweep results view, checked and rebuilt, or why it was refused. */
export function parseSweepResultsMessage(msg: unknown): SweepResultsToHost | GuardError {
  return guarded(msg, (m): SweepResultsToHost => {
    switch (m.type) {
      case 'ready':
        return { type: 'ready' };
      case 'openConfiguration':
        return { type: 'openConfiguration', index: integer(m.index, 'openConfiguration.index', 0) };
      default:
        return fail(`unknown sweep results message type ${describe(m.type)}`);
    }
  });
}
