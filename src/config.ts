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
  };
}

/** Settings that change how sessions are created: models must be reloaded when they change. */
export function affectsSessions(event: vscode.ConfigurationChangeEvent): boolean {
  return (
    event.affectsConfiguration('perturber.inference') || event.affectsConfiguration('perturber.models.searchPaths')
  );
}
