/**
 * The object's materials from the scene's `material` and `silhouette`: one MeshStandardMaterial whose shader shows
 * mix(texture, texture2, textureMorph), and one unlit MeshBasicMaterial for silhouette mode.
 *
 * Texture morph is done in the shader (a second sampler and a uniform), not by blending on the CPU: a morph slider
 * drag then changes one uniform per frame instead of re-blending and re-uploading a 512 px texture (about 10 ms per
 * step on the CPU plus the upload and mipmaps), and both textures keep their own mipmaps.
 */
import {
  DataTexture,
  LinearFilter,
  LinearMipmapLinearFilter,
  MeshBasicMaterial,
  MeshStandardMaterial,
  DoubleSide,
  RepeatWrapping,
  RGBAFormat,
  SRGBColorSpace,
  Texture,
  TextureLoader,
  UnsignedByteType,
  type IUniform,
} from 'three';
import { generateTexture } from '../../core/textures';
import type { SceneMaterial, SceneSilhouette, TextureRef } from '../../core/sceneTypes';

/** Built-in textures are generated at this size (tileable; textureScale repeats them). */
export const BUILTIN_TEXTURE_SIZE = 512;

export interface MaterialEvents {
  /** Something worth telling the user (an image texture that did not load). */
  problem(message: string): void;
  /** An image texture finished loading (or failed): render again. */
  settled(): void;
}

type ImageEntry =
  | { state: 'loading'; texture: Texture }
  | { state: 'ready'; texture: Texture }
  | { state: 'failed'; texture: null; message: string };

export class SceneMaterials {
  readonly standard = new MeshStandardMaterial({ side: DoubleSide });
  readonly silhouette = new MeshBasicMaterial({ side: DoubleSide });
  private readonly uniforms: { map2: IUniform<Texture | null>; textureMorph: IUniform<number> } = {
    map2: { value: null },
    textureMorph: { value: 0 },
  };
  private readonly builtins = new Map<string, DataTexture>();
  private readonly images = new Map<string, ImageEntry>();
  private readonly loader = new TextureLoader();
  /** Stands in for a missing side of the morph, so mix(colour, texture, t) fades between plain colour and texture. */
  private readonly white = solidTexture(255, 255, 255);
  /** Bumped when an async texture arrives, so callers know the same scene now looks different. */
  private version = 0;

  constructor(private readonly events: MaterialEvents) {
    this.standard.onBeforeCompile = (shader) => {
      shader.uniforms.map2 = this.uniforms.map2;
      shader.uniforms.textureMorph = this.uniforms.textureMorph;
      shader.fragmentShader = shader.fragmentShader
        .replace(
          '#include <map_pars_fragment>',
          '#include <map_pars_fragment>\n#ifdef USE_MAP\nuniform sampler2D map2;\nuniform float textureMorph;\n#endif',
        )
        .replace(
          '#include <map_fragment>',
          '#ifdef USE_MAP\n\tdiffuseColor *= mix( texture2D( map, vMapUv ), texture2D( map2, vMapUv ), textureMorph );\n#endif',
        );
    };
    this.standard.customProgramCacheKey = () => 'perturber-texture-morph';
  }

  /** True while an image texture the scene names is still loading (frames wait for it). */
  get pending(): boolean {
    for (const entry of this.images.values()) if (entry.state === 'loading') return true;
    return false;
  }

  /** Why textures the scene names are not shown. */
  get problems(): string[] {
    return [...this.images.values()].flatMap((entry) => (entry.state === 'failed' ? [entry.message] : []));
  }

  /** Changes whenever the look of an unchanged scene changes (a texture arrived or failed). */
  get contentVersion(): number {
    return this.version;
  }

  /**
   * Syncs both materials; `resourceUris` maps the scene's image paths to webview URIs. `retryFailed`: the document
   * changed, so images that failed to load are tried again (the file may be there now).
   */
  update(material: SceneMaterial, silhouette: SceneSilhouette, resourceUris: Readonly<Record<string, string>>, retryFailed = false): void {
    if (retryFailed) {
      for (const [key, entry] of this.images) if (entry.state === 'failed') this.images.delete(key);
    }
    this.standard.color.set(material.color);
    this.standard.roughness = material.roughness;
    this.standard.metalness = material.metalness;
    this.silhouette.color.set(silhouette.objectColor);

    const usedBuiltins = new Set<string>();
    const usedImages = new Set<string>();
    const a = this.resolve(material.texture, resourceUris, usedBuiltins, usedImages);
    const b = this.resolve(material.texture2, resourceUris, usedBuiltins, usedImages);

    let map: Texture | null = null;
    if (a || b) {
      map = a ?? this.white;
      this.uniforms.map2.value = b ?? map;
      // Without a second texture there is nothing to morph to; with one, a missing first texture is plain colour.
      this.uniforms.textureMorph.value = material.texture2 ? clamp01(material.textureMorph) : 0;
      const repeat = Math.max(0.01, material.textureScale);
      map.repeat.set(repeat, repeat);
    }
    if (this.standard.map !== map) {
      if ((this.standard.map === null) !== (map === null)) this.standard.needsUpdate = true;
      this.standard.map = map;
    }
    this.prune(usedBuiltins, usedImages);
  }

  dispose(): void {
    this.prune(new Set(), new Set());
    this.white.dispose();
    this.standard.dispose();
    this.silhouette.dispose();
  }

  private resolve(
    ref: TextureRef | null,
    resourceUris: Readonly<Record<string, string>>,
    usedBuiltins: Set<string>,
    usedImages: Set<string>,
  ): Texture | null {
    if (!ref) return null;
    if (ref.kind === 'builtin') {
      const key = `${ref.name}:${ref.seed}:${BUILTIN_TEXTURE_SIZE}`;
      usedBuiltins.add(key);
      let texture = this.builtins.get(key);
      if (!texture) {
        const image = generateTexture(ref.name, ref.seed, BUILTIN_TEXTURE_SIZE);
        texture = new DataTexture(image.pixels, image.width, image.height, RGBAFormat, UnsignedByteType);
        configure(texture);
        texture.needsUpdate = true;
        this.builtins.set(key, texture);
      }
      return texture;
    }
    const uri = resourceUris[ref.path];
    const key = uri ?? `missing:${ref.path}`;
    usedImages.add(key);
    let entry = this.images.get(key);
    if (!entry) {
      if (uri === undefined) {
        entry = { state: 'failed', texture: null, message: `The texture image "${ref.path}" is not available.` };
        this.events.problem(entry.message);
      } else {
        entry = this.load(uri, ref.path);
      }
      this.images.set(key, entry);
    }
    return entry.state === 'ready' ? entry.texture : null;
  }

  private load(uri: string, path: string): ImageEntry {
    const texture = this.loader.load(
      uri,
      () => {
        const entry = this.images.get(uri);
        if (entry?.texture !== texture) return; // dropped while loading (pruned and disposed)
        this.images.set(uri, { state: 'ready', texture });
        this.version += 1;
        this.events.settled();
      },
      undefined,
      () => {
        const entry = this.images.get(uri);
        if (entry?.texture !== texture) return;
        texture.dispose();
        const message = `Could not load the texture image "${path}".`;
        this.images.set(uri, { state: 'failed', texture: null, message });
        this.version += 1;
        this.events.problem(message);
        this.events.settled();
      },
    );
    configure(texture);
    return { state: 'loading', texture };
  }

  /** Frees textures the material no longer uses. */
  private prune(usedBuiltins: Set<string>, usedImages: Set<string>): void {
    for (const [key, texture] of this.builtins) {
      if (!usedBuiltins.has(key)) {
        texture.dispose();
        this.builtins.delete(key);
      }
    }
    for (const [key, entry] of this.images) {
      if (!usedImages.has(key)) {
        entry.texture?.dispose();
        this.images.delete(key);
      }
    }
  }
}

/** Tiling, sRGB, mipmaps; the caller marks it for upload once it has pixels (a loading image has none yet). */
function configure(texture: Texture): void {
  texture.colorSpace = SRGBColorSpace;
  texture.wrapS = RepeatWrapping;
  texture.wrapT = RepeatWrapping;
  texture.generateMipmaps = true;
  texture.minFilter = LinearMipmapLinearFilter;
  texture.magFilter = LinearFilter;
  texture.anisotropy = 4;
}

function solidTexture(r: number, g: number, b: number): DataTexture {
  const texture = new DataTexture(new Uint8Array([r, g, b, 255]), 1, 1, RGBAFormat, UnsignedByteType);
  texture.colorSpace = SRGBColorSpace;
  texture.wrapS = RepeatWrapping;
  texture.wrapT = RepeatWrapping;
  texture.needsUpdate = true;
  return texture;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
