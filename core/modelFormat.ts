/**
 * How the model inspector writes sizes and shapes. No imports: the inspector's webview bundle uses these, and
 * core/modelSummary.ts would bring the protobuf decoder along.
 */

/** `1234567` -> `1.23 M`; for parameter counts. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  const units: [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  const [size, unit] = units.find(([s]) => n >= s) ?? [1, ''];
  const value = n / size;
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${unit}`;
}

/** `98304` -> `96.0 KiB`; for file and weight sizes. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}

/** A tensor's shape as text: `[batch, 3, 224, 224]`, `?` for an unknown dimension, `[?]` for an unknown rank. */
export function formatDims(dims: readonly (number | string | null)[]): string {
  if (dims.length === 0) return '[?]';
  return `[${dims.map((d) => (d === null || d === '' ? '?' : String(d))).join(', ')}]`;
}
