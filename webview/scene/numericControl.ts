/** One numeric scene control: label, `<vscode-slider>` and a number field, wrapped in `[data-path]` (a test hook). */
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { ControlSpec } from '../../core/sceneControls';
import type { SceneEdit, ScenePath } from '../../core/sceneTypes';
import { el } from '../shared/dom';
import { SliderElement } from './slider';

/** Where controls send their edits; several edits in one call become one message (one undo step). */
export type EditSink = (edits: SceneEdit[], final: boolean) => void;

/** Numbers as the file holds them (at most 4 decimals), without float noise from the slider's step arithmetic. */
export function formatNumber(value: number): string {
  return String(Number(value.toFixed(4)));
}

export function helpText(description: string, dottedPath: string, extra?: string): string {
  return [description, extra, `${dottedPath} in the scene file`].filter(Boolean).join('\n');
}

export class NumericControl {
  readonly element: HTMLElement;
  readonly path: string;
  private readonly slider: SliderElement;
  private readonly field: VscodeTextfield;
  private readonly editPath: ScenePath;

  /** `editPath` (default `spec.path`) is the scene path the edits set, for paths with array indices. */
  constructor(private readonly spec: ControlSpec, private readonly sink: EditSink, editPath?: ScenePath) {
    this.editPath = editPath ?? spec.path;
    this.path = this.editPath.join('.');
    const unit = spec.unit ?? '';
    const range = `Range ${formatNumber(spec.min)}${unit} to ${formatNumber(spec.max)}${unit}.`;
    this.slider = document.createElement('vscode-slider');
    this.slider.configure(spec.min, spec.max, spec.step, spec.label);
    this.field = document.createElement('vscode-textfield');
    this.field.type = 'number';
    this.field.min = spec.min;
    this.field.max = spec.max;
    this.field.step = spec.step;
    this.field.setAttribute('aria-label', `${spec.label} value`);
    this.element = el(
      'div',
      { class: 'control-row numeric', 'data-path': this.path, title: helpText(spec.description, this.path, range) },
      el('span', { class: 'control-label' }, spec.label),
      this.slider,
      this.field,
      el('span', { class: 'control-unit' }, unit),
    );

    this.slider.addEventListener('input', () => this.fromSlider(false));
    this.slider.addEventListener('change', () => this.fromSlider(true));
    this.field.addEventListener('change', () => this.fromField());
  }

  /** Shows the document's value; the field keeps what the user is typing while it has focus. */
  show(value: number): void {
    this.slider.value = value;
    if (!this.fieldFocused()) this.field.value = formatNumber(value);
  }

  set disabled(value: boolean) {
    this.slider.disabled = value;
    this.field.disabled = value;
  }

  private fromSlider(final: boolean): void {
    const value = this.slider.value;
    this.field.value = formatNumber(value);
    this.sink([{ path: this.editPath, value }], final);
  }

  private fromField(): void {
    const typed = Number(this.field.value);
    if (this.field.value.trim() === '' || !Number.isFinite(typed)) {
      this.field.value = formatNumber(this.slider.value); // not a number: back to the current value
      return;
    }
    const value = Math.min(this.spec.max, Math.max(this.spec.min, typed));
    this.field.value = formatNumber(value);
    this.slider.value = value;
    this.sink([{ path: this.editPath, value }], true);
  }

  private fieldFocused(): boolean {
    return document.activeElement === this.field;
  }
}
