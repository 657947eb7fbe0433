/** ImageNet-C noise and blur corruptions (and snow, which needs the motion blur), severities 1-5. */
import type { PerturbationOp } from '../types';

export const NOISE_BLUR_OPS: readonly PerturbationOp[] = [];
