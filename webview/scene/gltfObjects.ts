/** glTF and GLB files for fileObjects.ts: checked for what Perturber cannot decode, loaded with GLTFLoader. */
import { type BufferGeometry, DoubleSide, type Material, Mesh, type Object3D } from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { creased, disposeObject, fetchOk, fileName, message, splitUri, trackedManager } from './fileLoading';

/** glTF extensions that need decoders this extension does not ship. */
const UNSUPPORTED_GLTF_EXTENSIONS: Record<string, string> = {
  KHR_draco_mesh_compression: 'Draco mesh compression',
  KHR_texture_basisu: 'KTX2/Basis textures',
  EXT_meshopt_compression: 'meshopt compression',
  KHR_meshopt_compression: 'meshopt compression',
};

export async function loadGltf(uri: string, path: string, extension: string, warnings: string[]): Promise<Object3D> {
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
