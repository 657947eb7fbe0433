/**
 * The three.js side of the scene editor: one WebGL renderer, the object (built-in or a workspace file), its
 * materials, lights, background and the orbit camera. `apply(scene, resourceUris)` syncs the three.js objects to a
 * scene value; nothing renders until the caller asks. Async parts (object files, images) report through `events`.
 */
import {
  AmbientLight,
  BufferGeometry,
  Color,
  DirectionalLight,
  Group,
  Mesh,
  NoToneMapping,
  Object3D,
  PerspectiveCamera,
  Scene as ThreeScene,
  SRGBColorSpace,
  Vector2,
  WebGLRenderer,
  type Material,
} from 'three';
import type { Scene, SceneObject } from '../../core/sceneTypes';
import { SceneBackgroundView } from './background';
import { disposeObject, loadObjectFile } from './fileObjects';
import { SceneMaterials } from './materials';
import { createBuiltinGeometry } from './objects';
import { applyObjectPose, lightPosition, placeCamera } from './pose';

/**
 * three.js lights are physical: an intensity-1 light makes a white Lambert surface 1/pi bright. The scene file's
 * intensities mean "1 = the surface's own colour", so they are scaled by pi.
 */
const LIGHT_UNIT = Math.PI;

export interface RendererEvents {
  /** A problem worth telling the user (a file that did not load, an object that cannot be built). */
  problem(message: string): void;
  /** Something async finished (a file object, an image): render again. */
  settled(): void;
}

/** The object shown now: what it was built from, and its three.js node under the pose group. */
type ShownObject =
  | { kind: 'none'; key: string }
  | { kind: 'builtin'; key: string; mesh: Mesh<BufferGeometry, Material> }
  | { kind: 'loading'; key: string }
  | { kind: 'file'; key: string; root: Object3D };

export class SceneRenderer {
  readonly renderer: WebGLRenderer;
  readonly scene = new ThreeScene();
  readonly camera = new PerspectiveCamera(40, 1, 0.01, 100);
  readonly materials: SceneMaterials;
  readonly background: SceneBackgroundView;
  /** Carries the object pose; the built-in mesh or the loaded file hangs under it. */
  private readonly pose = new Group();
  private shown: ShownObject = { kind: 'none', key: '' };
  /** The materials each mesh of a file object came with, restored when the scene stops overriding them. */
  private readonly ownMaterials = new WeakMap<Mesh, Material | Material[]>();
  private readonly keyLight = new DirectionalLight(0xffffff, LIGHT_UNIT);
  private readonly ambient = new AmbientLight(0xffffff, 0.4 * LIGHT_UNIT);
  private readonly scratchSize = new Vector2();
  private readonly silhouetteBackground = new Color();
  private objectVersion = 0;
  /** Problems of the current object (cleared when the object changes), for the problems list. */
  private objectProblems: string[] = [];

  constructor(canvas: HTMLCanvasElement, private readonly events: RendererEvents) {
    this.renderer = new WebGLRenderer({ canvas, antialias: true, alpha: false, powerPreference: 'high-performance' });
    this.renderer.outputColorSpace = SRGBColorSpace;
    // Tone mapping applies to the canvas only, never to render targets: keep it off so frames match the view.
    this.renderer.toneMapping = NoToneMapping;
    this.materials = new SceneMaterials(events);
    this.background = new SceneBackgroundView(events);
    this.scene.add(this.pose, this.keyLight, this.ambient);
  }

  /** True while something the scene names is still loading: a frame now would not show the scene. */
  get pending(): boolean {
    return this.shown.kind === 'loading' || this.materials.pending || this.background.pending;
  }

  /** Changes whenever async content changed what an unchanged scene looks like. */
  get contentKey(): string {
    return `${this.objectVersion}.${this.materials.contentVersion}.${this.background.contentVersion}`;
  }

  /** Why parts of the scene are not shown now (a missing or broken file, an unsupported morph, an image). */
  get problems(): string[] {
    return [...this.objectProblems, ...this.materials.problems, ...this.background.problems];
  }

  /**
   * Syncs object, materials, lights, camera and background. `resourceUris` maps the scene's workspace paths to
   * webview URIs; `newDocument`: the document changed, so failed loads are tried again.
   */
  apply(scene: Scene, resourceUris: Readonly<Record<string, string>>, newDocument = false, backgroundUri?: string): void {
    this.syncObject(scene.object, resourceUris, newDocument);
    applyObjectPose(this.pose, scene.object);
    this.materials.update(scene.material, scene.silhouette, resourceUris, newDocument);
    this.assignMaterials(scene);

    const silhouette = scene.silhouette.enabled;
    lightPosition(scene.light, this.keyLight.position);
    this.keyLight.intensity = scene.light.intensity * LIGHT_UNIT;
    this.ambient.intensity = scene.light.ambient * LIGHT_UNIT;

    placeCamera(this.camera, scene.camera, 1);

    if (silhouette) {
      this.scene.background = this.silhouetteBackground.set(scene.silhouette.backgroundColor);
    } else {
      const bg = scene.background;
      const uri = bg.kind === 'image' ? resourceUris[bg.path] ?? backgroundUri : undefined;
      this.scene.background = this.background.update(bg, uri, newDocument);
    }
  }

  /** Square canvas of `cssPixels`, drawn at the device pixel ratio. */
  setViewSize(cssPixels: number): void {
    const size = Math.max(1, Math.floor(cssPixels));
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    const current = this.renderer.getSize(this.scratchSize);
    if (current.x !== size || current.y !== size) this.renderer.setSize(size, size);
  }

  /** Draws the view on the canvas (square, aspect 1). */
  renderView(): void {
    this.renderer.setRenderTarget(null);
    this.renderer.render(this.scene, this.camera);
  }

  dispose(): void {
    this.dropObject();
    this.materials.dispose();
    this.background.dispose();
    this.renderer.dispose();
  }

  // ---------------------------------------------------------------- object

  private syncObject(object: SceneObject, resourceUris: Readonly<Record<string, string>>, retry: boolean): void {
    if (object.kind === 'builtin') {
      const key = `builtin:${JSON.stringify([object.name, object.seed, object.params, object.morph])}`;
      if (key === this.shown.key) return;
      this.dropObject();
      try {
        const mesh = new Mesh<BufferGeometry, Material>(createBuiltinGeometry(object), this.materials.standard);
        this.pose.add(mesh);
        this.shown = { kind: 'builtin', key, mesh };
      } catch (error) {
        this.shown = { kind: 'none', key };
        this.report(`Could not build the ${object.name}: ${messageOf(error)}`);
      }
      return;
    }
    const uri = resourceUris[object.path];
    const key = `file:${object.path}|${uri ?? ''}`;
    if (key === this.shown.key && !(retry && this.shown.kind === 'none' && uri !== undefined)) return;
    this.dropObject();
    if (uri === undefined) {
      this.shown = { kind: 'none', key };
      this.report(`The object file "${object.path}" is not available.`);
      return;
    }
    this.shown = { kind: 'loading', key };
    loadObjectFile(uri, object.path).then(
      (loaded) => {
        if (this.shown.key !== key || this.shown.kind !== 'loading') {
          disposeObject(loaded.object); // superseded while loading
          return;
        }
        this.pose.add(loaded.object);
        this.shown = { kind: 'file', key, root: loaded.object };
        this.objectVersion += 1;
        for (const warning of loaded.warnings) this.report(warning);
        this.events.settled();
      },
      (error: unknown) => {
        if (this.shown.key !== key || this.shown.kind !== 'loading') return;
        this.shown = { kind: 'none', key };
        this.objectVersion += 1;
        this.report(messageOf(error));
        this.events.settled();
      },
    );
  }

  private dropObject(): void {
    const shown = this.shown;
    if (shown.kind === 'builtin') {
      this.pose.remove(shown.mesh);
      shown.mesh.geometry.dispose();
    } else if (shown.kind === 'file') {
      this.pose.remove(shown.root);
      // Give the file its own materials back first: disposeObject frees what the meshes hold, never ours.
      this.setFileMaterials(shown.root, null);
      disposeObject(shown.root);
    }
    this.shown = { kind: 'none', key: '' };
    this.objectProblems = [];
  }

  /** Silhouette: the flat material everywhere; otherwise the scene material, except file objects without a texture. */
  private assignMaterials(scene: Scene): void {
    const m = this.materials;
    const material = scene.silhouette.enabled ? m.silhouette : m.standard;
    if (this.shown.kind === 'builtin') this.shown.mesh.material = material;
    if (this.shown.kind === 'file') {
      const own = !scene.silhouette.enabled && scene.material.texture === null;
      this.setFileMaterials(this.shown.root, own ? null : material);
    }
  }

  /** `material` null: each mesh's own material. */
  private setFileMaterials(root: Object3D, material: Material | null): void {
    root.traverse((child) => {
      if (!(child instanceof Mesh)) return;
      if (!this.ownMaterials.has(child)) this.ownMaterials.set(child, child.material as Material | Material[]);
      child.material = material ?? (this.ownMaterials.get(child) as Material | Material[]);
    });
  }

  private report(message: string): void {
    this.objectProblems = [...this.objectProblems, message];
    this.events.problem(message);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
