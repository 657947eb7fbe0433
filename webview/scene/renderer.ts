/**
 * The three.js side of the scene editor: one WebGL renderer, the object, its lights and the orbit camera.
 * `apply(scene)` syncs the three.js objects to a scene value; nothing renders until the caller asks.
 */
import {
  AmbientLight,
  BufferGeometry,
  Color,
  DirectionalLight,
  DoubleSide,
  Mesh,
  MeshStandardMaterial,
  NoToneMapping,
  PerspectiveCamera,
  Scene as ThreeScene,
  SRGBColorSpace,
  Texture,
  Vector2,
  WebGLRenderer,
} from 'three';
import type { BuiltinObjectName, Scene } from '../../core/sceneTypes';
import { createBuiltinGeometry } from './objects';
import { applyObjectPose, lightPosition, placeCamera } from './pose';

/**
 * three.js lights are physical: an intensity-1 light makes a white Lambert surface 1/pi bright. The scene file's
 * intensities mean "1 = the surface's own colour", so they are scaled by pi.
 */
const LIGHT_UNIT = Math.PI;

/** Shown while an image background is loading or missing. */
const PLACEHOLDER_BACKGROUND = '#3a3a3a';

export class SceneRenderer {
  readonly renderer: WebGLRenderer;
  readonly scene = new ThreeScene();
  readonly camera = new PerspectiveCamera(40, 1, 0.01, 100);
  private readonly material = new MeshStandardMaterial({ roughness: 0.45, metalness: 0, side: DoubleSide });
  private readonly mesh: Mesh<BufferGeometry, MeshStandardMaterial>;
  private readonly keyLight = new DirectionalLight(0xffffff, LIGHT_UNIT);
  private readonly ambient = new AmbientLight(0xffffff, 0.4 * LIGHT_UNIT);
  private objectName: BuiltinObjectName | undefined;
  private readonly backgroundColor = new Color(PLACEHOLDER_BACKGROUND);
  private readonly scratchSize = new Vector2();

  constructor(canvas: HTMLCanvasElement) {
    this.renderer = new WebGLRenderer({ canvas, antialias: true, alpha: false, powerPreference: 'high-performance' });
    this.renderer.outputColorSpace = SRGBColorSpace;
    // Tone mapping applies to the canvas only, never to render targets: keep it off so frames match the view.
    this.renderer.toneMapping = NoToneMapping;
    this.mesh = new Mesh(new BufferGeometry(), this.material);
    this.scene.add(this.mesh, this.keyLight, this.ambient);
    this.scene.background = this.backgroundColor;
  }

  /** Syncs object, material, lights, camera and background colour; `backgroundImage` is used when the scene wants one. */
  apply(scene: Scene, backgroundImage: Texture | null): void {
    if (scene.object.name !== this.objectName) {
      const old = this.mesh.geometry;
      this.mesh.geometry = createBuiltinGeometry(scene.object.name);
      old.dispose();
      this.objectName = scene.object.name;
    }
    this.material.color.set(scene.object.color);
    applyObjectPose(this.mesh, scene.object);

    lightPosition(scene.light, this.keyLight.position);
    this.keyLight.intensity = scene.light.intensity * LIGHT_UNIT;
    this.ambient.intensity = scene.light.ambient * LIGHT_UNIT;

    placeCamera(this.camera, scene.camera, 1);

    if (scene.background.kind === 'image' && backgroundImage) {
      this.scene.background = backgroundImage;
    } else {
      this.backgroundColor.set(scene.background.kind === 'color' ? scene.background.color : PLACEHOLDER_BACKGROUND);
      this.scene.background = this.backgroundColor;
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
    this.mesh.geometry.dispose();
    this.material.dispose();
    this.renderer.dispose();
  }
}
