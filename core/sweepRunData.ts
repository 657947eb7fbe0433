/**
 * The files of a sweep run as the results view reads them (src/sweepResults/), checked at the boundary: a malformed
 * summary.json or results.csv gives a readable error, never a crash. summary.json is src/sweep/runner.ts's
 * `SweepSummary` (only the fields the view uses are checked); results.csv is core/sweep/results.ts's layout.
 */
import { parseCsv, type ShapeBias } from './sweep/results';
import type { SweepSpec } from './sweep/types';

/** The part of summary.json the view uses. */
export interface SweepSummaryFile {
  name: string;
  sceneFile: string;
  spec: SweepSpec;
  specHash?: string;
  configurations: number;
  done: number;
  complete: boolean;
  models: { id: string; displayName: string }[];
  shapeBias?: Record<string, ShapeBias>;
  date?: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** Above this the view refuses results.csv (it would not fit in a webview message comfortably). */
export const MAX_CSV_BYTES = 256 * 1024 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function count(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function shapeBiasTable(v: unknown): Record<string, ShapeBias> | string {
  if (!isRecord(v)) return 'shapeBias must be an object';
  const out: Record<string, ShapeBias> = {};
  for (const [model, b] of Object.entries(v)) {
    if (!isRecord(b) || !count(b.shapeDecisions) || !count(b.textureDecisions) || !count(b.otherDecisions)) {
      return `shapeBias["${model}"] must have shapeDecisions, textureDecisions and otherDecisions counts`;
    }
    const bias = b.shapeBias;
    if (bias !== null && !(typeof bias === 'number' && bias >= 0 && bias <= 1)) return `shapeBias["${model}"].shapeBias must be 0..1 or null`;
    out[model] = { shapeDecisions: b.shapeDecisions, textureDecisions: b.textureDecisions, otherDecisions: b.otherDecisions, shapeBias: bias };
  }
  return out;
}

function spec(v: unknown): SweepSpec | string {
  if (!isRecord(v)) return 'spec must be an object (the scene\'s "sweep" section)';
  if (typeof v.name !== 'string') return 'spec.name must be a string';
  if (!Array.isArray(v.parameters) || !v.parameters.every((p) => isRecord(p) && typeof p.path === 'string')) {
    return 'spec.parameters must be a list of { path, values | range }';
  }
  if (v.cueConflict !== undefined) {
    const ok = Array.isArray(v.cueConflict) && v.cueConflict.every((p) => isRecord(p) && typeof p.shape === 'string' && typeof p.textureClass === 'string');
    if (!ok) return 'spec.cueConflict must be a list of { shape, texture, textureClass }';
  }
  // The rest was validated with the scene when the sweep ran; applyConfiguration reports what it cannot apply.
  return v as unknown as SweepSpec;
}

/** summary.json's text, checked. */
export function parseSummary(text: string): Checked<SweepSummaryFile> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `summary.json is not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const fail = (error: string): Checked<SweepSummaryFile> => ({ ok: false, error: `summary.json: ${error}` });
  if (!isRecord(json)) return fail('must be an object');
  const s = json;
  if (typeof s.name !== 'string') return fail('name must be a string');
  if (typeof s.sceneFile !== 'string' || s.sceneFile === '') return fail('sceneFile must be the path of the scene file');
  if (!count(s.configurations) || !count(s.done)) return fail('configurations and done must be counts');
  if (typeof s.complete !== 'boolean') return fail('complete must be true or false');
  const checkedSpec = spec(s.spec);
  if (typeof checkedSpec === 'string') return fail(checkedSpec);
  if (!Array.isArray(s.models) || !s.models.every((m) => isRecord(m) && typeof m.id === 'string')) return fail('models must be a list of { id, displayName }');
  const models = s.models.map((m) => {
    const r = m as Record<string, unknown>;
    return { id: r.id as string, displayName: typeof r.displayName === 'string' ? r.displayName : (r.id as string) };
  });
  const out: SweepSummaryFile = { name: s.name, sceneFile: s.sceneFile, spec: checkedSpec, configurations: s.configurations, done: s.done, complete: s.complete, models };
  if (typeof s.specHash === 'string') out.specHash = s.specHash;
  if (typeof s.date === 'string') out.date = s.date;
  if (s.shapeBias !== undefined) {
    const table = shapeBiasTable(s.shapeBias);
    if (typeof table === 'string') return fail(table);
    out.shapeBias = table;
  }
  return { ok: true, value: out };
}

export interface ResultsTable {
  header: string[];
  rows: string[][];
}

/**
 * results.csv's text, checked: a header starting with `config` and holding `model`, every row as many fields as the
 * header, every `config` an index below `configurations` (when known). A trailing line without "\n" (a row being
 * written) is left out.
 */
export function parseResultsCsv(text: string, configurations?: number): Checked<ResultsTable> {
  if (text.length > MAX_CSV_BYTES) return { ok: false, error: `results.csv is too large (${text.length} bytes; at most ${MAX_CSV_BYTES})` };
  const [header, ...rows] = parseCsv(text);
  if (!header || header[0] !== 'config' || !header.includes('model')) {
    return { ok: false, error: 'results.csv has no sweep header (it must start with "config" and have a "model" column)' };
  }
  if (new Set(header).size !== header.length) return { ok: false, error: 'results.csv has a repeated column in its header' };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const line = i + 2;
    if (row.length !== header.length) return { ok: false, error: `results.csv line ${line} has ${row.length} fields; the header has ${header.length}` };
    const config = row[0];
    const n = /^\d+$/.test(config) ? Number(config) : NaN;
    if (!Number.isSafeInteger(n) || (configurations !== undefined && n >= configurations)) {
      const limit = configurations !== undefined ? ` below ${configurations}` : '';
      return { ok: false, error: `results.csv line ${line}: config "${config.slice(0, 40)}" is not a configuration index${limit}` };
    }
  }
  return { ok: true, value: { header, rows } };
}

/** Rows as records keyed by the header. */
export function toRecords(table: ResultsTable): Record<string, string>[] {
  return table.rows.map((r) => Object.fromEntries(table.header.map((h, i) => [h, r[i] ?? ''])));
}
