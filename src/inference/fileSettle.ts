/**
 * Files written while a model trains: a training script writes a checkpoint in chunks, so a watcher reports a burst
 * of changes and a reader can catch the file half-written. `SettledChanges` turns each burst into one call, after
 * the file went quiet and its size and modification time stopped moving; `retryWhileSettling` retries a load that
 * fails on a file still being written. No `vscode` here: unit-tested in plain Node.
 */
import * as fs from 'node:fs/promises';

export interface SettleOptions {
  /** Time between two looks at the file; it is settled when two looks in a row agree. */
  intervalMs: number;
  /** Give up waiting (and go on with the file as it is) after this long. */
  maxWaitMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function stamp(fsPath: string): Promise<string> {
  try {
    const s = await fs.stat(fsPath);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** Resolves once the file's size and mtime (or its absence) held for `intervalMs`, or after `maxWaitMs`. */
export async function waitForSettled(fsPath: string, options: SettleOptions): Promise<void> {
  const deadline = Date.now() + options.maxWaitMs;
  let last = await stamp(fsPath);
  while (Date.now() < deadline) {
    await sleep(options.intervalMs);
    const now = await stamp(fsPath);
    if (now === last) return;
    last = now;
  }
}

export interface SettledChangesOptions extends SettleOptions {
  /** Quiet time after the last reported change of a file before it is looked at. */
  quietMs: number;
}

/** Per file: the latest burst of reported changes becomes one `onSettled(fsPath)` once the file is settled. */
export class SettledChanges {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Bumped by every change of a file: a settle that finished after a newer change does not report. */
  private readonly generations = new Map<string, number>();
  private disposed = false;

  constructor(
    private readonly onSettled: (fsPath: string) => void,
    private readonly options: SettledChangesOptions,
  ) {}

  /** A change of `fsPath` was reported (created, changed or deleted). */
  touch(fsPath: string): void {
    if (this.disposed) return;
    const generation = (this.generations.get(fsPath) ?? 0) + 1;
    this.generations.set(fsPath, generation);
    const timer = this.timers.get(fsPath);
    if (timer) clearTimeout(timer);
    this.timers.set(
      fsPath,
      setTimeout(() => {
        this.timers.delete(fsPath);
        void waitForSettled(fsPath, this.options).then(() => {
          if (this.disposed || this.generations.get(fsPath) !== generation) return;
          this.generations.delete(fsPath);
          this.onSettled(fsPath);
        });
      }, this.options.quietMs),
    );
  }

  /** Files with a burst not reported yet. */
  get pending(): number {
    return this.generations.size;
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.generations.clear();
  }
}

export interface RetryOptions {
  /** How many tries in all (at least 1). */
  tries: number;
  /** Wait before each retry (the file may still be moving). */
  settle(): Promise<void>;
  /** Stop trying (a newer change or the scene took over); the last error is thrown. */
  cancelled(): boolean;
  /** Whether a failure may go away once the file is complete (default: every failure). */
  retryable?(error: unknown): boolean;
}

/**
 * Runs `attempt` until it succeeds or `tries` ran out, waiting for the file to settle before each retry: a
 * half-written model fails to parse, the finished one loads. Rethrows the last failure.
 */
export async function retryWhileSettling<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  let lastError: unknown;
  const tries = Math.max(1, options.tries);
  for (let i = 0; i < tries; i++) {
    if (i > 0) {
      await options.settle();
      if (options.cancelled()) break;
    }
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      if (options.retryable && !options.retryable(error)) break;
    }
  }
  throw lastError;
}
