/**
 * Building blocks of the procedural objects: placed primitives, tapered tubes, and a merge that needs nothing from
 * three's `examples/jsm` (so the generators also run in plain Node unit tests, where those ESM files would load a
 * second copy of three). Every part keeps `position`, `normal` and `uv`; merging drops everything else.
 */
import {
  BoxGeometry,
  BufferAttribute,
  BufferGeometry,
  CapsuleGeometry,
  Curve,
  CylinderGeometry,
  Euler,
  ExtrudeGeometry,
  Float32BufferAttribute,
  Matrix4,
  Quaternion,
  Shape,
  SphereGeometry,
  Vector2,
  Vector3,
} from 'three';

const ATTRIBUTES = ['position', 'normal', 'uv'] as const;

/** Reads any buffer attribute-like object (also one from another copy of three, e.g. TeapotGeometry in Node). */
interface AttributeLike {
  array: ArrayLike<number>;
  itemSize: number;
  count: number;
}
interface GeometryLike {
  index: { array: ArrayLike<number>; count: number } | null;
  getAttribute(name: string): unknown;
}

/**
 * Concatenates the parts into one non-indexed geometry with exactly `position`, `normal` and `uv`, disposing the
 * parts. Parts without normals get computed ones; parts without uvs get zeros (none of ours lack them).
 */
export function mergeParts(parts: readonly BufferGeometry[]): BufferGeometry {
  const flattened = parts.map((part) => {
    if (!part.getAttribute('normal')) part.computeVertexNormals();
    return part;
  });
  let total = 0;
  for (const part of flattened) total += vertexCount(part);
  const arrays = { position: new Float32Array(total * 3), normal: new Float32Array(total * 3), uv: new Float32Array(total * 2) };
  let offset = 0;
  for (const part of flattened) {
    const like = part as unknown as GeometryLike;
    const index = like.index;
    const count = vertexCount(part);
    for (const name of ATTRIBUTES) {
      const size = name === 'uv' ? 2 : 3;
      const target = arrays[name];
      const attribute = like.getAttribute(name) as AttributeLike | undefined;
      if (!attribute) continue;
      const src = attribute.array;
      const itemSize = attribute.itemSize;
      for (let i = 0; i < count; i++) {
        const v = index ? index.array[i] : i;
        for (let c = 0; c < size; c++) target[(offset + i) * size + c] = src[v * itemSize + c];
      }
    }
    offset += count;
    part.dispose();
  }
  const merged = new BufferGeometry();
  merged.setAttribute('position', new BufferAttribute(arrays.position, 3));
  merged.setAttribute('normal', new BufferAttribute(arrays.normal, 3));
  merged.setAttribute('uv', new BufferAttribute(arrays.uv, 2));
  return merged;
}

function vertexCount(geometry: BufferGeometry): number {
  const like = geometry as unknown as GeometryLike;
  return like.index ? like.index.count : (like.getAttribute('position') as AttributeLike).count;
}

/** Centres the geometry's bounding sphere at the origin and scales it to radius 1. */
export function normalise(geometry: BufferGeometry): BufferGeometry {
  geometry.computeBoundingSphere();
  const sphere = geometry.boundingSphere;
  if (sphere && sphere.radius > 0) {
    geometry.translate(-sphere.center.x, -sphere.center.y, -sphere.center.z);
    const s = 1 / sphere.radius;
    geometry.scale(s, s, s);
    geometry.computeBoundingSphere();
  }
  return geometry;
}

/** Scales, rotates (XYZ Euler, radians) and then moves a part. */
export function place(
  geometry: BufferGeometry,
  at: readonly [number, number, number],
  rotation: readonly [number, number, number] = [0, 0, 0],
  scale: readonly [number, number, number] = [1, 1, 1],
): BufferGeometry {
  const m = new Matrix4().compose(
    new Vector3(...at),
    new Quaternion().setFromEuler(new Euler(...rotation)),
    new Vector3(...scale),
  );
  return geometry.applyMatrix4(m);
}

/** An ellipsoid with the given radii. */
export function ellipsoid(
  center: readonly [number, number, number],
  radii: readonly [number, number, number],
  rotation: readonly [number, number, number] = [0, 0, 0],
  detail = 24,
): BufferGeometry {
  return place(new SphereGeometry(1, detail, Math.max(8, detail >> 1)), center, rotation, radii);
}

const yAxis = new Vector3(0, 1, 0);

/** Orients a y-aligned part of length |b - a| centred at the origin so it runs from a to b. */
function between(geometry: BufferGeometry, a: Vector3, b: Vector3): BufferGeometry {
  const dir = new Vector3().subVectors(b, a);
  const q = new Quaternion().setFromUnitVectors(yAxis, dir.clone().normalize());
  const mid = new Vector3().addVectors(a, b).multiplyScalar(0.5);
  return geometry.applyMatrix4(new Matrix4().compose(mid, q, new Vector3(1, 1, 1)));
}

/** A rounded limb from a to b: a capsule (constant radius), or a tapered cylinder with ball ends. */
export function limb(a: Vector3, b: Vector3, radiusA: number, radiusB = radiusA, radial = 14): BufferGeometry[] {
  const length = a.distanceTo(b);
  if (radiusA === radiusB) return [between(new CapsuleGeometry(radiusA, length, 6, radial), a, b)];
  return [
    between(new CylinderGeometry(radiusB, radiusA, length, radial, 1, true), a, b),
    ellipsoid([a.x, a.y, a.z], [radiusA, radiusA, radiusA], [0, 0, 0], radial),
    ellipsoid([b.x, b.y, b.z], [radiusB, radiusB, radiusB], [0, 0, 0], radial),
  ];
}

/** A tube along `curve` whose radius follows `radius(t)` (t in 0..1); uv: u along the tube, v around it. */
export function taperedTube(curve: Curve<Vector3>, radius: (t: number) => number, segments = 48, radial = 12): BufferGeometry {
  const frames = curve.computeFrenetFrames(segments, false);
  const positions: number[] = [];
  const normals: number[] = [];
  const uvs: number[] = [];
  const indices: number[] = [];
  const p = new Vector3();
  const n = new Vector3();
  for (let i = 0; i <= segments; i++) {
    const t = i / segments;
    curve.getPointAt(t, p);
    const r = radius(t);
    for (let j = 0; j <= radial; j++) {
      const a = (j / radial) * Math.PI * 2;
      const sin = Math.sin(a);
      const cos = -Math.cos(a);
      n.set(0, 0, 0).addScaledVector(frames.normals[i], cos).addScaledVector(frames.binormals[i], sin).normalize();
      positions.push(p.x + r * n.x, p.y + r * n.y, p.z + r * n.z);
      normals.push(n.x, n.y, n.z);
      uvs.push(t, j / radial);
    }
  }
  for (let i = 1; i <= segments; i++) {
    for (let j = 1; j <= radial; j++) {
      const a = (radial + 1) * (i - 1) + (j - 1);
      const b = (radial + 1) * i + (j - 1);
      const c = (radial + 1) * i + j;
      const d = (radial + 1) * (i - 1) + j;
      indices.push(a, b, d, b, c, d);
    }
  }
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new Float32BufferAttribute(positions, 3));
  geometry.setAttribute('normal', new Float32BufferAttribute(normals, 3));
  geometry.setAttribute('uv', new Float32BufferAttribute(uvs, 2));
  geometry.setIndex(indices);
  return geometry;
}

/** (1 - t) * a + t * b: exactly a at 0 and exactly b at 1. */
export const mix = (a: number, b: number, t: number): number => (1 - t) * a + t * b;

/**
 * A grid surface `fn(u, v)` over u, v in 0..1 (nu x nv quads), indexed, with smooth computed normals and (u, v) as
 * uv. Triangles are wound so the normal is (dP/du x dP/dv).
 */
export function parametricSurface(fn: (u: number, v: number, target: Vector3) => void, nu: number, nv: number): BufferGeometry {
  const positions: number[] = [];
  const uvs: number[] = [];
  const indices: number[] = [];
  const p = new Vector3();
  for (let i = 0; i <= nu; i++) {
    for (let j = 0; j <= nv; j++) {
      fn(i / nu, j / nv, p);
      positions.push(p.x, p.y, p.z);
      uvs.push(i / nu, j / nv);
    }
  }
  for (let i = 0; i < nu; i++) {
    for (let j = 0; j < nv; j++) {
      const a = i * (nv + 1) + j;
      const b = (i + 1) * (nv + 1) + j;
      indices.push(a, b, a + 1, b, b + 1, a + 1);
    }
  }
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new Float32BufferAttribute(positions, 3));
  geometry.setAttribute('uv', new Float32BufferAttribute(uvs, 2));
  geometry.setIndex(indices);
  geometry.computeVertexNormals();
  return geometry;
}

/** An extruded 2-D outline (x, y), `depth` thick along z and centred on z = 0, with a small rounded bevel. */
export function extrudeOutline(points: readonly (readonly [number, number])[], depth: number, bevel = 0, curveSegments = 12): BufferGeometry {
  const shape = new Shape(points.map(([x, y]) => new Vector2(x, y)));
  const geometry = new ExtrudeGeometry(shape, {
    depth: Math.max(1e-4, depth - 2 * bevel),
    bevelEnabled: bevel > 0,
    bevelThickness: bevel,
    bevelSize: bevel,
    bevelSegments: 3,
    curveSegments,
  });
  geometry.translate(0, 0, -(depth - 2 * bevel) / 2);
  return geometry;
}

/** An axis-aligned box centred at `center`. */
export function box(center: readonly [number, number, number], size: readonly [number, number, number]): BufferGeometry {
  return place(new BoxGeometry(size[0], size[1], size[2]), center);
}
