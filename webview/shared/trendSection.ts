/**
 * "Along checkpoints" in a result panel: a chart.js line chart under the model columns, one line per series (a
 * class's probability in the predictions panel, a neuron's mean activation in the activations panel) against the
 * checkpoints of the family (x = label, and step when the manifest gives one; the checkpoint the scene shows is
 * marked). Built once, data swapped in place; hidden while the view is off.
 */
import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { CheckpointTrend } from '../../core/protocol';
import { el, themeColor } from './dom';

Chart.register(LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);
// Registering the legend turns it on for every chart of the page (the bar charts have none): on only where asked.
Chart.defaults.plugins.legend.display = false;

export interface TrendSeries {
  label: string;
  values: (number | null)[];
}

const PALETTE: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-yellow', '#cca700'],
];
const EXTRA = ['#4ec9b0', '#ce9178', '#9cdcfe', '#c586c0', '#dcdcaa', '#808080'];

/** The i-th series colour of a chart: VS Code's chart colours from the theme, then fixed extras. */
export function seriesColour(i: number): string {
  if (i < PALETTE.length) return themeColor(PALETTE[i][0], PALETTE[i][1]);
  return EXTRA[(i - PALETTE.length) % EXTRA.length];
}

function xLabel(point: CheckpointTrend['checkpoints'][number]): string {
  return point.step !== undefined && !point.label.includes(String(point.step)) ? `${point.label} (${point.step})` : point.label;
}

export class TrendSection {
  readonly element: HTMLElement;
  private readonly title = el('h2', { class: 'trend-title' });
  private readonly note = el('div', { class: 'trend-note' });
  private readonly error = el('div', { class: 'model-error', role: 'alert', hidden: true });
  private readonly canvas = el('canvas', { role: 'img' });
  private readonly chart: Chart<'line', (number | null)[], string>;

  constructor(
    private readonly what: string,
    private readonly yAxis: { min?: number; max?: number; format(value: number): string },
    ...actions: HTMLElement[]
  ) {
    this.element = el(
      'section',
      { id: 'trend', class: 'trend', hidden: true },
      el('div', { class: 'trend-heading' }, this.title, ...actions),
      this.note,
      this.error,
      el('div', { class: 'trend-box' }, this.canvas),
    );
    const foreground = themeColor('--vscode-foreground', '#cccccc');
    const muted = themeColor('--vscode-descriptionForeground', '#9d9d9d');
    this.chart = new Chart(this.canvas, {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        color: foreground,
        font: { family: getComputedStyle(document.body).fontFamily || 'sans-serif', size: 12 },
        scales: {
          x: { ticks: { color: muted }, grid: { color: 'rgba(128, 128, 128, 0.15)' } },
          y: {
            min: yAxis.min,
            max: yAxis.max,
            ticks: { color: muted, callback: (value) => yAxis.format(Number(value)) },
            grid: { color: 'rgba(128, 128, 128, 0.15)' },
          },
        },
        plugins: {
          legend: { display: true, position: 'bottom', labels: { color: foreground, boxWidth: 12 } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${yAxis.format(item.parsed.y ?? NaN)}` } },
        },
      },
    });
  }

  /** Off: hidden. On without a result yet: a note. Else the chart of `series`. */
  show(modelId: string | null, trend: CheckpointTrend | undefined, series: (trend: CheckpointTrend) => TrendSeries[]): void {
    this.element.hidden = modelId === null;
    this.element.dataset.modelId = modelId ?? '';
    if (modelId === null) return;
    if (!trend) {
      this.title.textContent = `Along checkpoints: ${modelId}`;
      this.note.textContent = 'Running every checkpoint on the current frame…';
      delete this.element.dataset.frameId;
      return;
    }
    this.title.textContent = `Along checkpoints: ${trend.displayName}`;
    const current = trend.checkpoints.find((c) => c.current);
    this.note.textContent = `${this.what} for frame ${trend.frameId}` + (current ? `; the scene shows ${current.label}` : '');
    const failed = trend.checkpoints.filter((c) => c.error !== undefined).map((c) => `${c.label}: ${c.error}`);
    const problems = [...(trend.error !== undefined ? [trend.error] : []), ...failed];
    this.error.hidden = problems.length === 0;
    this.error.textContent = problems.join('\n');
    const data = series(trend);
    this.chart.data.labels = trend.checkpoints.map(xLabel);
    this.chart.data.datasets = data.map((s, i) => ({
      label: s.label,
      data: s.values,
      borderColor: seriesColour(i),
      backgroundColor: seriesColour(i),
      pointRadius: trend.checkpoints.map((c) => (c.current ? 5 : 3)),
      pointStyle: trend.checkpoints.map((c) => (c.current ? 'rectRot' : 'circle')),
      spanGaps: false,
      tension: 0,
    }));
    this.chart.update('none');
    this.canvas.setAttribute('aria-label', `${this.what} of ${trend.displayName} along ${trend.checkpoints.length} checkpoints`);
    this.element.dataset.frameId = String(trend.frameId);
    this.element.dataset.series = String(data.length);
    this.element.dataset.points = String(trend.checkpoints.length);
  }
}
