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
import {
  BufferGeometry,
  Color,
  DoubleSide,
  Group,
  LoadingManager,
  MathUtils,
  Mesh,
  MeshStandardMaterial,
  Object3D,
  SRGBColorSpace,
  Texture,
  Vector3,
  type Material,
  type MeshPhongMaterial,
} from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { MTLLoader } from 'three/examples/jsm/loaders/MTLLoader.js';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import { toCreasedNormals } from 'three/examples/jsm/utils/BufferGeometryUtils.js';

export interface LoadedFileObject {
  object: Object3D;
  warnings: string[];
}

/** Faces meeting at less than this angle share normals (smooth); sharper edges stay hard (car bodies, mugs). */
const CREASE_ANGLE = MathUtils.degToRad(60);

/** glTF extensions that need decoders this extension does not ship. */
const UNSUPPORTED_GLTF_EXTENSIONS: Record<string, string> = {
  KHR_draco_mesh_compression: 'Draco mesh compression',
  KHR_texture_basisu: 'KTX2/Basis textures',
  EXT_meshopt_compression: 'meshopt compression',
  KHR_meshopt_compression: 'meshopt compression',
};

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

/** Frees everything loadObjectFile created for this object. */
export function disposeObject(object: Object3D): void {
  const materials = new Set<Material>();
  object.traverse((child) => {
    // Meshes, and the lines and points an OBJ may carry.
    const { geometry, material } = child as Partial<Mesh>;
    if (geometry instanceof BufferGeometry) geometry.dispose();
    if (!material) return;
    for (const m of Array.isArray(material) ? material : [material]) materials.add(m);
  });
  for (const material of materials) {
    for (const value of Object.values(material)) {
      if (value instanceof Texture) value.dispose();
    }
    material.dispose();
  }
}

// ---------------------------------------------------------------- fetching

function extensionOf(ref: string): string {
  const clean = ref.split(/[?#]/)[0];
  const slash = clean.lastIndexOf('/');
  const dot = clean.lastIndexOf('.');
  return dot > slash ? clean.slice(dot).toLowerCase() : '';
}

/** `https://host/dir/file.obj?v=1` -> base `https://host/dir/`, query `?v=1`. */
function splitUri(uri: string): { base: string; query: string } {
  const hash = uri.indexOf('#');
  const noHash = hash >= 0 ? uri.slice(0, hash) : uri;
  const q = noHash.indexOf('?');
  const file = q >= 0 ? noHash.slice(0, q) : noHash;
  return { base: file.slice(0, file.lastIndexOf('/') + 1), query: q >= 0 ? noHash.slice(q) : '' };
}

interface TrackedManager {
  manager: LoadingManager;
  /** URLs that failed so far. */
  failed: string[];
  /** Resolves when nothing started through the manager is still loading (or after `timeoutMs`). */
  idle(timeoutMs: number): Promise<void>;
}

/**
 * A loading manager that gives every file the object pulls in the object URI's version query (cache busting) and
 * tells when the textures MTLLoader starts (without waiting for them) have arrived or failed.
 */
function trackedManager(query: string): TrackedManager {
  const manager = new LoadingManager();
  if (query) {
    manager.setURLModifier((url) => (/^(data|blob):/.test(url) || url.includes('?') ? url : url + query));
  }
  const failed: string[] = [];
  let active = 0;
  const waiting: (() => void)[] = [];
  const start = manager.itemStart.bind(manager);
  const end = manager.itemEnd.bind(manager);
  const error = manager.itemError.bind(manager);
  manager.itemStart = (url) => {
    active++;
    start(url);
  };
  manager.itemEnd = (url) => {
    active = Math.max(0, active - 1);
    end(url);
    if (active === 0) for (const wake of waiting.splice(0)) wake();
  };
  manager.itemError = (url) => {
    failed.push(url);
    error(url);
  };
  return {
    manager,
    failed,
    idle: (timeoutMs) =>
      active === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiting.push(resolve);
            setTimeout(resolve, timeoutMs);
          }),
  };
}

async function fetchOk(uri: string, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(uri);
  } catch (error) {
    throw new Error(`${what} could not be read (${error instanceof Error ? error.message : String(error)})`);
  }
  if (response.status === 404) throw new Error(`${what} not found`);
  if (!response.ok) throw new Error(`${what} could not be read (HTTP ${response.status} ${response.statusText})`.trim());
  return response;
}

function message(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/^THREE\.\w+: /, '');
  if (error && typeof error === 'object' && 'type' in error && (error as Event).type === 'error') return 'the browser could not load it';
  return String(error);
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

function creased(geometry: BufferGeometry): BufferGeometry {
  const result = toCreasedNormals(geometry, CREASE_ANGLE);
  if (result !== geometry) geometry.dispose();
  return result;
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

function fileName(url: string): string {
  const clean = url.split(/[?#]/)[0];
  try {
    return decodeURIComponent(clean.slice(clean.lastIndexOf('/') + 1)) || url;
  } catch {
    return clean.slice(clean.lastIndexOf('/') + 1) || url;
  }
}

/** MTL's Phong material as a physically based one that looks like what modelling tools show. */
function standardFromObj(source: Material): MeshStandardMaterial {
  if (source instanceof MeshStandardMaterial) {
    source.side = DoubleSide;
    return source;
  }
  const phong = source as MeshPhongMaterial;
  const color = phong.color ? phong.color.clone() : new Color(0xcccccc);
  const map = phong.map ?? null;
  if (map) {
    map.colorSpace = SRGBColorSpace;
    // A texture shows as painted: Blender's exporter writes its leftover diffuse colour as Kd beside map_Kd (0.8
    // grey, but also 0.2/0.06/0.04 on the chicken, tan on the bulldog), which the modelling tool did not multiply in.
    color.setRGB(1, 1, 1);
  }
  const specular = phong.specular ? Math.max(phong.specular.r, phong.specular.g, phong.specular.b) : 0;
  const shininess = phong.shininess ?? 30;
  const roughness = specular < 0.02 ? 0.9 : MathUtils.clamp(Math.sqrt(2 / (shininess + 2)), 0.3, 0.9);
  const material = new MeshStandardMaterial({
    name: phong.name,
    color,
    map,
    roughness,
    metalness: 0,
    side: DoubleSide,
    transparent: phong.transparent,
    opacity: phong.opacity,
    alphaMap: phong.alphaMap ?? null,
    normalMap: phong.normalMap ?? null,
    bumpMap: phong.bumpMap ?? null,
    bumpScale: phong.bumpScale,
    emissive: phong.emissive ? phong.emissive.clone() : new Color(0),
    emissiveMap: phong.emissiveMap ?? null,
    // OBJLoader marks parts under `s off` as flat shaded, and files with vertex colours.
    flatShading: phong.flatShading,
    vertexColors: phong.vertexColors,
  });
  // Transparent glass drawn after the body keeps windows see-through but does not hide what is behind.
  if (material.transparent) material.depthWrite = false;
  // The Phong material gave its textures away; dispose only the material itself.
  phong.dispose();
  return material;
}

// ---------------------------------------------------------------- glTF / GLB

async function loadGltf(uri: string, path: string, extension: string, warnings: string[]): Promise<Object3D> {
  const what = `object file "${path}"`;
  const data = await (await fetchOk(uri, what)).arrayBuffer();
  const json = gltfJson(data, extension, what);
  const required: string[] = Array.isArray(json.extensionsRequired) ? (json.extensionsRequired as string[]) : [];
  const used: string[] = Array.isArray(json.extensionsUsed) ? (json.extensionsUsed as string[]) : [];
  for (const name of required) {
    if (UNSUPPORTED_GLTF_EXTENSIONS[name]) {
      throw new Error(
        `${what} needs the glTF extension ${name} (${UNSUPPORTED_GLTF_EXTENSIONS[name]}), which Perturber does not support; export it without compression`,
      );
    }
  }
  for (const name of used) {
    if (UNSUPPORTED_GLTF_EXTENSIONS[name] && !required.includes(name)) {
      warnings.push(`${what} uses ${name} (${UNSUPPORTED_GLTF_EXTENSIONS[name]}), which Perturber ignores; its fallback data is shown`);
    }
  }
  const { base, query } = splitUri(uri);
  const tracked = trackedManager(query);
  const loader = new GLTFLoader(tracked.manager);
  let scene: Object3D;
  try {
    const gltf = await loader.parseAsync(data, base);
    const first = gltf.scene ?? gltf.scenes[0];
    if (!first) throw new Error('it has no scene');
    scene = first;
  } catch (error) {
    throw new Error(`${what} could not be loaded: ${message(error)}`);
  }
  for (const url of tracked.failed) {
    const name = /^(data|blob):/.test(url) ? 'an embedded image' : `"${fileName(url)}"`;
    warnings.push(`${name} of ${what} could not be loaded; the object is shown without it`);
  }
  let meshes = 0;
  scene.traverse((child) => {
    if (!(child instanceof Mesh)) return;
    meshes++;
    const geometry = child.geometry as BufferGeometry;
    if (!geometry.getAttribute('normal')) child.geometry = creased(geometry);
    for (const m of Array.isArray(child.material) ? child.material : [child.material]) (m as Material).side = DoubleSide;
  });
  if (meshes === 0) {
    disposeObject(scene);
    throw new Error(`${what} has no meshes to show`);
  }
  return scene;
}

/** The glTF JSON of a .gltf or .glb, or a readable error. */
function gltfJson(data: ArrayBuffer, extension: string, what: string): Record<string, unknown> {
  let text: string;
  const bytes = new Uint8Array(data);
  const isBinary = bytes.length >= 12 && new TextDecoder().decode(bytes.subarray(0, 4)) === 'glTF';
  if (isBinary) {
    const view = new DataView(data);
    const chunkLength = bytes.length >= 20 ? view.getUint32(12, true) : 0;
    const chunkType = bytes.length >= 20 ? view.getUint32(16, true) : 0;
    if (chunkType !== 0x4e4f534a || 20 + chunkLength > bytes.length) throw new Error(`${what} is not a valid GLB file (no JSON chunk)`);
    text = new TextDecoder().decode(bytes.subarray(20, 20 + chunkLength));
  } else {
    if (extension === '.glb') throw new Error(`${what} is not a GLB file (it does not start with "glTF")`);
    text = new TextDecoder().decode(bytes);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid glTF JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${what} is not a glTF file`);
  const asset = (json as { asset?: { version?: unknown } }).asset;
  if (!asset || typeof asset.version !== 'string' || Number(asset.version.split('.')[0]) < 2) {
    throw new Error(`${what} is not a glTF 2.0 file (asset.version ${JSON.stringify(asset?.version)}); only glTF 2.0 is supported`);
  }
  return json as Record<string, unknown>;
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
