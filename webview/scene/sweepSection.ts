/**
 * The "Sweep" section of the scene editor (issue 8): what the scene's `sweep` section will run (name, each parameter
 * and its values, sampling, how many configurations, models), the state of its run as the host read it from the run
 * folder (`sweepRun`), and buttons that ask the host to run the sweep or show its results. Read-only: the sweep is
 * edited in the JSON. Without a `sweep` section it shows a one-line hint.
 */
import type { SweepRunState } from '../../core/protocol';
import type { Scene, SceneDiagnostic } from '../../core/sceneTypes';
import { configurationCount, expandConfigurations, parameterValues } from '../../core/sweep/configurations';
import { ATTACK_DEFAULTS, MAX_CONFIGURATIONS, SWEEP_DEFAULTS, type SweepParameter, type SweepSpec } from '../../core/sweep/types';
import { parameterRanges } from '../../core/sweep/validate';
import { el } from '../shared/dom';
import { formatNumber, helpText } from './numericControl';

/** Lists of values longer than this show their first and last few. */
const MAX_VALUES_SHOWN = 8;

export interface SweepActions {
  run(): void;
  showResults(): void;
}

/** `[0, 0.5, 1]`, or `from 0 to 360 in 7 steps`. */
export function valuesText(p: SweepParameter): string {
  if (p.values) {
    const v = p.values.map(formatNumber);
    return v.length <= MAX_VALUES_SHOWN ? v.join(', ') : `${v.slice(0, 3).join(', ')}, … ${v.slice(-2).join(', ')} (${v.length} values)`;
  }
  if (p.range) return `${formatNumber(p.range.from)} to ${formatNumber(p.range.to)}, ${p.range.steps} step${p.range.steps === 1 ? '' : 's'}`;
  return 'no values';
}

/** How many configurations the runner will run: expandConfigurations' length, as runner.ts calls it. */
export function configurationTotal(scene: Scene, spec: SweepSpec): number {
  return expandConfigurations(spec, parameterRanges(scene, spec).map((r) => r?.integer ?? false)).length;
}

function row(label: string, value: string, title: string, key: string): HTMLElement {
  return el('div', { class: 'control-row sweep-row', 'data-sweep': key, title }, el('span', { class: 'control-label' }, label), el('span', { class: 'sweep-value' }, value));
}

function runText(run: SweepRunState | null): string {
  if (!run) return 'not run yet';
  if (run.running && run.total === 0) return 'starting…';
  const state = run.running ? 'running' : run.complete ? 'complete' : 'stopped (Run sweep continues it)';
  const earlier = run.current ? '' : ' (of an earlier version of this scene)';
  return `${run.done}/${run.total} configurations, ${state}${earlier}`;
}

export class SweepSection {
  readonly element: HTMLElement;
  private readonly body = el('div', { class: 'sweep-body' });
  private readonly runButton: HTMLButtonElement;
  private readonly resultsButton: HTMLButtonElement;
  private readonly buttons: HTMLElement;
  private run: SweepRunState | null = null;
  private key = '';
  private isDisabled = false;
  private hasSweep = false;

  constructor(actions: SweepActions) {
    this.runButton = el('button', { type: 'button', class: 'sweep-run', title: helpText('Run this scene\'s sweep: render every configuration, run the models, write results.csv and summary.json under .perturber/runs/<name>/ (Perturber: Run Sweep). A stopped run continues where it stopped.', 'sweep') }, 'Run sweep');
    this.resultsButton = el('button', { type: 'button', class: 'sweep-results', title: helpText('Open the results view of this sweep\'s run (Perturber: Show Sweep Results).', 'sweep.name', 'The run folder is .perturber/runs/<name>/.') }, 'Show results');
    this.runButton.addEventListener('click', () => actions.run());
    this.resultsButton.addEventListener('click', () => actions.showResults());
    this.buttons = el('div', { class: 'sweep-buttons' }, this.runButton, this.resultsButton);
    this.element = el('section', { class: 'group', 'data-group': 'Sweep' }, el('h3', {}, 'Sweep'), this.body, this.buttons);
  }

  /** Shows the scene's sweep (`diagnostics`: the document's; a problem under `sweep` hides the count). */
  update(scene: Scene, diagnostics: readonly SceneDiagnostic[]): void {
    const problems = diagnostics.some((d) => d.path === 'sweep' || d.path.startsWith('sweep.') || d.path.startsWith('sweep['));
    const key = JSON.stringify([scene.sweep ?? null, problems, scene.sweep ? configurationKey(scene) : null, this.run]);
    if (key === this.key) return;
    this.key = key;
    this.hasSweep = scene.sweep !== undefined;
    this.body.replaceChildren(...(scene.sweep ? this.rows(scene, scene.sweep, problems) : [this.hint()]));
    this.buttons.hidden = !this.hasSweep;
    this.applyDisabled();
  }

  /** The host's `sweepRun`: the state of the run (null: none yet). */
  setRun(run: SweepRunState | null, scene: Scene | null, diagnostics: readonly SceneDiagnostic[]): void {
    this.run = run;
    if (scene) this.update(scene, diagnostics);
  }

  set disabled(value: boolean) {
    this.isDisabled = value;
    this.applyDisabled();
  }

  private applyDisabled(): void {
    this.runButton.disabled = this.isDisabled || !this.hasSweep || (this.run?.running ?? false);
    this.resultsButton.disabled = this.isDisabled || !this.hasSweep || this.run === null || this.run.total === 0;
  }

  private hint(): HTMLElement {
    return el('p', { class: 'hint sweep-hint', title: helpText('A sweep varies numeric values of the scene and records every model\'s predictions.', 'sweep') }, 'Add a "sweep" section to vary parameters; see README Sweeps.');
  }

  private rows(scene: Scene, spec: SweepSpec, problems: boolean): HTMLElement[] {
    const out = [row('Name', spec.name, helpText('The run\'s folder under .perturber/runs/.', 'sweep.name'), 'name')];
    spec.parameters.forEach((p, i) => {
      const n = parameterValues(p).length;
      out.push(row(`Parameter ${i + 1}`, `${p.path}: ${valuesText(p)}`, helpText(`Swept value ${i + 1}: ${n} value${n === 1 ? '' : 's'} (${p.values ? 'values' : 'range'}).`, `sweep.parameters[${i}]`), `parameter-${i}`));
    });
    const sampling = spec.sampling ?? SWEEP_DEFAULTS.sampling;
    const samplingText = sampling === 'random' ? `random, ${spec.samples ?? SWEEP_DEFAULTS.samples} samples, seed ${spec.seed ?? SWEEP_DEFAULTS.seed}` : 'grid (every combination)';
    out.push(row('Sampling', samplingText, helpText('grid: every combination; random: samples draws with seed.', 'sweep.sampling'), 'sampling'));
    const pairs = spec.cueConflict?.length ?? 0;
    if (pairs > 0) {
      out.push(row('Cue conflict', `${pairs} pair${pairs === 1 ? '' : 's'}${spec.analysis === 'shapeBias' ? ', shape bias' : ''}`, helpText('Shape/texture pairs; each one multiplies the configurations.', 'sweep.cueConflict'), 'cueConflict'));
    }
    if (spec.attack) {
      const a = { ...ATTACK_DEFAULTS, ...spec.attack };
      out.push(row('Attack', `PGD ${a.mode} ${a.norm}, epsilon ${formatNumber(a.epsilon)}, ${a.steps} steps on ${a.model} (${a.class})`, helpText('Every configuration is attacked afresh with PGD before the models run.', 'sweep.attack'), 'attack'));
    }
    out.push(row('Configurations', problems ? 'see Problems' : configurationText(scene, spec), helpText('How many configurations the sweep renders and runs (each one once per model).', 'sweep.parameters'), 'configurations'));
    const models = spec.models ?? scene.models.map((m) => m.id);
    out.push(row('Models', models.join(', ') || 'none', helpText('The scene models the sweep runs (default: every model of the scene).', 'sweep.models'), 'models'));
    out.push(row('Last run', runText(this.run), helpText('progress.json / summary.json of the run folder, as the host read them.', 'sweep.name', 'The run folder is .perturber/runs/<name>/.'), 'run'));
    return out;
  }
}

function configurationKey(scene: Scene): string {
  // The integer-ness of each parameter comes from the scene (op, object), so those take part in the count.
  return JSON.stringify([scene.object, scene.perturbations.map((p) => p.op)]);
}

function configurationText(scene: Scene, spec: SweepSpec): string {
  try {
    const n = configurationCount(spec);
    if (n > MAX_CONFIGURATIONS) return `${n}: more than ${MAX_CONFIGURATIONS}, see Problems`;
    return String(configurationTotal(scene, spec));
  } catch (error) {
    return `see Problems (${error instanceof Error ? error.message : String(error)})`;
  }
}
