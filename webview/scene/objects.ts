/** The built-in meshes, each normalised to a unit bounding sphere at the origin (camera distances are in object radii). */
import { BoxGeometry, BufferGeometry, LatheGeometry, SphereGeometry, TorusGeometry, TorusKnotGeometry, Vector2 } from 'three';
import { TeapotGeometry } from 'three/examples/jsm/geometries/TeapotGeometry.js';
import { mergeGeometries } from 'three/examples/jsm/utils/BufferGeometryUtils.js';
import { assertNever } from '../../core/protocol';
import type { BuiltinObjectName } from '../../core/sceneTypes';

export const BUILTIN_OBJECTS: readonly { name: BuiltinObjectName; label: string }[] = [
  { name: 'teapot', label: 'Teapot' },
  { name: 'cube', label: 'Cube' },
  { name: 'sphere', label: 'Sphere' },
  { name: 'torusKnot', label: 'Torus knot' },
  { name: 'mug', label: 'Mug' },
];

/** A new geometry for the object; the caller owns it and disposes it when the object changes. */
export function createBuiltinGeometry(name: BuiltinObjectName): BufferGeometry {
  return normalised(rawGeometry(name));
}

function rawGeometry(name: BuiltinObjectName): BufferGeometry {
  switch (name) {
    case 'teapot':
      return new TeapotGeometry(1, 12);
    case 'cube':
      return new BoxGeometry(1, 1, 1);
    case 'sphere':
      return new SphereGeometry(1, 64, 32);
    case 'torusKnot':
      return new TorusKnotGeometry(1, 0.3, 200, 24);
    case 'mug':
      return mugGeometry();
    default:
      return assertNever(name);
  }
}

/**
 * A mug: a lathed body (outer wall, rounded rim, inner wall, floor) and a half-torus handle on +x.
 * Corner points are doubled so the lathe gets sharp edges instead of normals smeared around the corner.
 */
function mugGeometry(): BufferGeometry {
  const profile = [
    [0, 0], [0.5, 0], [0.5, 0], [0.5, 1], [0.49, 1.012], [0.47, 1.012], [0.46, 1], [0.46, 0.06], [0.46, 0.06], [0, 0.06],
  ].map(([x, y]) => new Vector2(x, y));
  const body = new LatheGeometry(profile, 64);
  const handle = new TorusGeometry(0.26, 0.055, 16, 32, Math.PI);
  handle.rotateZ(-Math.PI / 2);
  handle.translate(0.47, 0.5, 0);
  const merged = mergeGeometries([body, handle]);
  body.dispose();
  handle.dispose();
  if (!merged) throw new Error('mug geometry: parts have different attributes');
  return merged;
}

function normalised(geometry: BufferGeometry): BufferGeometry {
  geometry.computeBoundingSphere();
  const sphere = geometry.boundingSphere;
  if (sphere && sphere.radius > 0) {
    geometry.translate(-sphere.center.x, -sphere.center.y, -sphere.center.z);
    geometry.scale(1 / sphere.radius, 1 / sphere.radius, 1 / sphere.radius);
    geometry.computeBoundingSphere();
  }
  return geometry;
}
