/**
 * The one typed reader of the extension's settings. scripts/check-contributions.mjs compares the keys read here
 * with `contributes.configuration` in package.json, so every setting is read with its full literal key.
 */
import * as vscode from 'vscode';

export interface PerturberConfig {
  /** ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose. */
  threads: number;
  /** ONNX Runtime execution providers in order of preference, e.g. ["cuda", "cpu"]. */
  executionProviders: string[];
  /** Extra folders scenes may load models from (absolute, or relative to the first workspace folder). */
  modelSearchPaths: string[];
  /** How many predictions per model the panels show. */
  topK: number;
  /** How many channels "Find Class-Relevant Neurons" puts into the watch list. */
  neuronsTopK: number;
  /** Integrated-gradients steps of the scene view's saliency map. */
  saliencySteps: number;
}

function stringList(value: unknown, fallback: string[]): string[] {
  if (!Array.isArray(value)) return fallback;
  const strings = value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
  return strings;
}

function integerIn(value: unknown, min: number, max: number, fallback: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.round(value)));
}

/** Current settings; invalid values (hand-edited settings.json) fall back to the defaults instead of failing. */
export function readConfig(): PerturberConfig {
  const c = vscode.workspace.getConfiguration();
  const providers = stringList(c.get<unknown>('perturber.inference.executionProviders'), ['cpu']);
  return {
    threads: integerIn(c.get<unknown>('perturber.inference.threads'), 0, 256, 0),
    executionProviders: providers.length > 0 ? providers : ['cpu'],
    modelSearchPaths: stringList(c.get<unknown>('perturber.models.searchPaths'), []),
    topK: integerIn(c.get<unknown>('perturber.predictions.topK'), 1, 100, 5),
    neuronsTopK: integerIn(c.get<unknown>('perturber.neurons.topK'), 1, 64, 8),
    saliencySteps: integerIn(c.get<unknown>('perturber.saliency.steps'), 1, 256, 32),
  };
}

/** `perturber.featureVis.enabled` (default true): feature visualisations of the watched neurons (issue 7). */
export function readFeatureVisEnabled(): boolean {
  return vscode.workspace.getConfiguration().get<unknown>('perturber.featureVis.enabled') !== false;
}

/** Settings that change how sessions are created: models must be reloaded when they change. */
export function affectsSessions(event: vscode.ConfigurationChangeEvent): boolean {
  return (
    event.affectsConfiguration('perturber.inference') || event.affectsConfiguration('perturber.models.searchPaths')
  );
}

/** Defaults of "Perturber: Attack Scene" (targeted PGD); the command lets the user change each before it runs. */
export interface AttackConfig {
  norm: 'linf' | 'l2';
  /** Radius of the L-infinity ball, in [0, 1] pixel units. */
  linfEpsilon: number;
  /** Radius of the L2 ball, in [0, 1] pixel units over the whole image (C x H x W values). */
  l2Epsilon: number;
  /** Step size as a fraction of epsilon. */
  relativeStepSize: number;
  steps: number;
  randomStart: boolean;
}

function numberIn(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

export function readAttackConfig(): AttackConfig {
  const c = vscode.workspace.getConfiguration();
  const norm = c.get<unknown>('perturber.attack.norm');
  const randomStart = c.get<unknown>('perturber.attack.randomStart');
  return {
    norm: norm === 'l2' ? 'l2' : 'linf',
    linfEpsilon: numberIn(c.get<unknown>('perturber.attack.linfEpsilon'), 0, 1, 8 / 255),
    l2Epsilon: numberIn(c.get<unknown>('perturber.attack.l2Epsilon'), 0, 1000, 1),
    relativeStepSize: numberIn(c.get<unknown>('perturber.attack.relativeStepSize'), 0, 10, 0.25),
    steps: integerIn(c.get<unknown>('perturber.attack.steps'), 1, 1000, 10),
    randomStart: typeof randomStart === 'boolean' ? randomStart : true,
  };
}
