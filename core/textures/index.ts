/** The built-in procedural textures: `generateTexture(name, seed, size)` returns a square RGBA image (sRGB bytes). */
import type { FrameImage } from '../protocol';
import type { BuiltinTextureName } from '../sceneTypes';
import { brickTexture } from './brick';
import { furTexture } from './fur';
import { grassTexture } from './grass';
import { leopardTexture } from './leopard';
import { metalTexture } from './metal';
import { tabbyTexture } from './tabby';
import { woodTexture } from './wood';
import { zebraTexture } from './zebra';

const GENERATORS: Record<BuiltinTextureName, (seed: number, size: number) => FrameImage> = {
  fur: furTexture,
  tabby: tabbyTexture,
  leopard: leopardTexture,
  zebra: zebraTexture,
  wood: woodTexture,
  metal: metalTexture,
  brick: brickTexture,
  grass: grassTexture,
};

export const BUILTIN_TEXTURES: readonly { name: BuiltinTextureName; label: string }[] = [
  { name: 'fur', label: 'Dog fur' },
  { name: 'tabby', label: 'Tabby cat' },
  { name: 'leopard', label: 'Leopard' },
  { name: 'zebra', label: 'Zebra' },
  { name: 'wood', label: 'Wood' },
  { name: 'metal', label: 'Brushed metal' },
  { name: 'brick', label: 'Brick' },
  { name: 'grass', label: 'Grass' },
];

/** A `size` x `size` texture, the same pixels for the same (name, seed, size); every one tiles seamlessly. */
export function generateTexture(name: BuiltinTextureName, seed: number, size: number): FrameImage {
  const generator = GENERATORS[name];
  if (!generator) throw new Error(`unknown built-in texture "${String(name)}"`);
  return generator(seed, Math.max(1, Math.floor(size)));
}
