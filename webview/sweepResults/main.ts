/**
 * Sweep results view (issue 8): the outcome of one sweep run from its results.csv and summary.json, sent by the host
 * (src/sweepResults/). Pickers choose the y metric, the x parameter, how the other parameters are reduced (mean or
 * fixed values), and the second parameter and model of the heatmap; then a line chart (one line per model), the
 * heatmap, the shape bias (cue-conflict sweeps) and a sortable, paged table of the rows. Clicking a point, a cell or
 * a row posts `openConfiguration`. The data is recomputed from the rows on every change (core/sweepPlots.ts).
 */
import { assertNever, type HostToSweepResults, type SweepResultsToHost } from '../../core/protocol';
import { heatmap, linePlot, metricOptions, parameterValues, shapeBiasRows, type CsvRecord, type SweepAggregation, type SweepMetric } from '../../core/sweepPlots';
import { VIRIDIS_CSS } from '../activations/colormap';
import { el, mountRoot } from '../shared/dom';
import { connect } from '../shared/vscodeApi';
import { formatValue, HeatmapChart, LineChart } from './charts';
import { RowsTable, shapeBiasTable, type SortState } from './tables';

type ResultsMessage = Extract<HostToSweepResults, { type: 'sweepResults' }>;

interface Choices {
  /** JSON of a SweepMetric. */
  metric?: string;
  x?: string;
  y?: string;
  model?: string;
  reduce: 'mean' | 'fixed';
  fixed: Record<string, number>;
}

/** Persisted: the pickers and the sort (the data comes again from the host when the panel is revived). */
interface ViewState {
  choices: Choices;
  sort: SortState;
}

const channel = connect<SweepResultsToHost, HostToSweepResults, ViewState>();
const saved = channel.getState();
const choices: Choices = saved?.choices ?? { reduce: 'mean', fixed: {} };
let sort: SortState = saved?.sort ?? { descending: false };
let last: ResultsMessage | undefined;
let records: CsvRecord[] = [];

let statusTimer: ReturnType<typeof setTimeout> | undefined;
const open = (index: number): void => {
  setStatus(`Configuration ${index}: opening it as a scene (configs/config-${index}.perturber.json)…`, false);
  channel.post({ type: 'openConfiguration', index });
};

/** A line under the header; a note clears itself after a while, a failure stays until the next click. */
function setStatus(text: string, failed: boolean): void {
  status.textContent = text;
  status.classList.toggle('failed', failed);
  if (statusTimer !== undefined) clearTimeout(statusTimer);
  statusTimer = failed ? undefined : setTimeout(() => (status.textContent = ''), 5000);
}
const persist = (): void => channel.setState({ choices, sort });

const title = el('h1', { class: 'run-name' });
const progress = el('span', { class: 'run-progress' });
const note = el('div', { id: 'open-note', class: 'note', hidden: true });
const status = el('div', { id: 'open-status', class: 'note', role: 'status' });
const error = el('div', { id: 'error', class: 'model-error', role: 'alert', hidden: true });
const metricPick = el('select', { id: 'metric', 'aria-label': 'Y value' });
const xPick = el('select', { id: 'x-parameter', 'aria-label': 'X parameter' });
const reducePick = el('select', { id: 'aggregation', 'aria-label': 'Other parameters' }, el('option', { value: 'mean' }, 'averaged'), el('option', { value: 'fixed' }, 'fixed to'));
const fixedBox = el('span', { id: 'fixed-values', class: 'fixed-values' });
const yPick = el('select', { id: 'y-parameter', 'aria-label': 'Heatmap second parameter' });
const modelPick = el('select', { id: 'heatmap-model', 'aria-label': 'Heatmap model' });
const line = new LineChart(open);
const map = new HeatmapChart(open);
const mapLegend = el('div', { class: 'heatmap-legend' });
const heatmapSection = el('section', { id: 'heatmap-section', class: 'card' }, el('div', { class: 'card-heading' }, el('h2', {}, 'Heatmap'), label('y', yPick), label('model', modelPick)), map.element, mapLegend);
const biasSection = el('section', { id: 'shape-bias', class: 'card', hidden: true });
const table = new RowsTable(sort, open, (s) => {
  sort = s;
  persist();
});
const content = el(
  'div',
  { id: 'content', hidden: true },
  el('div', { class: 'controls' }, label('y', metricPick), label('x', xPick), label('other parameters', reducePick), fixedBox),
  el('section', { id: 'line-section', class: 'card' }, el('h2', {}, 'By parameter, per model'), line.element),
  heatmapSection,
  biasSection,
  el('section', { id: 'rows-section', class: 'card' }, el('h2', {}, 'Rows (click one to open it as a scene)'), table.element),
);
mountRoot().append(el('header', { class: 'panel-header' }, title, progress), note, status, error, content);

function label(text: string, control: HTMLElement): HTMLElement {
  return el('label', { class: 'pick' }, el('span', {}, text), control);
}

function options(select: HTMLSelectElement, entries: readonly [value: string, text: string][], selected: string | undefined): string | undefined {
  select.replaceChildren(...entries.map(([value, text]) => el('option', { value }, text)));
  const value = entries.some(([v]) => v === selected) ? selected : entries[0]?.[0];
  if (value !== undefined) select.value = value;
  return value;
}

function metricTitle(metric: SweepMetric): string {
  switch (metric.kind) {
    case 'probability':
      return `P(${metric.label})`;
    case 'top1':
      return `top-1 rate of ${metric.label}`;
    case 'neuron':
      return `mean activation ${metric.column.slice(2)}`;
    default:
      return assertNever(metric);
  }
}

/** Fills the pickers from the data, keeping what was chosen where it still exists. */
function fillPickers(message: ResultsMessage): void {
  const { classes, labels, neurons } = metricOptions(message.header, records);
  const metrics: SweepMetric[] = [
    ...classes.map((label): SweepMetric => ({ kind: 'probability', label })),
    ...labels.filter((l) => !classes.includes(l)).map((label): SweepMetric => ({ kind: 'probability', label })),
    ...[...classes, ...labels.filter((l) => !classes.includes(l))].map((label): SweepMetric => ({ kind: 'top1', label })),
    ...neurons.map((column): SweepMetric => ({ kind: 'neuron', column })),
  ];
  choices.metric = options(metricPick, metrics.map((m) => [JSON.stringify(m), metricTitle(m)]), choices.metric);
  const params = message.run.parameters;
  choices.x = options(xPick, params.map((p) => [p, p]), choices.x);
  choices.y = options(yPick, params.filter((p) => p !== choices.x).map((p) => [p, p]), choices.y);
  choices.model = options(modelPick, message.run.models.map((m) => [m.id, m.displayName]), choices.model);
  reducePick.value = choices.reduce;
  const others = params.filter((p) => p !== choices.x);
  fixedBox.replaceChildren(
    ...others.map((p) => {
      const pick = el('select', { 'data-parameter': p, 'aria-label': `${p} fixed to` });
      const values = parameterValues(records, p);
      const chosen = options(pick, values.map((v) => [String(v), String(v)]), choices.fixed[p] !== undefined ? String(choices.fixed[p]) : undefined);
      if (chosen !== undefined) choices.fixed[p] = Number(chosen);
      pick.addEventListener('change', () => {
        choices.fixed[p] = Number(pick.value);
        redraw();
      });
      return label(p, pick);
    }),
  );
  fixedBox.hidden = choices.reduce !== 'fixed' || others.length === 0;
}

function redraw(): void {
  if (!last) return;
  persist();
  const run = last.run;
  const names = new Map(run.models.map((m) => [m.id, m.displayName]));
  const metric = choices.metric ? (JSON.parse(choices.metric) as SweepMetric) : undefined;
  const aggregation: SweepAggregation = choices.reduce === 'fixed' ? { fixed: { ...choices.fixed } } : 'mean';
  const reduced = choices.reduce === 'fixed' ? 'others fixed' : 'mean over the others';
  if (metric && choices.x) {
    line.update(linePlot(records, { metric, x: choices.x, aggregation }), choices.x, `${metricTitle(metric)} (${reduced})`, names);
  }
  heatmapSection.hidden = run.parameters.length < 2;
  if (metric && choices.x && choices.y && choices.model && !heatmapSection.hidden) {
    const grid = heatmap(records, { metric, x: choices.x, y: choices.y, model: choices.model, aggregation });
    map.update(grid, choices.x, choices.y);
    mapLegend.replaceChildren(
      el('span', {}, grid.min === null ? '-' : formatValue(grid.min)),
      el('span', { class: 'legend-ramp', style: `background: ${VIRIDIS_CSS}` }),
      el('span', {}, grid.max === null ? '-' : formatValue(grid.max)),
      el('span', { class: 'legend-title' }, `${metricTitle(metric)}, ${names.get(choices.model) ?? choices.model}`),
    );
  }
  const bias = shapeBiasRows(records, run.shapeBias);
  biasSection.hidden = bias.length === 0;
  if (bias.length > 0) biasSection.replaceChildren(el('h2', {}, 'Shape bias (cue conflict)'), shapeBiasTable(bias, names));
}

function show(message: ResultsMessage): void {
  last = message;
  records = message.rows.map((r) => Object.fromEntries(message.header.map((h, i) => [h, r[i] ?? ''])));
  const run = message.run;
  title.textContent = run.name;
  const total = run.configurations === null ? '?' : String(run.configurations);
  progress.textContent = `${run.done}/${total} configurations, ${message.rows.length} rows${run.complete ? '' : ' (not complete)'}${run.date ? `, ${run.date.replace('T', ' ').slice(0, 16)}` : ''}`;
  note.hidden = run.openProblem === undefined;
  note.textContent = run.openProblem ?? '';
  error.hidden = true;
  content.hidden = false;
  fillPickers(message);
  table.show(message.header, records);
  redraw();
  document.body.dataset.rows = String(message.rows.length);
}

for (const select of [metricPick, yPick, modelPick]) select.addEventListener('change', () => ((choices[select === metricPick ? 'metric' : select === yPick ? 'y' : 'model'] = select.value), redraw()));
xPick.addEventListener('change', () => {
  choices.x = xPick.value;
  if (last) fillPickers(last);
  redraw();
});
reducePick.addEventListener('change', () => {
  choices.reduce = reducePick.value === 'fixed' ? 'fixed' : 'mean';
  if (last) fillPickers(last);
  redraw();
});

channel.onMessage((message) => {
  switch (message.type) {
    case 'sweepResults':
      show(message);
      break;
    case 'sweepError':
      title.textContent = message.name;
      progress.textContent = '';
      error.textContent = message.message;
      error.hidden = false;
      content.hidden = true;
      delete document.body.dataset.rows;
      break;
    case 'openFailed':
      setStatus(`Could not open configuration ${message.index}: ${message.message}`, true);
      break;
    default:
      assertNever(message);
  }
});

title.textContent = 'Sweep results';
progress.textContent = 'Loading…';
channel.post({ type: 'ready' });
