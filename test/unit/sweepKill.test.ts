/**
 * A sweep whose process is killed (issue 9, "Faults"): the extension host dying mid-sweep cannot be staged from
 * inside the mocha run (it would kill the runner), so this runs the real sweep runner one level down, in a child Node
 * process (sweepKillChild.ts: src/sweep/runner.ts, ONNX Runtime, the fixture model twice, saved images), SIGKILLs it
 * at chosen points found by polling results.csv, starts a new process that resumes, and compares with an
 * uninterrupted run: byte-identical results.csv, every (configuration, model) row exactly once, the same images,
 * no temporary files left, and a summary.json that says the same (resumed where the killed run's progress.json said).
 * Kill points: after the first row, mid-way, right after the first commit, once every row is in the file (the kill
 * lands in the last commit or the summary), three seeded random points, and a resumed run killed again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../../core/noise';
import { csvRecords } from '../../core/sweep/results';
import type { SweepSummary } from '../../src/sweep/runner';
import { KILL_SPEC } from './sweepKillChild';

const CHILD = path.join(__dirname, 'sweepKillChild.js');
/** What the stand-in renderer takes per configuration (a real one renders in the webview meanwhile). */
const RENDER_MS = 8;
const CONFIGURATIONS = 60;
const MODELS = ['a', 'b'];

const tmp = mkdtempSync(path.join(tmpdir(), 'perturber-sweep-kill-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function start(runsDir: string): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [CHILD, runsDir, String(RENDER_MS)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exit };
}

async function runToEnd(runsDir: string): Promise<void> {
  const { code, signal, stderr } = await start(runsDir).exit;
  assert.equal(code, 0, `the sweep process failed (${signal ?? code}): ${stderr}`);
}

function folderOf(runsDir: string): string {
  return path.join(runsDir, KILL_SPEC.name);
}

/** Every file of a run folder (images included) with its bytes, summary.json and progress.json left out. */
function files(folder: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string, prefix: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix + e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), `${rel}/`);
      else if (rel !== 'summary.json' && rel !== 'progress.json') out.set(rel, readFileSync(path.join(dir, e.name)));
    }
  };
  walk(folder, '');
  return out;
}

function readProgress(folder: string): { done: number; bytes: number } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(folder, 'progress.json'), 'utf8')) as { done: number; bytes: number };
  } catch {
    return undefined;
  }
}

/** When to kill: given results.csv's bytes, the configurations progress.json says are complete, and the run folder. */
type Condition = (csv: Buffer, done: number, folder: string) => boolean;

interface KillRecord {
  point: string;
  /** Runs started until one was killed at this point (the others finished first). */
  attempts: number;
  killed: boolean;
  csvBytes: number;
  completeRows: number;
  tornLine: boolean;
  progressDone: number;
  uncommittedBytes: number;
  tmpFiles: string[];
}

/** Starts a run (fresh or resuming) and SIGKILLs it as soon as `when(csv)` holds; what the kill left behind. */
async function killWhen(runsDir: string, point: string, when: Condition, reference: Map<string, Buffer>): Promise<KillRecord> {
  const { child, exit } = start(runsDir);
  const csvFile = path.join(folderOf(runsDir), 'results.csv');
  let exited: Exit | undefined;
  void exit.then((e) => (exited = e));
  for (;;) {
    if (exited) break;
    let csv: Buffer | undefined;
    try {
      csv = readFileSync(csvFile);
    } catch {
      csv = undefined;
    }
    if (csv && when(csv, readProgress(folderOf(runsDir))?.done ?? 0, folderOf(runsDir))) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setImmediate(r));
  }
  const result = await exit;
  const folder = folderOf(runsDir);
  const csv = existsSync(csvFile) ? readFileSync(csvFile) : Buffer.alloc(0);
  const progress = readProgress(folder);
  const names = existsSync(folder) ? [...readdirSync(folder), ...(existsSync(path.join(folder, 'images')) ? readdirSync(path.join(folder, 'images')) : [])] : [];
  const lines = csv.toString('utf8').split('\n').length - 1;
  if (result.signal !== 'SIGKILL') assert.equal(result.code, 0, `${point}: the run failed before the kill: ${result.stderr}`);
  // Files replaced atomically are whole whatever the moment of the kill: progress.json and summary.json parse, and
  // every image under its final name is the uninterrupted run's.
  for (const name of ['progress.json', 'summary.json'].filter((n) => existsSync(path.join(folder, n)))) {
    assert.doesNotThrow(() => JSON.parse(readFileSync(path.join(folder, name), 'utf8')), `${point}: ${name} is not whole after the kill`);
  }
  for (const name of names.filter((n) => n.endsWith('.png'))) {
    assert.ok(readFileSync(path.join(folder, 'images', name)).equals(reference.get(`images/${name}`)!), `${point}: images/${name} is not whole`);
  }
  return {
    point,
    attempts: 1,
    killed: result.signal === 'SIGKILL',
    csvBytes: csv.length,
    completeRows: Math.max(0, lines - 1),
    tornLine: csv.length > 0 && csv[csv.length - 1] !== 0x0a,
    progressDone: progress?.done ?? 0,
    uncommittedBytes: csv.length - (progress?.bytes ?? 0),
    tmpFiles: names.filter((n) => n.endsWith('.tmp')),
  };
}

function summaryOf(runsDir: string): SweepSummary {
  return JSON.parse(readFileSync(path.join(folderOf(runsDir), 'summary.json'), 'utf8')) as SweepSummary;
}

test('a sweep process SIGKILLed at any point resumes to the uninterrupted run: the same bytes, rows, images and summary', async () => {
  const refDir = path.join(tmp, 'reference');
  await runToEnd(refDir);
  const refFiles = files(folderOf(refDir));
  const refCsv = refFiles.get('results.csv')!;
  const refSummary = summaryOf(refDir);
  assert.equal(refSummary.complete, true);
  assert.equal(refSummary.configurations, CONFIGURATIONS);
  assert.equal(refSummary.rows, CONFIGURATIONS * MODELS.length);
  assert.equal(refFiles.size, 1 + CONFIGURATIONS, 'results.csv and one image per configuration');
  const header = refCsv.indexOf(0x0a) + 1;
  const newlines = (csv: Buffer): number => csv.reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);

  const rng = mulberry32(20261129);
  const points: { name: string; when: Condition; again?: Condition }[] = [
    { name: 'after the first row', when: (csv) => newlines(csv) >= 2 },
    { name: 'mid-way', when: (csv) => csv.length >= refCsv.length / 2 },
    { name: 'right after the first commit', when: (_csv, done) => done > 0 },
    // In the middle of an atomic replace (write .tmp, fsync, rename): a window of a millisecond or so, polled for.
    { name: 'while progress.json is replaced', when: (_csv, done, folder) => done > 0 && existsSync(path.join(folder, 'progress.json.tmp')) },
    {
      name: 'while an image is written, mid-way',
      when: (csv, _done, folder) => csv.length >= refCsv.length / 2 && readdirSync(path.join(folder, 'images')).some((n) => n.endsWith('.tmp')),
    },
    { name: 'every row written', when: (csv) => csv.length >= refCsv.length },
    ...[0, 1, 2].map((k) => {
      const at = header + Math.floor(rng() * (refCsv.length - header));
      const when: Condition = (csv) => csv.length >= at;
      return { name: `random ${k} (byte ${at})`, when };
    }),
    { name: 'a third, then the resumed run at two thirds', when: (csv) => csv.length >= refCsv.length / 3, again: (csv) => csv.length >= (2 * refCsv.length) / 3 },
  ];
  const records: KillRecord[] = [];
  for (const [i, p] of points.entries()) {
    const runsDir = path.join(tmp, `kill${i}`);
    // A run that ended before the kill reached it proves nothing: start again (a fresh folder) up to 5 times.
    let record: KillRecord | undefined;
    for (let attempt = 0; attempt < 5 && !record?.killed; attempt++) {
      rmSync(runsDir, { recursive: true, force: true });
      record = { ...(await killWhen(runsDir, p.name, p.when, refFiles)), attempts: attempt + 1 };
    }
    assert.ok(record?.killed, `${p.name}: the process finished before the kill, 5 times`);
    records.push(record);
    const kills = [record];
    if (p.again) {
      const second = await killWhen(runsDir, `${p.name} (second kill)`, p.again, refFiles);
      assert.ok(second.killed, `${p.name}: the resumed run finished before the second kill`);
      records.push(second);
      kills.push(second);
    }
    await runToEnd(runsDir);

    const got = files(folderOf(runsDir));
    const csv = got.get('results.csv')!;
    const rows = csvRecords(csv.toString('utf8'));
    const keys = rows.map((r) => `${r.config}/${r.model}`);
    assert.equal(new Set(keys).size, keys.length, `${p.name}: a duplicated row`);
    assert.equal(keys.length, CONFIGURATIONS * MODELS.length, `${p.name}: rows lost`);
    assert.ok(csv.equals(refCsv), `${p.name}: results.csv differs from the uninterrupted run's`);
    assert.deepEqual([...got.keys()].sort(), [...refFiles.keys()].sort(), `${p.name}: the files of the run folder`);
    for (const [name, bytes] of refFiles) assert.ok(got.get(name)!.equals(bytes), `${p.name}: ${name} differs`);

    const summary = summaryOf(runsDir);
    assert.equal(summary.complete, true, p.name);
    assert.equal(summary.done, CONFIGURATIONS, p.name);
    assert.equal(summary.rows, refSummary.rows, p.name);
    assert.equal(summary.specHash, refSummary.specHash, p.name);
    assert.deepEqual(summary.models, refSummary.models, p.name);
    assert.deepEqual(summary.perModel, refSummary.perModel, `${p.name}: the per-model aggregates`);
    // The last run continued exactly where the last killed one's progress.json said (nothing re-run, nothing skipped).
    assert.equal(summary.resumedAt, kills[kills.length - 1].progressDone, `${p.name}: resumed at`);
    if (summary.resumedAt === CONFIGURATIONS) assert.equal(summary.alreadyComplete, true, p.name);
  }
  console.log(`SWEEP_KILL ${JSON.stringify({ configurations: CONFIGURATIONS, rows: refSummary.rows, csvBytes: refCsv.length, kills: records })}`);
  const torn = records.filter((r) => r.tornLine).length;
  const uncommitted = records.filter((r) => r.uncommittedBytes > 0).length;
  console.log(`SWEEP_KILL ${records.length} kills: ${torn} left a torn last line, ${uncommitted} left rows past progress.json, ${records.filter((r) => r.tmpFiles.length > 0).length} left a .tmp file`);
});
