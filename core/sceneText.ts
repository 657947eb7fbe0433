/** Locating scene problems in the text: JSON paths as the user reads them, and the syntax node to underline. */
import type { Node } from 'jsonc-parser';
import type { SceneDiagnostic } from './sceneTypes';

/** A scene path as the user reads it: `camera.azimuth`, `models[0].path`, "" for the root. */
export function displayPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Walks the syntax tree along `segments` as far as it exists (the nearest existing parent is the fallback). */
export function locate(root: Node, segments: readonly string[]): { node: Node; path: (string | number)[] } {
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
export function keyNodeOf(valueNode: Node): Node | undefined {
  const property = valueNode.parent;
  return property?.type === 'property' ? property.children?.[0] : undefined;
}

export function diagnostic(message: string, path: string, node: Pick<Node, 'offset' | 'length'>): SceneDiagnostic {
  return { message, path, offset: node.offset, length: node.length, severity: 'error' };
}
