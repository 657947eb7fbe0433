/**
 * The object's non-numeric controls: kind (built-in or file), built-in name and seed, the built-in's shape
 * parameters (sliders from core/builtinObjects.ts, writing `object.params.<name>`), the shape morph target, and
 * the file path. Switching the kind sends one edit setting the whole object, keeping its pose.
 */
import { BUILTIN_OBJECTS, morphCompatible } from '../../core/builtinObjects';
import type { BuiltinObjectName, ObjectPose, Scene, SceneEdit, SceneObject } from '../../core/sceneTypes';
import { el } from '../shared/dom';
import { describeAt, isFocused, pathField, row, seedField, select, setOptions } from './controlRow';
import { NumericControl, type EditSink } from './numericControl';

const NO_MORPH = 'none';
const POSE_KEYS: readonly (keyof ObjectPose)[] = ['yaw', 'pitch', 'roll', 'scale', 'x', 'y', 'z'];

function poseOf(object: SceneObject): ObjectPose {
  const pose = {} as ObjectPose;
  for (const key of POSE_KEYS) pose[key] = object[key];
  return pose;
}

export class ObjectControls {
  /** Rows for the Object group (above its pose sliders). */
  readonly objectRows: HTMLElement;
  /** Rows for the Shape group (above the morph amount slider). */
  readonly shapeRows: HTMLElement;
  private readonly kind = select('Object kind', [['builtin', 'Built-in'], ['file', 'Model file']]);
  private readonly name = select('Object', BUILTIN_OBJECTS.map((o) => [o.name, o.label] as const));
  private readonly seed = seedField('Object seed');
  private readonly path = pathField('Object file path', 'models/dog.glb');
  private readonly morphTarget = select('Morph target', [[NO_MORPH, 'None']]);
  private readonly builtinRows: HTMLElement[];
  private readonly pathRow: HTMLElement;
  private readonly params: HTMLElement;
  private paramControls: NumericControl[] = [];
  private paramsFor: BuiltinObjectName | undefined;
  private scene: Scene | null = null;
  /** Remembered across kind switches, so built-in -> file -> built-in gives the old object back. */
  private lastBuiltin: { name: BuiltinObjectName; seed: number } = { name: 'teapot', seed: 0 };
  private lastPath = '';

  constructor(private readonly sink: EditSink, private readonly isHolding: (path: string) => boolean) {
    this.pathRow = row('object.path', 'File', `${describeAt('object.path', 'Model file.')} Press Enter to apply.`, this.path);
    this.params = el('div', { class: 'object-params' });
    this.builtinRows = [
      row('object.name', 'Object', describeAt('object.name', 'Which built-in object to show.'), this.name),
      row('object.seed', 'Seed', describeAt('object.seed', 'Random seed of the object.'), this.seed.field),
      this.params,
    ];
    this.objectRows = el('div', { class: 'rows' }, row('object.kind', 'Kind', describeAt('object.kind', 'Where the object comes from.'), this.kind), ...this.builtinRows, this.pathRow);
    this.shapeRows = el('div', { class: 'rows' }, row('object.morph.target', 'Morph to', describeAt('object.morph', 'Shape morph target.'), this.morphTarget));
    this.wire();
  }

  update(scene: Scene): void {
    this.scene = scene;
    const object = scene.object;
    this.kind.value = object.kind;
    this.showKind(object.kind);
    if (object.kind === 'builtin') {
      this.lastBuiltin = { name: object.name, seed: object.seed };
      if (!this.isHolding('object.name')) this.name.value = object.name;
      if (!isFocused(this.seed.field)) this.seed.field.value = String(object.seed);
      this.showParams(object.name, object.params);
      const targets = BUILTIN_OBJECTS.filter((o) => o.name !== object.name && morphCompatible(object.name, o.name));
      setOptions(this.morphTarget, [[NO_MORPH, 'None'], ...targets.map((o) => [o.name, o.label] as const)]);
      this.morphTarget.value = object.morph?.target ?? NO_MORPH;
      this.morphTarget.disabled = targets.length === 0;
    } else {
      this.lastPath = object.path;
      if (!isFocused(this.path)) this.path.value = object.path;
      setOptions(this.morphTarget, [[NO_MORPH, 'None']]);
      this.morphTarget.disabled = true;
    }
  }

  set disabled(value: boolean) {
    for (const input of [this.kind, this.name, this.morphTarget]) input.disabled = value;
    this.seed.field.disabled = value;
    this.path.disabled = value;
    for (const control of this.paramControls) control.disabled = value;
  }

  private wire(): void {
    this.kind.addEventListener('change', () => {
      const object = this.scene?.object;
      if (!object) return;
      if (this.kind.value === 'builtin') {
        const value = { kind: 'builtin', ...this.lastBuiltin, params: {}, morph: null, ...poseOf(object) };
        this.sink([{ path: ['object'], value }], true);
      } else if (this.lastPath !== '') {
        this.sink([{ path: ['object'], value: { kind: 'file', path: this.lastPath, ...poseOf(object) } }], true);
      } else {
        // A file object needs a path before it is valid: ask for it first, edit the document after.
        this.showKind('file');
        this.path.focus();
      }
    });
    this.name.addEventListener('change', () => {
      const object = this.scene?.object;
      const name = this.name.value as BuiltinObjectName;
      // Another object's parameters mean nothing to this one; a morph it cannot do is dropped.
      const edits: SceneEdit[] = [{ path: ['object', 'name'], value: name }, { path: ['object', 'params'], value: {} }];
      if (object?.kind === 'builtin' && object.morph && !(object.morph.target !== name && morphCompatible(name, object.morph.target))) {
        edits.push({ path: ['object', 'morph'], value: null });
      }
      if (object?.kind === 'builtin') this.sink(edits, true);
      else if (object) this.sink([{ path: ['object'], value: { kind: 'builtin', name, seed: 0, params: {}, morph: null, ...poseOf(object) } }], true);
    });
    this.seed.field.addEventListener('change', () => {
      const seed = this.seed.read();
      const object = this.scene?.object;
      if (seed === undefined || object?.kind !== 'builtin') {
        if (object?.kind === 'builtin') this.seed.field.value = String(object.seed);
        return;
      }
      this.sink([{ path: ['object', 'seed'], value: seed }], true);
    });
    this.path.addEventListener('change', () => {
      const path = this.path.value.trim();
      const object = this.scene?.object;
      if (path === '' || !object) return;
      if (object.kind === 'file') this.sink([{ path: ['object', 'path'], value: path }], true);
      else this.sink([{ path: ['object'], value: { kind: 'file', path, ...poseOf(object) } }], true);
    });
    this.morphTarget.addEventListener('change', () => {
      const object = this.scene?.object;
      if (object?.kind !== 'builtin') return;
      const target = this.morphTarget.value;
      let edit: SceneEdit;
      if (target === NO_MORPH) edit = { path: ['object', 'morph'], value: null };
      else if (object.morph) edit = { path: ['object', 'morph', 'target'], value: target };
      else edit = { path: ['object', 'morph'], value: { target, amount: 0.5 } };
      this.sink([edit], true);
    });
  }

  private showKind(kind: SceneObject['kind']): void {
    for (const element of this.builtinRows) element.hidden = kind !== 'builtin';
    this.pathRow.hidden = kind !== 'file';
  }

  /** The parameter sliders of `name` (rebuilt when the object changes), showing the file's values or the defaults. */
  private showParams(name: BuiltinObjectName, values: Record<string, number>): void {
    const info = BUILTIN_OBJECTS.find((o) => o.name === name);
    if (this.paramsFor !== name) {
      this.paramsFor = name;
      this.paramControls = (info?.params ?? []).map(
        (p) =>
          new NumericControl(
            {
              path: ['object', 'params', p.name],
              label: p.label,
              min: p.min,
              max: p.max,
              step: p.step ?? Number(((p.max - p.min) / 100).toPrecision(1)),
              description: `${p.description} Default ${p.default}.`,
            },
            this.sink,
          ),
      );
      this.params.replaceChildren(...this.paramControls.map((c) => c.element));
    }
    for (const [i, p] of (info?.params ?? []).entries()) {
      const control = this.paramControls[i];
      if (control && !this.isHolding(control.path)) control.show(values[p.name] ?? p.default);
    }
  }
}

