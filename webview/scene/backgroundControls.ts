/**
 * The background's non-numeric controls: kind (colour, image or built-in), the colour, the image path, the
 * built-in's name and seed. Switching the kind sends one edit setting the whole background, keeping its blur,
 * rotation and brightness (the sliders from core/sceneControls).
 */
import { BUILTIN_BACKGROUNDS } from '../../core/backgrounds';
import type { BackgroundExtras, BuiltinBackgroundName, Scene, SceneBackground } from '../../core/sceneTypes';
import { el } from '../shared/dom';
import { colorInput, describeAt, isFocused, pathField, row, seedField, select } from './controlRow';
import type { EditSink } from './numericControl';

const DEFAULT_BACKGROUND_COLOR = '#808080';

function extrasOf(background: SceneBackground): BackgroundExtras {
  return { blur: background.blur, rotation: background.rotation, brightness: background.brightness };
}

export class BackgroundControls {
  /** Rows for the Background group (above its sliders). */
  readonly rows: HTMLElement;
  private readonly kind = select('Background kind', [['color', 'Colour'], ['image', 'Image'], ['builtin', 'Built-in']]);
  private readonly color = colorInput('Background colour');
  private readonly path = pathField('Background image path', 'images/background.jpg');
  private readonly name = select('Built-in background', BUILTIN_BACKGROUNDS.map((b) => [b.name, b.label] as const));
  private readonly seed = seedField('Background seed');
  private readonly colorRow: HTMLElement;
  private readonly pathRow: HTMLElement;
  private readonly builtinRows: HTMLElement[];
  private scene: Scene | null = null;
  /** Remembered across kind switches, so colour -> image -> colour gives the old colour back. */
  private lastColor = DEFAULT_BACKGROUND_COLOR;
  private lastPath = '';
  private lastBuiltin: { name: BuiltinBackgroundName; seed: number } = { name: BUILTIN_BACKGROUNDS[0]?.name ?? 'sky', seed: 0 };

  constructor(private readonly sink: EditSink, private readonly isHolding: (path: string) => boolean) {
    this.colorRow = row('background.color', 'Colour', 'Background colour as a hex string, e.g. "#808080".', this.color);
    this.pathRow = row('background.path', 'Image', `${describeAt('background.path', 'Image file.')} Press Enter to apply.`, this.path);
    this.builtinRows = [
      row('background.name', 'Built-in', describeAt('background.name', 'Which built-in background.'), this.name),
      row('background.seed', 'Seed', describeAt('background.seed', 'Random seed of the background.'), this.seed.field),
    ];
    this.rows = el(
      'div',
      { class: 'rows' },
      row('background.kind', 'Kind', 'What is behind the object: a plain colour, an image file or a built-in background.', this.kind),
      this.colorRow,
      this.pathRow,
      ...this.builtinRows,
    );
    this.wire();
  }

  update(scene: Scene): void {
    this.scene = scene;
    const background = scene.background;
    this.kind.value = background.kind;
    if (background.kind === 'color') {
      this.lastColor = background.color;
      if (!this.isHolding('background.color')) this.color.value = background.color.toLowerCase();
    } else if (background.kind === 'image') {
      this.lastPath = background.path;
      if (!isFocused(this.path)) this.path.value = background.path;
    } else {
      this.lastBuiltin = { name: background.name, seed: background.seed };
      this.name.value = background.name;
      if (!isFocused(this.seed.field)) this.seed.field.value = String(background.seed);
    }
    this.showKind(background.kind);
  }

  set disabled(value: boolean) {
    for (const input of [this.kind, this.color, this.name]) input.disabled = value;
    this.path.disabled = value;
    this.seed.field.disabled = value;
  }

  private wire(): void {
    const whole = (value: Record<string, string | number>): void => {
      const background = this.scene?.background;
      if (background) this.sink([{ path: ['background'], value: { ...value, ...extrasOf(background) } }], true);
    };
    this.kind.addEventListener('change', () => {
      const kind = this.kind.value;
      if (kind === 'color') whole({ kind: 'color', color: this.lastColor });
      else if (kind === 'builtin') whole({ kind: 'builtin', ...this.lastBuiltin });
      else if (this.lastPath !== '') whole({ kind: 'image', path: this.lastPath });
      else {
        // An image background needs a path before it is valid: ask for it first, edit the document after.
        this.showKind('image');
        this.path.focus();
      }
    });
    this.color.addEventListener('input', () => this.sink([{ path: ['background', 'color'], value: this.color.value }], false));
    this.color.addEventListener('change', () => this.sink([{ path: ['background', 'color'], value: this.color.value }], true));
    this.path.addEventListener('change', () => {
      const path = this.path.value.trim();
      if (path === '') return;
      if (this.scene?.background.kind === 'image') this.sink([{ path: ['background', 'path'], value: path }], true);
      else whole({ kind: 'image', path });
    });
    this.name.addEventListener('change', () => {
      if (this.scene?.background.kind === 'builtin') this.sink([{ path: ['background', 'name'], value: this.name.value }], true);
      else whole({ kind: 'builtin', name: this.name.value, seed: this.lastBuiltin.seed });
    });
    this.seed.field.addEventListener('change', () => {
      const seed = this.seed.read();
      const background = this.scene?.background;
      if (seed === undefined || background?.kind !== 'builtin') {
        if (background?.kind === 'builtin') this.seed.field.value = String(background.seed);
        return;
      }
      this.sink([{ path: ['background', 'seed'], value: seed }], true);
    });
  }

  private showKind(kind: SceneBackground['kind']): void {
    this.colorRow.hidden = kind !== 'color';
    this.pathRow.hidden = kind !== 'image';
    for (const element of this.builtinRows) element.hidden = kind !== 'builtin';
  }
}
