/**
 * Predictions panel: one column per model, side by side, each with its top-5 bar chart.
 * Charts are created once per model and updated in place on every frame.
 */
import { assertNever, type CheckpointTrend, type HostToPanel, type ModelPredictions, type PanelToHost } from '../../core/protocol';
import { el, mountRoot, onThemeChange } from '../shared/dom';
import { EmptyView, NO_MODEL_HINT, PanelHeader, markFrame, reportPainted, stateSaver } from '../shared/panel';
import { TrendSection } from '../shared/trendSection';
import { connect } from '../shared/vscodeApi';
import { PredictionChart, percent } from './chart';

type PredictionsMessage = Extract<HostToPanel, { type: 'predictions' }>;
type EmptyMessage = Extract<HostToPanel, { type: 'empty' }>;
type TrendMessage = Extract<HostToPanel, { type: 'checkpointTrend' }>;

/** Persisted so a revived panel shows the last results at once (plain JSON: no typed arrays here). */
interface PredictionsState {
  last?: PredictionsMessage | EmptyMessage;
  trend?: TrendMessage;
}

interface Column {
  element: HTMLElement;
  name: HTMLElement;
  summary: HTMLElement;
  error: HTMLElement;
  chart: PredictionChart;
  /** The checkpoint the model ran and the "Along checkpoints" toggle (checkpoint families only). */
  checkpoint: HTMLElement;
  toggle: HTMLButtonElement;
}

const channel = connect<PanelToHost, HostToPanel, PredictionsState>();
const saveState = stateSaver(channel);
const header = new PanelHeader();
const columnsElement = el('div', { id: 'models', class: 'columns' });
const empty = new EmptyView(columnsElement);
const columns = new Map<string, Column>();
let last: PredictionsMessage | EmptyMessage | undefined;
let trendMessage: TrendMessage = { type: 'checkpointTrend', modelId: null };
const saveCsv = el('button', { id: 'trend-save', type: 'button', title: 'Save this trend as CSV files under .perturber/checkpoints/' }, 'Save CSV');
const hideTrend = el('button', { id: 'trend-off', type: 'button', title: 'Stop running every checkpoint on each frame' }, 'Hide');
const trendView = new TrendSection('Probability of the top classes of the current checkpoint', { min: 0, max: 1, format: percent }, saveCsv, hideTrend);
saveCsv.addEventListener('click', () => channel.post({ type: 'saveCheckpointTrend' }));
hideTrend.addEventListener('click', () => channel.post({ type: 'checkpointTrend', modelId: null }));

mountRoot().append(header.element, empty.element, columnsElement, trendView.element);
empty.show('Waiting for results…');
onThemeChange(() => columns.forEach((c) => c.chart.refreshTheme()));

channel.onMessage((message) => {
  const receivedAt = Date.now();
  const startedAt = performance.now();
  switch (message.type) {
    case 'predictions':
      last = message;
      render(message);
      reportPainted(channel, message.frameId, receivedAt, startedAt);
      persist();
      break;
    case 'empty':
      last = message;
      showEmpty(message);
      persist();
      break;
    case 'checkpointTrend':
      showTrend(message);
      persist();
      break;
    case 'activations':
    case 'neuronInsights':
      break; // the activations panel's messages
    default:
      assertNever(message);
  }
});

const saved = channel.getState();
const restored = saved?.last;
last = restored;
if (restored?.type === 'predictions') {
  render(restored);
  markFrame(restored.frameId);
}
else if (restored?.type === 'empty') showEmpty(restored);
if (saved?.trend) showTrend(saved.trend);
channel.post({ type: 'ready' });

function persist(): void {
  const state = { last, trend: trendMessage };
  saveState(() => state);
}

function trendSeries(trend: CheckpointTrend) {
  return trend.classes.map((c) => ({ label: c.label, values: c.probabilities }));
}

function showTrend(message: TrendMessage): void {
  trendMessage = message;
  trendView.show(message.modelId, message.trend, trendSeries);
  saveCsv.disabled = message.trend === undefined;
  for (const [id, column] of columns) column.toggle.setAttribute('aria-pressed', String(id === message.modelId));
}

function showEmpty(message: EmptyMessage): void {
  header.clear();
  empty.show(message.reason);
}

function render(message: PredictionsMessage): void {
  header.show(message.sceneName, message.frameId, message.timing);
  if (message.models.length === 0) {
    empty.show(NO_MODEL_HINT);
    return;
  }
  empty.hide();
  const seen = new Set<string>();
  message.models.forEach((model, i) => {
    seen.add(model.id);
    const column = columns.get(model.id) ?? createColumn(model.id);
    // Keep the scene's model order even when models are added or removed.
    if (columnsElement.children[i] !== column.element) columnsElement.insertBefore(column.element, columnsElement.children[i] ?? null);
    fill(column, model);
  });
  for (const [id, column] of columns) {
    if (seen.has(id)) continue;
    column.chart.destroy();
    column.element.remove();
    columns.delete(id);
  }
}

function createColumn(id: string): Column {
  const name = el('h2', { class: 'model-name' });
  const summary = el('div', { class: 'model-summary' });
  const error = el('div', { class: 'model-error', role: 'alert', hidden: true });
  const canvas = el('canvas', { role: 'img' });
  const toggle = el(
    'button',
    { class: 'trend-toggle', type: 'button', 'data-model-id': id, 'aria-pressed': 'false', title: 'Run every checkpoint of this family on each frame and plot the top classes along them' },
    'Along checkpoints',
  );
  toggle.addEventListener('click', () => channel.post({ type: 'checkpointTrend', modelId: trendMessage.modelId === id ? null : id }));
  const checkpoint = el('div', { class: 'model-checkpoint', hidden: true }, el('span', { class: 'checkpoint-text' }), toggle);
  const element = el('section', { class: 'model-column', 'data-model-id': id }, name, summary, checkpoint, error, el('div', { class: 'chart-box' }, canvas));
  columnsElement.append(element);
  const column: Column = { element, name, summary, error, chart: new PredictionChart(canvas), checkpoint, toggle };
  toggle.setAttribute('aria-pressed', String(trendMessage.modelId === id));
  columns.set(id, column);
  return column;
}

function fill(column: Column, model: ModelPredictions): void {
  column.name.textContent = model.displayName;
  column.name.title = `${model.displayName} (id "${model.id}")`;
  column.checkpoint.hidden = model.checkpoint === undefined;
  const text = column.checkpoint.querySelector('.checkpoint-text');
  if (text && model.checkpoint) text.textContent = `Checkpoint ${model.checkpoint.label} (${model.checkpoint.index + 1}/${model.checkpoint.count})`;
  column.error.hidden = model.error === undefined;
  column.error.textContent = model.error ?? '';
  column.element.classList.toggle('has-error', model.error !== undefined);
  const best = model.top[0];
  column.summary.textContent = best ? `${best.label} ${percent(best.probability)}` : model.error ? '' : 'No predictions';
  column.element.querySelector('canvas')?.setAttribute(
    'aria-label',
    model.top.length === 0 ? 'No predictions' : `Top predictions: ${model.top.map((p) => `${p.label} ${percent(p.probability)}`).join(', ')}`,
  );
  column.chart.update(model.error === undefined ? model.top : []);
}
