/** Class labels: parsing label files and naming output indices. */

/**
 * One label per line. Lines are trimmed (label files often carry `\r` or stray spaces), a single trailing
 * empty line (the file's final newline) is dropped, and inner empty lines stay as '' so that line numbers
 * keep matching output indices.
 */
export function parseLabelFile(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((line) => line.trim());
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The label of output `outputIndex`. `labelOffset` is the index of the first label in the output (1 for models
 * with a background class the label list omits). Indices outside the list, and empty labels (blank lines kept
 * as placeholders), get a generic name so the UI always has something to show.
 */
export function labelFor(labels: readonly string[], outputIndex: number, labelOffset: number): string {
  const i = outputIndex - labelOffset;
  const label = Number.isInteger(i) && i >= 0 && i < labels.length ? labels[i] : '';
  return label !== '' ? label : `class ${outputIndex}`;
}
