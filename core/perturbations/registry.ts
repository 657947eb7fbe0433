/** Every perturbation op, in the order the "add perturbation" menu lists them. */
import { ADVERSARIAL } from './adversarial';
import { FILTER_OPS } from './filters';
import { NOISE_BLUR_OPS } from './imagenetC/noiseBlur';
import { WEATHER_DIGITAL_OPS } from './imagenetC/weatherDigital';
import type { PerturbationOp } from './types';

export const PERTURBATION_OPS: readonly PerturbationOp[] = [...FILTER_OPS, ...NOISE_BLUR_OPS, ...WEATHER_DIGITAL_OPS, ADVERSARIAL];

const BY_ID = new Map(PERTURBATION_OPS.map((op) => [op.id, op]));
if (BY_ID.size !== PERTURBATION_OPS.length) throw new Error('two perturbation ops share an id');

export function findOp(id: string): PerturbationOp | undefined {
  return BY_ID.get(id);
}

/** What a webview needs to build controls: everything but `apply` (plain JSON, sent by the host). */
export type OpInfo = Omit<PerturbationOp, 'apply'>;

export function opCatalog(): OpInfo[] {
  return PERTURBATION_OPS.map(({ id, label, group, description, params, random }) => ({ id, label, group, description, params, random }));
}
