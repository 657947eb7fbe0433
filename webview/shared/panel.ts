/** What the predictions and activations panels share: the painted handshake, state persistence, the empty view. */
import type { HostToPanel, HostTiming, PanelToHost } from '../../core/protocol';
import { el } from './dom';
import type { WebviewChannel } from './vscodeApi';

export type PanelChannel<State> = WebviewChannel<PanelToHost, HostToPanel, State>;

/** Marks frame `frameId` as the one on screen (`<body data-frame-id>`, a test hook); also after a revive from state. */
export function markFrame(frameId: number): void {
  document.body.dataset.frameId = String(frameId);
}

/** Frame `frameId` from the host is on screen: mark it and tell the host (`painted`, for the loop timings). */
export function reportPainted<State>(channel: PanelChannel<State>, frameId: number, receivedAt: number, startedAt: number): void {
  markFrame(frameId);
  channel.post({ type: 'painted', frameId, paintMs: performance.now() - startedAt, receivedAt });
}

/**
 * Saves the panel's state at most every `delayMs`: VS Code serialises it to JSON, which for activation maps is
 * not free, and only the last state matters when the panel is revived.
 */
export function stateSaver<State>(channel: PanelChannel<State>, delayMs = 300): (produce: () => State) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest: (() => State) | undefined;
  return (produce) => {
    latest = produce;
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      // The state is built only here, once per interval, not for every frame.
      if (latest !== undefined) channel.setState(latest());
    }, delayMs);
  };
}

/** The header line above the columns: scene name and frame number, host timings on hover. */
export class PanelHeader {
  readonly element: HTMLElement;
  private readonly scene = el('span', { class: 'panel-scene' });
  private readonly frame = el('span', { class: 'panel-frame' });

  constructor(...extra: HTMLElement[]) {
    this.element = el('header', { class: 'panel-header' }, this.scene, this.frame, ...extra);
  }

  show(sceneName: string, frameId: number, timing: HostTiming): void {
    this.scene.textContent = sceneName;
    this.frame.textContent = `frame ${frameId}`;
    this.frame.title =
      `Host: transfer ${timing.transferMs.toFixed(1)} ms, perturbations ${(timing.perturbMs ?? 0).toFixed(1)} ms, preprocess ${timing.preprocessMs.toFixed(1)} ms, ` +
      `models ${timing.runMs.toFixed(1)} ms, activations ${timing.extractMs.toFixed(1)} ms`;
  }

  clear(): void {
    this.scene.textContent = '';
    this.frame.textContent = '';
    this.frame.title = '';
  }
}

/** The "nothing to show" view; `show(reason)` hides the columns, `hide()` brings them back. */
/** What the panels say when the scene has no model, and what to do about it. */
export const NO_MODEL_HINT = 'No model in this scene: add one with "Perturber: Add Model" (any ONNX classifier), or under "models" in the scene file.';

export class EmptyView {
  readonly element = el('div', { id: 'empty', class: 'empty', hidden: true });

  constructor(private readonly columns: HTMLElement) {}

  show(reason: string): void {
    this.element.textContent = reason;
    this.element.hidden = false;
    this.columns.hidden = true;
    delete document.body.dataset.frameId;
  }

  hide(): void {
    this.element.hidden = true;
    this.columns.hidden = false;
  }
}
