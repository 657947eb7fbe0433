/**
 * Activations panel: per model a column; per watched layer a grid of neuron heatmaps with their mean activation.
 * `#color-scale` chooses one colour scale per layer (compare neurons) or per neuron (see each one's pattern).
 */
import { assertNever, type CheckpointTrend, type HostToPanel, type PanelToHost } from '../../core/protocol';
import { el, mountRoot } from '../shared/dom';
import { EmptyView, NO_MODEL_HINT, PanelHeader, markFrame, reportPainted, stateSaver } from '../shared/panel';
import { TrendSection } from '../shared/trendSection';
import { connect } from '../shared/vscodeApi';
import { ActivationGrid, formatActivation, type ColorScale } from './grid';
import { InsightsView } from './insights';
import { NO_INDEX_HINT, SimilarSection } from './similar';
import { decodeActivations, encodeActivations, type ActivationsMessage, type StoredActivations } from './stateCodec';

type EmptyMessage = Extract<HostToPanel, { type: 'empty' }>;
type TrendMessage = Extract<HostToPanel, { type: 'checkpointTrend' }>;
type InsightsMessage = Extract<HostToPanel, { type: 'neuronInsights' }>;

interface ActivationsState {
  last?: StoredActivations | EmptyMessage;
  colorScale: ColorScale;
  trend?: TrendMessage;
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
// The scene's featureVis.objective; shown once the host sends insights (a scene with watched neurons).
const objectiveSelect = el(
  'select',
  {
    id: 'fv-objective',
    title:
      'What the feature visualisations beside the maps show (saved in the scene file as featureVis.objective):\n' +
      'channel: an image that raises the channel\'s mean activation\n' +
      'unit: one that raises the unit at the centre of the map (or featureVis.unit)\n' +
      'negative: one that lowers the channel\'s mean (what suppresses it)',
  },
  el('option', { value: 'channel' }, 'channel'),
  el('option', { value: 'unit' }, 'unit'),
  el('option', { value: 'negative' }, 'negative'),
);
const objectiveLabel = el('label', { class: 'fv-objective', hidden: true }, 'Visualise ', objectiveSelect);
const header = new PanelHeader(objectiveLabel, el('label', { class: 'color-scale' }, 'Colour scale ', scaleSelect));
const columnsElement = el('div', { id: 'models', class: 'columns' });
const empty = new EmptyView(columnsElement);
const post = (message: PanelToHost): void => channel.post(message);
// The grid calls back after each rebuild (never during construction); the insights read its live slot map.
const grid = new ActivationGrid(columnsElement, () => insights.attach());
const insights = new InsightsView(grid.slots, post);
const insightsHint = el('p', { id: 'insights-hint', class: 'hint', hidden: true });
const similar = new SimilarSection(post);
let trendMessage: TrendMessage = { type: 'checkpointTrend', modelId: null };
const hideTrend = el('button', { id: 'trend-off', type: 'button', title: 'Stop running every checkpoint on each frame' }, 'Hide');
const trendView = new TrendSection('Mean activation of each watched neuron', { format: formatActivation }, hideTrend);
hideTrend.addEventListener('click', () => channel.post({ type: 'checkpointTrend', modelId: null }));
mountRoot().append(header.element, insightsHint, empty.element, columnsElement, similar.element, trendView.element, insights.popover);
empty.show('Waiting for results…');

objectiveSelect.addEventListener('change', () => {
  const objective = objectiveSelect.value;
  if (objective === 'channel' || objective === 'unit' || objective === 'negative') post({ type: 'featureVisObjective', objective });
});

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
    case 'checkpointTrend':
      showTrend(message);
      persist();
      break;
    case 'neuronInsights':
      showInsights(message);
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
if (saved?.trend) showTrend(saved.trend);
channel.post({ type: 'ready' });

function render(message: ActivationsMessage): void {
  header.show(message.sceneName, message.frameId, message.timing);
  if (message.models.length === 0) {
    empty.show(NO_MODEL_HINT);
    return;
  }
  empty.hide();
  grid.render(message.models, colorScale);
  similar.setChoices(message.models);
}

/** Not kept in the state: the host re-posts the last insights when the panel (re)loads. */
function showInsights(message: InsightsMessage): void {
  insights.show(message.insights);
  similar.show(message.similar);
  objectiveLabel.hidden = message.insights.length === 0;
  objectiveSelect.value = message.objective ?? 'channel';
  const indexed = message.insights.some((i) => i.examples !== undefined);
  insightsHint.hidden = message.insights.length === 0 || indexed;
  insightsHint.textContent = `${NO_INDEX_HINT} to see the images each neuron responds to most.`;
}

function trendSeries(trend: CheckpointTrend) {
  return trend.neurons.map((n) => ({ label: `${n.layer} #${n.neuron}`, values: n.means }));
}

function showTrend(message: TrendMessage): void {
  trendMessage = message;
  trendView.show(message.modelId, message.trend, trendSeries);
}

function showEmpty(message: EmptyMessage): void {
  header.clear();
  similar.setChoices([]);
  empty.show(message.reason);
}

function persist(): void {
  const message = last;
  const emptyMessage = lastEmpty;
  const scale = colorScale;
  const trend = trendMessage;
  saveState(() => ({ last: message ? encodeActivations(message) : emptyMessage, colorScale: scale, trend }));
}
