/** The built-in procedural backgrounds: `generateBackground(name, seed, width, height)` returns an RGBA image (sRGB bytes). */
import type { FrameImage } from '../protocol';
import type { BuiltinBackgroundName } from '../sceneTypes';
import { grassBackground } from './grass';
import { roomBackground } from './room';
import { skyBackground } from './sky';
import { streetBackground } from './street';
import { waterBackground } from './water';

const GENERATORS: Record<BuiltinBackgroundName, (seed: number, width: number, height: number) => FrameImage> = {
  sky: skyBackground,
  room: roomBackground,
  street: streetBackground,
  grass: grassBackground,
  water: waterBackground,
};

export const BUILTIN_BACKGROUNDS: readonly { name: BuiltinBackgroundName; label: string }[] = [
  { name: 'sky', label: 'Sky and ground' },
  { name: 'room', label: 'Room' },
  { name: 'street', label: 'Street' },
  { name: 'grass', label: 'Grass field' },
  { name: 'water', label: 'Water' },
];

/** A `width` x `height` background, the same pixels for the same (name, seed, size). */
export function generateBackground(name: BuiltinBackgroundName, seed: number, width: number, height: number): FrameImage {
  const generator = GENERATORS[name];
  if (!generator) throw new Error(`unknown built-in background "${String(name)}"`);
  return generator(seed, Math.max(1, Math.floor(width)), Math.max(1, Math.floor(height)));
}
