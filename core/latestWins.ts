/**
 * At most one job in flight, at most one waiting, and the waiting one is always the newest: while a model runs on
 * frame N, frames N+1..N+k arrive and only N+k runs next. Slow inference then lowers the frame rate of results
 * instead of building a queue that lags ever further behind the user's slider.
 * Only one job runs at a time, so results are delivered in submission order by construction.
 */
export class LatestWins<J, R> {
  private running = false;
  private pending: { job: J } | undefined;
  private droppedCount = 0;
  private disposed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: (job: J) => Promise<R>,
    private readonly onResult: (job: J, result: R) => void,
    private readonly onError: (job: J, err: unknown) => void,
  ) {}

  /** Runs `job` now when idle; otherwise it replaces the waiting job (which is dropped, never run). */
  submit(job: J): void {
    if (this.disposed) return;
    if (!this.running) {
      this.start(job);
      return;
    }
    if (this.pending) this.droppedCount++;
    this.pending = { job };
  }

  /** True while a job runs. */
  get inFlight(): boolean {
    return this.running;
  }

  /** How many submitted jobs were replaced before they could run. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Resolves once nothing is running or waiting. */
  idle(): Promise<void> {
    if (!this.running && !this.pending) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops the waiting job; the running one finishes but its result is ignored. */
  dispose(): void {
    this.disposed = true;
    if (this.pending) this.droppedCount++;
    this.pending = undefined;
  }

  private start(job: J): void {
    this.running = true;
    let promise: Promise<R>;
    try {
      promise = this.run(job);
    } catch (err) {
      // A synchronous throw is a failed run like any other.
      promise = Promise.reject(err);
    }
    promise.then(
      (result) => this.finish(() => this.deliverResult(job, result)),
      (err: unknown) => this.finish(() => this.deliverError(job, err)),
    );
  }

  private finish(deliver: () => void): void {
    if (!this.disposed) deliver();
    this.running = false;
    const next = this.pending;
    this.pending = undefined;
    if (next && !this.disposed) {
      this.start(next.job);
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // A throwing callback must not stall the loop (the next frame would never run): a failing onResult is
  // reported through onError, a failing onError has nowhere left to go.
  private deliverResult(job: J, result: R): void {
    try {
      this.onResult(job, result);
    } catch (err) {
      this.deliverError(job, err);
    }
  }

  private deliverError(job: J, err: unknown): void {
    try {
      this.onError(job, err);
    } catch {
      // Nothing sensible is left to tell; keep the loop alive.
    }
  }
}
