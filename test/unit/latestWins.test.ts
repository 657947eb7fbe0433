import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestWins } from '../../core/latestWins';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A LatestWins whose runs finish only when the test says so. */
function harness() {
  const runs = new Map<number, Deferred<string>>();
  const started: number[] = [];
  const results: [number, string][] = [];
  const errors: [number, unknown][] = [];
  const lw = new LatestWins<number, string>(
    (job) => {
      started.push(job);
      const d = deferred<string>();
      runs.set(job, d);
      return d.promise;
    },
    (job, result) => results.push([job, result]),
    (job, err) => errors.push([job, err]),
  );
  const finish = async (job: number): Promise<void> => {
    const d = runs.get(job);
    assert.ok(d, `job ${job} never started`);
    d.resolve(`r${job}`);
    await flush();
  };
  return { lw, runs, started, results, errors, finish };
}

/** Lets promise callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

test('a storm of 100 submits during a run runs only the newest afterwards', async () => {
  const h = harness();
  h.lw.submit(0);
  assert.equal(h.lw.inFlight, true);
  for (let job = 1; job <= 100; job++) h.lw.submit(job);
  assert.deepEqual(h.started, [0]);
  assert.equal(h.lw.dropped, 99);
  await h.finish(0);
  assert.deepEqual(h.started, [0, 100]);
  await h.finish(100);
  await h.lw.idle();
  assert.equal(h.lw.inFlight, false);
  assert.deepEqual(h.started, [0, 100]);
  assert.deepEqual(h.results, [
    [0, 'r0'],
    [100, 'r100'],
  ]);
  assert.deepEqual(h.errors, []);
});

test('seeded random timings: results arrive in submission order and the last submitted is the last delivered', async () => {
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const delivered: number[] = [];
  let running = 0;
  let maxRunning = 0;
  const lw = new LatestWins<number, number>(
    async (job) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
      running--;
      return job * 2;
    },
    (job, result) => {
      assert.equal(result, job * 2);
      delivered.push(job);
    },
    () => assert.fail('no run fails'),
  );
  for (let job = 0; job < 300; job++) {
    lw.submit(job);
    if (random() < 0.3) await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
  }
  await lw.idle();
  assert.equal(maxRunning, 1);
  assert.equal(delivered[delivered.length - 1], 299);
  for (let i = 1; i < delivered.length; i++) assert.ok(delivered[i] > delivered[i - 1], `order at ${i}`);
  assert.equal(delivered.length + lw.dropped, 300);
});

test('a failed run reports its error and the next job still runs', async () => {
  const h = harness();
  h.lw.submit(1);
  h.lw.submit(2);
  h.runs.get(1)?.reject(new Error('model crashed'));
  await flush();
  assert.deepEqual(h.errors.map(([job, err]) => [job, (err as Error).message]), [[1, 'model crashed']]);
  assert.deepEqual(h.started, [1, 2]);
  await h.finish(2);
  assert.deepEqual(h.results, [[2, 'r2']]);
});

test('a run that throws synchronously counts as a failed run', async () => {
  const errors: unknown[] = [];
  const lw = new LatestWins<number, number>(
    () => {
      throw new Error('sync');
    },
    () => assert.fail('no result'),
    (_job, err) => errors.push((err as Error).message),
  );
  lw.submit(1);
  assert.equal(lw.inFlight, true);
  await lw.idle();
  assert.deepEqual(errors, ['sync']);
  assert.equal(lw.inFlight, false);
});

test('a throwing onResult goes to onError and does not stall the loop', async () => {
  const seen: string[] = [];
  const lw = new LatestWins<number, number>(
    async (job) => job,
    (job) => {
      seen.push(`result ${job}`);
      if (job === 1) throw new Error('paint failed');
    },
    (job, err) => seen.push(`error ${job} ${(err as Error).message}`),
  );
  lw.submit(1);
  lw.submit(2);
  await lw.idle();
  assert.deepEqual(seen, ['result 1', 'error 1 paint failed', 'result 2']);
});

test('idle resolves at once when nothing runs, and after the pending job otherwise', async () => {
  const h = harness();
  await h.lw.idle();
  h.lw.submit(1);
  h.lw.submit(2);
  let idle = false;
  void h.lw.idle().then(() => {
    idle = true;
  });
  await h.finish(1);
  assert.equal(idle, false);
  await h.finish(2);
  assert.equal(idle, true);
});

test('dispose drops the pending job and ignores the running one\'s result', async () => {
  const h = harness();
  h.lw.submit(1);
  h.lw.submit(2);
  h.lw.dispose();
  assert.equal(h.lw.dropped, 1);
  await h.finish(1);
  await h.lw.idle();
  assert.deepEqual(h.started, [1]);
  assert.deepEqual(h.results, []);
  h.lw.submit(3);
  assert.deepEqual(h.started, [1]);
  assert.equal(h.lw.inFlight, false);
});
