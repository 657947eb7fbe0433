/**
 * The host side of the scene webview's `renderRequest`: sends a scene to render at given sizes and resolves with
 * the images (`rendered`), or rejects with the webview's reason (`renderFailed`), a timeout, or the editor closing.
 */
import type { FrameImage, HostToScene, RenderSize, SceneToHost } from '../../core/protocol';
import type { Scene } from '../../core/sceneTypes';

type Answer = Extract<SceneToHost, { type: 'rendered' | 'renderFailed' }>;

interface Pending {
  message: Extract<HostToScene, { type: 'renderRequest' }>;
  resolve(images: FrameImage[]): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  sizes: RenderSize[];
}

export class RenderClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /**
   * `post` sends to the webview; `show` makes sure it exists (the scene editor's page only runs while visible: a hidden
   * one is brought back without focus).
   */
  constructor(private readonly post: (message: HostToScene) => void, private readonly show: () => void = () => undefined) {}

  /** Renders `scene` at `sizes` in the webview; the images come back in the order of `sizes`. */
  render(scene: Scene, sizes: readonly RenderSize[], timeoutMs = 120_000): Promise<FrameImage[]> {
    const requestId = this.nextId++;
    return new Promise<FrameImage[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`the scene editor did not render the configuration within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const message = { type: 'renderRequest' as const, requestId, scene, sizes: sizes.map((s) => ({ ...s })) };
      this.pending.set(requestId, { message, resolve, reject, timer, sizes: message.sizes });
      this.show();
      this.post(message);
    });
  }

  /** An answer from the webview (already checked by core/messageGuards.ts). */
  receive(answer: Answer): void {
    const pending = this.pending.get(answer.requestId);
    if (!pending) return; // timed out or cancelled
    this.pending.delete(answer.requestId);
    clearTimeout(pending.timer);
    if (answer.type === 'renderFailed') return pending.reject(new Error(`rendering failed: ${answer.error}`));
    const wrong = answer.images.some((image, i) => image.width !== pending.sizes[i]?.width || image.height !== pending.sizes[i]?.height);
    if (wrong || answer.images.length !== pending.sizes.length) return pending.reject(new Error('the scene editor rendered other sizes than asked for'));
    pending.resolve(answer.images);
  }

  /** The page (re)loaded (it was hidden, or reloaded): what it had been asked and not answered is asked again. */
  resend(): void {
    for (const p of this.pending.values()) this.post(p.message);
  }

  dispose(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('the scene editor was closed'));
    }
    this.pending.clear();
  }
}
