/** The predictions panel: top-k bars of each model of the active scene (viewType `perturber.predictions`). */
import type { HostToPanel } from '../../core/protocol';
import type { PanelState } from '../sceneEditor/sceneRegistry';
import type { ResultsPanelKind } from './resultsPanel';

export const PREDICTIONS_KIND: ResultsPanelKind = {
  viewType: 'perturber.predictions',
  name: 'predictions',
  title: 'Perturber Predictions',
  webview: 'predictions',
  message(state: PanelState): HostToPanel {
    if (state.kind === 'empty') return { type: 'empty', reason: state.reason };
    const { frameId, sceneName, predictions, timing } = state.results;
    return { type: 'predictions', frameId, sceneName, models: predictions, timing };
  },
};
