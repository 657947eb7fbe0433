/** Turning a classifier's output vector into ranked, labelled predictions. */
import type { ModelManifest } from './manifestTypes';
import type { Prediction } from './protocol';
import { labelFor } from './labels';

/** Softmax, shifted by the maximum so large logits (1e4 and beyond) do not overflow exp(). */
export function softmax(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  if (x.length === 0) return out;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  // Accumulate in float64: a 1001-way sum in float32 loses the last digits the UI shows.
  const exps = new Float64Array(x.length);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp(x[i] - max);
    exps[i] = e;
    sum += e;
  }
  for (let i = 0; i < x.length; i++) out[i] = exps[i] / sum;
  return out;
}

/**
 * The k largest values, largest first; equal values keep the lower index first so results are stable
 * between frames. O(n k) with a small sorted buffer: k is 5 in practice, cheaper than sorting 1001 entries.
 * NaN values never rank.
 */
export function topK(values: ArrayLike<number>, k: number): { index: number; value: number }[] {
  const n = Math.min(Math.max(0, Math.floor(k)), values.length);
  const best: { index: number; value: number }[] = [];
  if (n === 0) return best;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (best.length === n && v <= best[n - 1].value) continue;
    // Strictly greater moves up: an equal value found later (higher index) stays below the earlier one.
    let pos = best.length;
    while (pos > 0 && v > best[pos - 1].value) pos--;
    best.splice(pos, 0, { index: i, value: v });
    if (best.length > n) best.pop();
  }
  return best;
}

/** Top-k predictions of one output vector, with probabilities (softmax unless the model already outputs them). */
export function predictionsFromOutput(
  output: Float32Array,
  manifest: ModelManifest,
  labels: string[],
  k = 5,
): Prediction[] {
  const probabilities = manifest.output.kind === 'probabilities' ? output : softmax(output);
  return topK(probabilities, k).map(({ index, value }) => ({
    index,
    label: labelFor(labels, index, manifest.labelOffset),
    probability: value,
  }));
}
