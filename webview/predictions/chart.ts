/** A horizontal top-k bar chart per model, reused across frames (data swapped in place, no animation). */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip, type Plugin } from 'chart.js';
import type { Prediction } from '../../core/protocol';
import { themeColor } from '../shared/dom';

// Only what the charts use, so the bundle leaves the rest of chart.js out.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

/** Class names longer than this are shortened on the axis (the tooltip has them in full). */
/** Bars are thin, with the class name above each: long ImageNet names stay readable and bars get the full width. */
const BAR_PX = 12;
const FONT_PX = 12;

interface Theme {
  foreground: string;
  muted: string;
  grid: string;
  top: string;
  rest: string;
  font: string;
}

function readTheme(): Theme {
  const accent = themeColor('--vscode-charts-blue', '#3794ff');
  return {
    foreground: themeColor('--vscode-foreground', '#cccccc'),
    muted: themeColor('--vscode-descriptionForeground', '#9d9d9d'),
    grid: withAlpha(themeColor('--vscode-foreground', '#cccccc'), 0.12),
    top: accent,
    rest: withAlpha(accent, 0.5),
    font: getComputedStyle(document.body).fontFamily || 'sans-serif',
  };
}

/** `#rgb`/`#rrggbb`/`#rrggbbaa` with a new alpha; other CSS colours are returned unchanged. */
export function withAlpha(color: string, alpha: number): string {
  let hex = color.trim();
  if (/^#[0-9a-f]{3}$/i.test(hex)) hex = `#${hex[1]}${hex[1]}${hex[2]}${hex[2]}${hex[3]}${hex[3]}`;
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?$/i.exec(hex);
  if (!match) return color;
  const [r, g, b] = [match[1], match[2], match[3]].map((h) => parseInt(h, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

export function percent(p: number): string {
  return `${(p * 100).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`;
}

/** `text` cut with an ellipsis to fit `maxWidth` in the context's current font. */
function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** Draws each class name above its bar and the probability just past the bar's end. */
const barLabels: Plugin<'bar'> = {
  id: 'perturberBarLabels',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    const meta = chart.getDatasetMeta(0);
    const values = chart.data.datasets[0]?.data ?? [];
    const labels = chart.data.labels ?? [];
    const family = typeof chart.options.font?.family === 'string' ? chart.options.font.family : 'sans-serif';
    ctx.save();
    ctx.font = `${FONT_PX}px ${family}`;
    ctx.fillStyle = String(chart.options.color ?? '#cccccc');
    meta.data.forEach((bar, i) => {
      const value = values[i];
      if (typeof value !== 'number') return;
      const { x, y } = bar.getProps(['x', 'y'], true);
      ctx.textBaseline = 'bottom';
      ctx.fillText(fitText(ctx, String(labels[i] ?? ''), chartArea.right - chartArea.left), chartArea.left, y - BAR_PX / 2 - 2);
      ctx.textBaseline = 'middle';
      ctx.fillText(percent(value), x + 5, y + 1);
    });
    ctx.restore();
  },
};

export class PredictionChart {
  private readonly chart: Chart<'bar', number[], string>;
  private current: readonly Prediction[] = [];
  private theme: Theme = readTheme();

  constructor(canvas: HTMLCanvasElement) {
    const theme = this.theme;
    this.chart = new Chart<'bar', number[], string>(canvas, {
      type: 'bar',
      data: { labels: [], datasets: [{ data: [], backgroundColor: [], borderRadius: 2, barThickness: BAR_PX }] },
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        color: theme.foreground,
        font: { family: theme.font, size: 12 },
        // Room for the value past a full bar, and for the first class name above the first bar.
        layout: { padding: { right: 44, top: FONT_PX + 2 } },
        scales: {
          x: {
            min: 0,
            max: 1,
            grid: { color: theme.grid },
            border: { display: false },
            ticks: { color: theme.muted, stepSize: 0.25, maxRotation: 0, callback: (value) => `${Math.round(Number(value) * 100)}%` },
          },
          // Class names are drawn above the bars (barLabels), not on an axis.
          y: { display: false, offset: true },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => this.current[items[0]?.dataIndex ?? 0]?.label ?? '',
              label: (item) => `${percent(item.parsed.x ?? 0)} (output ${this.current[item.dataIndex]?.index ?? '?'})`,
            },
          },
        },
      },
      plugins: [barLabels],
    });
  }

  update(top: readonly Prediction[]): void {
    this.current = top;
    const data = this.chart.data;
    data.labels = top.map((p) => p.label);
    const dataset = data.datasets[0];
    dataset.data = top.map((p) => p.probability);
    const theme = this.theme;
    dataset.backgroundColor = top.map((_, i) => (i === 0 ? theme.top : theme.rest));
    this.chart.update('none');
  }

  /** Re-reads the theme colours (VS Code switched themes). */
  refreshTheme(): void {
    this.applyTheme(readTheme());
    const dataset = this.chart.data.datasets[0];
    dataset.backgroundColor = dataset.data.map((_, i) => (i === 0 ? this.theme.top : this.theme.rest));
    this.chart.update('none');
  }

  destroy(): void {
    this.chart.destroy();
  }

  private applyTheme(theme: Theme): void {
    this.theme = theme;
    const options = this.chart.options;
    options.color = theme.foreground;
    options.font = { family: theme.font, size: 12 };
    const x = options.scales?.x;
    if (x) {
      x.grid = { ...x.grid, color: theme.grid };
      x.ticks = { ...x.ticks, color: theme.muted };
    }
  }
}
