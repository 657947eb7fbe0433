/**
 * The material's non-numeric controls (colour, texture and morph texture) and the silhouette mode (checkbox and
 * its two colours). The numeric ones (texture morph, scale, roughness, metalness) are sliders from core/sceneControls.
 */
import type { Scene } from '../../core/sceneTypes';
import { el } from '../shared/dom';
import { colorInput, describeAt, row } from './controlRow';
import type { EditSink } from './numericControl';
import { TexturePicker } from './texturePicker';

/** A colour input sending live edits while the picker moves and a final one when it closes. */
function wireColor(input: HTMLInputElement, path: string[], sink: EditSink): void {
  input.addEventListener('input', () => sink([{ path, value: input.value }], false));
  input.addEventListener('change', () => sink([{ path, value: input.value }], true));
}

export class MaterialControls {
  /** Rows for the Material group (above its sliders). */
  readonly materialRows: HTMLElement;
  /** The Silhouette group's rows. */
  readonly silhouetteRows: HTMLElement;
  private readonly color = colorInput('Material colour');
  private readonly texture: TexturePicker;
  private readonly texture2: TexturePicker;
  private readonly silhouette = el('input', { type: 'checkbox', 'aria-label': 'Silhouette mode' });
  private readonly objectColor = colorInput('Silhouette object colour');
  private readonly backgroundColor = colorInput('Silhouette background colour');

  constructor(sink: EditSink, private readonly isHolding: (path: string) => boolean) {
    this.texture = new TexturePicker('texture', 'Texture', sink);
    this.texture2 = new TexturePicker('texture2', 'Morph texture', sink);
    this.materialRows = el(
      'div',
      { class: 'rows' },
      row('material.color', 'Colour', describeAt('material.color', 'Base colour of the object.'), this.color),
      this.texture.element,
      this.texture2.element,
    );
    this.silhouetteRows = el(
      'div',
      { class: 'rows' },
      row('silhouette.enabled', 'Silhouette', describeAt('silhouette.enabled', 'Render the object as a flat silhouette.'), this.silhouette),
      row('silhouette.objectColor', 'Object', describeAt('silhouette.objectColor', 'Colour of the silhouette.'), this.objectColor),
      row('silhouette.backgroundColor', 'Background', describeAt('silhouette.backgroundColor', 'Colour behind the silhouette.'), this.backgroundColor),
    );
    wireColor(this.color, ['material', 'color'], sink);
    wireColor(this.objectColor, ['silhouette', 'objectColor'], sink);
    wireColor(this.backgroundColor, ['silhouette', 'backgroundColor'], sink);
    this.silhouette.addEventListener('change', () => sink([{ path: ['silhouette', 'enabled'], value: this.silhouette.checked }], true));
  }

  update(scene: Scene): void {
    const show = (input: HTMLInputElement, path: string, value: string): void => {
      if (!this.isHolding(path)) input.value = value.toLowerCase();
    };
    show(this.color, 'material.color', scene.material.color);
    this.texture.update(scene.material.texture);
    this.texture2.update(scene.material.texture2);
    this.silhouette.checked = scene.silhouette.enabled;
    show(this.objectColor, 'silhouette.objectColor', scene.silhouette.objectColor);
    show(this.backgroundColor, 'silhouette.backgroundColor', scene.silhouette.backgroundColor);
  }

  set disabled(value: boolean) {
    for (const input of [this.color, this.silhouette, this.objectColor, this.backgroundColor]) input.disabled = value;
    this.texture.disabled = value;
    this.texture2.disabled = value;
  }
}
