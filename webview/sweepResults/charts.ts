/**
 * The sweep results view's two charts: "y vs parameter" (chart.js line chart, one line per model, x linear in the
 * parameter's values) and the heatmap of two parameters (chartjs-chart-matrix, viridis). Built once, data swapped in
 * place. A click on a point or cell calls `onOpen(config)`. After each update the canvas carries `data-hits`: the
 * points' or cells' centres in CSS pixels of the canvas and their configuration (a hook for the UI tests).
 */
import { Chart, Legend, LinearScale, CategoryScale, LineController, LineElement, PointElement, Tooltip, type ActiveElement } from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';
import type { Heatmap, LinePlot } from '../../core/sweepPlots';
import { VIRIDIS } from '../activations/colormap';
import { el, themeColor } from '../shared/dom';
import { seriesColour } from '../shared/trendSection';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip, MatrixController, MatrixElement);

const GRID = 'rgba(128, 128, 128, 0.15)';


/** A value in 0..1 as viridis `rgb()`. */
export function viridis(t: number): string {
  const i = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
  return `rgb(${VIRIDIS[i]}, ${VIRIDIS[i + 1]}, ${VIRIDIS[i + 2]})`;
}

export function formatValue(v: number): string {
  return Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.001) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

function font(): { family: string; size: number } {
  return { family: getComputedStyle(document.body).fontFamily || 'sans-serif', size: 12 };
}

function writeHits(canvas: HTMLCanvasElement, hits: { x: number; y: number; config: number }[]): void {
  canvas.dataset.hits = JSON.stringify(hits.map((h) => ({ x: Math.round(h.x), y: Math.round(h.y), config: h.config })));
}

interface LinePoint {
  x: number;
  y: number | null;
  config: number;
  n: number;
}

export class LineChart {
  readonly canvas = el('canvas', { id: 'line-chart', role: 'img' });
  readonly element = el('div', { class: 'chart-box' }, this.canvas);
  private readonly chart: Chart<'line', LinePoint[]>;

  constructor(onOpen: (config: number) => void) {
    const muted = themeColor('--vscode-descriptionForeground', '#9d9d9d');
    const foreground = themeColor('--vscode-foreground', '#cccccc');
    this.chart = new Chart<'line', LinePoint[]>(this.canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        color: foreground,
        font: font(),
        parsing: false,
        interaction: { mode: 'nearest', intersect: true },
        scales: {
          x: { type: 'linear', title: { display: true, color: muted }, ticks: { color: muted }, grid: { color: GRID } },
          y: { title: { display: true, color: muted }, ticks: { color: muted, callback: (v) => formatValue(Number(v)) }, grid: { color: GRID } },
        },
        plugins: {
          legend: { display: true, position: 'bottom', labels: { color: foreground, boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: (item) => {
                const p = item.raw as LinePoint;
                return `${item.dataset.label ?? ''}: ${p.y === null ? '-' : formatValue(p.y)} (${p.n} rows; click opens configuration ${p.config})`;
              },
            },
          },
        },
        onClick: (_event, elements: ActiveElement[]) => {
          const hit = elements[0];
          const point = hit ? this.chart.data.datasets[hit.datasetIndex]?.data[hit.index] : undefined;
          if (point && point.config >= 0) onOpen(point.config);
        },
      },
      plugins: [{ id: 'perturberHits', afterDraw: () => this.writeHits() }],
    });
  }

  /** The points' positions as drawn (after every draw: the chart resizes with the view). */
  private writeHits(): void {
    const hits: { x: number; y: number; config: number }[] = [];
    this.chart.data.datasets.forEach((dataset, d) => {
      this.chart.getDatasetMeta(d).data.forEach((element, k) => {
        const point = dataset.data[k];
        if (!point || point.y === null) return;
        const { x, y } = element.getProps(['x', 'y'], true);
        hits.push({ x, y, config: point.config });
      });
    });
    writeHits(this.canvas, hits);
  }

  update(plot: LinePlot, xTitle: string, yTitle: string, displayNames: ReadonlyMap<string, string>): void {
    const options = this.chart.options;
    const scales = options.scales as { x: { title: { text?: string } }; y: { title: { text?: string } } };
    scales.x.title.text = xTitle;
    scales.y.title.text = yTitle;
    // The axis spans the parameter's values, not chart.js's rounded bounds.
    const xs = scales.x as { min?: number; max?: number };
    xs.min = plot.xValues[0];
    xs.max = plot.xValues.at(-1);
    this.chart.data.datasets = plot.series.map((s, i) => ({
      label: displayNames.get(s.model) ?? s.model,
      data: s.points.map((p, k) => ({ x: plot.xValues[k], y: p.value, config: p.config, n: p.n })),
      borderColor: seriesColour(i),
      backgroundColor: seriesColour(i),
      pointRadius: 4,
      pointHoverRadius: 6,
      // Points on the first and last value sit on the chart area's edge: draw them whole.
      clip: 8,
      spanGaps: false,
      tension: 0,
    }));
    this.chart.update('none');
    this.canvas.dataset.series = String(plot.series.length);
    this.canvas.dataset.points = String(plot.xValues.length);
    this.canvas.setAttribute('aria-label', `${yTitle} against ${xTitle}, ${plot.series.length} models`);
  }
}

interface Cell {
  x: string;
  y: string;
  v: number | null;
  config: number;
  n: number;
}

export class HeatmapChart {
  readonly canvas = el('canvas', { id: 'heatmap', role: 'img' });
  readonly element = el('div', { class: 'chart-box heatmap-box' }, this.canvas);
  private readonly chart: Chart<'matrix', Cell[]>;
  private range: { min: number; max: number } = { min: 0, max: 1 };

  constructor(onOpen: (config: number) => void) {
    const muted = themeColor('--vscode-descriptionForeground', '#9d9d9d');
    const empty = 'rgba(128, 128, 128, 0.18)';
    this.chart = new Chart<'matrix', Cell[]>(this.canvas, {
      type: 'matrix',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        font: font(),
        scales: {
          x: { type: 'category', offset: true, title: { display: true, color: muted }, ticks: { color: muted }, grid: { display: false } },
          y: { type: 'category', offset: true, reverse: true, title: { display: true, color: muted }, ticks: { color: muted }, grid: { display: false } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: () => '',
              label: (item) => {
                const c = item.raw as Cell;
                return `(${c.x}, ${c.y}): ${c.v === null ? '-' : formatValue(c.v)} (${c.n} rows; click opens configuration ${c.config})`;
              },
            },
          },
        },
        onClick: (_event, elements: ActiveElement[]) => {
          const hit = elements[0];
          const cell = hit ? this.chart.data.datasets[0]?.data[hit.index] : undefined;
          if (cell && cell.config >= 0) onOpen(cell.config);
        },
      },
      plugins: [{ id: 'perturberHits', afterDraw: () => this.writeHits() }],
    });
    this.emptyColour = empty;
  }

  private emptyColour: string;

  /** The cells' centres as drawn (after every draw: the chart resizes with the view). */
  private writeHits(): void {
    const data = this.chart.data.datasets[0]?.data ?? [];
    const hits: { x: number; y: number; config: number }[] = [];
    this.chart.getDatasetMeta(0).data.forEach((element, k) => {
      const cell = data[k];
      const { x, y, width, height } = element.getProps(['x', 'y', 'width', 'height'], true) as { x: number; y: number; width: number; height: number };
      // The matrix element's x/y is its top-left corner.
      if (cell && cell.v !== null) hits.push({ x: x + width / 2, y: y + height / 2, config: cell.config });
    });
    writeHits(this.canvas, hits);
  }

  update(map: Heatmap, xTitle: string, yTitle: string): void {
    const scales = this.chart.options.scales as { x: { labels?: string[]; title: { text?: string } }; y: { labels?: string[]; title: { text?: string } } };
    scales.x.title.text = xTitle;
    scales.y.title.text = yTitle;
    scales.x.labels = map.xValues.map(String);
    scales.y.labels = map.yValues.map(String);
    this.range = { min: map.min ?? 0, max: map.max ?? 1 };
    const nx = Math.max(1, map.xValues.length);
    const ny = Math.max(1, map.yValues.length);
    const data: Cell[] = map.cells.map((c, i) => ({ x: String(map.xValues[i % nx]), y: String(map.yValues[Math.floor(i / nx)]), v: c.value, config: c.config, n: c.n }));
    this.chart.data.datasets = [
      {
        label: 'heatmap',
        data,
        backgroundColor: (ctx) => {
          const v = (ctx.raw as Cell | undefined)?.v;
          if (v === null || v === undefined) return this.emptyColour;
          const span = this.range.max - this.range.min;
          return viridis(span > 0 ? (v - this.range.min) / span : 0.5);
        },
        borderWidth: 0,
        width: ({ chart }) => Math.max(1, (chart.chartArea?.width ?? 0) / nx - 1),
        height: ({ chart }) => Math.max(1, (chart.chartArea?.height ?? 0) / ny - 1),
      },
    ];
    this.chart.update('none');
    this.canvas.dataset.cells = String(data.length);
    this.canvas.dataset.filled = String(data.filter((c) => c.v !== null).length);
    this.canvas.setAttribute('aria-label', `heatmap of ${xTitle} by ${yTitle}, ${data.length} cells`);
  }
}
