/**
 * Keeps the two result panels showing the active scene: follows the registry's active scene and its results,
 * registers the panels' serializers and the `perturber.showPredictions` / `perturber.showActivations` commands.
 */
import * as vscode from 'vscode';
import type { HostTiming, HostToPanel, ModelPredictions, PanelToHost } from '../../core/protocol';
import { registerCheckpointTrendCommands, saveCheckpointTrend, setCheckpointTrend } from '../commands/checkpointTrend';
import type { LoopTimingLog } from '../../core/loopTimings';
import { errorMessage, type Log } from '../log';
import type { PanelState, SceneRegistry } from '../sceneEditor/sceneRegistry';
import { ACTIVATIONS_KIND } from './activationsPanel';
import { NeuronInsights } from './neuronInsights';
import { PREDICTIONS_KIND } from './predictionsPanel';
import { ResultsPanel } from './resultsPanel';

const NO_SCENE: PanelState = { kind: 'empty', reason: 'Open a scene (*.perturber.json) to see results here.' };

export class ResultsPanels implements vscode.Disposable {
  private readonly predictions: ResultsPanel;
  private readonly activations: ResultsPanel;
  /** What the watched neurons respond to, for the activations panel (connect the services with `setSources`). */
  readonly insights: NeuronInsights;
  private readonly disposables: vscode.Disposable[] = [];
  /** Classification results are numbered apart from frames: they belong to no scene. */
  private classifyCount = 0;
  /** Set while the editor layout for the first opening of the panels is being made. */
  private layingOut = false;

  constructor(
    extensionUri: vscode.Uri,
    private readonly registry: SceneRegistry,
    log: Log,
    timings: LoopTimingLog,
  ) {
    const insights = new NeuronInsights(registry, (message) => this.activations.postInsights(message), log);
    this.insights = insights;
    // The panels' "Show along checkpoints" toggle and "Save CSV" button; the activations panel's neuron insights.
    const request = async (message: PanelToHost): Promise<void> => {
      try {
        if (message.type === 'checkpointTrend') setCheckpointTrend(registry, message.modelId);
        else if (message.type === 'saveCheckpointTrend') {
          const files = await saveCheckpointTrend(registry);
          void vscode.window.showInformationMessage(`Perturber: saved ${files.map((f) => vscode.workspace.asRelativePath(f)).join(' and ')}`);
        } else if (message.type === 'openImage') await insights.openImage(message.path);
        else if (message.type === 'cancelFeatureVis') insights.cancelFeatureVis();
        else if (message.type === 'featureVisObjective') await insights.setObjective(message.objective);
        else if (message.type === 'similarImages') insights.setSimilar(message.modelId, message.layer);
      } catch (error) {
        log.warn(`${message.type}: ${errorMessage(error)}`);
        void vscode.window.showErrorMessage(`Perturber: ${errorMessage(error)}`);
      }
    };
    this.predictions = new ResultsPanel(PREDICTIONS_KIND, extensionUri, log, timings, request);
    this.activations = new ResultsPanel(ACTIVATIONS_KIND, extensionUri, log, timings, request);
    this.disposables.push(
      insights,
      this.predictions,
      this.activations,
      registry.onDidChangeActive(() => {
        this.showState(this.currentState());
        this.showTrend();
      }),
      registry.onDidChangeTrend((scene) => {
        if (scene === registry.active) this.showTrend();
      }),
      registry.onDidChangePanelState((scene) => {
        if (scene === registry.active) this.showState(scene.panelState());
      }),
      ...[this.predictions, this.activations].map((panel) =>
        vscode.window.registerWebviewPanelSerializer(panel.kind.viewType, {
          deserializeWebviewPanel: async (webviewPanel) => {
            panel.revive(webviewPanel);
            panel.post(panel.kind.message(this.currentState()));
          },
        }),
      ),
      vscode.commands.registerCommand('perturber.showPredictions', () => this.predictions.show({ preserveFocus: false, reveal: true })),
      vscode.commands.registerCommand('perturber.showActivations', () => this.activations.show({ preserveFocus: false, reveal: true })),
      ...registerCheckpointTrendCommands(registry, () => this.showBoth(false)),
    );
  }

  /** Opens both panels beside the editor without taking focus; `reveal` also brings open ones to the front. */
  showBoth(reveal: boolean): void {
    if (this.layingOut) return;
    // Empty groups left after closing editors count as free room, so the panels never end up stacked in one group.
    const used = vscode.window.tabGroups.all.filter((g) => g.tabs.length > 0);
    const onlyFirstUsed = used.every((g) => g.viewColumn === vscode.ViewColumn.One);
    if (!this.predictions.isOpen && !this.activations.isOpen && onlyFirstUsed) {
      this.layingOut = true;
      // First time, one editor group: predictions top right, activations bottom right, both visible at once
      // (stacked as tabs of one group, the hidden one would get no frames).
      void vscode.commands
        .executeCommand('vscode.setEditorLayout', { orientation: 0, groups: [{ size: 0.55 }, { size: 0.45, groups: [{}, {}] }] })
        .then(
          () => {
            this.layingOut = false;
            this.predictions.show({ preserveFocus: true, reveal, column: vscode.ViewColumn.Two });
            this.activations.show({ preserveFocus: true, reveal, column: vscode.ViewColumn.Three });
          },
          () => {
            this.layingOut = false;
            this.showBesideEditor(reveal);
          },
        );
      return;
    }
    this.showBesideEditor(reveal);
  }

  private showBesideEditor(reveal: boolean): void {
    this.activations.show({ preserveFocus: true, reveal });
    // Predictions last: in a shared editor group the last one shown is the visible tab.
    this.predictions.show({ preserveFocus: true, reveal });
  }

  /** One of the two panels (the API's test-only message injection reaches its `receive`). */
  panel(kind: 'predictions' | 'activations'): ResultsPanel {
    return kind === 'predictions' ? this.predictions : this.activations;
  }

  /** Shows the results of a one-off classification (not a scene frame) in the predictions panel. */
  showClassification(title: string, models: ModelPredictions[], timing: HostTiming): void {
    this.predictions.show({ preserveFocus: true, reveal: true });
    this.predictions.post({
      type: 'predictions',
      frameId: ++this.classifyCount,
      sceneName: title,
      models,
      timing,
    });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private currentState(): PanelState {
    return this.registry.active?.panelState() ?? NO_SCENE;
  }

  /** The active scene's "Show along checkpoints" state (off when no scene is open). */
  private showTrend(): void {
    const message: HostToPanel = this.registry.active?.trends.message() ?? { type: 'checkpointTrend', modelId: null };
    this.predictions.postTrend(message);
    this.activations.postTrend(message);
  }

  private showState(state: PanelState): void {
    this.predictions.post(PREDICTIONS_KIND.message(state));
    this.activations.post(ACTIVATIONS_KIND.message(state));
  }
}
