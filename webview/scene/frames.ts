/**
 * Renders the scene at the models' input sizes and reads the pixels back.
 *
 * Colour: three.js writes linear colour into render targets (the sRGB encoding of `outputColorSpace` only applies
 * to the canvas). Each target's texture is therefore declared sRGB, which makes three.js allocate it as
 * SRGB8_ALPHA8: the GPU encodes linear -> sRGB on write (and on clear and MSAA resolve), and readPixels returns the
 * stored sRGB bytes, exactly what the canvas shows. An RGBA8 linear target would both look darker to the model and
 * band in the shadows.
 */
import {
  LinearFilter,
  PerspectiveCamera,
  RGBAFormat,
  Scene as ThreeScene,
  SRGBColorSpace,
  UnsignedByteType,
  WebGLRenderer,
  WebGLRenderTarget,
} from 'three';
import type { FrameImage, RenderSize } from '../../core/protocol';
import type { SceneCamera } from '../../core/sceneTypes';
import { placeCamera } from './pose';

export interface CapturedFrame {
  images: FrameImage[];
  renderMs: number;
  readbackMs: number;
}

/** Multisampling like the antialiased canvas, so edges look the same to the model as to the user. */
const SAMPLES = 4;

function keyOf(size: RenderSize): string {
  return `${size.width}x${size.height}`;
}

export class FrameCapture {
  private sizes: RenderSize[] = [];
  private readonly targets = new Map<string, WebGLRenderTarget>();
  private readonly readBuffers = new Map<string, Uint8Array>();

  get hasSizes(): boolean {
    return this.sizes.length > 0;
  }

  /** Identifies the requested sizes (a change of sizes needs a new frame even if the scene is the same). */
  get sizesKey(): string {
    return this.sizes.map(keyOf).join(',');
  }

  /** Keeps one render target per distinct size, disposing the ones no longer asked for. */
  setSizes(sizes: readonly RenderSize[]): void {
    this.sizes = sizes.filter((s) => Number.isInteger(s.width) && Number.isInteger(s.height) && s.width > 0 && s.height > 0);
    const wanted = new Set(this.sizes.map(keyOf));
    for (const [key, target] of this.targets) {
      if (!wanted.has(key)) {
        target.dispose();
        this.targets.delete(key);
        this.readBuffers.delete(key);
      }
    }
  }

  /** One image per requested size, RGBA, row 0 at the top; the camera is restored to aspect 1 afterwards. */
  capture(renderer: WebGLRenderer, scene: ThreeScene, camera: PerspectiveCamera, pose: SceneCamera): CapturedFrame {
    const images: FrameImage[] = [];
    let renderMs = 0;
    let readbackMs = 0;
    for (const size of this.sizes) {
      const target = this.targetFor(size);
      const t0 = performance.now();
      // Non-square inputs get the matching aspect (no stretching); square ones see exactly the view's framing.
      placeCamera(camera, pose, size.width / size.height);
      renderer.setRenderTarget(target);
      renderer.render(scene, camera);
      const t1 = performance.now();
      const raw = this.bufferFor(size);
      renderer.readRenderTargetPixels(target, 0, 0, size.width, size.height, raw);
      images.push({ width: size.width, height: size.height, pixels: flipRows(raw, size.width, size.height) });
      const t2 = performance.now();
      renderMs += t1 - t0;
      readbackMs += t2 - t1;
    }
    renderer.setRenderTarget(null);
    placeCamera(camera, pose, 1);
    return { images, renderMs, readbackMs };
  }

  dispose(): void {
    for (const target of this.targets.values()) target.dispose();
    this.targets.clear();
    this.readBuffers.clear();
  }

  private targetFor(size: RenderSize): WebGLRenderTarget {
    const key = keyOf(size);
    let target = this.targets.get(key);
    if (!target) {
      target = new WebGLRenderTarget(size.width, size.height, {
        format: RGBAFormat,
        type: UnsignedByteType,
        colorSpace: SRGBColorSpace,
        samples: SAMPLES,
        depthBuffer: true,
        minFilter: LinearFilter,
        magFilter: LinearFilter,
        generateMipmaps: false,
      });
      this.targets.set(key, target);
    }
    return target;
  }

  private bufferFor(size: RenderSize): Uint8Array {
    const key = keyOf(size);
    let buffer = this.readBuffers.get(key);
    if (!buffer) {
      buffer = new Uint8Array(size.width * size.height * 4);
      this.readBuffers.set(key, buffer);
    }
    return buffer;
  }
}

/** readPixels returns the bottom row first; images in the protocol start at the top. A fresh array (it is transferred). */
export function flipRows(source: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  const stride = width * 4;
  for (let y = 0; y < height; y++) {
    out.set(source.subarray((height - 1 - y) * stride, (height - y) * stride), y * stride);
  }
  return out;
}
