/**
 * The scene's background as `scene.background`: a flat colour, or an image (a workspace file or a built-in
 * procedural one) rotated, blurred and brightened on a 2D canvas, then used as an sRGB texture.
 *
 * The processed image is square (BACKGROUND_SIZE) and three.js stretches it over every viewport, so a blur given in
 * pixels of a 224 px frame is BACKGROUND_SIZE / 224 times that on the canvas, and looks the same at any render size.
 * The canvas work runs only when its inputs change (source, blur, rotation, brightness), never per frame.
 */
import { CanvasTexture, Color, ImageLoader, LinearFilter, LinearMipmapLinearFilter, SRGBColorSpace, type Texture } from 'three';
import { generateBackground } from '../../core/backgrounds';
import type { SceneBackground } from '../../core/sceneTypes';

export const BACKGROUND_SIZE = 512;
/** The blur in the scene file is in pixels of a frame this big. */
const BLUR_REFERENCE_PX = 224;
/** Shown while an image background is loading or missing. */
const PLACEHOLDER_BACKGROUND = '#3a3a3a';

export interface BackgroundEvents {
  problem(message: string): void;
  /** An image finished loading (or failed): render again. */
  settled(): void;
}

type Source =
  | { kind: 'none' }
  | { kind: 'loading'; key: string }
  | { kind: 'ready'; key: string; image: CanvasImageSource }
  | { kind: 'failed'; key: string; message: string };

export class SceneBackgroundView {
  private source: Source = { kind: 'none' };
  private readonly loader = new ImageLoader();
  private readonly output = document.createElement('canvas');
  private readonly rotated = document.createElement('canvas');
  private readonly padded = document.createElement('canvas');
  private readonly texture: CanvasTexture;
  /** What `output` shows (source key and adjustments); '' when it shows nothing yet. */
  private outputKey = '';
  private readonly color = new Color();
  private version = 0;

  constructor(private readonly events: BackgroundEvents) {
    this.output.width = this.output.height = BACKGROUND_SIZE;
    this.rotated.width = this.rotated.height = BACKGROUND_SIZE;
    this.texture = new CanvasTexture(this.output);
    this.texture.colorSpace = SRGBColorSpace;
    this.texture.minFilter = LinearMipmapLinearFilter;
    this.texture.magFilter = LinearFilter;
  }

  /** True while the background image is loading (frames wait for it). */
  get pending(): boolean {
    return this.source.kind === 'loading';
  }

  /** Why the background the scene names is not shown. */
  get problems(): string[] {
    return this.source.kind === 'failed' ? [this.source.message] : [];
  }

  /** Changes whenever the look of an unchanged scene changes (the image arrived or failed). */
  get contentVersion(): number {
    return this.version;
  }

  /**
   * What `scene.background` should be. `uri`: the webview URI of an image background (undefined: not available);
   * `retryFailed`: a new document version, so a failed image is tried again (the file may be there now).
   */
  update(background: SceneBackground, uri: string | undefined, retryFailed: boolean): Color | Texture {
    const brightness = Math.max(0, background.brightness);
    switch (background.kind) {
      case 'color':
        this.setSource({ kind: 'none' });
        return scaledColor(this.color, background.color, brightness);
      case 'builtin': {
        const key = `builtin:${background.name}:${background.seed}`;
        if (this.source.kind === 'none' || this.source.key !== key) {
          const image = generateBackground(background.name, background.seed, BACKGROUND_SIZE, BACKGROUND_SIZE);
          const canvas = document.createElement('canvas');
          canvas.width = image.width;
          canvas.height = image.height;
          const data = new ImageData(new Uint8ClampedArray(image.pixels), image.width, image.height);
          canvas.getContext('2d')?.putImageData(data, 0, 0);
          this.setSource({ kind: 'ready', key, image: canvas });
        }
        break;
      }
      case 'image': {
        if (uri === undefined) {
          const key = `missing:${background.path}`;
          if (this.source.kind === 'none' || this.source.key !== key) {
            const message = `The background image "${background.path}" is not available.`;
            this.setSource({ kind: 'failed', key, message });
            this.events.problem(message);
          }
          break;
        }
        const key = `image:${uri}`;
        const same = this.source.kind !== 'none' && this.source.key === key;
        if (!same || (retryFailed && this.source.kind === 'failed')) this.load(uri, key, background.path);
        break;
      }
    }
    if (this.source.kind !== 'ready') return this.color.set(PLACEHOLDER_BACKGROUND);
    const outputKey = JSON.stringify([this.source.key, background.blur, background.rotation, brightness]);
    if (outputKey !== this.outputKey) {
      this.process(this.source.image, background.blur, background.rotation, brightness);
      this.outputKey = outputKey;
      this.texture.needsUpdate = true;
    }
    return this.texture;
  }

  dispose(): void {
    this.setSource({ kind: 'none' });
    this.texture.dispose();
  }

  private setSource(next: Source): void {
    this.source = next;
    this.outputKey = '';
  }

  private load(uri: string, key: string, path: string): void {
    this.setSource({ kind: 'loading', key });
    this.loader.load(
      uri,
      (image) => {
        if (this.source.kind !== 'loading' || this.source.key !== key) return; // superseded while loading
        this.setSource({ kind: 'ready', key, image });
        this.version += 1;
        this.events.settled();
      },
      undefined,
      () => {
        if (this.source.kind !== 'loading' || this.source.key !== key) return;
        const message = `Could not load the background image "${path}".`;
        this.setSource({ kind: 'failed', key, message });
        this.version += 1;
        this.events.problem(message);
        this.events.settled();
      },
    );
  }

  /** Rotate (scaled up to cover the square), blur (edges clamped, so no dark rim), brighten: source -> output. */
  private process(image: CanvasImageSource, blur: number, rotation: number, brightness: number): void {
    const size = BACKGROUND_SIZE;
    const angle = (rotation * Math.PI) / 180;
    const cover = Math.abs(Math.cos(angle)) + Math.abs(Math.sin(angle));
    const r = this.rotated.getContext('2d');
    const out = this.output.getContext('2d');
    if (!r || !out) return;
    r.setTransform(1, 0, 0, 1, 0, 0);
    r.clearRect(0, 0, size, size);
    r.translate(size / 2, size / 2);
    r.rotate(angle);
    r.scale(cover, cover);
    r.drawImage(image, -size / 2, -size / 2, size, size);
    r.setTransform(1, 0, 0, 1, 0, 0);

    const sigma = (Math.max(0, blur) * size) / BLUR_REFERENCE_PX;
    out.setTransform(1, 0, 0, 1, 0, 0);
    out.clearRect(0, 0, size, size);
    const brighten = brightness === 1 ? '' : `brightness(${brightness})`;
    if (sigma < 0.05) {
      out.filter = brighten || 'none';
      out.drawImage(this.rotated, 0, 0);
      out.filter = 'none';
      return;
    }
    // Clamp-to-edge padding of 3 sigma: the blur then never reads the transparent outside of the canvas.
    const pad = Math.ceil(sigma * 3);
    const full = size + 2 * pad;
    this.padded.width = this.padded.height = full;
    const p = this.padded.getContext('2d');
    if (!p) return;
    const src = this.rotated;
    p.drawImage(src, 0, 0, size, size, pad, pad, size, size);
    p.drawImage(src, 0, 0, 1, size, 0, pad, pad, size); // left
    p.drawImage(src, size - 1, 0, 1, size, pad + size, pad, pad, size); // right
    p.drawImage(src, 0, 0, size, 1, pad, 0, size, pad); // top
    p.drawImage(src, 0, size - 1, size, 1, pad, pad + size, size, pad); // bottom
    p.drawImage(src, 0, 0, 1, 1, 0, 0, pad, pad);
    p.drawImage(src, size - 1, 0, 1, 1, pad + size, 0, pad, pad);
    p.drawImage(src, 0, size - 1, 1, 1, 0, pad + size, pad, pad);
    p.drawImage(src, size - 1, size - 1, 1, 1, pad + size, pad + size, pad, pad);
    out.filter = `blur(${sigma}px)${brighten ? ` ${brighten}` : ''}`;
    out.drawImage(this.padded, -pad, -pad);
    out.filter = 'none';
  }
}

/** `hex` multiplied by `brightness` in sRGB (as the image backgrounds are), into `target`. */
function scaledColor(target: Color, hex: string, brightness: number): Color {
  target.set(hex);
  if (brightness === 1) return target;
  const srgb = { r: 0, g: 0, b: 0 };
  target.getRGB(srgb, SRGBColorSpace);
  return target.setRGB(
    Math.min(1, srgb.r * brightness),
    Math.min(1, srgb.g * brightness),
    Math.min(1, srgb.b * brightness),
    SRGBColorSpace,
  );
}
