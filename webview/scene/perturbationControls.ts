/**
 * The "Perturbations" section: an "Add perturbation" picker grouped by op group, and one block per step of the
 * scene's `perturbations` (enabled checkbox, label, up/down, remove, seed for random ops, one control per
 * parameter built from the op's ParamSpec). The op catalogue comes from the host (`perturbationOps`): this page
 * never imports the registry (it would bundle every op's implementation). Adding, removing and reordering send
 * the whole new list as one edit (the host keeps the untouched steps' text); the rest edit one value each.
 */
import type { PerturbationOpInfo } from '../../core/protocol';
import type { JsonValue, PerturbationStep, Scene } from '../../core/sceneTypes';
import { el } from '../shared/dom';
import { describeAt, isFocused, row, seedField } from './controlRow';
import { helpText, type EditSink } from './numericControl';
import { buildParamControl, type ParamControl } from './perturbationParams';

const GROUP_LABELS: Record<string, string> = {
  filter: 'Filters',
  'imagenet-c noise': 'ImageNet-C: noise',
  'imagenet-c blur': 'ImageNet-C: blur',
  'imagenet-c weather': 'ImageNet-C: weather',
  'imagenet-c digital': 'ImageNet-C: digital',
  'imagenet-c held-out': 'ImageNet-C: held-out',
};

interface StepView {
  element: HTMLElement;
  enabled: HTMLInputElement;
  seed?: ReturnType<typeof seedField>;
  params: ParamControl[];
}

export class PerturbationControls {
  readonly rows: HTMLElement;
  private readonly add = el('select', { 'aria-label': 'Add perturbation', class: 'add-perturbation' });
  private readonly list = el('div', { class: 'perturbation-list' });
  private ops: PerturbationOpInfo[] = [];
  private steps: StepView[] = [];
  private scene: Scene | null = null;
  /** What the list was built for: the ops of the steps in order (values are updated in place). */
  private structure = '';
  private isDisabled = false;

  constructor(private readonly sink: EditSink, private readonly isHolding: (path: string) => boolean) {
    this.rows = el(
      'div',
      { class: 'rows' },
      row('perturbations', 'Add', describeAt('perturbations', 'Image perturbations applied to every frame.'), this.add),
      this.list,
    );
    this.add.addEventListener('change', () => {
      const op = this.ops.find((o) => o.id === this.add.value);
      this.add.value = '';
      if (op && this.scene) this.setList([...this.scene.perturbations, newStep(op)]);
    });
    this.fillPicker();
  }

  setCatalog(ops: readonly PerturbationOpInfo[]): void {
    this.ops = [...ops];
    this.fillPicker();
    this.structure = '';
    if (this.scene) this.update(this.scene);
  }

  update(scene: Scene): void {
    this.scene = scene;
    const steps = scene.perturbations ?? [];
    const structure = JSON.stringify([this.ops.length, steps.map((s) => s.op)]);
    if (structure !== this.structure) this.rebuild(steps, structure);
    steps.forEach((step, i) => {
      const view = this.steps[i];
      view.enabled.checked = step.enabled;
      view.element.classList.toggle('off', !step.enabled);
      if (view.seed && !isFocused(view.seed.field)) view.seed.field.value = String(step.seed);
      for (const control of view.params) if (!this.isHolding(control.path)) control.show(step.params[control.name]);
    });
  }

  set disabled(value: boolean) {
    this.isDisabled = value;
    this.rows.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>('input, select, button').forEach((e) => (e.disabled = value));
    for (const view of this.steps) {
      if (view.seed) view.seed.field.disabled = value;
      for (const control of view.params) control.disabled = value;
    }
  }

  private fillPicker(): void {
    const groups = new Map<string, PerturbationOpInfo[]>();
    for (const op of this.ops) groups.set(op.group, [...(groups.get(op.group) ?? []), op]);
    this.add.replaceChildren(el('option', { value: '' }, this.ops.length ? 'Add perturbation…' : 'Loading perturbations…'));
    for (const [group, ops] of groups) {
      this.add.append(el('optgroup', { label: GROUP_LABELS[group] ?? group }, ...ops.map((op) => el('option', { value: op.id, title: op.description }, op.label))));
    }
    this.add.value = '';
  }

  /** One edit replacing the list (add, remove, reorder): one undo step. */
  private setList(steps: readonly PerturbationStep[]): void {
    this.sink([{ path: ['perturbations'], value: steps as unknown as JsonValue }], true);
  }

  private rebuild(steps: readonly PerturbationStep[], structure: string): void {
    this.structure = structure;
    this.steps = steps.map((step, i) => this.buildStep(step, i, steps.length));
    this.list.replaceChildren(...this.steps.map((s) => s.element));
    if (steps.length === 0) this.list.append(el('p', { class: 'hint' }, 'No perturbations: the models see the frames as rendered.'));
    this.disabled = this.isDisabled;
  }

  private buildStep(step: PerturbationStep, index: number, count: number): StepView {
    const op = this.ops.find((o) => o.id === step.op);
    const base = `perturbations.${index}`;
    const enabled = el('input', { type: 'checkbox', class: 'step-enabled', 'aria-label': `Enable ${op?.label ?? step.op}` });
    const button = (cls: string, text: string, label: string, disabled: boolean, onClick: () => void): HTMLButtonElement => {
      const b = el('button', { type: 'button', class: cls, title: helpText(label, base), 'aria-label': label }, text);
      b.disabled = disabled;
      b.addEventListener('click', onClick);
      return b;
    };
    const move = (to: number) => (): void => {
      const list = [...(this.scene?.perturbations ?? [])];
      const [moved] = list.splice(index, 1);
      list.splice(to, 0, moved);
      this.setList(list);
    };
    const header = el(
      'div',
      { class: 'step-header', title: helpText(op?.description ?? `Unknown perturbation "${step.op}".`, base) },
      enabled,
      el('span', { class: 'step-label' }, `${index + 1}. ${op?.label ?? step.op}`),
      button('step-up', '↑', 'Move up (applied earlier)', index === 0, move(index - 1)),
      button('step-down', '↓', 'Move down (applied later)', index === count - 1, move(index + 1)),
      button('step-remove', '✕', 'Remove this perturbation', false, () =>
        this.setList((this.scene?.perturbations ?? []).filter((_, i) => i !== index)),
      ),
    );
    enabled.addEventListener('change', () => this.sink([{ path: ['perturbations', index, 'enabled'], value: enabled.checked }], true));
    const element = el('div', { class: 'perturbation-step', 'data-index': index, 'data-op': step.op, 'data-path': base }, header);
    const view: StepView = { element, enabled, params: [] };
    if (!op) {
      element.append(el('p', { class: 'hint' }, `Unknown perturbation "${step.op}": see the problems above.`));
      return view;
    }
    if (op.random) {
      const seed = seedField(`${op.label} seed`);
      seed.field.addEventListener('change', () => {
        const value = seed.read();
        if (value === undefined) seed.field.value = String(this.scene?.perturbations[index]?.seed ?? 0);
        else this.sink([{ path: ['perturbations', index, 'seed'], value }], true);
      });
      element.append(row(`${base}.seed`, 'Seed', 'Random seed of the step: the same seed always gives the same image.', seed.field));
      view.seed = seed;
    }
    for (const spec of op.params) {
      const control = buildParamControl(op, spec, index, this.sink);
      view.params.push(control);
      element.append(control.element);
    }
    return view;
  }
}

/** A new step: enabled, seed 0, every parameter at its default (written out, so the file says what ran). */
function newStep(op: PerturbationOpInfo): PerturbationStep {
  const params: Record<string, number | string> = {};
  for (const spec of op.params) params[spec.name] = spec.default;
  return { op: op.id, enabled: true, seed: 0, params };
}
