/**
 * Predictions panel: one column per model, side by side, each with its top-5 bar chart.
 * Charts are created once per model and updated in place on every frame.
 */
import { assertNever, type HostToPanel, type ModelPredictions, type PanelToHost } from '../../core/protocol';
import { el, mountRoot, onThemeChange } from '../shared/dom';
import { EmptyView, PanelHeader, markFrame, reportPainted, stateSaver } from '../shared/panel';
import { connect } from '../shared/vscodeApi';
import { PredictionChart, percent } from './chart';

type PredictionsMessage = Extract<HostToPanel, { type: 'predictions' }>;
type EmptyMessage = Extract<HostToPanel, { type: 'empty' }>;

/** Persisted so a revived panel shows the last results at once (plain JSON: no typed arrays here). */
interface PredictionsState {
  last?: PredictionsMessage | EmptyMessage;
}

interface Column {
  element: HTMLElement;
  name: HTMLElement;
  summary: HTMLElement;
  error: HTMLElement;
  chart: PredictionChart;
}

const channel = connect<PanelToHost, HostToPanel, PredictionsState>();
const saveState = stateSaver(channel);
const header = new PanelHeader();
const columnsElement = el('div', { id: 'models', class: 'columns' });
const empty = new EmptyView(columnsElement);
const columns = new Map<string, Column>();

mountRoot().append(header.element, empty.element, columnsElement);
empty.show('Waiting for results…');
onThemeChange(() => columns.forEach((c) => c.chart.refreshTheme()));

channel.onMessage((message) => {
  const receivedAt = Date.now();
  const startedAt = performance.now();
  switch (message.type) {
    case 'predictions':
      render(message);
      reportPainted(channel, message.frameId, receivedAt, startedAt);
      saveState(() => ({ last: message }));
      break;
    case 'empty':
      showEmpty(message);
      saveState(() => ({ last: message }));
      break;
    case 'activations':
      break; // the activations panel's message
    default:
      assertNever(message);
  }
});

const restored = channel.getState()?.last;
if (restored?.type === 'predictions') {
  render(restored);
  markFrame(restored.frameId);
}
else if (restored?.type === 'empty') showEmpty(restored);
channel.post({ type: 'ready' });

function showEmpty(message: EmptyMessage): void {
  header.clear();
  empty.show(message.reason);
}

function render(message: PredictionsMessage): void {
  header.show(message.sceneName, message.frameId, message.timing);
  if (message.models.length === 0) {
    empty.show('No model in this scene.');
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
  const element = el('section', { class: 'model-column', 'data-model-id': id }, name, summary, error, el('div', { class: 'chart-box' }, canvas));
  columnsElement.append(element);
  const column: Column = { element, name, summary, error, chart: new PredictionChart(canvas) };
  columns.set(id, column);
  return column;
}

function fill(column: Column, model: ModelPredictions): void {
  column.name.textContent = model.displayName;
  column.name.title = `${model.displayName} (id "${model.id}")`;
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
