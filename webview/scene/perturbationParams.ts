/**
 * One control per parameter of a perturbation step, built from the op's ParamSpec (sent by the host): a slider
 * and number field for numbers (live edits while dragging, like every slider), a colour input, a select, or for a
 * file a text field showing the path (relative to the scene file), applied on Enter/blur.
 */
import type { ControlSpec } from '../../core/sceneControls';
import type { PerturbationOpInfo } from '../../core/protocol';
import type { ChoiceParam, ParamSpec } from '../../core/perturbations/types';
import { colorInput, isFocused, pathField, row, select } from './controlRow';
import { NumericControl, type EditSink } from './numericControl';

export interface ParamControl {
  element: HTMLElement;
  /** Parameter name in the step's `params`. */
  name: string;
  /** Dotted scene path (`perturbations.0.params.sigma`), the `data-path` and LiveEdits key. */
  path: string;
  /** Shows the document's value (the default when the file leaves it out). */
  show(value: number | string | undefined): void;
  disabled: boolean;
}

function help(spec: ParamSpec): string {
  const extra = spec.kind === 'number' || spec.kind === 'integer' ? (spec.scalesWithSize && !spec.help.includes('224') ? ' Given for a 224 px frame; scaled with each model input size.' : '') : '';
  return spec.help + extra;
}

export function buildParamControl(op: PerturbationOpInfo, spec: ParamSpec, index: number, sink: EditSink): ParamControl {
  const editPath = ['perturbations', index, 'params', spec.name];
  const path = editPath.join('.');
  if (spec.kind === 'number' || spec.kind === 'integer') {
    const controlSpec: ControlSpec = {
      path: editPath.map(String),
      label: spec.label,
      min: spec.min,
      max: spec.max,
      step: spec.kind === 'integer' ? Math.max(1, Math.round(spec.step)) : spec.step,
      unit: spec.unit,
      description: help(spec),
    };
    const control = new NumericControl(controlSpec, sink, editPath);
    control.element.classList.add('param');
    return {
      element: control.element,
      name: spec.name,
      path,
      show: (value) => control.show(typeof value === 'number' ? value : spec.default),
      set disabled(value: boolean) {
        control.disabled = value;
      },
    };
  }
  if (spec.kind === 'color') {
    const input = colorInput(`${op.label} ${spec.label}`);
    input.addEventListener('input', () => sink([{ path: editPath, value: input.value }], false));
    input.addEventListener('change', () => sink([{ path: editPath, value: input.value }], true));
    return {
      element: row(path, spec.label, help(spec), input),
      name: spec.name,
      path,
      show: (value) => (input.value = (typeof value === 'string' ? value : spec.default).toLowerCase()),
      set disabled(value: boolean) {
        input.disabled = value;
      },
    };
  }
  if (spec.kind === 'file') {
    const field = pathField(`${op.label} ${spec.label}`, spec.extensions.map((e) => `*.${e}`).join(', '));
    field.addEventListener('change', () => sink([{ path: editPath, value: field.value.trim() }], true));
    return {
      element: row(path, spec.label, help(spec), field),
      name: spec.name,
      path,
      show: (value) => {
        if (!isFocused(field)) field.value = typeof value === 'string' ? value : spec.default;
      },
      set disabled(value: boolean) {
        field.disabled = value;
      },
    };
  }
  const choiceSpec = spec as ChoiceParam;
  const choice = select(`${op.label} ${spec.label}`, choiceSpec.options.map((o) => [o, o] as const));
  choice.addEventListener('change', () => sink([{ path: editPath, value: choice.value }], true));
  return {
    element: row(path, spec.label, help(spec), choice),
    name: spec.name,
    path,
    show: (value) => (choice.value = typeof value === 'string' ? value : choiceSpec.default),
    set disabled(value: boolean) {
      choice.disabled = value;
    },
  };
}

