/** The shared 64x64 test image of the perturbation reference fixtures (not a test file: it holds no tests). */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { FloatImage } from '../../core/perturbations/types';

export const PERTURBATION_FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'perturbations');

/** input64.png as a CHW float image, each value exactly byte / 255 (as the reference scripts compute it). */
export function loadInput64(): FloatImage {
  const png = PNG.sync.read(readFileSync(path.join(PERTURBATION_FIXTURES, 'input64.png')));
  const n = png.width * png.height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = png.data[4 * i + c] / 255;
  return { width: png.width, height: png.height, data };
}
