/**
 * Sets a webview's HTML and sets it again when the page does not report `ready` in time. VS Code's webview
 * service worker sometimes answers a resource request with 408 after 30 s when the machine is busy
 * (microsoft/vscode#125993): the page then never runs, and without a retry the panel would stay blank for good.
 */
import * as vscode from 'vscode';
import type { Log } from './log';

export class WebviewLoader implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private isReady = false;
  private readonly visibility: vscode.Disposable;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly html: () => string,
    private readonly log: Log,
    private readonly what: string,
    // Past VS Code's own 30 s resource timeout: a page that is merely slow on a busy machine is not reloaded
    // (a reload restarts its work), one whose resources were answered 408 is.
    private readonly timeoutMs = 35_000,
    private readonly maxAttempts = 3,
    /**
     * Replaces the whole panel instead of setting the HTML again: a stalled webview keeps stalling when only
     * its HTML is set again (seen in the e2e logs: 408 again 30 s later); a new webview (new iframe) loads.
     */
    private readonly recreate?: () => void,
  ) {
    // A hidden webview does not load (its context is not retained): it gets its time when it is shown again.
    this.visibility = panel.onDidChangeViewState(({ webviewPanel }) => {
      if (webviewPanel.visible) {
        this.isReady = false;
        this.arm();
      } else this.disarm();
    });
  }

  /** Sets the HTML (again) and waits for `ready`. */
  load(): void {
    this.attempts++;
    this.isReady = false;
    this.panel.webview.html = this.html();
    this.arm();
  }

  /** The page said `ready`. */
  ready(): void {
    this.isReady = true;
    this.disarm();
  }

  dispose(): void {
    this.disarm();
    this.visibility.dispose();
  }

  private arm(): void {
    this.disarm();
    if (!this.panel.visible) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.isReady || !this.panel.visible) return;
      if (this.attempts >= this.maxAttempts) {
        this.log.error(`${this.what}: the view did not load after ${this.attempts} attempts; close and reopen it`);
        return;
      }
      this.log.warn(`${this.what}: the view did not load within ${this.timeoutMs / 1000} s; loading it again`);
      if (this.recreate) this.recreate();
      else this.load();
    }, this.timeoutMs);
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
