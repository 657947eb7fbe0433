/** Loads the background image the host points at (a webview URI), one at a time, disposing the one it replaces. */
import { SRGBColorSpace, Texture, TextureLoader } from 'three';

export type BackgroundState =
  | { kind: 'none' }
  | { kind: 'loading'; uri: string }
  | { kind: 'ready'; uri: string; texture: Texture }
  | { kind: 'failed'; uri: string; message: string };

export class BackgroundImage {
  private state: BackgroundState = { kind: 'none' };
  private readonly loader = new TextureLoader();

  /** `onSettled` runs when a requested image has loaded or failed (the caller re-renders or reports). */
  constructor(private readonly onSettled: (state: BackgroundState) => void) {}

  get current(): BackgroundState {
    return this.state;
  }

  /**
   * Asks for `uri` (undefined: no image). Repeated calls with the same URI do nothing, except that
   * `retryFailed` loads a failed one again (the document changed; the file may be there now).
   */
  request(uri: string | undefined, retryFailed = false): void {
    if (uri === undefined) {
      this.replace({ kind: 'none' });
      return;
    }
    if (this.state.kind !== 'none' && this.state.uri === uri && !(retryFailed && this.state.kind === 'failed')) return;
    this.replace({ kind: 'loading', uri });
    this.loader.load(
      uri,
      (texture) => {
        if (this.state.kind !== 'loading' || this.state.uri !== uri) {
          texture.dispose(); // superseded while loading
          return;
        }
        texture.colorSpace = SRGBColorSpace;
        this.replace({ kind: 'ready', uri, texture });
        this.onSettled(this.state);
      },
      undefined,
      () => {
        if (this.state.kind !== 'loading' || this.state.uri !== uri) return;
        this.replace({ kind: 'failed', uri, message: `Could not load the background image (${shortName(uri)}).` });
        this.onSettled(this.state);
      },
    );
  }

  dispose(): void {
    this.replace({ kind: 'none' });
  }

  private replace(next: BackgroundState): void {
    if (this.state.kind === 'ready') this.state.texture.dispose();
    this.state = next;
  }
}

function shortName(uri: string): string {
  try {
    const path = new URL(uri).pathname;
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || uri;
  } catch {
    return uri;
  }
}
