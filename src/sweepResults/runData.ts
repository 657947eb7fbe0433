/**
 * Reading one sweep run folder for the results view: summary.json (absent while a first run is still going: then
 * progress.json gives done/total), results.csv, both checked by core/sweepRunData.ts; and the runs of a workspace
 * for the picker.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { SweepRunInfo } from '../../core/protocol';
import { modelsOf, parameterColumns, type CsvRecord } from '../../core/sweepPlots';
import { parseResultsCsv, parseSummary, toRecords, type ResultsTable, type SweepSummaryFile } from '../../core/sweepRunData';

export interface LoadedRun {
  folder: string;
  summary?: SweepSummaryFile;
  info: SweepRunInfo;
  table: ResultsTable;
  records: CsvRecord[];
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** progress.json's done/total (src/sweep/runFiles.ts), when it is readable. */
async function progressOf(folder: string): Promise<{ done: number; total: number } | undefined> {
  try {
    const p = JSON.parse((await readText(path.join(folder, 'progress.json'))) ?? 'null') as { done?: unknown; total?: unknown } | null;
    return p && Number.isSafeInteger(p.done) && Number.isSafeInteger(p.total) ? { done: p.done as number, total: p.total as number } : undefined;
  } catch {
    return undefined;
  }
}

/** The run in `folder`, or throws an Error whose message says what is wrong with its files. */
export async function loadRun(folder: string, displayFolder: string): Promise<LoadedRun> {
  const summaryText = await readText(path.join(folder, 'summary.json'));
  let summary: SweepSummaryFile | undefined;
  if (summaryText !== undefined) {
    const checked = parseSummary(summaryText);
    if (!checked.ok) throw new Error(checked.error);
    summary = checked.value;
  }
  const csvText = await readText(path.join(folder, 'results.csv'));
  if (csvText === undefined) throw new Error(`${displayFolder} has no results.csv (is it a sweep run folder?)`);
  // A resumed run keeps its old summary.json until it stops: progress.json is newer about done.
  const progress = await progressOf(folder);
  const configurations = summary?.configurations ?? progress?.total;
  const checked = parseResultsCsv(csvText, configurations);
  if (!checked.ok) throw new Error(checked.error);
  const table = checked.value;
  const records = toRecords(table);
  let openProblem: string | undefined;
  if (!summary) openProblem = 'summary.json is not written yet (the sweep writes it when it stops): opening a configuration as a scene needs it.';
  else if (!(await fs.stat(summary.sceneFile).then(() => true, () => false))) {
    openProblem = `The run's scene ${summary.sceneFile} is gone (moved or deleted): configurations cannot be opened as scenes.`;
  }
  const configs = new Set(table.rows.map((r) => r[0]));
  const info: SweepRunInfo = {
    name: summary?.name ?? path.basename(folder),
    folder: displayFolder,
    parameters: parameterColumns(table.header),
    models: summary?.models ?? modelsOf(records).map((id) => ({ id, displayName: id })),
    configurations: configurations ?? null,
    done: Math.max(summary?.done ?? 0, progress?.done ?? 0) || configs.size,
    complete: (summary?.complete ?? false) || (progress !== undefined && progress.done === progress.total),
    ...(summary?.date ? { date: summary.date } : {}),
    ...(summary?.shapeBias ? { shapeBias: summary.shapeBias } : {}),
    ...(openProblem ? { openProblem } : {}),
  };
  return { folder, summary, info, table, records };
}

export interface RunEntry {
  folder: string;
  name: string;
  done: number;
  total: number | null;
  /** summary.json's date, else the newest file's modification time (ISO). */
  date: string;
}

/** The run folders (those holding results.csv) under `runsDir`, newest first. */
export async function listRuns(runsDir: string): Promise<RunEntry[]> {
  const names = await fs.readdir(runsDir).catch(() => [] as string[]);
  const out: RunEntry[] = [];
  for (const name of names) {
    const folder = path.join(runsDir, name);
    const csv = await fs.stat(path.join(folder, 'results.csv')).catch(() => undefined);
    if (!csv) continue;
    const summaryText = await readText(path.join(folder, 'summary.json')).catch(() => undefined);
    const summary = summaryText !== undefined ? parseSummary(summaryText) : undefined;
    const progress = await progressOf(folder);
    const s = summary?.ok ? summary.value : undefined;
    out.push({
      folder,
      name,
      done: s?.done ?? progress?.done ?? 0,
      total: s?.configurations ?? progress?.total ?? null,
      date: s?.date ?? csv.mtime.toISOString(),
    });
  }
  return out.sort((a, b) => b.date.localeCompare(a.date));
}
