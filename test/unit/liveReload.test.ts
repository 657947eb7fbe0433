/**
 * Live reload while training, host parts without VS Code: pattern families read from real folders (and how they
 * follow new and deleted files), and the settling of files written in chunks (one report per burst, after the last
 * write; retries of a load that fails on a half-written file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkpointFiles, followsPattern, listPatternFiles, movedCheckpoint, readCheckpointFamily } from '../../src/inference/checkpointFamily';
import { retryWhileSettling, SettledChanges, waitForSettled } from '../../src/inference/fileSettle';
import type { ModelFiles } from '../../src/inference/loadModel';

const MANIFEST = {
  version: 1,
  displayName: 'Net',
  input: { name: 'input', width: 8, height: 8 },
  output: { name: 'logits' },
  labels: ['a', 'b'],
};

/** A manifest with `checkpoints` beside `net.onnx` in a fresh folder, plus empty files at `files`. */
function family(checkpoints: unknown, files: string[]): { dir: string; model: ModelFiles } {
  const dir = mkdtempSync(path.join(tmpdir(), 'perturber-pattern-'));
  writeFileSync(path.join(dir, 'net.model.json'), JSON.stringify({ ...MANIFEST, checkpoints }));
  for (const f of ['net.onnx', ...files]) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), 'x');
  }
  return { dir, model: { onnxPath: path.join(dir, 'net.onnx'), manifestPath: path.join(dir, 'net.model.json'), allowedRoots: [dir] } };
}

const base = (files: readonly ModelFiles[]): string[] => files.map((m) => path.basename(m.onnxPath));

test('a pattern family lists the matching files in natural order, then the own file; it follows the folder', async () => {
  const { dir, model } = family('runs/ckpt_*.onnx', ['runs/ckpt_10.onnx', 'runs/ckpt_2.onnx', 'runs/ckpt_3.onnx.part', 'runs/log.txt', 'ckpt_1.onnx']);
  try {
    const before = await readCheckpointFamily(model);
    assert.ok(before);
    assert.deepEqual(before.stops.map((s) => [s.value, s.label, s.step]), [[0, 'step 2', 2], [1, 'step 10', 10], [null, 'final', undefined]]);
    assert.deepEqual(base(before.members), ['ckpt_2.onnx', 'ckpt_10.onnx', 'net.onnx']);
    assert.equal(before.count, 2);
    assert.ok(followsPattern(before, path.join(dir, 'runs', 'ckpt_5.onnx')), 'a new checkpoint concerns the family');
    assert.ok(!followsPattern(before, path.join(dir, 'runs', 'ckpt_5.onnx.part')));
    assert.ok(!followsPattern(before, path.join(dir, 'ckpt_5.onnx')));

    // A checkpoint appears between the others: the scene on checkpoint 1 (ckpt_10) follows it to index 2.
    writeFileSync(path.join(dir, 'runs', 'ckpt_5.onnx'), 'x');
    const after = await readCheckpointFamily(model);
    assert.ok(after);
    assert.deepEqual(after.stops.map((s) => s.label), ['step 2', 'step 5', 'step 10', 'final']);
    assert.equal(movedCheckpoint(before, after, 1), 2);
    assert.equal(movedCheckpoint(before, after, 0), undefined, 'ckpt_2 stays at 0');
    assert.equal(movedCheckpoint(before, after, null), undefined, 'the own file needs no index');
    assert.equal(path.basename(checkpointFiles(model, after, 2).onnxPath), 'ckpt_10.onnx');

    // One goes: the scene on ckpt_10 moves back; a scene on the deleted file stays where it is.
    rmSync(path.join(dir, 'runs', 'ckpt_2.onnx'));
    const fewer = await readCheckpointFamily(model);
    assert.ok(fewer);
    assert.deepEqual(base(fewer.members), ['ckpt_5.onnx', 'ckpt_10.onnx', 'net.onnx']);
    assert.equal(movedCheckpoint(after, fewer, 2), 1);
    assert.equal(movedCheckpoint(after, fewer, 0), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pattern with no match yet is a family of one stop, and an index into it says so', async () => {
  const { dir, model } = family({ pattern: 'runs/*/model.onnx', label: 'epoch {step}' }, []);
  try {
    const empty = await readCheckpointFamily(model);
    assert.ok(empty, 'still a family, so it can grow');
    assert.deepEqual(empty.stops, [{ value: null, label: 'final' }]);
    assert.throws(() => checkpointFiles(model, empty, 0), /no file matches the checkpoint pattern "runs\/\*\/model.onnx" of net.model.json yet/);
    for (const e of ['e12', 'e3']) {
      mkdirSync(path.join(dir, 'runs', e), { recursive: true });
      writeFileSync(path.join(dir, 'runs', e, 'model.onnx'), 'x');
    }
    mkdirSync(path.join(dir, 'runs', 'e7'));
    assert.deepEqual(await listPatternFiles(dir, 'runs/*/model.onnx'), ['runs/e12/model.onnx', 'runs/e3/model.onnx'].sort());
    const grown = await readCheckpointFamily(model);
    assert.deepEqual(grown?.stops.map((s) => s.label), ['epoch 3', 'epoch 12', 'final']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a link among the matches that leads out of the manifest folder is refused', async () => {
  const outside = mkdtempSync(path.join(tmpdir(), 'perturber-outside-'));
  const { dir, model } = family('runs/*.onnx', ['runs/a1.onnx']);
  try {
    writeFileSync(path.join(outside, 'b.onnx'), 'x');
    symlinkSync(path.join(outside, 'b.onnx'), path.join(dir, 'runs', 'a2.onnx'));
    await assert.rejects(readCheckpointFamily(model), /a2.onnx leads outside the manifest's folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a burst of changes is reported once, after the file stopped growing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'perturber-settle-'));
  const file = path.join(dir, 'ckpt.onnx');
  try {
    const seen: { file: string; size: number }[] = [];
    const changes = new SettledChanges(
      (p) => void stat(p).then((s) => seen.push({ file: p, size: s.size })),
      { quietMs: 100, intervalMs: 150, maxWaitMs: 10_000 },
    );
    writeFileSync(file, '');
    // Chunks, some after a pause: a report needs the quiet time and then a size that held still.
    for (let i = 0; i < 6; i++) {
      appendFileSync(file, Buffer.alloc(1000, i));
      changes.touch(file);
      await sleep(i % 2 === 0 ? 5 : 40);
    }
    const finalSize = (await stat(file)).size;
    while (changes.pending > 0 || seen.length === 0) await sleep(20);
    await sleep(200);
    assert.deepEqual(seen, [{ file, size: finalSize }]);
    changes.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('waitForSettled returns for a file that does not change, and for one that is missing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'perturber-settle-'));
  try {
    writeFileSync(path.join(dir, 'a'), 'x');
    await waitForSettled(path.join(dir, 'a'), { intervalMs: 10, maxWaitMs: 5_000 });
    await waitForSettled(path.join(dir, 'missing'), { intervalMs: 10, maxWaitMs: 5_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retryWhileSettling: a load that fails while the file is written succeeds on a retry; one that keeps failing throws its last error', async () => {
  let calls = 0;
  let settles = 0;
  const options = { tries: 3, settle: async () => void settles++, cancelled: () => false };
  const value = await retryWhileSettling(async () => {
    calls++;
    if (calls < 3) throw new Error(`truncated (${calls})`);
    return 'loaded';
  }, options);
  assert.deepEqual([value, calls, settles], ['loaded', 3, 2]);

  calls = 0;
  await assert.rejects(
    retryWhileSettling(async () => {
      calls++;
      throw new Error(`truncated (${calls})`);
    }, options),
    (error: unknown) => error instanceof Error && error.message === 'truncated (3)',
  );
  assert.equal(calls, 3);

  calls = 0;
  await assert.rejects(
    retryWhileSettling(async () => {
      calls++;
      throw new Error('bad');
    }, { ...options, cancelled: () => true }),
    /bad/,
  );
  assert.equal(calls, 1, 'a cancelled reload stops trying');

  calls = 0;
  await assert.rejects(
    retryWhileSettling(async () => {
      calls++;
      throw new RangeError('not about the file');
    }, { ...options, retryable: (error) => !(error instanceof RangeError) }),
    RangeError,
  );
  assert.equal(calls, 1, 'a failure that is not about a half-written file is not retried');
});
