/**
 * Objects from workspace files: OBJ (+ its MTL and textures) and glTF/GLB, loaded with three.js' loaders, given
 * normals where the file has none, and normalised like the built-ins (centred on the origin, unit bounding sphere).
 *
 * Contract for the renderer (differs from SCENE_V2.md's first sketch, which returned a bare Object3D):
 *
 *   loadObjectFile(uri, path): Promise<LoadedFileObject>   // { object, warnings }
 *     - `uri`: the webview URI the host sent in `resourceUris[path]` (may end in `?v=<mtime>`; the same query is
 *       added to the .mtl, textures and .bin files it pulls in, so a re-exported model reloads completely).
 *     - `path`: the scene-relative path, used only in messages.
 *     - `object`: a Group with an identity transform (apply the pose to it); its child holds the normalisation.
 *       Materials are MeshStandardMaterial (OBJ: converted from the MTL) or the glTF's own; DoubleSide.
 *     - `warnings`: problems that still leave something to show (an .mtl or texture that failed: the object keeps
 *       a default material). Post each as a `problem` message.
 *     - Rejects with an Error whose message is readable as is (missing file, unparsable file, unsupported
 *       extension, a glTF that needs Draco/KTX2/meshopt).
 *   disposeObject(object): frees geometries, materials and textures of what loadObjectFile returned.
 *
 * Nothing is cached here: the renderer keeps the loaded object while the scene names the same URI, and disposes it
 * when the path (or the URI's version) changes.
 */
import { BufferGeometry, DoubleSide, Group, type Material, Mesh, MeshStandardMaterial, type Object3D, Texture, Vector3 } from 'three';
import { MTLLoader } from 'three/examples/jsm/loaders/MTLLoader.js';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import { creased, disposeObject, fetchOk, fileName, message, splitUri, trackedManager } from './fileLoading';
import { loadGltf } from './gltfObjects';
import { standardFromObj } from './mtlMaterials';

export { disposeObject };

export interface LoadedFileObject {
  object: Object3D;
  warnings: string[];
}

export async function loadObjectFile(uri: string, path: string): Promise<LoadedFileObject> {
  const extension = extensionOf(path || uri);
  const warnings: string[] = [];
  let content: Object3D;
  switch (extension) {
    case '.obj':
      content = await loadObj(uri, path, warnings);
      break;
    case '.gltf':
    case '.glb':
      content = await loadGltf(uri, path, extension, warnings);
      break;
    default:
      throw new Error(
        `object file "${path}": unsupported file type "${extension || '(none)'}"; use .obj (with its .mtl), .gltf or .glb`,
      );
  }
  try {
    return { object: normalise(content, path), warnings };
  } catch (error) {
    disposeObject(content);
    throw error;
  }
}

function extensionOf(ref: string): string {
  const clean = ref.split(/[?#]/)[0];
  const slash = clean.lastIndexOf('/');
  const dot = clean.lastIndexOf('.');
  return dot > slash ? clean.slice(dot).toLowerCase() : '';
}


// ---------------------------------------------------------------- OBJ + MTL

async function loadObj(uri: string, path: string, warnings: string[]): Promise<Object3D> {
  const what = `object file "${path}"`;
  const text = await (await fetchOk(uri, what)).text();
  if (text.includes('\u0000')) throw new Error(`${what} is not an OBJ text file (it contains binary data)`);
  if (!/^\s*v\s+[-+.\d]/m.test(text) || !/^\s*f\s+\S/m.test(text)) {
    throw new Error(`${what} has no vertices or faces; is it an OBJ file?`);
  }
  const { base, query } = splitUri(uri);
  const tracked = trackedManager(query);
  const { manager } = tracked;
  const loader = new OBJLoader(manager);

  const libraries = [...text.matchAll(/^\s*mtllib\s+(.+?)\s*$/gm)].map((m) => m[1]);
  for (const library of libraries) {
    const mtlWhat = `material file "${library}" of ${what}`;
    try {
      const response = await fetchOk(manager.resolveURL(base + encodePath(library)), mtlWhat);
      const mtl = new MTLLoader(manager);
      mtl.setResourcePath(base);
      mtl.setMaterialOptions({ side: DoubleSide });
      const creator = mtl.parse(await response.text(), base);
      creator.preload();
      loader.setMaterials(creator);
    } catch (error) {
      warnings.push(`${message(error)}; the object is shown with a plain material`);
    }
    // OBJLoader takes one material library; files that name several are rare (and three.js merges none).
    break;
  }

  let group: Group;
  try {
    group = loader.parse(text);
  } catch (error) {
    throw new Error(`${what} could not be parsed: ${message(error)}`);
  }
  await tracked.idle(30_000);
  const failedTextures = new Set(tracked.failed.map(fileName));
  if (dropFailedTextures(group) > 0 || failedTextures.size > 0) {
    const names = [...failedTextures].map((n) => `"${n}"`).join(', ') || 'a texture';
    warnings.push(`${names} of ${what} could not be loaded; the object is shown without ${failedTextures.size > 1 ? 'them' : 'it'}`);
  }

  // OBJLoader fills in flat face normals when the file has none; smooth ones look like what modelling tools show.
  const hasNormals = /^\s*vn\s/m.test(text);
  // OBJLoader hands the MTL's material instances to every mesh that uses them: convert each once.
  const converted = new Map<Material, MeshStandardMaterial>();
  const convert = (m: Material): MeshStandardMaterial => {
    let standard = converted.get(m);
    if (!standard) converted.set(m, (standard = standardFromObj(m)));
    return standard;
  };
  let meshes = 0;
  group.traverse((child) => {
    if (!(child instanceof Mesh)) return;
    const geometry = child.geometry as BufferGeometry;
    if (!geometry.getAttribute('position') || geometry.getAttribute('position').count === 0) return;
    meshes++;
    if (!hasNormals || !geometry.getAttribute('normal')) child.geometry = creased(geometry);
    child.material = Array.isArray(child.material) ? child.material.map((m: Material) => convert(m)) : convert(child.material as Material);
  });
  if (meshes === 0) {
    disposeObject(group);
    throw new Error(`${what} has no faces to show`);
  }
  return group;
}

/** Paths in mtllib lines are relative and may contain spaces; keep slashes, escape the rest. */
function encodePath(ref: string): string {
  return ref.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

/** Sets every texture whose image never arrived to none (a missing map would draw black). */
function dropFailedTextures(root: Object3D): number {
  let dropped = 0;
  root.traverse((child) => {
    if (!(child instanceof Mesh)) return;
    for (const m of Array.isArray(child.material) ? child.material : [child.material]) {
      const record = m as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(record)) {
        if (value instanceof Texture && !value.image) {
          value.dispose();
          record[key] = null;
          (m as Material).needsUpdate = true;
          dropped++;
        }
      }
    }
  });
  return dropped;
}

// ---------------------------------------------------------------- normalisation

/** Wraps `content` so that its meshes' bounding sphere is the unit sphere at the origin. */
function normalise(content: Object3D, path: string): Object3D {
  content.updateMatrixWorld(true);
  const min = new Vector3(Infinity, Infinity, Infinity);
  const max = new Vector3(-Infinity, -Infinity, -Infinity);
  const v = new Vector3();
  // First pass: the box (its centre is a stable centre for symmetric models); second: the radius about it.
  const visit = (fn: (p: Vector3) => void): void =>
    content.traverse((child) => {
      if (!(child instanceof Mesh)) return;
      const position = (child.geometry as BufferGeometry).getAttribute('position');
      if (!position) return;
      for (let i = 0; i < position.count; i++) fn(v.fromBufferAttribute(position, i).applyMatrix4(child.matrixWorld));
    });
  visit((p) => {
    min.min(p);
    max.max(p);
  });
  if (!Number.isFinite(min.x) || !Number.isFinite(max.x)) throw new Error(`object file "${path}" has no vertices`);
  const centre = min.clone().add(max).multiplyScalar(0.5);
  let radiusSq = 0;
  visit((p) => {
    radiusSq = Math.max(radiusSq, p.distanceToSquared(centre));
  });
  const radius = Math.sqrt(radiusSq);
  if (!(radius > 0) || !Number.isFinite(radius)) throw new Error(`object file "${path}" has no extent (all vertices at one point)`);
  const normaliser = new Group();
  normaliser.name = 'normalise';
  normaliser.scale.setScalar(1 / radius);
  normaliser.position.copy(centre).multiplyScalar(-1 / radius);
  normaliser.add(content);
  const root = new Group();
  root.name = path;
  root.add(normaliser);
  return root;
}
