/**
 * Edits made in the webview, between the user's hand and the document.
 *
 * The view applies an edit at once (instant render) and sends it to the host, throttled: at most one `edit`
 * message per interval while dragging, plus the final value on release; each message is one undo step.
 * The document's answer arrives later and may be older than what the user already sees (an intermediate value
 * of the drag), so an edit stays "pending" — re-applied on top of every host scene — until the host's scene
 * shows it, the drag has ended and a grace period has passed (after which the document wins, e.g. on undo).
 */
import { applySceneEdit } from '../../core/sceneEdit';
import type { JsonValue, Scene, SceneEdit, ScenePath } from '../../core/sceneTypes';

interface Pending {
  edit: SceneEdit;
  /** The user is still dragging this control. */
  holding: boolean;
  sentAt: number;
  /** The value last sent to the host, if any. */
  sent: JsonValue | undefined;
}

export interface LiveEditsOptions {
  send(edits: SceneEdit[]): void;
  intervalMs?: number;
  /** How long a released edit may wait for the document to show it. */
  graceMs?: number;
  now?: () => number;
}

export function dotted(path: ScenePath): string {
  return path.join('.');
}

export function valueAt(scene: Scene, path: ScenePath): JsonValue | undefined {
  let node: unknown = scene;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node as JsonValue | undefined;
}

export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const ao = a as { [key: string]: JsonValue };
  const bo = b as { [key: string]: JsonValue };
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((key) => Object.prototype.hasOwnProperty.call(bo, key) && jsonEqual(ao[key], bo[key]));
}

export class LiveEdits {
  private readonly pending = new Map<string, Pending>();
  private readonly queued = new Map<string, SceneEdit>();
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LiveEditsOptions) {
    this.intervalMs = options.intervalMs ?? 50;
    this.graceMs = options.graceMs ?? 1500;
    this.now = options.now ?? (() => performance.now());
  }

  /** True while an edit waits for the document (the webview then posts no frames on the host's say-so alone). */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  isHolding(path: string): boolean {
    return this.pending.get(path)?.holding === true;
  }

  /**
   * Applies `edits` to `scene` (what the view shows) and schedules them for the document. `final` is the release
   * of a drag or a one-shot change (select, text field): sent at once, as one message. Returns the scene to show.
   */
  change(scene: Scene, edits: readonly SceneEdit[], final: boolean): Scene {
    let next = scene;
    for (const edit of edits) next = this.changeOne(next, edit, final);
    if (final) this.flush();
    else this.schedule();
    return next;
  }

  private changeOne(scene: Scene, edit: SceneEdit, final: boolean): Scene {
    const next = applySceneEdit(scene, edit);
    const key = dotted(edit.path);
    // Store the value as the document will hold it (applySceneEdit rounds), so the echo compares equal.
    const value = valueAt(next, edit.path) ?? edit.value;
    const existing = this.pending.get(key);
    if (!existing && jsonEqual(valueAt(scene, edit.path), value)) return next; // a click that moved nothing
    const normalised: SceneEdit = { path: edit.path, value };
    this.pending.set(key, { edit: normalised, holding: !final, sentAt: existing?.sentAt ?? this.now(), sent: existing?.sent });
    if (final && existing?.sent !== undefined && jsonEqual(existing.sent, value)) {
      this.queued.delete(key); // the release is where the last throttled message already left it: no extra undo step
    } else {
      this.queued.set(key, normalised);
    }
    return next;
  }

  /** The host's scene with every edit it does not show yet applied on top. */
  reconcile(hostScene: Scene): Scene {
    let scene = hostScene;
    const now = this.now();
    for (const [key, pending] of this.pending) {
      const shown = jsonEqual(valueAt(hostScene, pending.edit.path), pending.edit.value);
      if (!pending.holding && !this.queued.has(key) && (shown || now - pending.sentAt > this.graceMs)) {
        this.pending.delete(key);
        continue;
      }
      if (!shown) {
        try {
          scene = applySceneEdit(scene, pending.edit);
        } catch {
          this.pending.delete(key); // the document's shape changed under the edit; the document wins
        }
      }
    }
    return scene;
  }

  /** Forgets everything (the document broke or was replaced). */
  reset(): void {
    this.pending.clear();
    this.queued.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queued.size === 0) return;
    const edits = [...this.queued.values()];
    this.queued.clear();
    const now = this.now();
    this.lastSentAt = now;
    for (const edit of edits) {
      const pending = this.pending.get(dotted(edit.path));
      if (pending) {
        pending.sentAt = now;
        pending.sent = edit.value;
      }
    }
    this.options.send(edits);
  }
}
