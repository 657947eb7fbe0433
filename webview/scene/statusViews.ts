/** `#status` (host status and loop latency) and `#problems` (the document's diagnostics). */
import type { SceneDiagnostic } from '../../core/sceneTypes';
import { el } from '../shared/dom';

export class StatusLine {
  private readonly text = el('span', { class: 'status-text' }, 'Waiting for the scene…');
  private readonly latency = el('span', { class: 'status-latency' });
  private readonly note = el('span', { class: 'status-note' });

  constructor(private readonly element: HTMLElement) {
    element.setAttribute('role', 'status');
    element.replaceChildren(this.text, this.note, this.latency);
  }

  private heardFromHost = false;

  /** Model loading / inference status from the host. */
  setHost(level: 'info' | 'error', text: string): void {
    this.heardFromHost = true;
    this.text.textContent = text;
    this.element.classList.toggle('error', level === 'error');
  }

  /** The scene arrived: drop the "waiting" text unless the host already said something. */
  sceneArrived(): void {
    if (!this.heardFromHost) this.text.textContent = '';
  }

  /** Time from posting frame `frameId` to the host having its results. */
  setLatency(frameId: number, totalMs: number): void {
    this.latency.textContent = `frame ${frameId}: ${Math.round(totalMs)} ms`;
    this.latency.title = 'Loop latency: from rendering a frame to the host having run every model on it.';
  }

  /** A problem found in the webview itself (e.g. the background image did not load); empty clears it. */
  setNote(text: string): void {
    this.note.textContent = text;
    this.note.hidden = text === '';
  }
}

export class ProblemsList {
  private readonly list = el('ul');
  private readonly heading = el('h2');

  constructor(private readonly element: HTMLElement) {
    element.setAttribute('role', 'alert');
    element.replaceChildren(this.heading, this.list);
    element.hidden = true;
  }

  /**
   * `broken`: the document has no usable scene (the view shows the last good one greyed, or nothing).
   * `viewProblems`: what the view itself could not show (a missing object file, a texture that failed to load).
   */
  show(diagnostics: readonly SceneDiagnostic[], broken: boolean, viewProblems: readonly string[] = []): void {
    this.element.hidden = diagnostics.length === 0 && !broken && viewProblems.length === 0;
    this.element.classList.toggle('broken', broken);
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const count = diagnostics.length + viewProblems.length;
    this.heading.textContent = broken
      ? 'The scene file has problems; fix them in the JSON to continue.'
      : diagnostics.length === 0
        ? `${count} problem${count === 1 ? '' : 's'} showing the scene`
        : `${count} problem${count === 1 ? '' : 's'} in the scene file${errors === 0 && viewProblems.length === 0 ? ' (warnings)' : ''}`;
    this.list.replaceChildren(
      ...diagnostics.map((d) =>
        el(
          'li',
          { class: d.severity, 'data-offset': d.offset },
          el('span', { class: 'severity' }, d.severity === 'error' ? 'Error' : 'Warning'),
          el('span', { class: 'message' }, d.message),
          el('span', { class: 'where' }, `${d.path === '' ? 'the scene' : d.path}, character ${d.offset}${d.length > 0 ? `-${d.offset + d.length}` : ''}`),
        ),
      ),
    );
    for (const message of viewProblems) {
      this.list.append(
        el('li', { class: 'error view-problem' }, el('span', { class: 'severity' }, 'Error'), el('span', { class: 'message' }, message)),
      );
    }
    if (broken && diagnostics.length === 0) this.list.append(el('li', { class: 'error' }, el('span', { class: 'message' }, 'The file is not a valid scene.')));
  }
}
