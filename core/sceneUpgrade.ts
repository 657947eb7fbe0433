/**
 * Rewriting an older scene file as the current version when the scene editor first edits it. The rewrite and
 * the edit become one text change, so a single undo restores the file exactly as it was.
 */
import { parseScene } from './scene';
import { detectFormatting, sceneEditsToTextEdits, type TextSpanEdit } from './sceneEdit';
import { migrateScene, type JsonObject } from './sceneMigrations';
import type { SceneEdit } from './sceneTypes';

/**
 * The text of an older but valid scene file migrated to the current version, in the file's own indentation and
 * line ends; undefined when the text is current, newer, or has problems (an invalid file is not rewritten: the
 * user is fixing it in the text).
 */
export function upgradedSceneText(text: string): string | undefined {
  if (parseScene(text).migratedFrom === undefined) return undefined;
  const { value } = migrateScene(JSON.parse(text) as JsonObject);
  const { insertSpaces, tabSize, eol } = detectFormatting(text);
  const indent = insertSpaces ? ' '.repeat(tabSize ?? 2) : '\t';
  const body = JSON.stringify(value, null, indent).replace(/\n/g, eol ?? '\n');
  return /\r?\n$/.test(text) ? body + (eol ?? '\n') : body;
}

/**
 * `sceneEditsToTextEdits`, upgrading an older file first: then the result is one span replacing the whole text
 * with the migrated and edited scene. Throws as `sceneEditsToTextEdits` does.
 */
export function sceneTextEdits(text: string, edits: readonly SceneEdit[]): TextSpanEdit[] {
  const upgraded = edits.length === 0 ? undefined : upgradedSceneText(text);
  if (upgraded === undefined) return sceneEditsToTextEdits(text, edits);
  let content = upgraded;
  for (const span of [...sceneEditsToTextEdits(upgraded, edits)].sort((a, b) => b.offset - a.offset)) {
    content = content.slice(0, span.offset) + span.content + content.slice(span.offset + span.length);
  }
  return [{ offset: 0, length: text.length, content }];
}
