/**
 * Replacing a JSON array in a scene file's text item by item: items the old and the new array share keep their
 * text (formatting, key order, spacing) and only the removed, inserted or moved items change. The scene editor
 * adds, removes and reorders perturbation steps (and models, watched layers) by sending the whole new array;
 * this turns that into the smallest edits jsonc-parser can make.
 */
import { applyEdits, findNodeAtLocation, modify, parseTree, type FormattingOptions, type Node } from 'jsonc-parser';
import type { JsonValue } from './sceneTypes';

function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when the file's `old` value reads as `next` once the schema's defaults are filled in: the scene the
 * webview edits has every default filled, the file often leaves them out (`{"op": "gaussianBlur"}` is
 * `{"op": "gaussianBlur", "enabled": true, "seed": 0, "params": {}}`), and such an item must keep its text.
 */
export function sameWithDefaults(old: JsonValue | undefined, next: JsonValue, schema: unknown): boolean {
  if (isRecord(old) && isRecord(next) && isRecord(schema) && isRecord(schema.properties)) {
    const properties = schema.properties;
    if (Object.keys(old).some((key) => !Object.prototype.hasOwnProperty.call(next, key))) return false;
    return Object.entries(next).every(([key, value]) => {
      const sub = properties[key];
      if (Object.prototype.hasOwnProperty.call(old, key)) return sameWithDefaults(old[key] as JsonValue, value, sub);
      return isRecord(sub) && 'default' in sub && jsonEqual(sub.default as JsonValue, value);
    });
  }
  if (Array.isArray(old) && Array.isArray(next) && isRecord(schema)) {
    return old.length === next.length && old.every((item, i) => sameWithDefaults(item, next[i], schema.items));
  }
  return jsonEqual(old, next);
}

/**
 * `text` with the array at `path` turned into `next` (already normalised), or undefined when the value there is
 * not an array (the caller then replaces it as a whole). The result parses to `next` at `path`; anything else
 * (which would be a bug here) also returns undefined so the caller falls back to a plain replacement.
 */
export function replaceArrayItems(
  text: string,
  path: readonly (string | number)[],
  next: readonly JsonValue[],
  formattingOptions: FormattingOptions,
  /** The schema of the array's items (for `sameWithDefaults`); undefined compares plainly. */
  itemSchema?: unknown,
): string | undefined {
  const same = (old: JsonValue | undefined, item: JsonValue): boolean => sameWithDefaults(old, item, itemSchema);
  const node = arrayAt(text, path);
  if (!node) return undefined;
  const before = JSON.parse(text.slice(node.offset, node.offset + node.length)) as JsonValue[];
  if (next.length === 0) return text.slice(0, node.offset) + '[]' + text.slice(node.offset + node.length);
  let current = text;
  const at = (i: number): (string | number)[] => [...path, i];
  /** Removes item i with its separator; returns its text (a moved item keeps it). */
  const remove = (i: number): string => {
    const children = arrayAt(current, path)?.children ?? [];
    const child = children[i];
    const itemText = current.slice(child.offset, child.offset + child.length);
    let start = child.offset;
    let end = child.offset + child.length;
    if (i + 1 < children.length) end = children[i + 1].offset;
    else if (i > 0) start = children[i - 1].offset + children[i - 1].length;
    else {
      const array = arrayAt(current, path);
      if (array) [start, end] = [array.offset, array.offset + array.length];
      current = current.slice(0, start) + '[]' + current.slice(end);
      return itemText;
    }
    current = current.slice(0, start) + current.slice(end);
    return itemText;
  };
  const insert = (i: number, value: JsonValue, raw?: string): void => {
    current = insertItem(current, path, i, value, formattingOptions, raw);
  };

  // 1. Drop the old items the new array does not keep (greedy match, first unused equal item).
  const used = new Set<number>();
  for (const item of next) {
    const j = before.findIndex((old, k) => !used.has(k) && same(old, item));
    if (j >= 0) used.add(j);
  }
  for (let j = before.length - 1; j >= 0; j--) if (!used.has(j)) remove(j);
  const mirror = before.filter((_, j) => used.has(j));

  // 2. Walk the new array: keep equal items, move kept items up to their place, insert new ones.
  for (let i = 0; i < next.length; i++) {
    if (i < mirror.length && same(mirror[i], next[i])) continue;
    const j = mirror.findIndex((old, k) => k > i && same(old, next[i]));
    let raw: string | undefined;
    if (j >= 0) {
      raw = remove(j);
      mirror.splice(j, 1);
    }
    insert(i, next[i], raw);
    mirror.splice(i, 0, next[i]);
  }
  for (let j = mirror.length - 1; j >= next.length; j--) remove(j);

  const check = parseTree(current);
  const result = check ? findNodeAtLocation(check, [...path]) : undefined;
  if (!result) return undefined;
  const value = JSON.parse(current.slice(result.offset, result.offset + result.length)) as JsonValue;
  return sameWithDefaults(value, next as JsonValue[], { items: itemSchema }) ? current : undefined;
}

function arrayAt(text: string, path: readonly (string | number)[]): Node | undefined {
  const root = parseTree(text);
  const node = root ? findNodeAtLocation(root, [...path]) : undefined;
  return node?.type === 'array' ? node : undefined;
}

/** The whitespace from the start of the line holding `offset` up to the first non-blank character. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

/**
 * Inserts `value` as item `i` of the array at `path`, laid out like the items already there (one per line, or
 * inline), the other items' text untouched. An empty array gets jsonc-parser's formatted insertion.
 */
function insertItem(
  text: string,
  path: readonly (string | number)[],
  i: number,
  value: JsonValue,
  formattingOptions: FormattingOptions,
  raw?: string,
): string {
  const node = arrayAt(text, path);
  const children = node?.children ?? [];
  if (!node || children.length === 0) {
    return applyEdits(text, modify(text, [...path, i], value, { formattingOptions, isArrayInsertion: true }));
  }
  const eol = formattingOptions.eol ?? '\n';
  const unit = formattingOptions.insertSpaces === false ? '\t' : ' '.repeat(formattingOptions.tabSize ?? 2);
  // One item per line when the first item starts on a line of its own.
  const multiline = /\n/.test(text.slice(node.offset + 1, children[0].offset));
  const indent = lineIndent(text, children[0].offset);
  const body = JSON.stringify(value, null, unit).replace(/\n/g, eol + (multiline ? indent : ''));
  // A moved item keeps its own text (it stays in the same array, so its indentation still fits).
  const content = raw ?? (multiline ? body : JSON.stringify(value));
  const separator = multiline ? eol + indent : ' ';
  if (i < children.length) {
    const offset = children[i].offset;
    return text.slice(0, offset) + content + ',' + separator + text.slice(offset);
  }
  const last = children[children.length - 1];
  const end = last.offset + last.length;
  return text.slice(0, end) + ',' + separator + content + text.slice(end);
}
