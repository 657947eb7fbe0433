/**
 * Activations panel: per model a column; per watched layer a grid of neuron heatmaps with their mean activation.
 * `#color-scale` chooses one colour scale per layer (compare neurons) or per neuron (see each one's pattern).
 */
import { assertNever, type HostToPanel, type PanelToHost } from '../../core/protocol';
import { el, mountRoot } from '../shared/dom';
import { EmptyView, PanelHeader, markFrame, reportPainted, stateSaver } from '../shared/panel';
import { connect } from '../shared/vscodeApi';
import { ActivationGrid, type ColorScale } from './grid';
import { decodeActivations, encodeActivations, type ActivationsMessage, type StoredActivations } from './stateCodec';

type EmptyMessage = Extract<HostToPanel, { type: 'empty' }>;

interface ActivationsState {
  last?: StoredActivations | EmptyMessage;
  colorScale: ColorScale;
}

const channel = connect<PanelToHost, HostToPanel, ActivationsState>();
const saved = channel.getState();
let colorScale: ColorScale = saved?.colorScale === 'per-neuron' ? 'per-neuron' : 'shared';
let last: ActivationsMessage | undefined;
let lastEmpty: EmptyMessage | undefined;
const saveState = stateSaver(channel);

const scaleSelect = el(
  'select',
  { id: 'color-scale', title: 'Colour scale of the heatmaps' },
  el('option', { value: 'shared' }, 'Shared per layer'),
  el('option', { value: 'per-neuron' }, 'Per neuron'),
);
scaleSelect.value = colorScale;
const header = new PanelHeader(el('label', { class: 'color-scale' }, 'Colour scale ', scaleSelect));
const columnsElement = el('div', { id: 'models', class: 'columns' });
const empty = new EmptyView(columnsElement);
const grid = new ActivationGrid(columnsElement);
mountRoot().append(header.element, empty.element, columnsElement);
empty.show('Waiting for results…');

scaleSelect.addEventListener('change', () => {
  colorScale = scaleSelect.value === 'per-neuron' ? 'per-neuron' : 'shared';
  if (last) render(last);
  persist();
});

channel.onMessage((message) => {
  const receivedAt = Date.now();
  const startedAt = performance.now();
  switch (message.type) {
    case 'activations':
      last = message;
      lastEmpty = undefined;
      render(message);
      reportPainted(channel, message.frameId, receivedAt, startedAt);
      persist();
      break;
    case 'empty':
      last = undefined;
      lastEmpty = message;
      showEmpty(message);
      persist();
      break;
    case 'predictions':
      break; // the predictions panel's message
    default:
      assertNever(message);
  }
});

if (saved?.last?.type === 'activations') {
  last = decodeActivations(saved.last);
  render(last);
  markFrame(last.frameId);
} else if (saved?.last?.type === 'empty') {
  lastEmpty = saved.last;
  showEmpty(saved.last);
}
channel.post({ type: 'ready' });

function render(message: ActivationsMessage): void {
  header.show(message.sceneName, message.frameId, message.timing);
  if (message.models.length === 0) {
    empty.show('No model in this scene.');
    return;
  }
  empty.hide();
  grid.render(message.models, colorScale);
}

function showEmpty(message: EmptyMessage): void {
  header.clear();
  empty.show(message.reason);
}

function persist(): void {
  const message = last;
  const emptyMessage = lastEmpty;
  const scale = colorScale;
  saveState(() => ({ last: message ? encodeActivations(message) : emptyMessage, colorScale: scale }));
}
