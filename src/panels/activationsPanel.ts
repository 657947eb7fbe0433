/** The activations panel: maps of the watched neurons of each model of the active scene (`perturber.activations`). */
import type { HostToPanel } from '../../core/protocol';
import type { PanelState } from '../sceneEditor/sceneRegistry';
import type { ResultsPanelKind } from './resultsPanel';

export const ACTIVATIONS_KIND: ResultsPanelKind = {
  viewType: 'perturber.activations',
  name: 'activations',
  title: 'Perturber Activations',
  webview: 'activations',
  message(state: PanelState): HostToPanel {
    if (state.kind === 'empty') return { type: 'empty', reason: state.reason };
    const { frameId, sceneName, activations, timing } = state.results;
    return { type: 'activations', frameId, sceneName, models: activations, timing };
  },
};
