/**
 * The "Models" section: the scene's models (read-only: id, path, watched layers) and, for each model whose manifest
 * lists checkpoints (the host's `checkpointFamilies`), a checkpoint slider over the family's stops in training order
 * ("final", the manifest's own .onnx, last unless the last checkpoint is that file). Moving it edits
 * `models[i].checkpoint` like any slider: live while dragging, one undo step per release. The rows are rebuilt only
 * when the models or families change, so a slider being dragged survives the document's echoes.
 */
import { stopIndex, type CheckpointFamily, type CheckpointStop } from '../../core/checkpoints';
import type { SceneModel } from '../../core/sceneTypes';
import { el } from '../shared/dom';
import { helpText, type EditSink } from './numericControl';
import type { SliderElement } from './slider';

interface CheckpointRow {
  path: string;
  index: number;
  stops: CheckpointStop[];
  slider: SliderElement;
  label: HTMLElement;
}

const CHECKPOINT_HELP =
  'Which checkpoint of the model\'s family to run, in training order ("final": the manifest\'s own .onnx file). ' +
  'The list of checkpoints is the manifest\'s "checkpoints".';

function stopText(stop: CheckpointStop | undefined, position: number, count: number): string {
  if (!stop) return 'not in the family';
  return `${stop.label}${stop.step !== undefined ? ` (step ${stop.step})` : ''} · ${position + 1}/${count}`;
}

export class ModelList {
  readonly element = el('div', { class: 'models' });
  private families: Record<string, CheckpointFamily> = {};
  private rows: CheckpointRow[] = [];
  private key = '';
  private isDisabled = false;

  constructor(private readonly sink: EditSink, private readonly isHolding: (path: string) => boolean) {}

  /** The host's families by model path (absent paths: no slider). */
  setFamilies(families: Record<string, CheckpointFamily> | undefined): void {
    this.families = families ?? {};
  }

  update(models: readonly SceneModel[]): void {
    const familyOf = (m: SceneModel): CheckpointFamily | undefined =>
      Object.prototype.hasOwnProperty.call(this.families, m.path) ? this.families[m.path] : undefined;
    const key = JSON.stringify(models.map((m) => [m.id, m.path, m.watch.length, familyOf(m)?.stops ?? null]));
    if (key !== this.key) {
      this.key = key;
      this.build(models, familyOf);
    }
    for (const row of this.rows) {
      if (this.isHolding(row.path)) continue;
      const position = stopIndex(row.stops, models[row.index]?.checkpoint);
      row.slider.value = position < 0 ? row.stops.length - 1 : position;
      row.label.textContent = stopText(row.stops[position], position, row.stops.length);
      row.label.classList.toggle('error', position < 0);
    }
  }

  set disabled(value: boolean) {
    this.isDisabled = value;
    for (const row of this.rows) row.slider.disabled = value;
  }

  private build(models: readonly SceneModel[], familyOf: (m: SceneModel) => CheckpointFamily | undefined): void {
    this.rows = [];
    this.element.replaceChildren();
    if (models.length === 0) {
      this.element.append(el('p', { class: 'hint' }, 'No models yet. Add one with "Perturber: Add Model" or in the JSON ("models").'));
      return;
    }
    const list = el('ul', { class: 'model-list', title: helpText('The image classifiers run on every rendered frame.', 'models') });
    models.forEach((model, index) => {
      const layers = model.watch.length;
      const item = el(
        'li',
        { 'data-model-id': model.id },
        el('span', { class: 'model-id' }, model.id),
        el('span', { class: 'model-path', title: model.path }, model.path),
        el('span', { class: 'model-watch' }, layers === 0 ? 'no layers watched' : `${layers} layer${layers === 1 ? '' : 's'} watched`),
      );
      const family = familyOf(model);
      if (family && family.stops.length > 0) item.append(this.checkpointRow(index, model, family.stops));
      list.append(item);
    });
    this.element.append(list);
  }

  private checkpointRow(index: number, model: SceneModel, stops: CheckpointStop[]): HTMLElement {
    const path = `models.${index}.checkpoint`;
    const slider = document.createElement('vscode-slider');
    slider.configure(0, Math.max(0, stops.length - 1), 1, `Checkpoint of ${model.id}`);
    slider.disabled = this.isDisabled;
    const label = el('span', { class: 'checkpoint-label' });
    const row: CheckpointRow = { path, index, stops, slider, label };
    const send = (final: boolean): void => {
      const position = Math.round(slider.value);
      label.textContent = stopText(stops[position], position, stops.length);
      label.classList.remove('error');
      this.sink([{ path: ['models', index, 'checkpoint'], value: stops[position]?.value ?? null }], final);
    };
    slider.addEventListener('input', () => send(false));
    slider.addEventListener('change', () => send(true));
    this.rows.push(row);
    return el(
      'div',
      { class: 'control-row checkpoint', 'data-path': path, title: helpText(CHECKPOINT_HELP, path, `${stops.length} checkpoints.`) },
      el('span', { class: 'control-label' }, 'Checkpoint'),
      slider,
      label,
    );
  }
}
