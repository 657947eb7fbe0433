/**
 * Types of a `*.perturber.json` scene file (version 2, docs/SCENE_V2.md). The JSON schema in
 * schemas/scene.schema.json mirrors them; older files are migrated by core/sceneMigrations.ts.
 */

import type { SweepSpec } from './sweep/types';

export const SCENE_VERSION = 2;

export type BuiltinObjectName =
  | 'dog' | 'cat' | 'car' | 'mug' | 'bottle' | 'chair' | 'table' | 'airplane' | 'boat' | 'house' | 'teapot' | 'tree'
  | 'cube' | 'sphere' | 'torusKnot';
export type BuiltinTextureName = 'fur' | 'tabby' | 'leopard' | 'zebra' | 'wood' | 'metal' | 'brick' | 'grass';
export type BuiltinBackgroundName = 'sky' | 'room' | 'street' | 'grass' | 'water';

/** Pose of the object: degrees, scale, and position in object radii (-2..2). */
export interface ObjectPose {
  yaw: number;
  pitch: number;
  roll: number;
  scale: number;
  x: number;
  y: number;
  z: number;
}

/** Blends a built-in object's shape towards another one (only between morph-compatible objects). */
export interface ShapeMorph {
  target: BuiltinObjectName;
  /** 0 = the object itself, 1 = the target. */
  amount: number;
}

export interface BuiltinSceneObject {
  kind: 'builtin';
  name: BuiltinObjectName;
  /** Integer >= 0; the same seed gives the same geometry. */
  seed: number;
  /** Shape parameters of the generator (core/builtinObjects.ts); missing ones take their defaults. */
  params: Record<string, number>;
  morph: ShapeMorph | null;
}

export interface FileSceneObject {
  kind: 'file';
  /** .obj (its .mtl through mtllib, textures through the .mtl), .gltf or .glb, relative to the scene file. */
  path: string;
}

/** The object in front of the camera. */
export type SceneObject = ObjectPose & (BuiltinSceneObject | FileSceneObject);

export type TextureRef =
  | { kind: 'builtin'; name: BuiltinTextureName; seed: number }
  /** `path` is relative to the scene file and must stay inside the workspace. */
  | { kind: 'image'; path: string };

export interface SceneMaterial {
  /** Base colour; multiplies the texture; the object's colour when there is no texture. */
  color: string;
  /** null: plain colour (a file object then keeps its own materials). */
  texture: TextureRef | null;
  /** Texture morph target (the seed's A.1): the surface shows mix(texture, texture2, textureMorph). */
  texture2: TextureRef | null;
  /** 0..1 */
  textureMorph: number;
  /** 0.25..8, texture repeats. */
  textureScale: number;
  /** 0..1 */
  roughness: number;
  /** 0..1 */
  metalness: number;
}

/** The seed's A.3: the object in one flat colour on a flat background colour (no lighting, no texture). */
export interface SceneSilhouette {
  enabled: boolean;
  objectColor: string;
  backgroundColor: string;
}

/** Adjustments applied to every kind of background. */
export interface BackgroundExtras {
  /** Gaussian sigma in pixels of a 224 px frame (scaled with the render size), 0..20. */
  blur: number;
  /** Degrees, -180..180, rotates the background image about the view centre. */
  rotation: number;
  /** 0..2, multiplies the background. */
  brightness: number;
}

export type SceneBackground = (
  | { kind: 'color'; color: string }
  /** `path` is relative to the scene file and must stay inside the workspace. */
  | { kind: 'image'; path: string }
  | { kind: 'builtin'; name: BuiltinBackgroundName; seed: number }
) &
  BackgroundExtras;

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
  /** Index into the manifest's `checkpoints`; absent or null: the manifest's own .onnx file. */
  checkpoint?: number | null;
}

/**
 * One image-level perturbation (docs/PERTURBATIONS.md), applied by the host to each model's input in list order.
 * `op` is an id from core/perturbations/registry.ts; missing params take the op's defaults.
 */
export interface PerturbationStep {
  op: string;
  enabled: boolean;
  /** Integer >= 0; random ops draw everything from it, so the same seed gives the same image. */
  seed: number;
  params: Record<string, number | string>;
}

/**
 * How feature visualisations of this scene's neurons are made (issue 7); optional in the file, defaults are
 * Lucid's `render_vis` ones (FEATURE_VIS_DEFAULTS in core/featureVis/types.ts).
 */
export interface FeatureVisSettings {
  /** Side of the optimised image in pixels (Lucid: 128); it is resized to the model's input size after the transforms. */
  size: number;
  /** Adam steps (Lucid: 512). */
  steps: number;
  /** Adam learning rate (Lucid: 0.05). */
  learningRate: number;
  /** 'standard': Lucid's standard_transforms (pad 12, jitter 8, random scale, random rotate, jitter 4); 'none'. */
  transforms: 'standard' | 'none';
  /** Fourier parameterisation with 1/f scaling (Lucid: true; false = plain pixels). */
  fourier: boolean;
  /** Decorrelated colour space (Lucid: true). */
  decorrelate: boolean;
  /** Integer >= 0: the same seed gives the same image. */
  seed: number;
  /** Neurons optimised together in one batch (when the model takes batches). */
  batch: number;
  /** What is optimised: the channel mean (Lucid's `channel`), its negative (what suppresses it), one unit (`neuron`). */
  objective: FeatureVisObjective;
  /** For `unit`: its position in the layer's map (absent: the centre, floor(width / 2), floor(height / 2), as Lucid). */
  unit?: { x: number; y: number };
}

export type FeatureVisObjective = 'channel' | 'negative' | 'unit';

export interface Scene {
  version: number;
  name: string;
  object: SceneObject;
  material: SceneMaterial;
  silhouette: SceneSilhouette;
  background: SceneBackground;
  light: SceneLight;
  camera: SceneCamera;
  models: SceneModel[];
  /** Optional in the file (default []). */
  perturbations: PerturbationStep[];
  /** Optional in the file (absent: the defaults, which follow the `perturber.featureVis.*` settings). */
  featureVis?: Partial<FeatureVisSettings>;
  /** Optional: a parameter sweep run by "Perturber: Run Sweep" (core/sweep/types.ts, README "Sweeps"). */
  sweep?: SweepSpec;
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
