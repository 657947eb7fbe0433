/**
 * The built-in objects' geometry: each built procedurally from (name, seed, params, morph) and normalised to a unit
 * bounding sphere at the origin (camera distances are in object radii). Metadata lives in core/builtinObjects.ts.
 */
import { BoxGeometry, BufferGeometry, SphereGeometry, TorusKnotGeometry } from 'three';
import { resolveBuiltinParams } from '../../core/builtinObjects';
import { assertNever } from '../../core/protocol';
import type { BuiltinSceneObject } from '../../core/sceneTypes';
import { chairParts, tableParts } from './builtins/furniture';
import { houseParts } from './builtins/house';
import { mergeParts, normalise } from './builtins/parts';
import { quadrupedParts } from './builtins/quadruped';
import { treeParts } from './builtins/tree';
import { airplaneParts, boatParts, carParts } from './builtins/vehicles';
import { bottleParts, mugParts, teapotParts } from './builtins/vessels';

export { BUILTIN_OBJECTS } from '../../core/builtinObjects';

/**
 * A new geometry (position, normal, uv; non-indexed) for the object; the caller owns it and disposes it when the
 * object changes. Throws an Error with a readable message for a shape morph between incompatible objects.
 */
export function createBuiltinGeometry(object: Pick<BuiltinSceneObject, 'name' | 'seed' | 'params' | 'morph'>): BufferGeometry {
  const params = resolveBuiltinParams(object);
  return normalise(mergeParts(parts(object.name, params, Math.max(0, Math.floor(object.seed)) || 0)));
}

function parts(name: BuiltinSceneObject['name'], q: Record<string, number>, seed: number): BufferGeometry[] {
  switch (name) {
    case 'dog':
    case 'cat':
      return quadrupedParts(q);
    case 'car':
      return carParts(q);
    case 'mug':
      return mugParts(q);
    case 'bottle':
      return bottleParts(q);
    case 'chair':
      return chairParts(q);
    case 'table':
      return tableParts(q);
    case 'airplane':
      return airplaneParts(q);
    case 'boat':
      return boatParts(q);
    case 'house':
      return houseParts(q);
    case 'teapot':
      return teapotParts(q);
    case 'tree':
      return treeParts(q, seed);
    case 'cube':
      return [new BoxGeometry(1, 1, 1)];
    case 'sphere':
      return [new SphereGeometry(1, 64, 32)];
    case 'torusKnot':
      return [new TorusKnotGeometry(1, q.tube, 200, 24, q.p, q.q)];
    default:
      return assertNever(name);
  }
}
