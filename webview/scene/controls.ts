/**
 * The controls beside the view: the numeric sliders from SCENE_CONTROL_GROUPS, the object's shape and colour,
 * the background, and the (read-only) model list. Controls issue edits through `sink`; `update(scene)` shows
 * the document's values, leaving alone any control the user is dragging.
 */
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { SCENE_CONTROL_GROUPS } from '../../core/sceneControls';
import type { BuiltinObjectName, Scene, SceneModel } from '../../core/sceneTypes';
import { el } from '../shared/dom';
import { NumericControl, helpText, type EditSink } from './numericControl';
import { BUILTIN_OBJECTS } from './objects';
import { valueAt } from './liveEdits';

const DEFAULT_BACKGROUND_COLOR = '#808080';

export class ControlsPanel {
  readonly element: HTMLElement;
  private readonly numeric: NumericControl[] = [];
  private readonly objectName: HTMLSelectElement;
  private readonly objectColor: HTMLInputElement;
  private readonly backgroundKind: HTMLSelectElement;
  private readonly backgroundColor: HTMLInputElement;
  private readonly backgroundColorRow: HTMLElement;
  private readonly backgroundPath: VscodeTextfield;
  private readonly backgroundPathRow: HTMLElement;
  private readonly models: HTMLElement;
  /** Remembered across kind switches, so colour -> image -> colour gives the old colour back. */
  private lastBackgroundColor = DEFAULT_BACKGROUND_COLOR;
  private lastBackgroundPath = '';
  private scene: Scene | null = null;

  constructor(private readonly sink: EditSink, private readonly isHolding: (path: string) => boolean) {
    this.objectName = el('select', { 'aria-label': 'Object shape' });
    for (const { name, label } of BUILTIN_OBJECTS) this.objectName.append(el('option', { value: name }, label));
    this.objectColor = el('input', { type: 'color', 'aria-label': 'Object colour' });
    this.backgroundKind = el('select', { 'aria-label': 'Background kind' }, el('option', { value: 'color' }, 'Colour'), el('option', { value: 'image' }, 'Image'));
    this.backgroundColor = el('input', { type: 'color', 'aria-label': 'Background colour' });
    this.backgroundPath = document.createElement('vscode-textfield');
    this.backgroundPath.placeholder = 'images/background.jpg';
    this.backgroundPath.setAttribute('aria-label', 'Background image path');
    this.backgroundColorRow = row('background.color', 'Colour', 'Background colour as a hex string, e.g. "#808080".', this.backgroundColor);
    this.backgroundPathRow = row(
      'background.path',
      'Image',
      'PNG or JPEG file, relative to this scene file; it must stay inside the workspace. Press Enter to apply.',
      this.backgroundPath,
    );
    this.models = el('div', { class: 'models' });

    const objectGroup = SCENE_CONTROL_GROUPS.find((g) => g.group === 'Object');
    this.element = el('div', { class: 'controls' });
    for (const group of SCENE_CONTROL_GROUPS) {
      const section = el('section', { class: 'group' }, el('h3', {}, group.group));
      if (group === objectGroup) {
        section.append(
          row('object.name', 'Shape', 'Which built-in mesh to show.', this.objectName),
          row('object.color', 'Colour', 'Colour of the object\'s material.', this.objectColor),
        );
      }
      for (const spec of group.controls) {
        const control = new NumericControl(spec, sink);
        this.numeric.push(control);
        section.append(control.element);
      }
      this.element.append(section);
    }
    this.element.append(
      el(
        'section',
        { class: 'group' },
        el('h3', {}, 'Background'),
        row('background.kind', 'Kind', 'What is behind the object: a plain colour or an image file.', this.backgroundKind),
        this.backgroundColorRow,
        this.backgroundPathRow,
      ),
      el('section', { class: 'group' }, el('h3', {}, 'Models'), this.models),
    );
    this.wire();
  }

  update(scene: Scene): void {
    this.scene = scene;
    for (const control of this.numeric) {
      if (this.isHolding(control.path)) continue;
      const value = valueAt(scene, control.path.split('.'));
      if (typeof value === 'number') control.show(value);
    }
    if (!this.isHolding('object.name')) this.objectName.value = scene.object.name;
    if (!this.isHolding('object.color')) this.objectColor.value = scene.object.color.toLowerCase();
    const background = scene.background;
    this.backgroundKind.value = background.kind;
    if (background.kind === 'color') {
      this.lastBackgroundColor = background.color;
      if (!this.isHolding('background.color')) this.backgroundColor.value = background.color.toLowerCase();
    } else {
      this.lastBackgroundPath = background.path;
      if (document.activeElement !== this.backgroundPath) this.backgroundPath.value = background.path;
    }
    this.showBackgroundKind(background.kind);
    this.showModels(scene.models);
  }

  /** Shows a value changed outside the controls (dragging in the view) while the document catches up. */
  reflect(path: string, value: number): void {
    this.numeric.find((control) => control.path === path)?.show(value);
  }

  set disabled(value: boolean) {
    for (const control of this.numeric) control.disabled = value;
    for (const input of [this.objectName, this.objectColor, this.backgroundKind, this.backgroundColor]) input.disabled = value;
    this.backgroundPath.disabled = value;
    this.element.classList.toggle('disabled', value);
  }

  private wire(): void {
    this.objectName.addEventListener('change', () => {
      this.sink([{ path: ['object', 'name'], value: this.objectName.value as BuiltinObjectName }], true);
    });
    this.objectColor.addEventListener('input', () => this.sink([{ path: ['object', 'color'], value: this.objectColor.value }], false));
    this.objectColor.addEventListener('change', () => this.sink([{ path: ['object', 'color'], value: this.objectColor.value }], true));
    this.backgroundColor.addEventListener('input', () => this.sink([{ path: ['background', 'color'], value: this.backgroundColor.value }], false));
    this.backgroundColor.addEventListener('change', () => this.sink([{ path: ['background', 'color'], value: this.backgroundColor.value }], true));
    this.backgroundKind.addEventListener('change', () => {
      if (this.backgroundKind.value === 'color') {
        this.sink([{ path: ['background'], value: { kind: 'color', color: this.lastBackgroundColor } }], true);
      } else if (this.lastBackgroundPath !== '') {
        this.sink([{ path: ['background'], value: { kind: 'image', path: this.lastBackgroundPath } }], true);
      } else {
        // An image background needs a path before it is valid: ask for it first, edit the document after.
        this.showBackgroundKind('image');
        this.backgroundPath.focus();
      }
    });
    this.backgroundPath.addEventListener('change', () => {
      const path = this.backgroundPath.value.trim();
      if (path === '') return;
      if (this.scene?.background.kind === 'image') this.sink([{ path: ['background', 'path'], value: path }], true);
      else this.sink([{ path: ['background'], value: { kind: 'image', path } }], true);
    });
  }

  private showBackgroundKind(kind: 'color' | 'image'): void {
    this.backgroundColorRow.hidden = kind !== 'color';
    this.backgroundPathRow.hidden = kind !== 'image';
  }

  private showModels(models: readonly SceneModel[]): void {
    this.models.replaceChildren();
    if (models.length === 0) {
      this.models.append(el('p', { class: 'hint' }, 'No models yet. Add one with "Perturber: Add Model" or in the JSON ("models").'));
      return;
    }
    const list = el('ul', { class: 'model-list', title: helpText('The image classifiers run on every rendered frame.', 'models') });
    for (const model of models) {
      const layers = model.watch.length;
      list.append(
        el(
          'li',
          { 'data-model-id': model.id },
          el('span', { class: 'model-id' }, model.id),
          el('span', { class: 'model-path', title: model.path }, model.path),
          el('span', { class: 'model-watch' }, layers === 0 ? 'no layers watched' : `${layers} layer${layers === 1 ? '' : 's'} watched`),
        ),
      );
    }
    this.models.append(list);
  }
}

function row(path: string, label: string, description: string, control: HTMLElement): HTMLElement {
  return el('div', { class: 'control-row', 'data-path': path, title: helpText(description, path) }, el('span', { class: 'control-label' }, label), control);
}
