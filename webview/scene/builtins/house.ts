/** A house: walls, a gable roof whose triangular end faces the default camera, door, windows and chimney. */
import type { BufferGeometry } from 'three';
import { box, extrudeOutline } from './parts';

export function houseParts(q: Record<string, number>): BufferGeometry[] {
  const W = q.width;
  const D = 1.1;
  const h = 0.85;
  const rh = q.roofHeight;
  const ov = 0.1; // eaves overhang
  const t = 0.07; // roof thickness
  const slope = Math.atan2(rh, W / 2);
  const drop = ov * Math.tan(slope);
  const parts: BufferGeometry[] = [box([0, h / 2, 0], [W, h, D])];
  parts.push(extrudeOutline([[-W / 2, h - 0.001], [W / 2, h - 0.001], [0, h + rh]], D)); // gable walls
  const roof: [number, number][] = [
    [-W / 2 - ov, h - drop], [0, h + rh], [W / 2 + ov, h - drop],
    [W / 2 + ov, h - drop + t / Math.cos(slope)], [0, h + rh + t / Math.cos(slope)], [-W / 2 - ov, h - drop + t / Math.cos(slope)],
  ];
  parts.push(extrudeOutline(roof, D + 2 * ov));
  const front = D / 2 + 0.015;
  parts.push(box([W * 0.18, 0.23, front], [0.24, 0.46, 0.03])); // door
  parts.push(box([-W * 0.24, 0.52, front], [0.24, 0.2, 0.03])); // window
  parts.push(box([W * 0.18, h + rh * 0.3, front], [0.16, 0.14, 0.03])); // attic window
  if (W > 1.1) parts.push(box([-W * 0.24, 0.52, -front], [0.24, 0.2, 0.03]));
  const cx = -W * 0.22;
  const roofAt = h + rh * (1 - Math.abs(cx) / (W / 2));
  parts.push(box([cx, roofAt + 0.1, -D * 0.15], [0.14, 0.4, 0.14])); // chimney
  return parts;
}
