/**
 * What the sweep results view (issue 8) plots, computed from results.csv's records (core/sweep/results.ts documents
 * the columns): a y value per row (a class's probability, whether a class is the top-1, a neuron's mean activation),
 * the "y vs parameter" lines (one per model), the heatmap of two parameters for one model, the table's sort order and
 * the shape-bias rows. Every point or cell names a configuration (its lowest config index) so a click can open it.
 */
import { shapeBias as shapeBiasOf, type ShapeBias } from './sweep/results';

export type CsvRecord = Record<string, string>;

/** The y value of a row. */
export type SweepMetric =
  /** Probability of a class: its `p:<label>` column when the run recorded one, else the top-k columns (0 when absent). */
  | { kind: 'probability'; label: string }
  /** 1 when the row's top-1 is `label`, else 0: the mean is the top-1 rate. */
  | { kind: 'top1'; label: string }
  /** A neuron column, `n:<layer>:<neuron>` (the column's full name). */
  | { kind: 'neuron'; column: string };

/**
 * How the parameters that are not plotted are reduced: 'mean' over all their values, or only the rows where each
 * parameter named in `fixed` (by path) has that value (unnamed ones are averaged).
 */
export type SweepAggregation = 'mean' | { fixed: Record<string, number> };

export interface MetricOptions {
  /** Labels with a `p:` column. */
  classes: string[];
  /** Labels seen in the top-k columns, most often top-1 first (then most often in the top-k). */
  labels: string[];
  /** The `n:<layer>:<neuron>` columns. */
  neurons: string[];
}

/** How many top-k labels the picker offers at most. */
export const MAX_LABEL_OPTIONS = 200;

/** The parameter columns of a results.csv header: between `config` and `shape_class`/`model`. */
export function parameterColumns(header: readonly string[]): string[] {
  const start = header.indexOf('config');
  if (start < 0) return [];
  const out: string[] = [];
  for (let i = start + 1; i < header.length; i++) {
    if (header[i] === 'model' || header[i] === 'shape_class') break;
    out.push(header[i]);
  }
  return out;
}

/** The number of top-k label columns (`top<i>_label`) in the header. */
export function topKOf(header: readonly string[]): number {
  let k = 0;
  while (header.includes(`top${k + 1}_label`)) k++;
  return k;
}

/** The y metrics a results table offers. */
export function metricOptions(header: readonly string[], records: readonly CsvRecord[]): MetricOptions {
  const classes = header.filter((h) => h.startsWith('p:')).map((h) => h.slice(2));
  const neurons = header.filter((h) => h.startsWith('n:'));
  const k = topKOf(header);
  const top1 = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const r of records) {
    if (r.top1_label) top1.set(r.top1_label, (top1.get(r.top1_label) ?? 0) + 1);
    for (let i = 1; i <= k; i++) {
      const label = r[`top${i}_label`];
      if (label) seen.set(label, (seen.get(label) ?? 0) + 1);
    }
  }
  const labels = [...seen.keys()]
    .sort((a, b) => (top1.get(b) ?? 0) - (top1.get(a) ?? 0) || (seen.get(b) ?? 0) - (seen.get(a) ?? 0) || a.localeCompare(b))
    .slice(0, MAX_LABEL_OPTIONS);
  return { classes, labels, neurons };
}

function numberOf(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const x = Number(text);
  return Number.isFinite(x) ? x : null;
}

/** The metric's value for one row; null when the row has none (an error, an empty column). */
export function metricValue(record: CsvRecord, metric: SweepMetric): number | null {
  if (metric.kind === 'neuron') return numberOf(record[metric.column]);
  if (record.error) return null;
  if (metric.kind === 'top1') {
    if (!record.top1_label) return null;
    return record.top1_label.toLowerCase() === metric.label.toLowerCase() ? 1 : 0;
  }
  const column = `p:${metric.label}`;
  if (column in record) return numberOf(record[column]);
  if (!record.top1_label) return null;
  const wanted = metric.label.toLowerCase();
  for (let i = 1; `top${i}_label` in record; i++) {
    if ((record[`top${i}_label`] ?? '').toLowerCase() === wanted) return numberOf(record[`top${i}_prob`]);
  }
  // Not in the row's top-k: below its k-th probability; counted as 0 (record.classes gives exact values).
  return 0;
}

/** The configuration index of a row (its `config` column), or null when it is not one. */
export function configIndex(record: CsvRecord): number | null {
  const text = record.config;
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/** The models in order of first appearance. */
export function modelsOf(records: readonly CsvRecord[]): string[] {
  const out: string[] = [];
  for (const r of records) if (r.model && !out.includes(r.model)) out.push(r.model);
  return out;
}

/** The distinct numeric values of a parameter column, ascending. */
export function parameterValues(records: readonly CsvRecord[], parameter: string): number[] {
  const values = new Set<number>();
  for (const r of records) {
    const v = numberOf(r[parameter]);
    if (v !== null) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function keep(record: CsvRecord, aggregation: SweepAggregation, plotted: readonly string[]): boolean {
  if (aggregation === 'mean') return true;
  for (const [path, value] of Object.entries(aggregation.fixed)) {
    if (plotted.includes(path)) continue;
    if (numberOf(record[path]) !== value) return false;
  }
  return true;
}

/** A mean of rows: the value (null: no row had one), how many rows had a value, and the first configuration. */
export interface Cell {
  value: number | null;
  n: number;
  /** The lowest configuration index among the rows (with or without a value); -1 when there is none. */
  config: number;
}

class Accumulator {
  private sum = 0;
  private n = 0;
  private config = -1;

  add(value: number | null, config: number | null): void {
    if (config !== null && (this.config < 0 || config < this.config)) this.config = config;
    if (value === null) return;
    this.sum += value;
    this.n++;
  }

  cell(): Cell {
    return { value: this.n === 0 ? null : this.sum / this.n, n: this.n, config: this.config };
  }
}

export interface LineSeries {
  model: string;
  /** One point per `xValues` entry (value null where no row had one). */
  points: Cell[];
}

export interface LinePlot {
  xValues: number[];
  series: LineSeries[];
}

export interface LineRequest {
  metric: SweepMetric;
  x: string;
  aggregation: SweepAggregation;
}

/** "y vs parameter x", one line per model: the mean of y over the kept rows at each value of x. */
export function linePlot(records: readonly CsvRecord[], request: LineRequest): LinePlot {
  const kept = records.filter((r) => keep(r, request.aggregation, [request.x]));
  const xValues = parameterValues(kept, request.x);
  const at = new Map(xValues.map((x, i) => [x, i]));
  const series = modelsOf(kept).map((model) => ({ model, acc: xValues.map(() => new Accumulator()) }));
  const byModel = new Map(series.map((s) => [s.model, s.acc]));
  for (const r of kept) {
    const x = numberOf(r[request.x]);
    const i = x === null ? undefined : at.get(x);
    if (i === undefined) continue;
    byModel.get(r.model)?.[i].add(metricValue(r, request.metric), configIndex(r));
  }
  return { xValues, series: series.map((s) => ({ model: s.model, points: s.acc.map((a) => a.cell()) })) };
}

export interface HeatmapRequest {
  metric: SweepMetric;
  x: string;
  y: string;
  model: string;
  aggregation: SweepAggregation;
}

export interface Heatmap {
  xValues: number[];
  yValues: number[];
  /** Row-major: `cells[yi * xValues.length + xi]`. */
  cells: Cell[];
  /** Smallest and largest cell value (null when no cell has one). */
  min: number | null;
  max: number | null;
}

/** The mean of y per (x, y) cell for one model. */
export function heatmap(records: readonly CsvRecord[], request: HeatmapRequest): Heatmap {
  const kept = records.filter((r) => r.model === request.model && keep(r, request.aggregation, [request.x, request.y]));
  const xValues = parameterValues(kept, request.x);
  const yValues = parameterValues(kept, request.y);
  const xi = new Map(xValues.map((v, i) => [v, i]));
  const yi = new Map(yValues.map((v, i) => [v, i]));
  const acc = Array.from({ length: xValues.length * yValues.length }, () => new Accumulator());
  for (const r of kept) {
    const x = xi.get(numberOf(r[request.x]) ?? NaN);
    const y = yi.get(numberOf(r[request.y]) ?? NaN);
    if (x === undefined || y === undefined) continue;
    acc[y * xValues.length + x].add(metricValue(r, request.metric), configIndex(r));
  }
  const cells = acc.map((a) => a.cell());
  const values = cells.map((c) => c.value).filter((v): v is number => v !== null);
  return { xValues, yValues, cells, min: values.length ? Math.min(...values) : null, max: values.length ? Math.max(...values) : null };
}

/** Row indices of `records` sorted by `column` (numbers numerically, before text; empty last; ties by row order). */
export function sortedRows(records: readonly CsvRecord[], column: string | undefined, descending: boolean): number[] {
  const order = records.map((_, i) => i);
  if (!column) return order;
  const keyOf = (i: number): { n: number | null; t: string } => {
    const t = records[i][column] ?? '';
    return { n: numberOf(t), t };
  };
  const keys = order.map(keyOf);
  const sign = descending ? -1 : 1;
  return order.sort((a, b) => {
    const ka = keys[a];
    const kb = keys[b];
    const emptyA = ka.t === '';
    const emptyB = kb.t === '';
    if (emptyA !== emptyB) return emptyA ? 1 : -1;
    let c = 0;
    if (ka.n !== null && kb.n !== null) c = ka.n - kb.n;
    else if (ka.n !== null) c = -1;
    else if (kb.n !== null) c = 1;
    else c = ka.t.localeCompare(kb.t);
    return c !== 0 ? sign * c : a - b;
  });
}

export interface ShapeBiasRow extends ShapeBias {
  model: string;
}

/**
 * The shape-bias rows per model: summary.json's `shapeBias` when it has one, else computed from the rows (a run
 * still going has no summary yet); empty when the sweep has no cue-conflict columns.
 */
export function shapeBiasRows(records: readonly CsvRecord[], fromSummary?: Record<string, ShapeBias>): ShapeBiasRow[] {
  const table = fromSummary ?? shapeBiasOf(records);
  const order = modelsOf(records);
  const models = [...order.filter((m) => m in table), ...Object.keys(table).filter((m) => !order.includes(m))];
  return models.map((model) => ({ model, ...table[model] }));
}
