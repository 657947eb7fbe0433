/**
 * Per-frame timings of the interactive loop, stage by stage, joined from the three places that see a frame:
 * the scene webview (render, readback), the host (transfer in, perturb, preprocess, run, extract) and the panels
 * (transfer back, paint). Bounded: only the newest `capacity` frames are kept.
 */
import type { FrameTiming, HostTiming } from './protocol';

export type PanelName = 'predictions' | 'activations';

export interface LoopTimingRecord {
  frameId: number;
  renderMs: number;
  readbackMs: number;
  transferMs: number;
  /** The scene's image perturbations (0 without enabled steps). */
  perturbMs: number;
  preprocessMs: number;
  runMs: number;
  extractMs: number;
  /** Host post -> panel receive, per panel that painted the frame. */
  backMs: Partial<Record<PanelName, number>>;
  paintMs: Partial<Record<PanelName, number>>;
  /** Webview post -> the last panel's paint end, epoch-clock based. */
  totalMs?: number;
}

export const LOOP_STAGES = ['renderMs', 'readbackMs', 'transferMs', 'perturbMs', 'preprocessMs', 'runMs', 'extractMs', 'backMs', 'paintMs', 'totalMs'] as const;
export type LoopStage = (typeof LOOP_STAGES)[number];

export class LoopTimingLog {
  private readonly records = new Map<number, LoopTimingRecord & { postedAt: number; hostPostedAt: number }>();

  /** Date.now() of the newest frame the host finished (0 before any): background work yields while frames flow. */
  lastFrameAt = 0;

  constructor(private readonly capacity = 256) {}

  /** The host finished a frame (called before its results are posted to the panels). */
  frameDone(frameId: number, webview: FrameTiming, host: HostTiming): void {
    this.lastFrameAt = Date.now();
    this.records.set(frameId, {
      frameId,
      renderMs: webview.renderMs,
      readbackMs: webview.readbackMs,
      transferMs: host.transferMs,
      perturbMs: host.perturbMs,
      preprocessMs: host.preprocessMs,
      runMs: host.runMs,
      extractMs: host.extractMs,
      backMs: {},
      paintMs: {},
      postedAt: webview.postedAt,
      hostPostedAt: host.postedAt,
    });
    while (this.records.size > this.capacity) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest);
    }
  }

  /** A panel painted a frame; unknown frames (a one-off classification, an evicted frame) are ignored. */
  painted(panel: PanelName, frameId: number, receivedAt: number, paintMs: number): void {
    const record = this.records.get(frameId);
    if (!record) return;
    record.backMs[panel] = Math.max(0, receivedAt - record.hostPostedAt);
    record.paintMs[panel] = paintMs;
    const end = receivedAt + paintMs;
    record.totalMs = Math.max(record.totalMs ?? 0, end - record.postedAt);
  }

  /** The kept records, oldest first. */
  list(): LoopTimingRecord[] {
    return [...this.records.values()].map(({ postedAt: _p, hostPostedAt: _h, ...record }) => ({
      ...record,
      backMs: { ...record.backMs },
      paintMs: { ...record.paintMs },
    }));
  }

  clear(): void {
    this.records.clear();
  }
}

/** Median of the finite values (NaN for none). */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One number per stage for a record: per-panel stages take the slower panel. */
export function stageValue(record: LoopTimingRecord, stage: LoopStage): number {
  switch (stage) {
    case 'backMs':
    case 'paintMs': {
      const values = Object.values(record[stage]);
      return values.length ? Math.max(...values) : Number.NaN;
    }
    case 'totalMs':
      return record.totalMs ?? Number.NaN;
    default:
      return record[stage];
  }
}

/** Median per stage over complete records (those both panels painted, when `panels` says so). */
export function summarize(records: readonly LoopTimingRecord[], panels: readonly PanelName[]): Record<LoopStage, number> & { frames: number } {
  const complete = records.filter((r) => panels.every((p) => r.paintMs[p] !== undefined));
  const out = { frames: complete.length } as Record<LoopStage, number> & { frames: number };
  for (const stage of LOOP_STAGES) out[stage] = median(complete.map((r) => stageValue(r, stage)));
  return out;
}
