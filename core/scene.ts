/**
 * Reading a `*.perturber.json` scene: JSON syntax, defaults, schema validation and the checks a schema cannot
 * express, each problem located in the text so the editor can underline it.
 * The ajv validator is compiled lazily on first parse: it generates code with `new Function`, which a webview's
 * CSP forbids, so merely importing `defaultScene` or `SCENE_SCHEMA` must not compile it.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { createScanner, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import schema from '../schemas/scene.schema.json';
import { coveredByPerturbationChecks } from './perturbationChecks';
import { OP_ANNOTATION } from './perturbationSchema';
import { isSuspiciousPath, semanticDiagnostics } from './sceneChecks';
import { migrateScene, pathInVersion } from './sceneMigrations';
import { diagnostic, displayPath, keyNodeOf, locate } from './sceneText';
import { SCENE_VERSION, type Scene, type SceneDiagnostic } from './sceneTypes';

/** The JSON schema of scene files (schemas/scene.schema.json). */
export const SCENE_SCHEMA = schema;

export { isSuspiciousPath };

export interface SceneParseResult {
  /** The scene with defaults filled in (migrated to SCENE_VERSION); null when the text is not JSON or has errors. */
  scene: Scene | null;
  diagnostics: SceneDiagnostic[];
  /** The file's version when it is older than SCENE_VERSION and was migrated in memory. */
  migratedFrom?: number;
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
  for (const level of schemaLevels(value, schemaNode)) {
    if (!isObject(level.properties)) continue;
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

/**
 * The schema nodes that describe an object value: the node itself, then (lazily, so a tag default filled at the
 * outer level picks its branch) the `then` of an `if` on objects and the matching discriminated branch.
 */
function* schemaLevels(value: JsonObject, schemaNode: JsonObject): Generator<JsonObject> {
  yield schemaNode;
  if (isObject(schemaNode.then)) yield* schemaLevels(value, schemaNode.then);
  const branch = discriminatedBranch(value, schemaNode);
  if (isObject(branch)) yield* schemaLevels(value, branch);
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
    // allowUnionTypes: nullable values (`"type": ["object", "null"]`).
    const ajv = new Ajv({ allErrors: true, strictNumbers: true, discriminator: true, allowUnionTypes: true });
    // VS Code's hint on properties kept for old files (object.color of version 1): annotation only.
    ajv.addKeyword({ keyword: 'deprecationMessage', schemaType: 'string' });
    // Annotations of the generated perturbation part (VS Code's completion texts; the README's op table).
    ajv.addKeyword({ keyword: 'enumDescriptions', schemaType: 'array' });
    ajv.addKeyword({ keyword: OP_ANNOTATION, schemaType: 'object' });
    validator = ajv.compile(SCENE_SCHEMA);
  }
  return validator(value) ? [] : [...(validator.errors ?? [])];
}

const COLOR_PATTERN = SCENE_SCHEMA.properties.material.properties.color.pattern;

/** `"color", "image" or "builtin"`: the tags of the discriminated union whose `discriminator` keyword is at `schemaPath`. */
function unionTags(schemaPath: string): string {
  let node: unknown = SCENE_SCHEMA;
  for (const segment of schemaPath.replace(/^#\//, '').split('/').slice(0, -1).map(unescapePointer)) {
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined;
  }
  const branches = isObject(node) && Array.isArray(node.oneOf) ? node.oneOf : [];
  const tags = branches.flatMap((branch: unknown) => {
    const tag = isObject(branch) && isObject(branch.properties) ? branch.properties.kind : undefined;
    return isObject(tag) && typeof tag.const === 'string' ? [`"${tag.const}"`] : [];
  });
  return tags.length <= 1 ? tags.join('') : `${tags.slice(0, -1).join(', ')} or ${tags[tags.length - 1]}`;
}
const ARTICLES: Record<string, string> = {
  number: 'a number',
  integer: 'an integer',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  boolean: 'true or false',
  null: 'null',
};

function quoted(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

/** Turns one ajv error into a diagnostic, or undefined for errors another diagnostic already explains. */
function schemaDiagnostic(error: ErrorObject, root: Node, migratedFrom: number): SceneDiagnostic | undefined {
  const migratedSegments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  const segments = pathInVersion(migratedSegments, migratedFrom);
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
      // Nullable values have a list of types ("object,null").
      return diagnostic(`${subject} must be ${String(params.type).split(',').map((t) => ARTICLES[t] ?? t).join(' or ')}`, where, node);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
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
      return diagnostic(`${displayPath(tagPath)} must be ${unionTags(error.schemaPath)}`, displayPath(tagPath), tagNode);
    }
    case 'if':
      // "must match then schema": the errors inside `then` say what is wrong.
      return undefined;
    default:
      return diagnostic(`${subject} ${error.message ?? 'is invalid'}`, where, node);
  }
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
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
    return failed([diagnostic(`the scene file is empty; it needs at least {"version": ${SCENE_VERSION}}`, '', { offset: 0, length: 0 })]);
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
  if (root.type !== 'object') return failed([diagnostic(`the scene must be a JSON object, e.g. {"version": ${SCENE_VERSION}}`, '', root)]);

  const diagnostics: SceneDiagnostic[] = [];
  const value = toValue(root, [], diagnostics) as JsonObject;
  if (typeof value.version === 'number' && value.version > SCENE_VERSION) {
    // A newer format's other "errors" are most likely just features this version does not know.
    const { node } = locate(root, ['version']);
    return failed([diagnostic(`scene version ${value.version} is newer than this extension supports (${SCENE_VERSION})`, 'version', node)]);
  }
  // Older files are read as the current version; the host rewrites the text on the first edit from the UI.
  const { value: migrated, from } = migrateScene(value);
  fillDefaults(migrated, SCENE_SCHEMA);
  for (const error of validate(migrated)) {
    // Perturbation ops and parameters: core/perturbationChecks.ts says it with the registry's words.
    if (coveredByPerturbationChecks(error.schemaPath)) continue;
    const d = schemaDiagnostic(error, root, from);
    if (d) diagnostics.push({ ...d, source: 'json' });
  }
  diagnostics.push(...semanticDiagnostics(migrated, root));
  if (diagnostics.some((d) => d.severity === 'error')) return failed(diagnostics);
  // Validated against the schema that mirrors Scene; `$schema` is editor metadata, not part of the scene.
  const { $schema: _schema, ...scene } = migrated;
  const result: SceneParseResult = { scene: scene as unknown as Scene, diagnostics: diagnostics.slice(0, MAX_DIAGNOSTICS) };
  if (from !== SCENE_VERSION) result.migratedFrom = from;
  return result;
}
