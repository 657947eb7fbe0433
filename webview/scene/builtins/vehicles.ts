/** Car, airplane and boat. All face +x and stand (or float) on y = 0; the default camera sees their profile. */
import { BufferGeometry, CylinderGeometry, LatheGeometry, Vector2, Vector3 } from 'three';
import { box, ellipsoid, extrudeOutline, limb, parametricSurface, place } from './parts';

type Point = [number, number];

/** Points of an arc around (cx, cy) from angle a0 to a1 (radians), both ends included. */
function arc(cx: number, cy: number, r: number, a0: number, a1: number, steps: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i <= steps; i++) {
    const a = a0 + ((a1 - a0) * i) / steps;
    out.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  return out;
}

/** A car 1 wide (z): a body with wheel arches, a narrower cabin with sloped windows, four wheels. */
export function carParts(q: Record<string, number>): BufferGeometry[] {
  const L = q.length;
  const r = q.wheelSize / 2;
  const c = r * 0.6; // bottom of the body
  const belt = Math.max(c + 0.3, r * 2 + 0.12); // top of the body (bonnet, boot)
  const roof = belt + q.roofHeight;
  const wheelX = L / 2 - Math.max(r * 1.7, L * 0.17);
  const archR = r * 1.18;
  const archDx = Math.sqrt(archR * archR - (c - r) * (c - r));
  const archA = Math.atan2(c - r, archDx); // slightly below horizontal
  const body: Point[] = [
    [-L / 2 + 0.06, c],
    ...arc(-wheelX, r, archR, Math.PI - archA, archA, 14),
    ...arc(wheelX, r, archR, Math.PI - archA, archA, 14),
    [L / 2 - 0.08, c],
    [L / 2, c + 0.08],
    [L / 2, belt - 0.1],
    [L / 2 - 0.06, belt - 0.04],
    [L * 0.18, belt + 0.02],
    [-L * 0.4, belt + 0.01],
    [-L / 2 + 0.02, belt - 0.06],
    [-L / 2, c + 0.06],
  ];
  const cabin: Point[] = [
    [L * 0.2, belt - 0.02],
    [L * 0.02, roof],
    [-L * 0.27, roof],
    [-L * 0.41, belt - 0.02],
  ];
  const parts = [extrudeOutline(body, 1, 0.04), extrudeOutline(cabin, 0.84, 0.04)];
  for (const x of [wheelX, -wheelX]) {
    for (const z of [0.4, -0.4]) {
      parts.push(place(new CylinderGeometry(r, r, 0.2, 28), [x, r, z], [Math.PI / 2, 0, 0]));
      parts.push(place(new CylinderGeometry(r * 0.55, r * 0.55, 0.22, 20), [x, r, z * 1.02], [Math.PI / 2, 0, 0]));
    }
  }
  return parts;
}

/** An airliner 3 long: fuselage, swept low wings with engines, fin and tailplane. */
export function airplaneParts(q: Record<string, number>): BufferGeometry[] {
  const F = 3;
  const R = 0.19;
  const profile: Vector2[] = [];
  const steps = 40;
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    let radius: number;
    if (t < 0.35) radius = 0.05 + (R - 0.05) * Math.sin(((t / 0.35) * Math.PI) / 2);
    else if (t < 0.86) radius = R;
    else radius = R * Math.sqrt(Math.max(0, 1 - ((t - 0.86) / 0.14) ** 2));
    profile.push(new Vector2(Math.max(radius, 1e-4), (t - 0.5) * F));
  }
  profile.unshift(new Vector2(1e-4, -F / 2));
  const fuselage = new LatheGeometry(profile, 28);
  fuselage.rotateZ(-Math.PI / 2); // lathe axis +y -> nose at +x
  const parts: BufferGeometry[] = [fuselage];

  const span = q.wingSpan / 2;
  const sweep = Math.tan((q.wingSweep * Math.PI) / 180) * span;
  const root = 0.75;
  const tip = 0.28;
  const le = 0.45;
  const wing: Point[] = [
    [le, 0], [le - sweep, span], [le - sweep - tip, span], [le - root, 0], [le - sweep - tip, -span], [le - sweep, -span],
  ];
  parts.push(place(extrudeOutline(wing, 0.05, 0.01), [0, -R * 0.55, 0], [Math.PI / 2, 0, 0]));
  for (const s of [0.45, -0.45]) {
    const z = s * span;
    const x = le - Math.abs(s) * sweep - 0.05;
    parts.push(...limb(new Vector3(x - 0.35, -R * 1.25, z), new Vector3(x + 0.1, -R * 1.25, z), 0.085, 0.085, 16));
  }
  const tailX = -F / 2;
  const fin: Point[] = [[tailX + 0.75, 0.1], [tailX + 0.3, R + 0.62], [tailX + 0.08, R + 0.62], [tailX + 0.05, 0.05]];
  parts.push(extrudeOutline(fin, 0.045, 0.01));
  const stab: Point[] = [[tailX + 0.5, 0], [tailX + 0.15, 0.55], [tailX + 0.02, 0.55], [tailX + 0.05, 0], [tailX + 0.02, -0.55], [tailX + 0.15, -0.55]];
  parts.push(place(extrudeOutline(stab, 0.035, 0.008), [0, 0.1, 0], [Math.PI / 2, 0, 0]));
  return parts;
}

/** A sailing boat 1 wide: a round-bilged hull with a pointed bow, deck, cabin, mast with main sail and jib. */
export function boatParts(q: Record<string, number>): BufferGeometry[] {
  const L = q.length;
  const halfBeam = (u: number): number => 0.5 * (u < 0.55 ? 0.9 + 0.1 * Math.sin((u / 0.55) * (Math.PI / 2)) : Math.sqrt(Math.max(0, 1 - ((u - 0.55) / 0.45) ** 2)));
  const deckY = (u: number): number => 0.42 + 0.12 * u * u;
  const keelY = (u: number): number => (u < 0.6 ? 0 : 0.38 * ((u - 0.6) / 0.4) ** 1.6);
  const hull = parametricSurface((u, v, p) => {
    const s = v * 2 - 1; // -1 port deck edge, 0 keel, +1 starboard deck edge
    const a = Math.abs(s);
    p.set((u - 0.5) * L, keelY(u) + (deckY(u) - keelY(u)) * a ** 1.5, Math.sign(s) * halfBeam(u) * Math.sin((a * Math.PI) / 2));
  }, 48, 24);
  const deck = parametricSurface((u, v, p) => {
    p.set((u - 0.5) * L, deckY(u), (0.5 - v) * 2 * halfBeam(u));
  }, 48, 4);
  const transom = parametricSurface((u, v, p) => {
    const s = (0.5 - v) * 2;
    const a = Math.abs(s);
    const top = deckY(0);
    const y = keelY(0) + (top - keelY(0)) * a ** 1.5;
    p.set(-L / 2, y + (top - y) * u, Math.sign(s) * halfBeam(0) * Math.sin((a * Math.PI) / 2));
  }, 4, 24);
  const parts = [hull, deck, transom];
  const top = deckY(0.35);
  parts.push(box([-L * 0.12, top + 0.12, 0], [L * 0.3, 0.24, 0.55]));
  if (q.mastHeight > 0.05) {
    const mastX = L * 0.08;
    const h = q.mastHeight;
    parts.push(...limb(new Vector3(mastX, top, 0), new Vector3(mastX, top + h, 0), 0.025, 0.018, 8));
    const main: Point[] = [[mastX - 0.03, top + 0.3], [mastX - 0.03, top + h * 0.96], [mastX - L * 0.4, top + 0.3]];
    parts.push(extrudeOutline(main, 0.02));
    const bow = L / 2 - 0.05;
    const jib: Point[] = [[mastX + 0.04, top + h * 0.85], [bow, deckY(0.98) + 0.05], [mastX + 0.06, top + 0.2]];
    parts.push(extrudeOutline(jib, 0.02));
    parts.push(ellipsoid([mastX, top + h, 0], [0.03, 0.03, 0.03], [0, 0, 0], 8));
  }
  return parts;
}
