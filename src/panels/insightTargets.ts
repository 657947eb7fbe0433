/**
 * Which feature visualisations the activations panel asks for (issue 7): the watched neurons of the active scene,
 * each with the objective the scene's `featureVis.objective` chooses (channel, negative, or one unit of the map), and
 * the "Visualise" selector's edit of that field (one undoable WorkspaceEdit, like "Find Relevant Neurons" edits
 * `watch`, so the choice is saved and versioned with the scene).
 */
import * as vscode from 'vscode';
import { objectiveParts } from '../../core/featureVis/objectiveKind';
import { FEATURE_VIS_DEFAULTS } from '../../core/featureVis/types';
import { sceneTextEdits } from '../../core/sceneUpgrade';
import type { FeatureVisObjective, FeatureVisSettings, Scene, SceneEdit } from '../../core/sceneTypes';
import type { FeatureVisTarget } from '../featureVis/featureVisService';
import { findLayer } from '../inference/loadModel';
import type { OpenScene } from '../sceneEditor/sceneRegistry';

/** The scene's feature-visualisation settings: its `featureVis` section over the defaults. */
export function featureVisSettings(scene: Scene): FeatureVisSettings {
  return { ...FEATURE_VIS_DEFAULTS, ...(scene.featureVis ?? {}) };
}

/**
 * The watched neurons of the loaded models of a scene, in scene order (layers the model lacks are left out), with the
 * objective of `settings` (default: the channel). A unit outside a layer's map gives that target a `problem`.
 */
export function watchedTargets(scene: OpenScene, settings: Pick<FeatureVisSettings, 'objective' | 'unit'> = FEATURE_VIS_DEFAULTS): FeatureVisTarget[] {
  const targets: FeatureVisTarget[] = [];
  const seen = new Set<string>();
  for (const entry of scene.models.frameModels()) {
    const model = entry.model;
    if (!model) continue;
    for (const watch of entry.watch) {
      const layer = findLayer(model, watch.layer);
      if (!layer) continue;
      let parts: ReturnType<typeof objectiveParts> = {};
      let problem: string | undefined;
      try {
        parts = objectiveParts(settings, watch.layer, layer);
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      for (const neuron of watch.neurons) {
        const key = JSON.stringify([entry.id, watch.layer, neuron]);
        if (seen.has(key)) continue;
        seen.add(key);
        targets.push({ model, modelId: entry.id, layer: watch.layer, tensor: layer.tensor, neuron, ...parts, ...(problem !== undefined ? { problem } : {}) });
      }
    }
  }
  return targets;
}

/** The edit that sets `featureVis.objective` (the whole section when the file has none). */
export function objectiveEdit(scene: Scene, objective: FeatureVisObjective): SceneEdit {
  if (scene.featureVis === undefined) return { path: ['featureVis'], value: { objective } };
  return { path: ['featureVis', 'objective'], value: objective };
}

/** Applies the selector's choice to the scene document as one undoable edit (nothing when it is already set). */
export async function applyObjective(scene: OpenScene, objective: FeatureVisObjective): Promise<void> {
  const parsed = scene.scene();
  if (!parsed) throw new Error('the scene has errors; fix them before choosing what to visualise');
  if ((parsed.featureVis?.objective ?? FEATURE_VIS_DEFAULTS.objective) === objective && parsed.featureVis?.objective !== undefined) return;
  const document = scene.document;
  const spans = sceneTextEdits(document.getText(), [objectiveEdit(parsed, objective)]);
  const edit = new vscode.WorkspaceEdit();
  for (const span of spans) {
    edit.replace(document.uri, new vscode.Range(document.positionAt(span.offset), document.positionAt(span.offset + span.length)), span.content);
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the editor refused the edit');
}
