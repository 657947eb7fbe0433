/**
 * One texture slot of the material (`material.texture` or `material.texture2`): none, a built-in texture with its
 * seed, or an image file. Switching the kind sends one edit setting the whole slot.
 */
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { BUILTIN_TEXTURES } from '../../core/textures';
import type { BuiltinTextureName, TextureRef } from '../../core/sceneTypes';
import { el } from '../shared/dom';
import { describeAt, isFocused, pathField, row, seedField, select } from './controlRow';
import type { EditSink } from './numericControl';

type Slot = 'texture' | 'texture2';
const NONE = 'none';

export class TexturePicker {
  readonly element: HTMLElement;
  private readonly kind = select('', [[NONE, 'None'], ['builtin', 'Built-in'], ['image', 'Image']]);
  private readonly name = select('', BUILTIN_TEXTURES.map((t) => [t.name, t.label] as const));
  private readonly seed = seedField('');
  private readonly path: VscodeTextfield;
  private readonly builtinRow: HTMLElement;
  private readonly seedRow: HTMLElement;
  private readonly pathRow: HTMLElement;
  private current: TextureRef | null = null;
  /** Remembered across kind switches. */
  private lastBuiltin: { name: BuiltinTextureName; seed: number } = { name: BUILTIN_TEXTURES[0]?.name ?? 'fur', seed: 0 };
  private lastPath = '';

  constructor(private readonly slot: Slot, label: string, private readonly sink: EditSink) {
    const base = `material.${slot}`;
    this.kind.setAttribute('aria-label', `${label} kind`);
    this.name.setAttribute('aria-label', label);
    this.seed.field.setAttribute('aria-label', `${label} seed`);
    this.path = pathField(`${label} image path`, 'textures/fur.jpg');
    this.builtinRow = row(`${base}.name`, 'Built-in', describeAt(`${base}.name`, 'Which built-in texture.'), this.name);
    const seedRow = row(`${base}.seed`, 'Seed', describeAt(`${base}.seed`, 'Random seed of the texture.'), this.seed.field);
    this.pathRow = row(`${base}.path`, 'Image', `${describeAt(`${base}.path`, 'Image file.')} Press Enter to apply.`, this.path);
    this.element = el(
      'div',
      { class: 'texture-picker' },
      row(`${base}.kind`, label, describeAt(base, 'The texture.'), this.kind),
      this.builtinRow,
      seedRow,
      this.pathRow,
    );
    this.seedRow = seedRow;
    this.wire();
  }

  update(texture: TextureRef | null): void {
    this.current = texture;
    this.kind.value = texture === null ? NONE : texture.kind;
    if (texture?.kind === 'builtin') {
      this.lastBuiltin = { name: texture.name, seed: texture.seed };
      this.name.value = texture.name;
      if (!isFocused(this.seed.field)) this.seed.field.value = String(texture.seed);
    } else if (texture?.kind === 'image') {
      this.lastPath = texture.path;
      if (!isFocused(this.path)) this.path.value = texture.path;
    }
    this.showKind(texture === null ? NONE : texture.kind);
  }

  set disabled(value: boolean) {
    this.kind.disabled = value;
    this.name.disabled = value;
    this.seed.field.disabled = value;
    this.path.disabled = value;
  }

  private wire(): void {
    const at = (...rest: string[]): string[] => ['material', this.slot, ...rest];
    this.kind.addEventListener('change', () => {
      const kind = this.kind.value;
      if (kind === NONE) this.sink([{ path: at(), value: null }], true);
      else if (kind === 'builtin') this.sink([{ path: at(), value: { kind: 'builtin', ...this.lastBuiltin } }], true);
      else if (this.lastPath !== '') this.sink([{ path: at(), value: { kind: 'image', path: this.lastPath } }], true);
      else {
        // An image texture needs a path before it is valid: ask for it first.
        this.showKind('image');
        this.path.focus();
      }
    });
    this.name.addEventListener('change', () => {
      const name = this.name.value;
      if (this.current?.kind === 'builtin') this.sink([{ path: at('name'), value: name }], true);
      else this.sink([{ path: at(), value: { kind: 'builtin', name, seed: this.lastBuiltin.seed } }], true);
    });
    this.seed.field.addEventListener('change', () => {
      const seed = this.seed.read();
      if (seed === undefined || this.current?.kind !== 'builtin') {
        if (this.current?.kind === 'builtin') this.seed.field.value = String(this.current.seed);
        return;
      }
      this.sink([{ path: at('seed'), value: seed }], true);
    });
    this.path.addEventListener('change', () => {
      const path = this.path.value.trim();
      if (path === '') return;
      if (this.current?.kind === 'image') this.sink([{ path: at('path'), value: path }], true);
      else this.sink([{ path: at(), value: { kind: 'image', path } }], true);
    });
  }

  private showKind(kind: string): void {
    this.builtinRow.hidden = kind !== 'builtin';
    this.seedRow.hidden = kind !== 'builtin';
    this.pathRow.hidden = kind !== 'image';
  }
}
