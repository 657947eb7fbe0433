/** A tree: tapered trunk and a lathed crown, round and lumpy (broadleaf) or pointed and tiered (conifer). */
import { BufferGeometry, CylinderGeometry, LatheGeometry, Vector2 } from 'three';
import { hashInts, perlin3 } from '../../../core/noise';
import { mix, place } from './parts';

export function treeParts(q: Record<string, number>, seed: number): BufferGeometry[] {
  const k = q.crownPointiness;
  const R = 0.5 * q.crownSize;
  const crownH = q.crownSize * mix(1.05, 2, k);
  const trunkH = q.trunkHeight;
  const trunkR = 0.05 + 0.05 * q.crownSize;
  const trunk = place(new CylinderGeometry(trunkR * 0.7, trunkR, trunkH + crownH * 0.3, 16), [0, (trunkH + crownH * 0.3) / 2, 0]);
  const profile: Vector2[] = [new Vector2(1e-4, 0)];
  const steps = 64;
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const round = Math.pow(Math.sin(Math.PI * t), 0.7) * (1 - 0.15 * t);
    const tier = t * 4 - Math.floor(t * 4);
    const cone = Math.min(1, t * 12) * (1 - t) * (0.72 + 0.28 * (1 - tier));
    profile.push(new Vector2(Math.max(1e-4, R * mix(round, cone, k)), t * crownH));
  }
  const crown = new LatheGeometry(profile, 40);
  // Seeded lumps, strong on a broadleaf crown and faint on a conifer.
  const noise = perlin3(hashInts(seed, 0x7ee));
  const amp = mix(0.16, 0.05, k);
  const pos = crown.getAttribute('position');
  for (let i = 0; i < pos.count; i++) {
    const x = pos.getX(i);
    const y = pos.getY(i);
    const z = pos.getZ(i);
    const f = 1 + amp * noise(x * 4 + 10, y * 4 + 10, z * 4 + 10);
    pos.setXYZ(i, x * f, y, z * f);
  }
  crown.computeVertexNormals();
  crown.translate(0, trunkH, 0);
  return [trunk, crown];
}
