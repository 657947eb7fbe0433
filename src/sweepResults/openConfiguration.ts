/**
 * "Click a point to open that configuration as a scene": configuration `index` of a run, applied to the run's base
 * scene (summary.json's sceneFile) exactly as the runner applies it (core/sweepConfigScene.ts, which uses the
 * runner's expandConfigurations/applyConfiguration, cue-conflict pairs included), written as
 * `.perturber/runs/<name>/configs/config-<index>.perturber.json` with its relative paths rebased to that folder, and
 * opened in the scene editor. A configuration of an attack sweep gets the delta the run stored
 * (`attacks/<index>.npy`, saveImages) as an adversarial step, so the scene shows the attacked frame of its row.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseScene } from '../../core/scene';
import { parameterRanges } from '../../core/sweep/validate';
import { attacksFrame, configurationAt, configurationScene, type StoredAttackDelta } from '../../core/sweepConfigScene';
import type { SweepConfiguration, SweepSpec } from '../../core/sweep/types';
import { SCENE_EDITOR_VIEW_TYPE } from '../sceneEditor/sceneEditorProvider';
import { attackDeltaFile, ATTACKS } from '../sweep/runFiles';
import { specHash } from '../sweep/runner';
import type { LoadedRun } from './runData';

export function configSceneFile(folder: string, index: number): string {
  return path.join(folder, 'configs', `config-${index}.perturber.json`);
}

function recordedValue(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const x = Number(text);
  return Number.isFinite(x) ? x : null;
}

/** The delta the run stored for `config` (a path relative to `dir`, the scene file's folder), or why there is none. */
async function storedDelta(folder: string, spec: SweepSpec, config: SweepConfiguration, dir: string): Promise<StoredAttackDelta | undefined> {
  if (!attacksFrame(spec, config)) return undefined;
  if (!spec.saveImages) return { missing: 'the run kept no attack deltas; set saveImages' };
  const file = attackDeltaFile(folder, config.index);
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) return { missing: `the run has no ${ATTACKS}/${config.index}.npy` };
  return { file: path.relative(dir, file).split(path.sep).join('/') };
}

/** Writes configuration `index` of `run` as a scene file; resolves to its path and whether the base scene changed. */
export async function writeConfigurationScene(run: LoadedRun, index: number): Promise<{ file: string; sceneChanged: boolean }> {
  const summary = run.summary;
  if (!summary) throw new Error(run.info.openProblem ?? 'the run has no summary.json');
  const text = await fs.readFile(summary.sceneFile, 'utf8').catch(() => {
    throw new Error(`the run's scene ${summary.sceneFile} is gone (moved or deleted)`);
  });
  const parsed = parseScene(text);
  if (!parsed.scene) {
    const first = parsed.diagnostics[0];
    throw new Error(`the run's scene ${path.basename(summary.sceneFile)} has problems (${first ? `${first.path || 'scene'}: ${first.message}` : 'unreadable'})`);
  }
  const scene = parsed.scene;
  const spec = summary.spec;
  const integer = parameterRanges(scene, spec).map((r) => r?.integer ?? false);
  const row = run.records.find((r) => r.config === String(index));
  const recorded = row ? spec.parameters.map((p) => recordedValue(row[p.path])) : undefined;
  const config = configurationAt(spec, integer, index, recorded);
  const file = configSceneFile(run.folder, index);
  const dir = path.dirname(file);
  const sceneDir = path.dirname(summary.sceneFile);
  const rebase = (relative: string): string =>
    path.isAbsolute(relative) ? relative : path.relative(dir, path.resolve(sceneDir, relative)).split(path.sep).join('/');
  const out = configurationScene(scene, spec, config, rebase, await storedDelta(run.folder, spec, config, dir));
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(file, JSON.stringify(out, null, 2) + '\n');
  return { file, sceneChanged: summary.specHash !== undefined && summary.specHash !== specHash(scene) };
}

/** Writes configuration `index` and opens it in the scene editor; resolves to the written file. */
export async function openConfiguration(run: LoadedRun, index: number): Promise<string> {
  const { file, sceneChanged } = await writeConfigurationScene(run, index);
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), SCENE_EDITOR_VIEW_TYPE);
  if (sceneChanged) {
    void vscode.window.showWarningMessage(`${path.basename(run.summary!.sceneFile)} changed since the sweep ran: configuration ${index} was applied to the scene as it is now.`);
  }
  return file;
}
