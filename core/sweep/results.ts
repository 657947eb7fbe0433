/**
 * results.csv of a sweep: one row per configuration x model, and what summary.json computes from the rows
 * (per-model aggregates, shape bias).
 *
 * Columns, in order:
 *   config                      the configuration's index (configurations.ts documents the order)
 *   <parameter path>...         each parameter's value, headed by its path (e.g. `camera.azimuth`)
 *   shape_class, texture_class  only when the sweep has cue-conflict pairs
 *   model                       the scene model id
 *   top1_label, top1_prob, ...  the model's top-k labels and probabilities (k = record.topK)
 *   p:<class>...                the probability of each recorded class (`record.classes`, then the attack's class when
 *                               the sweep has an attack; empty if the model has no such label)
 *   n:<layer>:<neuron>...       the mean activation of each watched neuron (`record.neurons`), over every model's watches
 *                               (empty for a model that does not watch it)
 *   attack_objective_before,    only with `attack`: log p(class) on the attacked model at x0 and at the attacked image
 *   attack_objective_after      (the same in every row of a configuration)
 *   error                       why the model has no result for this configuration (empty when it has one)
 * Numbers print with 7 significant digits (probabilities, means) or as applied (parameter values). Lines end in "\n".
 */
import type { SceneModel } from '../sceneTypes';
import { ATTACK_COLUMNS, recordedClasses } from './attack';
import { SWEEP_DEFAULTS, type SweepConfiguration, type SweepSpec } from './types';

export interface SweepRowResult {
  modelId: string;
  /** Top predictions, best first (at least topK when available). */
  top: { label: string; probability: number }[];
  /** Probability of each of `record.classes` (null: the model has no such label). */
  classes: (number | null)[];
  /** `layer:neuron` -> mean activation. */
  neurons: Map<string, number>;
  /** The configuration's attack: log p(class) on the attacked model before and after PGD. */
  attack?: { before: number; after: number };
  error?: string;
}

export interface CsvLayout {
  header: string[];
  topK: number;
  classes: string[];
  /** `layer:neuron` keys of the neuron columns. */
  neurons: string[];
  pairs: boolean;
  /** The sweep has an attack (the ATTACK_COLUMNS are there). */
  attack: boolean;
}

/** The column layout of a sweep over `models` (the scene models the sweep runs). */
export function csvLayout(spec: SweepSpec, models: readonly SceneModel[]): CsvLayout {
  const topK = spec.record?.topK ?? SWEEP_DEFAULTS.topK;
  const classes = recordedClasses(spec);
  const neurons: string[] = [];
  if (spec.record?.neurons) {
    for (const m of models) for (const w of m.watch) for (const n of w.neurons) if (!neurons.includes(`${w.layer}:${n}`)) neurons.push(`${w.layer}:${n}`);
  }
  const pairs = (spec.cueConflict?.length ?? 0) > 0;
  const attack = spec.attack !== undefined;
  const header = [
    'config',
    ...spec.parameters.map((p) => p.path),
    ...(pairs ? ['shape_class', 'texture_class'] : []),
    'model',
    ...Array.from({ length: topK }, (_, i) => [`top${i + 1}_label`, `top${i + 1}_prob`]).flat(),
    ...classes.map((c) => `p:${c}`),
    ...neurons.map((n) => `n:${n}`),
    ...(attack ? ATTACK_COLUMNS : []),
    'error',
  ];
  return { header, topK, classes, neurons, pairs, attack };
}

/** A number as the CSV prints it: 7 significant digits, no trailing zeros; '' for NaN or null. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '';
  return String(Number(x.toPrecision(7)));
}

/** One CSV field, quoted when it holds a comma, quote or line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\n';
}

/** The CSV line of one configuration x model. */
export function csvRow(layout: CsvLayout, spec: SweepSpec, config: SweepConfiguration, result: SweepRowResult): string {
  const pair = config.pair !== undefined ? spec.cueConflict?.[config.pair] : undefined;
  const fields = [String(config.index), ...config.values.map((v) => String(v))];
  if (layout.pairs) fields.push(pair ? pair.shapeClass ?? pair.shape : '', pair ? pair.textureClass : '');
  fields.push(result.modelId);
  for (let i = 0; i < layout.topK; i++) {
    const p = result.top[i];
    fields.push(p ? p.label : '', p ? formatNumber(p.probability) : '');
  }
  for (let i = 0; i < layout.classes.length; i++) fields.push(formatNumber(result.classes[i]));
  for (const key of layout.neurons) fields.push(formatNumber(result.neurons.get(key)));
  if (layout.attack) fields.push(formatNumber(result.attack?.before), formatNumber(result.attack?.after));
  fields.push(result.error ?? '');
  return csvLine(fields);
}

/** Parses CSV text (RFC 4180 quoting) into rows of fields; a trailing line without "\n" is dropped (incomplete). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  return rows;
}

/** Rows as records keyed by the header (the first row). */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

export interface ModelAggregate {
  rows: number;
  /** Rows with an error. */
  errors: number;
  /** How often each label was the top-1. */
  top1: Record<string, number>;
  meanTop1Probability: number | null;
  /** Mean probability of each recorded class over the rows that have it. */
  meanClassProbability: Record<string, number | null>;
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Per-model aggregates of the CSV's rows. */
export function aggregate(records: readonly Record<string, string>[], classes: readonly string[]): Record<string, ModelAggregate> {
  const out: Record<string, ModelAggregate> = {};
  const probs = new Map<string, { top1: number[]; classes: number[][] }>();
  for (const r of records) {
    const id = r.model;
    const a = (out[id] ??= { rows: 0, errors: 0, top1: {}, meanTop1Probability: null, meanClassProbability: {} });
    const p = probs.get(id) ?? { top1: [], classes: classes.map(() => []) };
    probs.set(id, p);
    a.rows++;
    if (r.error) a.errors++;
    if (r.top1_label) {
      a.top1[r.top1_label] = (a.top1[r.top1_label] ?? 0) + 1;
      p.top1.push(Number(r.top1_prob));
    }
    classes.forEach((c, i) => {
      const v = r[`p:${c}`];
      if (v !== undefined && v !== '') p.classes[i].push(Number(v));
    });
  }
  for (const [id, p] of probs) {
    out[id].meanTop1Probability = mean(p.top1);
    classes.forEach((c, i) => (out[id].meanClassProbability[c] = mean(p.classes[i])));
  }
  return out;
}

export interface ShapeBias {
  shapeDecisions: number;
  textureDecisions: number;
  /** Rows whose top-1 is neither class. */
  otherDecisions: number;
  /** shape / (shape + texture); null when there is no shape or texture decision. */
  shapeBias: number | null;
}

/**
 * Shape bias (Geirhos et al. 2019) per model over cue-conflict rows: a row is a shape decision when its top-1 label
 * is the shape class, a texture decision when it is the texture class; shape bias = shape / (shape + texture).
 * Rows without shape_class/texture_class or with an error are left out.
 */
export function shapeBias(records: readonly Record<string, string>[]): Record<string, ShapeBias> {
  const out: Record<string, ShapeBias> = {};
  for (const r of records) {
    if (!r.shape_class || !r.texture_class || r.error || !r.top1_label) continue;
    const b = (out[r.model] ??= { shapeDecisions: 0, textureDecisions: 0, otherDecisions: 0, shapeBias: null });
    const label = r.top1_label.toLowerCase();
    if (label === r.shape_class.toLowerCase()) b.shapeDecisions++;
    else if (label === r.texture_class.toLowerCase()) b.textureDecisions++;
    else b.otherDecisions++;
  }
  for (const b of Object.values(out)) {
    const n = b.shapeDecisions + b.textureDecisions;
    b.shapeBias = n === 0 ? null : b.shapeDecisions / n;
  }
  return out;
}
