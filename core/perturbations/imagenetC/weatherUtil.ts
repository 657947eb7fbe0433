/** Small helpers shared by the weather/digital ImageNet-C ops: the severity parameter and a tiny result cache. */
import type { NumberParam, OpParams } from '../types';

export const SEVERITY_PARAM: NumberParam = {
  name: 'severity',
  label: 'Severity',
  help: 'ImageNet-C severity level, 1 (mild) to 5 (strongest), with the reference implementation\'s constants.',
  kind: 'integer',
  min: 1,
  max: 5,
  step: 1,
  default: 3,
};

/** The severity as an integer 1..5 (rounded and clamped, so apply never throws). */
export function severityOf(params: OpParams): number {
  const v = Number(params.severity);
  if (!Number.isFinite(v)) return 3;
  return Math.min(5, Math.max(1, Math.round(v)));
}

/**
 * Remembers the last few values of a pure function of a string key (the random fields of a step: the same seed,
 * size and severity on every frame), so an interactive loop does not redraw them each frame.
 */
export class FieldCache<T> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly capacity = 4) {}

  get(key: string, make: () => T): T {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = make();
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
