/** Chair and table: boxes on four legs. The chair's back is at -x, so the default camera sees an "h". */
import type { BufferGeometry } from 'three';
import { box } from './parts';

export function chairParts(q: Record<string, number>): BufferGeometry[] {
  const seat = 0.55;
  const leg = 0.05;
  const h = q.legLength;
  const back = q.backHeight;
  const inset = seat / 2 - leg / 2 - 0.01;
  const parts: BufferGeometry[] = [box([0, h - 0.03, 0], [seat, 0.06, seat])];
  for (const x of [inset, -inset]) {
    for (const z of [inset, -inset]) {
      const height = x < 0 ? h + back : h - 0.06; // the back legs carry on up as the back's posts
      parts.push(box([x, height / 2, z], [leg, height, leg]));
    }
  }
  // Backrest panel in the upper part of the back, and a rail below it.
  const panel = Math.max(0.08, back * 0.4);
  parts.push(box([-inset, h + back - panel / 2, 0], [0.035, panel, seat - 0.04]));
  if (back > 0.4) parts.push(box([-inset, h + back * 0.35, 0], [0.03, 0.05, seat - 0.04]));
  // Stretchers between the legs.
  parts.push(box([0, h * 0.3, inset], [seat - 0.04, 0.03, 0.03]), box([0, h * 0.3, -inset], [seat - 0.04, 0.03, 0.03]));
  return parts;
}

export function tableParts(q: Record<string, number>): BufferGeometry[] {
  const L = q.length;
  const D = 0.9;
  const h = q.legLength;
  const top = 0.06;
  const leg = 0.07;
  const ix = L / 2 - 0.1;
  const iz = D / 2 - 0.1;
  const parts: BufferGeometry[] = [box([0, h - top / 2, 0], [L, top, D])];
  for (const x of [ix, -ix]) for (const z of [iz, -iz]) parts.push(box([x, (h - top) / 2, z], [leg, h - top, leg]));
  // Apron under the top, between the legs.
  parts.push(box([0, h - top - 0.05, iz], [2 * ix, 0.1, 0.025]), box([0, h - top - 0.05, -iz], [2 * ix, 0.1, 0.025]));
  parts.push(box([ix, h - top - 0.05, 0], [0.025, 0.1, 2 * iz]), box([-ix, h - top - 0.05, 0], [0.025, 0.1, 2 * iz]));
  return parts;
}
