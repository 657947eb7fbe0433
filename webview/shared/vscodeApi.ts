/**
 * Typed access to the webview host: `acquireVsCodeApi()` may be called only once per page, so every part of a
 * webview goes through the one channel returned by `connect()`. Messages are typed by direction
 * (`Out` to the host, `In` from it) and the persisted state by `State`.
 */

/** What VS Code injects into every webview (also faked by scripts/webview-harness.mjs). */
interface VsCodeApi {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  getState(): unknown;
  setState<T>(state: T): T;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Disposable {
  dispose(): void;
}

export interface WebviewChannel<Out, In, State> {
  /** Posts a message to the extension host; `transfer` hands typed-array buffers over without a copy. */
  post(message: Out, transfer?: Transferable[]): void;
  /** Calls `handler` for every message from the host. */
  onMessage(handler: (message: In) => void): Disposable;
  /** The state saved by `setState` before the webview was hidden or the window reloaded. */
  getState(): State | undefined;
  /** Persisted as JSON by VS Code: typed arrays must be encoded by the caller. */
  setState(state: State): void;
}

let api: VsCodeApi | undefined;

function isMessage(data: unknown): data is { type: string } {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string';
}

/** The webview's channel to the host. The caller names the protocol: `connect<SceneToHost, HostToScene, S>()`. */
export function connect<Out, In extends { type: string }, State>(): WebviewChannel<Out, In, State> {
  api ??= acquireVsCodeApi();
  const vscode = api;
  return {
    post(message, transfer) {
      if (transfer && transfer.length > 0) vscode.postMessage(message, transfer);
      else vscode.postMessage(message);
    },
    onMessage(handler) {
      // The host is the only sender of typed messages; anything else (extensions of the page itself) is ignored.
      const listener = (event: MessageEvent<unknown>): void => {
        if (isMessage(event.data)) handler(event.data as In);
      };
      window.addEventListener('message', listener);
      return { dispose: () => window.removeEventListener('message', listener) };
    },
    getState() {
      return (vscode.getState() as State | null | undefined) ?? undefined;
    },
    setState(state) {
      vscode.setState(state);
    },
  };
}
