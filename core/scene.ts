/**
 * Reading a `*.perturber.json` scene: JSON syntax, defaults, schema validation and the checks a schema cannot
 * express, each problem located in the text so the editor can underline it.
 * The ajv validator is compiled lazily on first parse: it generates code with `new Function`, which a webview's
 * CSP forbids, so merely importing `defaultScene` or `SCENE_SCHEMA` must not compile it.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { createScanner, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import schema from '../schemas/scene.schema.json';
import { SCENE_VERSION, type Scene, type SceneDiagnostic } from './sceneTypes';

/** The JSON schema of scene files (schemas/scene.schema.json). */
export const SCENE_SCHEMA = schema;

export interface SceneParseResult {
  /** The scene with defaults filled in; null when the text is not JSON or has errors. */
  scene: Scene | null;
  diagnostics: SceneDiagnostic[];
}

/** Scene files are a few KB; anything far larger is not a scene and would only slow the editor down. */
const MAX_TEXT_LENGTH = 1024 * 1024;
/** A scene nests 6 levels deep; the limit keeps the recursive parser far from the stack limit. */
const MAX_DEPTH = 32;
/** Past this, more diagnostics do not help the user and can flood the Problems view. */
const MAX_DIAGNOSTICS = 100;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// ---------------------------------------------------------------- defaults

/**
 * Fills every missing optional property that has a `default` in the schema, recursively. Driven by the schema so
 * the defaults the editor offers and the ones applied here are the same. Required properties are never filled
 * (a missing `version` must stay an error), and values of the wrong type are left for validation to report.
 */
function fillDefaults(value: unknown, schemaNode: unknown): void {
  if (!isObject(schemaNode)) return;
  if (Array.isArray(value)) {
    for (const item of value) fillDefaults(item, schemaNode.items);
    return;
  }
  if (!isObject(value)) return;
  for (const level of [schemaNode, discriminatedBranch(value, schemaNode)]) {
    if (!isObject(level) || !isObject(level.properties)) continue;
    const required = Array.isArray(level.required) ? level.required : [];
    for (const [key, propertySchema] of Object.entries(level.properties)) {
      if (!isObject(propertySchema)) continue;
      if (!Object.prototype.hasOwnProperty.call(value, key)) {
        if (required.includes(key) || !('default' in propertySchema)) continue;
        value[key] = clone(propertySchema.default);
      }
      fillDefaults(value[key], propertySchema);
    }
  }
}

/** The `oneOf` branch whose `const` tag matches the value's discriminator property, if any. */
function discriminatedBranch(value: JsonObject, schemaNode: JsonObject): unknown {
  const discriminator = schemaNode.discriminator;
  if (!isObject(discriminator) || typeof discriminator.propertyName !== 'string' || !Array.isArray(schemaNode.oneOf)) {
    return undefined;
  }
  const tag = value[discriminator.propertyName];
  const propertyName = discriminator.propertyName;
  return schemaNode.oneOf.find((branch: unknown) => {
    if (!isObject(branch) || !isObject(branch.properties)) return false;
    const tagSchema = branch.properties[propertyName];
    return isObject(tagSchema) && tagSchema.const === tag;
  });
}

/** A fresh scene with every default from the schema. */
export function defaultScene(): Scene {
  const scene: JsonObject = { version: SCENE_VERSION };
  fillDefaults(scene, SCENE_SCHEMA);
  return scene as unknown as Scene;
}

// ---------------------------------------------------------------- locating problems in the text

/** A scene path as the user reads it: `camera.azimuth`, `models[0].path`, "" for the root. */
function displayPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Walks the syntax tree along `segments` as far as it exists (the nearest existing parent is the fallback). */
function locate(root: Node, segments: readonly string[]): { node: Node; path: (string | number)[] } {
  let node = root;
  const path: (string | number)[] = [];
  for (const segment of segments) {
    let next: Node | undefined;
    if (node.type === 'object') {
      // The last property with the name wins, as in JSON.parse.
      const property = [...(node.children ?? [])].reverse().find((p) => p.children?.[0]?.value === segment);
      next = property?.children?.[1];
      if (next) path.push(segment);
    } else if (node.type === 'array' && /^\d+$/.test(segment)) {
      next = node.children?.[Number(segment)];
      if (next) path.push(Number(segment));
    }
    if (!next) break;
    node = next;
  }
  return { node, path };
}

/** The key node of the property holding `valueNode` (to underline `"azimut"` rather than its value). */
function keyNodeOf(valueNode: Node): Node | undefined {
  const property = valueNode.parent;
  return property?.type === 'property' ? property.children?.[0] : undefined;
}

function diagnostic(message: string, path: string, node: Pick<Node, 'offset' | 'length'>): SceneDiagnostic {
  return { message, path, offset: node.offset, length: node.length, severity: 'error' };
}

// ---------------------------------------------------------------- syntax

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes (trailing commas are not allowed)',
  ValueExpected: 'expected a value (trailing commas are not allowed)',
  ColonExpected: "expected ':' after the property name",
  CommaExpected: "expected ',' between entries",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the end of the scene',
  InvalidCommentToken: 'comments are not allowed in scene files (they must stay plain JSON)',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'incomplete number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character in string',
  InvalidCharacter: 'control characters must be escaped in strings',
};

function syntaxDiagnostic(error: ParseError): SceneDiagnostic {
  const name = printParseErrorCode(error.error);
  return diagnostic(`syntax error: ${SYNTAX_MESSAGES[name] ?? name}`, '', error);
}

/** The offset of the first bracket nested deeper than MAX_DEPTH, or -1. Scans tokens, so brackets in strings do not count. */
function tooDeepAt(text: string): number {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (;;) {
    scanner.scan();
    const offset = scanner.getTokenOffset();
    if (scanner.getTokenLength() === 0 || offset >= text.length) return -1;
    if (scanner.getTokenLength() !== 1) continue;
    const ch = text[offset];
    if (ch === '{' || ch === '[') {
      depth++;
      if (depth > MAX_DEPTH) return offset;
    } else if (ch === '}' || ch === ']') {
      depth--;
    }
  }
}

// ---------------------------------------------------------------- tree -> value

/**
 * Converts the tree to plain values, reporting duplicate keys (JSON.parse silently keeps the last one, so the
 * user would not see which one counts). Own properties are defined explicitly so a key like "__proto__" becomes
 * an ordinary (unknown) property instead of replacing the object's prototype.
 */
function toValue(node: Node, path: (string | number)[], diagnostics: SceneDiagnostic[]): unknown {
  switch (node.type) {
    case 'object': {
      const out: JsonObject = {};
      const seen = new Set<string>();
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        if (!keyNode || !valueNode || typeof keyNode.value !== 'string') continue;
        const key = keyNode.value;
        if (seen.has(key)) {
          const where = path.length === 0 ? 'the scene' : displayPath(path);
          diagnostics.push(diagnostic(`duplicate property '${key}' in ${where}`, displayPath([...path, key]), keyNode));
        }
        seen.add(key);
        const value = toValue(valueNode, [...path, key], diagnostics);
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map((child, i) => toValue(child, [...path, i], diagnostics));
    default:
      return node.value as unknown;
  }
}

// ---------------------------------------------------------------- schema errors -> readable messages

let validator: ValidateFunction | undefined;

function validate(value: unknown): ErrorObject[] {
  if (!validator) {
    // strictNumbers: NaN/Infinity (e.g. 1e400) are not numbers; discriminator: one clear error for `background`
    // instead of one per oneOf branch.
    const ajv = new Ajv({ allErrors: true, strictNumbers: true, discriminator: true });
    validator = ajv.compile(SCENE_SCHEMA);
  }
  return validator(value) ? [] : [...(validator.errors ?? [])];
}

const COLOR_PATTERN = SCENE_SCHEMA.properties.object.properties.color.pattern;
/** `"color" or "image"`: the tags of the one discriminated union in the schema. */
const BACKGROUND_KINDS = SCENE_SCHEMA.properties.background.oneOf.map((b) => `"${b.properties.kind.const}"`).join(' or ');
const ARTICLES: Record<string, string> = {
  number: 'a number',
  integer: 'an integer',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  boolean: 'true or false',
};

function quoted(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/** Turns one ajv error into a diagnostic, or undefined for errors another diagnostic already explains. */
function schemaDiagnostic(error: ErrorObject, root: Node): SceneDiagnostic | undefined {
  const segments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  const { node, path } = locate(root, segments);
  const where = displayPath(path);
  const subject = where === '' ? 'the scene' : where;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const at = locate(root, [...segments, name]);
      const keyNode = keyNodeOf(at.node) ?? at.node;
      return diagnostic(`unknown property '${name}' in ${subject}`, displayPath([...path, name]), keyNode);
    }
    case 'required':
      // Underline only the opening brace: the whole object would cover the file.
      return diagnostic(`${subject} is missing required property '${String(params.missingProperty)}'`, where, {
        offset: node.offset,
        length: 1,
      });
    case 'type':
      return diagnostic(`${subject} must be ${ARTICLES[String(params.type)] ?? String(params.type)}`, where, node);
    case 'minimum':
    case 'maximum':
      return diagnostic(`${subject} must be ${String(params.comparison)} ${String(params.limit)}`, where, node);
    case 'const':
      return diagnostic(`${subject} must be ${quoted(params.allowedValue)}`, where, node);
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.map(String).join(', ') : '';
      return diagnostic(`${subject} must be one of: ${allowed}`, where, node);
    }
    case 'pattern':
      if (params.pattern === COLOR_PATTERN) {
        return diagnostic(`${subject} must be a colour like "#c08040" (# and 6 hex digits)`, where, node);
      }
      return diagnostic(`${subject} must match ${String(params.pattern)}`, where, node);
    case 'minLength':
      return diagnostic(`${subject} must not be empty`, where, node);
    case 'maxLength':
      return diagnostic(`${subject} must be at most ${String(params.limit)} characters long`, where, node);
    case 'maxItems':
      return diagnostic(`${subject} must have at most ${String(params.limit)} entries`, where, node);
    case 'uniqueItems': {
      const [first, second] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return diagnostic(`${subject} lists the same value twice (entries ${first} and ${second})`, where, node);
    }
    case 'discriminator': {
      // A missing tag is already reported by `required`.
      if (params.error === 'tag' && params.tagValue === undefined) return undefined;
      const tagPath = [...path, String(params.tag)];
      const tagNode = locate(root, [...segments, String(params.tag)]).node;
      return diagnostic(`${displayPath(tagPath)} must be ${BACKGROUND_KINDS}`, displayPath(tagPath), tagNode);
    }
    default:
      return diagnostic(`${subject} ${error.message ?? 'is invalid'}`, where, node);
  }
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

// ---------------------------------------------------------------- checks beyond the schema

/**
 * True for paths that name a URL rather than a file: the extension loads nothing remote (a scene from a
 * cloned repository must not make it fetch or read arbitrary locations). `builtin:NAME` is the one allowed
 * scheme; one-letter "schemes" are Windows drive letters, which the host's workspace check handles.
 */
export function isSuspiciousPath(p: string): boolean {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(p.trim());
  return scheme !== null && scheme[1].toLowerCase() !== 'builtin';
}

function semanticDiagnostics(value: JsonObject, root: Node): SceneDiagnostic[] {
  const out: SceneDiagnostic[] = [];
  const checkPath = (p: unknown, segments: string[]): void => {
    if (typeof p !== 'string' || !isSuspiciousPath(p)) return;
    const { node, path } = locate(root, segments);
    out.push(
      diagnostic(`${displayPath(path)} "${p}" is a URL: remote loads are not allowed, use a file in the workspace`, displayPath(path), node),
    );
  };
  if (isObject(value.background)) checkPath(value.background.path, ['background', 'path']);
  if (Array.isArray(value.models)) {
    const firstUse = new Map<string, number>();
    value.models.forEach((model: unknown, i: number) => {
      if (!isObject(model)) return;
      checkPath(model.path, ['models', String(i), 'path']);
      if (typeof model.id !== 'string') return;
      const first = firstUse.get(model.id);
      if (first === undefined) {
        firstUse.set(model.id, i);
        return;
      }
      const { node } = locate(root, ['models', String(i), 'id']);
      out.push(diagnostic(`duplicate model id "${model.id}" (already used by models[${first}])`, `models[${i}].id`, node));
    });
  }
  return out;
}

// ---------------------------------------------------------------- parseScene

function failed(diagnostics: SceneDiagnostic[]): SceneParseResult {
  return { scene: null, diagnostics: diagnostics.slice(0, MAX_DIAGNOSTICS) };
}

/** Parses, fills defaults and validates a scene file's text. Never throws. */
export function parseScene(text: string): SceneParseResult {
  if (text.length > MAX_TEXT_LENGTH) {
    return failed([diagnostic(`the scene file is too large (${text.length} characters; at most ${MAX_TEXT_LENGTH})`, '', { offset: 0, length: 0 })]);
  }
  if (text.trim() === '') {
    return failed([diagnostic('the scene file is empty; it needs at least {"version": 1}', '', { offset: 0, length: 0 })]);
  }
  const deep = tooDeepAt(text);
  if (deep >= 0) {
    return failed([diagnostic(`the scene is nested too deeply (more than ${MAX_DEPTH} levels)`, '', { offset: deep, length: 1 })]);
  }
  const syntaxErrors: ParseError[] = [];
  const root = parseTree(text, syntaxErrors, { disallowComments: true, allowTrailingComma: false });
  if (syntaxErrors.length > 0 || !root) {
    // The tolerant parser reports some mistakes twice at one offset (e.g. a trailing comma); once is enough.
    const firstPerOffset = syntaxErrors.filter((e, i) => syntaxErrors.findIndex((f) => f.offset === e.offset) === i);
    return failed(firstPerOffset.map((e) => ({ ...syntaxDiagnostic(e), source: 'json' as const })));
  }
  if (root.type !== 'object') return failed([diagnostic('the scene must be a JSON object, e.g. {"version": 1}', '', root)]);

  const diagnostics: SceneDiagnostic[] = [];
  const value = toValue(root, [], diagnostics) as JsonObject;
  if (typeof value.version === 'number' && value.version > SCENE_VERSION) {
    // A newer format's other "errors" are most likely just features this version does not know.
    const { node } = locate(root, ['version']);
    return failed([diagnostic(`scene version ${value.version} is newer than this extension supports (${SCENE_VERSION})`, 'version', node)]);
  }
  fillDefaults(value, SCENE_SCHEMA);
  for (const error of validate(value)) {
    const d = schemaDiagnostic(error, root);
    if (d) diagnostics.push({ ...d, source: 'json' });
  }
  diagnostics.push(...semanticDiagnostics(value, root));
  if (diagnostics.some((d) => d.severity === 'error')) return failed(diagnostics);
  // Validated against the schema that mirrors Scene; `$schema` is editor metadata, not part of the scene.
  const { $schema: _schema, ...scene } = value;
  return { scene: scene as unknown as Scene, diagnostics: diagnostics.slice(0, MAX_DIAGNOSTICS) };
}
