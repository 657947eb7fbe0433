/**
 * `perturber.attackScene(args?)`: "Attack Scene (targeted PGD)" on the active scene editor. Without args it asks for
 * the model (when the scene has several), the target class (the model's current top-5 first) and lets the user edit
 * the parameters (defaults from the `perturber.attack.*` settings); with an args object (tests, keybindings) it asks
 * nothing. Progress and cancel in a notification; resolves to the run's AttackSummary (attackRun.ts), or undefined
 * when the user dismissed a picker.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ThreatModel } from '../../core/attacks/pgd';
import { readAttackConfig } from '../config';
import { errorMessage, type Log } from '../log';
import { requireLoadableModels, showUserError } from '../trust';
import type { SceneRegistry } from '../sceneEditor/sceneRegistry';
import { SceneSession } from '../sceneEditor/sceneSession';
import { attackableModel, runAttack, type AttackRequest, type AttackSummary } from './attackRun';

/** The args object: every field optional except `target`; missing ones come from the settings. */
export interface AttackArgs {
  /** The scene's model id (default: the scene's first model). */
  model?: string;
  /** A label index of the model, or a label (exact text, case-insensitive). */
  target?: number | string;
  norm?: ThreatModel;
  epsilon?: number;
  stepSize?: number;
  steps?: number;
  randomStart?: boolean;
  seed?: number;
  strength?: number;
  /** Test hook: stop as if cancelled after this many steps (the partial result is kept, as on a real cancel). */
  cancelAfterSteps?: number;
}

type Params = Pick<AttackRequest, 'norm' | 'epsilon' | 'stepSize' | 'steps' | 'randomStart' | 'seed'>;

function fail(text: string): never {
  throw new Error(text);
}

function numberArg(args: Record<string, unknown>, name: string, min: number, max: number, integer = false): number | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    fail(`${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, not ${JSON.stringify(v)}`);
  }
  return v;
}

/** Checks an args object; throws a message naming the bad field. */
export function parseAttackArgs(raw: unknown): AttackArgs {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('the argument must be an object like { model, target, epsilon }');
  const a = raw as Record<string, unknown>;
  const known = ['model', 'target', 'norm', 'epsilon', 'stepSize', 'steps', 'randomStart', 'seed', 'strength', 'cancelAfterSteps'];
  const unknown = Object.keys(a).filter((k) => !known.includes(k));
  if (unknown.length > 0) fail(`unknown argument ${unknown.join(', ')} (known: ${known.join(', ')})`);
  if (a.model !== undefined && typeof a.model !== 'string') fail('model must be a model id of the scene');
  if (a.target !== undefined && typeof a.target !== 'string' && !(typeof a.target === 'number' && Number.isInteger(a.target) && a.target >= 0)) {
    fail('target must be a label index (integer >= 0) or a label');
  }
  if (a.norm !== undefined && a.norm !== 'linf' && a.norm !== 'l2') fail(`norm must be 'linf' or 'l2', not ${JSON.stringify(a.norm)}`);
  if (a.randomStart !== undefined && typeof a.randomStart !== 'boolean') fail('randomStart must be true or false');
  return {
    model: a.model as string | undefined,
    target: a.target as number | string | undefined,
    norm: a.norm as ThreatModel | undefined,
    epsilon: numberArg(a, 'epsilon', 0, 1000),
    stepSize: numberArg(a, 'stepSize', 0, 1000),
    steps: numberArg(a, 'steps', 1, 10000, true),
    randomStart: a.randomStart as boolean | undefined,
    seed: numberArg(a, 'seed', 0, 0xffffffff, true),
    strength: numberArg(a, 'strength', 0, 2),
    cancelAfterSteps: numberArg(a, 'cancelAfterSteps', 0, 10000, true),
  };
}

/** A label index from an index or a label text. */
export function targetIndex(labels: readonly string[], target: number | string): number {
  if (typeof target === 'number') {
    if (target >= labels.length) fail(`target ${target} is not a class of the model (it has ${labels.length})`);
    return target;
  }
  const i = labels.findIndex((l) => l.toLowerCase() === target.toLowerCase());
  if (i < 0) fail(`the model has no class "${target}"`);
  return i;
}

function defaults(args: AttackArgs): Params {
  const c = readAttackConfig();
  const norm = args.norm ?? c.norm;
  const epsilon = args.epsilon ?? (norm === 'linf' ? c.linfEpsilon : c.l2Epsilon);
  return {
    norm,
    epsilon,
    stepSize: args.stepSize ?? epsilon * c.relativeStepSize,
    steps: args.steps ?? c.steps,
    randomStart: args.randomStart ?? c.randomStart,
    seed: args.seed ?? 0,
  };
}

async function pickModel(scene: SceneSession): Promise<string | undefined> {
  const models = scene.models.frameModels();
  if (models.length === 0) fail('the scene has no models; add one with "Perturber: Add Model"');
  if (models.length === 1) return models[0].id;
  const picked = await vscode.window.showQuickPick(
    models.map((m) => ({ label: m.id, description: m.model?.manifest.displayName ?? m.error ?? 'loading…' })),
    { title: 'Attack Scene: the model to attack' },
  );
  return picked?.label;
}

async function pickTarget(scene: SceneSession, modelId: string, labels: readonly string[], offset: number): Promise<number | undefined> {
  const top = scene.lastResults?.predictions.find((p) => p.id === modelId)?.top ?? [];
  type Item = vscode.QuickPickItem & { index?: number };
  const items: Item[] = [];
  if (top.length > 0) items.push({ label: 'Current top predictions', kind: vscode.QuickPickItemKind.Separator });
  for (const p of top) items.push({ label: p.label, description: `p = ${p.probability.toFixed(3)} (class ${p.index - offset})`, index: p.index - offset });
  items.push({ label: 'All classes', kind: vscode.QuickPickItemKind.Separator });
  labels.forEach((label, index) => items.push({ label, description: `class ${index}`, index }));
  const picked = await vscode.window.showQuickPick(items, { title: `Attack Scene: the class ${modelId} should see`, matchOnDescription: true });
  return picked?.index;
}

async function editNumber(title: string, value: number, min: number, integer: boolean): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    value: String(value),
    validateInput: (s) => {
      const v = Number(s);
      if (s.trim() === '' || !Number.isFinite(v) || v < min) return `a number >= ${min}`;
      if (integer && !Number.isInteger(v)) return 'an integer';
      return undefined;
    },
  });
  return text === undefined ? undefined : Number(text);
}

/** The parameter list with an "Attack" item; editing one opens an input. Undefined when dismissed. */
async function editParams(start: Params): Promise<Params | undefined> {
  const p = { ...start };
  for (;;) {
    type Item = vscode.QuickPickItem & { key: keyof Params | 'attack' };
    const items: Item[] = [
      { key: 'attack', label: '$(play) Attack', description: 'run PGD with these parameters' },
      { key: 'norm', label: 'Norm', description: p.norm },
      { key: 'epsilon', label: 'Epsilon', description: `${p.epsilon.toPrecision(4)}${p.norm === 'linf' ? ` (${(p.epsilon * 255).toFixed(1)}/255)` : ''}` },
      { key: 'stepSize', label: 'Step size', description: p.stepSize.toPrecision(4) },
      { key: 'steps', label: 'Steps', description: String(p.steps) },
      { key: 'randomStart', label: 'Random start', description: p.randomStart ? 'on' : 'off' },
      { key: 'seed', label: 'Seed', description: String(p.seed) },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: 'Attack Scene: parameters (pick one to change it)' });
    if (!picked) return undefined;
    switch (picked.key) {
      case 'attack':
        return p;
      case 'norm': {
        const norm = await vscode.window.showQuickPick(['linf', 'l2'], { title: 'Threat model' });
        // Epsilons of the two norms differ by orders of magnitude: switching takes the new norm's defaults.
        if ((norm === 'linf' || norm === 'l2') && norm !== p.norm) Object.assign(p, { ...defaults({ norm }), randomStart: p.randomStart, steps: p.steps, seed: p.seed });
        break;
      }
      case 'randomStart':
        p.randomStart = !p.randomStart;
        break;
      case 'steps':
      case 'seed':
        p[picked.key] = (await editNumber(picked.label, p[picked.key], picked.key === 'steps' ? 1 : 0, true)) ?? p[picked.key];
        break;
      default:
        p[picked.key] = (await editNumber(picked.label, p[picked.key], 0, false)) ?? p[picked.key];
    }
  }
}

/** The request for `args` (asks nothing) or from the user (undefined when dismissed). */
async function buildRequest(scene: SceneSession, args: AttackArgs | undefined): Promise<AttackRequest | undefined> {
  const modelId = args ? args.model ?? scene.models.frameModels()[0]?.id ?? fail('the scene has no models') : await pickModel(scene);
  if (modelId === undefined) return undefined;
  const model = attackableModel(scene, modelId);
  if (model.labels.length === 0) fail(`${modelId} has no labels`);
  let index: number | undefined;
  if (args) index = targetIndex(model.labels, args.target ?? fail('target is missing (a label index or a label)'));
  else index = await pickTarget(scene, modelId, model.labels, model.manifest.labelOffset);
  if (index === undefined) return undefined;
  const params = args ? defaults(args) : await editParams(defaults({}));
  if (!params) return undefined;
  return { modelId, targetIndex: index, ...params, strength: args?.strength, cancelAfterSteps: args?.cancelAfterSteps };
}

function announce(summary: AttackSummary): void {
  const p = (v: number | null): string => (v === null ? '–' : v.toFixed(3));
  const [attacked, ...others] = summary.probabilities;
  const parts = [`Attack on ${summary.model}: ${summary.target.label} p=${p(attacked?.after ?? null)} (was ${p(attacked?.before ?? null)})`];
  for (const o of others) parts.push(`${o.model}: p=${p(o.after)} (was ${p(o.before)})`);
  const head = summary.cancelled ? `Cancelled after ${summary.stepsDone}/${summary.steps} steps; the partial result is kept. ` : '';
  void vscode.window.showInformationMessage(`Perturber: ${head}${parts.join('; ')}`, 'Reveal Files').then((choice) => {
    if (choice) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(summary.files.npy));
  });
}

export function registerAttackScene(registry: SceneRegistry, log: Log): vscode.Disposable {
  const running = new Set<SceneSession>();
  return vscode.commands.registerCommand('perturber.attackScene', async (raw?: unknown) => {
    try {
      const args = raw === undefined ? undefined : parseAttackArgs(raw);
      const scene = registry.active;
      if (!(scene instanceof SceneSession)) fail('open a scene (*.perturber.json) in the scene editor first');
      // Restricted mode: the scene's built-in models can be attacked; a workspace model is refused, saying why.
      requireLoadableModels(scene.models.frameModels(), args?.model !== undefined ? [args.model] : undefined);
      if (running.has(scene)) fail('an attack is already running on this scene');
      const request = await buildRequest(scene, args);
      if (!request) return undefined;
      const root = vscode.workspace.getWorkspaceFolder(scene.document.uri)?.uri.fsPath ?? path.dirname(scene.document.uri.fsPath);
      running.add(scene);
      try {
        const summary = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Attacking ${request.modelId}`, cancellable: true },
          (progress, token) =>
            runAttack(scene, root, request, {
              report: (message, increment) => progress.report({ message, increment }),
              isCancelled: () => token.isCancellationRequested,
            }),
        );
        log.info(`attack on ${summary.model} -> ${summary.target.label}: ${summary.stepsDone}/${summary.steps} steps, wrote ${summary.files.npy}`);
        announce(summary);
        return summary;
      } finally {
        running.delete(scene);
      }
    } catch (error) {
      const text = `Attack Scene: ${errorMessage(error)}`;
      log.error(text);
      showUserError(`Perturber: ${text}`);
      if (raw !== undefined) throw new Error(text);
      return undefined;
    }
  });
}
