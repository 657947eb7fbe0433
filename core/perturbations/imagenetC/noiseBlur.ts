/** ImageNet-C noise and blur corruptions (and snow, which needs the motion blur), severities 1-5. */
import type { PerturbationOp } from '../types';
import { BLUR_OPS } from './blur';
import { MOTION_BLUR_OP } from './motionBlur';
import { NOISE_OPS } from './noise';
import { SNOW_OP } from './snow';

const byId = (ops: readonly PerturbationOp[], id: string): PerturbationOp => {
  const op = ops.find((o) => o.id === id);
  if (!op) throw new Error(`missing op ${id}`);
  return op;
};

export const NOISE_BLUR_OPS: readonly PerturbationOp[] = [
  byId(NOISE_OPS, 'gaussianNoise'),
  byId(NOISE_OPS, 'shotNoise'),
  byId(NOISE_OPS, 'impulseNoise'),
  byId(BLUR_OPS, 'defocusBlur'),
  byId(BLUR_OPS, 'glassBlur'),
  MOTION_BLUR_OP,
  byId(BLUR_OPS, 'zoomBlur'),
  SNOW_OP,
  byId(NOISE_OPS, 'speckleNoise'),
  byId(BLUR_OPS, 'gaussianBlurC'),
];
