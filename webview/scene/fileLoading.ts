/**
 * What the OBJ and glTF loaders of fileObjects.ts share: fetching with readable errors, a loading manager that tracks
 * the files an object pulls in, creased normals for files without any, and disposing of what was loaded.
 */
import { BufferGeometry, LoadingManager, MathUtils, type Material, type Mesh, type Object3D, Texture } from 'three';
import { toCreasedNormals } from 'three/examples/jsm/utils/BufferGeometryUtils.js';

/** Faces meeting at less than this angle share normals (smooth); sharper edges stay hard (car bodies, mugs). */
const CREASE_ANGLE = MathUtils.degToRad(60);

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

/** `https://host/dir/file.obj?v=1` -> base `https://host/dir/`, query `?v=1`. */
export function splitUri(uri: string): { base: string; query: string } {
  const hash = uri.indexOf('#');
  const noHash = hash >= 0 ? uri.slice(0, hash) : uri;
  const q = noHash.indexOf('?');
  const file = q >= 0 ? noHash.slice(0, q) : noHash;
  return { base: file.slice(0, file.lastIndexOf('/') + 1), query: q >= 0 ? noHash.slice(q) : '' };
}

export interface TrackedManager {
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
export function trackedManager(query: string): TrackedManager {
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

export async function fetchOk(uri: string, what: string): Promise<Response> {
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

export function message(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/^THREE\.\w+: /, '');
  if (error && typeof error === 'object' && 'type' in error && (error as Event).type === 'error') return 'the browser could not load it';
  return String(error);
}

export function fileName(url: string): string {
  const clean = url.split(/[?#]/)[0];
  try {
    return decodeURIComponent(clean.slice(clean.lastIndexOf('/') + 1)) || url;
  } catch {
    return clean.slice(clean.lastIndexOf('/') + 1) || url;
  }
}


export function creased(geometry: BufferGeometry): BufferGeometry {
  const result = toCreasedNormals(geometry, CREASE_ANGLE);
  if (result !== geometry) geometry.dispose();
  return result;
}
