/**
 * The four-legged animals (dog, cat): one parametric generator over the shared parameter set of
 * core/builtinObjects.ts, so a shape morph is just a build from blended parameters. The animal stands on y = 0 and
 * faces +x, so the default camera (looking along -z) sees its profile.
 */
import { BufferGeometry, CatmullRomCurve3, LatheGeometry, Vector2, Vector3 } from 'three';
import { ellipsoid, limb, mix, place, taperedTube } from './parts';

const deg = Math.PI / 180;

export function quadrupedParts(q: Record<string, number>): BufferGeometry[] {
  const L = q.bodyLength;
  const bh = q.bodyHeight;
  const lt = q.legThickness;
  const hs = q.headSize;
  const bodyY = q.legLength + bh / 2;
  const parts: BufferGeometry[] = [];

  // Torso: a capsule along x, a little narrower than tall, with a deeper chest towards the front.
  for (const torso of limb(new Vector3(-L / 2 + bh / 2, 0, 0), new Vector3(L / 2 - bh / 2, 0, 0), bh / 2, bh / 2, 20)) {
    parts.push(place(torso, [0, bodyY, 0], [0, 0, 0], [1, 1, 0.82]));
  }
  parts.push(ellipsoid([L * 0.2, bodyY - bh * 0.05, 0], [L * 0.3, bh * 0.56, bh * 0.47]));

  // Legs: tapered, slightly thicker thighs at the back, small paws pointing forward.
  const legX = L / 2 - bh * 0.42;
  const legTop = bodyY - bh * 0.1;
  for (const x of [legX, -legX]) {
    for (const z of [bh * 0.25, -bh * 0.25]) {
      const top = new Vector3(x, legTop, z);
      const bottom = new Vector3(x + (x > 0 ? 0 : lt * 0.15), lt * 0.38, z);
      parts.push(...limb(top, bottom, lt * 0.5, lt * 0.4, 12));
      parts.push(ellipsoid([bottom.x + lt * 0.22, lt * 0.3, z], [lt * 0.62, lt * 0.3, lt * 0.46], [0, 0, 0], 12));
      if (x < 0) parts.push(ellipsoid([x + bh * 0.05, legTop - bh * 0.1, z * 1.2], [bh * 0.3, bh * 0.42, lt * 0.6], [0, 0, 0], 14));
    }
  }

  // Neck up and forward from the shoulders; the head sits on its end.
  const neckBase = new Vector3(L / 2 - bh * 0.25, bodyY + bh * 0.12, 0);
  const neckAngle = 55 * deg;
  const neckEnd = neckBase.clone().add(new Vector3(Math.cos(neckAngle), Math.sin(neckAngle), 0).multiplyScalar(q.neckLength));
  if (q.neckLength > 1e-3) parts.push(...limb(neckBase, neckEnd, bh * 0.3, hs * 0.3, 14));
  const head = neckEnd.clone().add(new Vector3(hs * 0.18, hs * 0.12, 0));
  parts.push(ellipsoid([head.x, head.y, head.z], [hs * 0.56, hs * 0.5, hs * 0.46]));

  // Snout (muzzle) forward and a little down, with a nose ball on its tip.
  const snoutStart = head.clone().add(new Vector3(hs * 0.15, -hs * 0.12, 0));
  const snoutTip = head.clone().add(new Vector3(hs * 0.42 + q.snoutLength, -hs * 0.16 - q.snoutLength * 0.12, 0));
  parts.push(...limb(snoutStart, snoutTip, hs * 0.3, hs * 0.23, 14));
  parts.push(ellipsoid([snoutTip.x + hs * 0.12, snoutTip.y + hs * 0.05, 0], [hs * 0.1, hs * 0.08, hs * 0.11], [0, 0, 0], 10));

  parts.push(...ears(q, head));
  parts.push(...tailPart(q, L, bh, bodyY));
  return parts;
}

/**
 * Ears: a lathed leaf whose outline blends a rounded flap (pointiness 0) into a triangle (1), attached high on the
 * side of the head and hanging down (dog) or on top and standing up (cat). Every quantity is a continuous function
 * of earPointiness, so a morph swings the ears up smoothly.
 */
function ears(q: Record<string, number>, head: Vector3): BufferGeometry[] {
  const k = q.earPointiness;
  const size = q.earSize;
  const hs = q.headSize;
  const width = size * mix(0.42, 0.55, k);
  const steps = 12;
  const profile: Vector2[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const flap = Math.pow(Math.sin(Math.PI * mix(0.12, 1, t)), 0.6) * mix(0.75, 1, t); // wider low, round end
    const triangle = 1 - t;
    profile.push(new Vector2(Math.max(1e-4, width * mix(flap, triangle, k)), t * size));
  }
  const out: BufferGeometry[] = [];
  for (const side of [1, -1]) {
    const ear = new LatheGeometry(profile, 16);
    // Flat against the head for a flap, a cupped cone for a pointed ear.
    ear.scale(mix(1, 0.6, k), 1, mix(0.28, 0.9, k));
    const phi = mix(72, 38, k) * deg; // where on the head (from the top towards the side)
    const theta = mix(165, 14, k) * deg; // which way the ear points (0 up, 180 down), swinging outwards
    const r = hs * 0.48;
    ear.rotateX(side * theta);
    const x = head.x - hs * mix(0.12, 0.05, k);
    place(ear, [x, head.y + r * Math.cos(phi), head.z + side * r * Math.sin(phi)]);
    out.push(ear);
  }
  return out;
}

/** The tail: a tapered tube leaving the rump backwards and bending up (and, fully curled, forwards again). */
function tailPart(q: Record<string, number>, L: number, bh: number, bodyY: number): BufferGeometry[] {
  if (q.tailLength < 0.02) return [];
  const n = 10;
  const points: Vector3[] = [new Vector3(-L / 2 + bh * 0.15, bodyY + bh * 0.22, 0)];
  const step = q.tailLength / n;
  for (let i = 0; i < n; i++) {
    const s = (i + 0.5) / n;
    const a = (-55 + q.tailCurl * (30 + 210 * s * s)) * deg;
    points.push(points[i].clone().add(new Vector3(-Math.cos(a) * step, Math.sin(a) * step, 0)));
  }
  const r0 = Math.max(q.legThickness * 0.42, 0.03);
  const tip = points[n];
  return [
    taperedTube(new CatmullRomCurve3(points), (t) => r0 * mix(1, 0.55, t), 48, 10),
    ellipsoid([tip.x, tip.y, tip.z], [r0 * 0.55, r0 * 0.55, r0 * 0.55], [0, 0, 0], 10),
  ];
}
