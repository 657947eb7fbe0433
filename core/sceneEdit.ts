/**
 * Scene edits as data: applied to a Scene value (what the webview shows at once) and to the document text (what
 * becomes the undoable WorkspaceEdit). Both go through the same path checks and number rounding, so parsing the
 * edited text gives exactly the scene `applySceneEdit` returns.
 */
import { applyEdits, modify, parseTree, type FormattingOptions, type ParseError } from 'jsonc-parser';
import schema from '../schemas/scene.schema.json';
import { replaceArrayItems } from './sceneArrayEdit';
import type { JsonValue, Scene, SceneEdit, ScenePath } from './sceneTypes';

/** Replace `length` characters at `offset` of the original text with `content`. */
export interface TextSpanEdit {
  offset: number;
  length: number;
  content: string;
}

/** Slider values are floats; 4 decimals is finer than any control's step and keeps user files readable. */
const DECIMALS = 4;

function roundNumber(x: number): number {
  const rounded = Number(x.toFixed(DECIMALS));
  // -0 would survive a round trip through the value but not through the text ("0").
  return rounded === 0 ? 0 : rounded;
}

function describe(path: ScenePath, upTo: number): string {
  let out = '';
  for (const segment of path.slice(0, upTo)) {
    out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  }
  return out === '' ? 'the scene' : out;
}

/** Rounds every number in the value, refusing what JSON cannot hold (NaN, Infinity). */
function normalized(value: JsonValue, path: ScenePath): JsonValue {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot set ${describe(path, path.length)} to ${value}: not a finite number`);
    return roundNumber(value);
  }
  if (Array.isArray(value)) return value.map((item) => normalized(item, path));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) defineOwn(out, key, normalized(item, path));
    return out;
  }
  return value;
}

/** Plain assignment of "__proto__" would replace the prototype instead of adding a key. */
function defineOwn(target: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function kindOf(value: JsonValue | undefined): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Sets `value` at `path[depth..]` inside `node`, copying only the containers along the path (structural
 * sharing: untouched sections keep their identity). A missing container is created: an object for a string
 * segment, an array for index 0.
 */
function setIn(node: JsonValue | undefined, path: ScenePath, depth: number, value: JsonValue): JsonValue {
  if (depth === path.length) return value;
  const segment = path[depth];
  if (typeof segment === 'string') {
    if (node !== undefined && (node === null || typeof node !== 'object' || Array.isArray(node))) {
      throw new Error(`cannot set ${describe(path, path.length)}: ${describe(path, depth)} is ${kindOf(node)}, not an object`);
    }
    const source: { [key: string]: JsonValue } = node ?? {};
    const current = Object.prototype.hasOwnProperty.call(source, segment) ? source[segment] : undefined;
    const copy: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(source)) defineOwn(copy, key, item);
    defineOwn(copy, segment, setIn(current, path, depth + 1, value));
    return copy;
  }
  if (!Number.isInteger(segment) || segment < 0) {
    throw new Error(`cannot set ${describe(path, path.length)}: ${segment} is not an array index`);
  }
  if (node !== undefined && !Array.isArray(node)) {
    throw new Error(`cannot set ${describe(path, path.length)}: ${describe(path, depth)} is ${kindOf(node)}, not an array`);
  }
  const source = node ?? [];
  if (segment > source.length) {
    throw new Error(`cannot set ${describe(path, path.length)}: ${describe(path, depth)} has only ${source.length} entries`);
  }
  const copy = source.slice();
  copy[segment] = setIn(source[segment], path, depth + 1, value);
  return copy;
}

function setAtPath(root: JsonValue, edit: SceneEdit): JsonValue {
  if (edit.path.length === 0) throw new Error('a scene edit needs a path (replacing the whole scene is not an edit)');
  return setIn(root, edit.path, 0, normalized(edit.value, edit.path));
}

/** The scene with `edit` applied; the input is not modified. Throws on a path that does not fit the scene. */
export function applySceneEdit(scene: Scene, edit: SceneEdit): Scene {
  // Scene is JSON data; the cast only widens its static type for the generic walk.
  return setAtPath(scene as unknown as JsonValue, edit) as unknown as Scene;
}

// ---------------------------------------------------------------- text

/** Indentation and line ends as the file already uses them, so an edit does not reformat the user's file. */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let tabs = 0;
  let spaces = 0;
  let unit = 0;
  for (const line of text.split(/\r?\n/)) {
    const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (indent === '' || indent.length === line.length) continue;
    if (indent.startsWith('\t')) {
      tabs++;
    } else {
      spaces++;
      // The smallest indentation in use is one level.
      unit = unit === 0 ? indent.length : Math.min(unit, indent.length);
    }
  }
  if (tabs > spaces) return { insertSpaces: false, tabSize: 4, eol };
  return { insertSpaces: true, tabSize: unit > 0 ? unit : 2, eol };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** One span turning `before` into `after` (common prefix and suffix removed), or none when they are equal. */
function diffSpan(before: string, after: string): TextSpanEdit[] {
  if (before === after) return [];
  const max = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  // Never split a surrogate pair: an editor would see half a character.
  if (prefix > 0 && isLowSurrogate(before.charCodeAt(prefix))) prefix--;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  return [{ offset: prefix, length: before.length - prefix - suffix, content: after.slice(prefix, after.length - suffix) }];
}

/**
 * The text edits that apply `edits` (in order) to a scene file, keeping its formatting. Edits are applied one
 * after the other to a copy, and the result is expressed as one span against the original text. An array that
 * replaces an array keeps the text of the items both have (core/sceneArrayEdit.ts).
 * Throws when the text is not valid JSON (there is no reliable place to put a value) or a path does not fit.
 */
export function sceneEditsToTextEdits(text: string, edits: readonly SceneEdit[]): TextSpanEdit[] {
  const formattingOptions = detectFormatting(text);
  let current = text;
  for (const edit of edits) {
    const errors: ParseError[] = [];
    const root = parseTree(current, errors, { disallowComments: true });
    if (errors.length > 0 || !root) throw new Error('the scene file is not valid JSON; fix it before editing with the controls');
    // Checks the path against the current content (clear errors) and gives the rounded value to write.
    const value = normalized(edit.value, edit.path);
    setAtPath(parseValue(current), { path: edit.path, value });
    // A new array for an existing one (add, remove, reorder) keeps the text of the items both share.
    const items = Array.isArray(value) ? replaceArrayItems(current, edit.path, value, formattingOptions, itemSchemaAt(edit.path)) : undefined;
    current = items ?? applyEdits(current, modify(current, [...edit.path], value, { formattingOptions }));
  }
  return diffSpan(text, current);
}

/** The schema of the items of the array at `path` (plain properties/items walk; undefined past a union). */
function itemSchemaAt(path: ScenePath): unknown {
  let node: unknown = schema;
  for (const segment of path) {
    const record = node as { properties?: Record<string, unknown>; items?: unknown } | undefined;
    node = typeof segment === 'number' ? record?.items : record?.properties?.[segment];
    if (node === undefined) return undefined;
  }
  return (node as { items?: unknown }).items;
}

function parseValue(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}
