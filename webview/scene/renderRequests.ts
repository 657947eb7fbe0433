/**
 * Sweeps' render requests (HostToScene `renderRequest`): the host asks for a scene that is not the document's, at
 * given sizes. Each request goes through the same SceneRenderer.apply and FrameCapture.capture as the editor's
 * frames (its own FrameCapture, so the frame sizes stay as they are), one at a time in arrival order; a request whose
 * files are still loading waits for them (`kick()` on the renderer's `settled`). Once no request has come for
 * RESTORE_MS the view is handed back (`restore`): the page draws the document's scene again.
 */
import type { FrameImage, HostToScene, RenderSize, SceneToHost } from '../../core/protocol';
import { FrameCapture } from './frames';
import type { SceneRenderer } from './renderer';

type RenderRequest = Extract<HostToScene, { type: 'renderRequest' }>;

/** A sweep sends the next request while the host runs the models on the previous one: do not flip back in between. */
const RESTORE_MS = 300;

export interface RenderRequestDeps {
  renderer(): SceneRenderer | undefined;
  /** The document's resource URIs (a sweep varies numbers, not files). */
  resources(): { uris: Readonly<Record<string, string>>; backgroundUri?: string };
  post(message: SceneToHost, transfer?: Transferable[]): void;
  /** The requests are done: show the document's scene again. */
  restore(): void;
}

export class RenderRequests {
  private readonly queue: RenderRequest[] = [];
  private readonly capture = new FrameCapture();
  private scheduled = false;
  private restoreTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: RenderRequestDeps) {}

  /** True while requests are queued or the view has not been handed back yet: the page must not draw its own scene. */
  get active(): boolean {
    return this.queue.length > 0 || this.restoreTimer !== undefined;
  }

  add(request: RenderRequest): void {
    this.queue.push(request);
    if (this.restoreTimer !== undefined) clearTimeout(this.restoreTimer);
    this.restoreTimer = undefined;
    this.kick();
  }

  /** Serve what is queued soon (not on an animation frame: a hidden editor still answers). */
  kick(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.serve();
    }, 0);
  }

  private serve(): void {
    while (this.queue.length > 0) {
      const request = this.queue[0];
      const renderer = this.deps.renderer();
      if (!renderer) {
        this.answer({ type: 'renderFailed', requestId: request.requestId, error: 'WebGL is not available in the scene editor' });
        continue;
      }
      try {
        const { uris, backgroundUri } = this.deps.resources();
        renderer.apply(request.scene, uris, false, backgroundUri);
        // Files or generated textures still loading: the renderer's `settled` calls kick() again.
        if (renderer.pending) return;
        if (request.sizes.length === 0) throw new Error('no render sizes asked for');
        this.capture.setSizes(request.sizes);
        const captured = this.capture.capture(renderer.renderer, renderer.scene, renderer.camera, request.scene.camera);
        const images: FrameImage[] = captured.images;
        if (images.length !== request.sizes.length) throw new Error(`bad render sizes ${sizesText(request.sizes)}`);
        this.answer({ type: 'rendered', requestId: request.requestId, images }, images.map((image) => image.pixels.buffer));
      } catch (error) {
        this.answer({ type: 'renderFailed', requestId: request.requestId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    this.restoreTimer = setTimeout(() => {
      this.restoreTimer = undefined;
      if (this.queue.length === 0) this.deps.restore();
    }, RESTORE_MS);
  }

  private answer(message: SceneToHost, transfer?: Transferable[]): void {
    this.queue.shift();
    this.deps.post(message, transfer);
  }
}

function sizesText(sizes: readonly RenderSize[]): string {
  return sizes.map((s) => `${s.width}x${s.height}`).join(', ');
}
