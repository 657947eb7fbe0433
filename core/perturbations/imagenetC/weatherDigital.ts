/** ImageNet-C weather and digital corruptions and the held-out ones, severities 1-5. */
import type { PerturbationOp } from '../types';

export const WEATHER_DIGITAL_OPS: readonly PerturbationOp[] = [];
