/**
 * Building blocks of the non-numeric scene controls: a labelled row with `data-path` and hover help (the JSON
 * path, as the sliders have), selects, seed and path fields. Help text comes from the scene schema where it has one.
 */
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { schemaAt } from '../../core/sceneControls';
import { el } from '../shared/dom';
import { helpText } from './numericControl';

/** The schema's description of the value at a dotted path, or `fallback`. */
export function describeAt(dottedPath: string, fallback: string): string {
  const description = schemaAt(dottedPath.split('.'))?.description;
  return typeof description === 'string' ? description : fallback;
}

/** A labelled control row: `[data-path]` is the test hook, the title names the JSON path. */
export function row(path: string, label: string, description: string, ...controls: HTMLElement[]): HTMLElement {
  return el(
    'div',
    { class: 'control-row', 'data-path': path, title: helpText(description, path) },
    el('span', { class: 'control-label' }, label),
    ...controls,
  );
}

export function select(ariaLabel: string, options: readonly (readonly [value: string, label: string])[]): HTMLSelectElement {
  const element = el('select', { 'aria-label': ariaLabel });
  setOptions(element, options);
  return element;
}

/** Replaces the options, keeping the selected value when it is still offered. */
export function setOptions(element: HTMLSelectElement, options: readonly (readonly [value: string, label: string])[]): void {
  const selected = element.value;
  element.replaceChildren(...options.map(([value, label]) => el('option', { value }, label)));
  if (options.some(([value]) => value === selected)) element.value = selected;
}

export function colorInput(ariaLabel: string): HTMLInputElement {
  return el('input', { type: 'color', 'aria-label': ariaLabel });
}

/** A number field for seeds (integers >= 0); `read()` is the typed seed or undefined when it is not one. */
export function seedField(ariaLabel: string): { field: VscodeTextfield; read(): number | undefined } {
  const field = document.createElement('vscode-textfield');
  field.type = 'number';
  field.min = 0;
  field.step = 1;
  field.setAttribute('aria-label', ariaLabel);
  field.classList.add('seed');
  // A seed is a short number: no need for the full row width (CSSOM styles are allowed by the webview's CSP).
  field.style.maxWidth = '10em';
  return {
    field,
    read() {
      const value = Number(field.value);
      return field.value.trim() !== '' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff ? value : undefined;
    },
  };
}

/** A text field for a workspace-relative path, applied on Enter/blur (`change`). */
export function pathField(ariaLabel: string, placeholder: string): VscodeTextfield {
  const field = document.createElement('vscode-textfield');
  field.placeholder = placeholder;
  field.setAttribute('aria-label', ariaLabel);
  return field;
}

/** Whether the user is typing in this field (the document's value must not overwrite it). */
export function isFocused(element: HTMLElement): boolean {
  return document.activeElement === element || element.contains(document.activeElement);
}
