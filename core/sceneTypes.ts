/** Types of a `*.perturber.json` scene file (version 1). The JSON schema in schemas/scene.schema.json mirrors them. */

export const SCENE_VERSION = 1;

export type BuiltinObjectName = 'teapot' | 'cube' | 'sphere' | 'torusKnot' | 'mug';

/** The object in front of the camera. */
export interface SceneObject {
  kind: 'builtin';
  name: BuiltinObjectName;
  /** CSS hex colour of the object's material, e.g. "#c08040". */
  color: string;
  /** Object pose in degrees. */
  yaw: number;
  pitch: number;
  roll: number;
  scale: number;
}

export type SceneBackground =
  | { kind: 'color'; color: string }
  /** `path` is relative to the scene file and must stay inside the workspace. */
  | { kind: 'image'; path: string };

export interface SceneLight {
  /** Direction of the key light, degrees. */
  azimuth: number;
  elevation: number;
  intensity: number;
  /** Ambient light intensity. */
  ambient: number;
}

/** Orbit camera looking at the object (plus a translation of the look-at target in the image plane). */
export interface SceneCamera {
  azimuth: number;
  elevation: number;
  /** Distance from the target (zoom), in object radii. */
  distance: number;
  translateX: number;
  translateY: number;
  /** Roll around the viewing axis, degrees. */
  roll: number;
  /** Vertical field of view, degrees. */
  fov: number;
}

/** Neurons (channels) of one layer whose activations are shown. */
export interface WatchedLayer {
  /** Layer alias from the manifest or the graph tensor name. */
  layer: string;
  /** Channel indices. */
  neurons: number[];
}

export interface SceneModel {
  /** Short id used in results, unique within the scene. */
  id: string;
  /** Path of the `.onnx` file relative to the scene file; its manifest is `<name>.model.json` beside it. */
  path: string;
  watch: WatchedLayer[];
}

export interface Scene {
  version: number;
  name: string;
  object: SceneObject;
  background: SceneBackground;
  light: SceneLight;
  camera: SceneCamera;
  models: SceneModel[];
}

/** A JSON path into the scene, e.g. ["camera", "azimuth"]. */
export type ScenePath = ReadonlyArray<string | number>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A mutation of the scene as data (three.js editor's Command idea): set the value at a path. */
export interface SceneEdit {
  path: ScenePath;
  value: JsonValue;
}

/** A problem found in a scene file, located in the text. */
export interface SceneDiagnostic {
  message: string;
  /** JSON path of the offending value ("" for the root). */
  path: string;
  /** Character offset and length in the text, when known. */
  offset: number;
  length: number;
  severity: 'error' | 'warning';
  /** 'json' when VS Code's JSON language service reports the same problem (syntax, schema) in the text editor. */
  source?: 'json';
}
