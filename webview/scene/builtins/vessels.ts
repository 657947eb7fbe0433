/** Mug, bottle and teapot: lathed (or patched) vessels standing on y = 0. */
import { BufferGeometry, LatheGeometry, TorusGeometry, Vector2 } from 'three';
import { TeapotGeometry } from 'three/examples/jsm/geometries/TeapotGeometry.js';
import { place } from './parts';

/**
 * A mug: a lathed body (outer wall, rounded rim, inner wall, floor) and a half-torus handle on +x.
 * Corner points are doubled so the lathe gets sharp edges instead of normals smeared around the corner.
 */
export function mugParts(q: Record<string, number>): BufferGeometry[] {
  const h = q.height;
  const profile = [
    [0, 0], [0.5, 0], [0.5, 0], [0.5, h], [0.49, h + 0.012], [0.47, h + 0.012], [0.46, h], [0.46, 0.06], [0.46, 0.06], [0, 0.06],
  ].map(([x, y]) => new Vector2(x, y));
  const body = new LatheGeometry(profile, 64);
  const handleR = Math.min(0.26, h * 0.3);
  const handle = new TorusGeometry(handleR, 0.055, 16, 32, Math.PI);
  handle.rotateZ(-Math.PI / 2);
  handle.translate(0.47, h / 2, 0);
  return [body, handle];
}

/** A bottle: body, rounded shoulder, neck and lip. */
export function bottleParts(q: Record<string, number>): BufferGeometry[] {
  const R = q.bodyWidth / 2;
  const body = 0.62;
  const rn = Math.max(0.04, R * 0.36);
  const shoulder = Math.max(0.1, (R - rn) * 1.1);
  const neck = q.neckLength * 0.5;
  const pts: [number, number][] = [[0, 0], [R * 0.9, 0], [R * 0.98, 0.01], [R, 0.04], [R, body]];
  for (let i = 1; i <= 10; i++) {
    const a = (i / 10) * (Math.PI / 2);
    pts.push([rn + (R - rn) * Math.cos(a), body + shoulder * Math.sin(a)]);
  }
  const top = body + shoulder + neck;
  pts.push([rn, top - 0.04], [rn + 0.012, top - 0.035], [rn + 0.012, top], [rn + 0.012, top], [0, top]);
  return [new LatheGeometry(pts.map(([x, y]) => new Vector2(x, y)), 48)];
}

/** three's Utah teapot (spout on +x), stretched vertically by `height`. */
export function teapotParts(q: Record<string, number>): BufferGeometry[] {
  return [place(new TeapotGeometry(1, 12), [0, 0, 0], [0, 0, 0], [1, q.height, 1])];
}
