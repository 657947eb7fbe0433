/**
 * The controls beside the view: the numeric sliders from SCENE_CONTROL_GROUPS, with each group's non-numeric
 * controls above its sliders (object kind/name/seed/parameters/file, morph target, material colour and textures,
 * silhouette, background kind), the image perturbations, and the (read-only) model list. Controls issue edits through `sink`;
 * `update(scene)` shows the document's values, leaving alone any control the user is dragging.
 */
import { SCENE_CONTROL_GROUPS } from '../../core/sceneControls';
import type { CheckpointFamily } from '../../core/checkpoints';
import type { Scene } from '../../core/sceneTypes';
import { el } from '../shared/dom';
import { BackgroundControls } from './backgroundControls';
import { valueAt } from './liveEdits';
import { MaterialControls } from './materialControls';
import { ModelList } from './modelList';
import { NumericControl, type EditSink } from './numericControl';
import { ObjectControls } from './objectControls';
import { PerturbationControls } from './perturbationControls';
import type { PerturbationOpInfo } from '../../core/protocol';

const MORPH_AMOUNT = 'object.morph.amount';

export class ControlsPanel {
  readonly element: HTMLElement;
  private readonly numeric: NumericControl[] = [];
  private readonly object: ObjectControls;
  private readonly material: MaterialControls;
  private readonly background: BackgroundControls;
  private readonly perturbations: PerturbationControls;
  private readonly models: ModelList;
  private isDisabled = false;
  private scene: Scene | null = null;

  constructor(sink: EditSink, private readonly isHolding: (path: string) => boolean) {
    this.object = new ObjectControls(sink, isHolding);
    this.material = new MaterialControls(sink, isHolding);
    this.background = new BackgroundControls(sink, isHolding);
    this.perturbations = new PerturbationControls(sink, isHolding);
    this.models = new ModelList(sink, isHolding);
    /** Each group's non-numeric rows go above its sliders. */
    const rowsAbove: Record<string, HTMLElement> = {
      Object: this.object.objectRows,
      Shape: this.object.shapeRows,
      Material: this.material.materialRows,
      Background: this.background.rows,
    };

    this.element = el('div', { class: 'controls' });
    for (const group of SCENE_CONTROL_GROUPS) {
      const section = el('section', { class: 'group', 'data-group': group.group }, el('h3', {}, group.group));
      const above = rowsAbove[group.group];
      if (above) section.append(above);
      for (const spec of group.controls) {
        const control = new NumericControl(spec, sink);
        this.numeric.push(control);
        section.append(control.element);
      }
      this.element.append(section);
      if (group.group === 'Material') {
        this.element.append(el('section', { class: 'group', 'data-group': 'Silhouette' }, el('h3', {}, 'Silhouette'), this.material.silhouetteRows));
      }
    }
    this.element.append(
      el('section', { class: 'group', 'data-group': 'Perturbations' }, el('h3', {}, 'Perturbations'), this.perturbations.rows),
      el('section', { class: 'group', 'data-group': 'Models' }, el('h3', {}, 'Models'), this.models.element),
    );
  }

  /** The checkpoint families of the scene's models (the `scene` message's `checkpointFamilies`); call before update. */
  setCheckpointFamilies(families: Record<string, CheckpointFamily> | undefined): void {
    this.models.setFamilies(families);
  }

  /** The perturbation ops the host offers (its `perturbationOps` message). */
  setPerturbationOps(ops: readonly PerturbationOpInfo[]): void {
    this.perturbations.setCatalog(ops);
  }

  update(scene: Scene): void {
    this.scene = scene;
    for (const control of this.numeric) {
      if (this.isHolding(control.path)) continue;
      const value = valueAt(scene, control.path.split('.'));
      if (typeof value === 'number') control.show(value);
    }
    this.object.update(scene);
    this.material.update(scene);
    this.background.update(scene);
    this.perturbations.update(scene);
    this.showMorphAmount();
    this.models.update(scene.models);
  }

  /** Shows a value changed outside the controls (dragging in the view) while the document catches up. */
  reflect(path: string, value: number): void {
    this.numeric.find((control) => control.path === path)?.show(value);
  }

  set disabled(value: boolean) {
    this.isDisabled = value;
    for (const control of this.numeric) control.disabled = value;
    this.object.disabled = value;
    this.material.disabled = value;
    this.background.disabled = value;
    this.perturbations.disabled = value;
    this.models.disabled = value;
    this.showMorphAmount();
    this.element.classList.toggle('disabled', value);
  }

  /** The morph amount only means something while a morph target is set (editing it without one would fail). */
  private showMorphAmount(): void {
    const object = this.scene?.object;
    const morphing = object?.kind === 'builtin' && object.morph !== null;
    const control = this.numeric.find((c) => c.path === MORPH_AMOUNT);
    if (control) control.disabled = this.isDisabled || !morphing;
  }
}
