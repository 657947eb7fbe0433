/**
 * The extension's one output channel ("Perturber"). Created once in `activate` and handed to the features that
 * log, so nothing reaches for a global channel.
 */
import * as vscode from 'vscode';

export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export class OutputLog implements Log, vscode.Disposable {
  // A LogOutputChannel timestamps lines and lets the user pick the level in the Output view.
  private readonly channel = vscode.window.createOutputChannel('Perturber', { log: true });
  /** The newest error lines, for `errorsLogged`. */
  private readonly errors: string[] = [];

  info(message: string): void {
    this.channel.info(message);
  }

  warn(message: string): void {
    this.channel.warn(message);
  }

  error(message: string): void {
    this.channel.error(message);
    this.errors.push(message);
    if (this.errors.length > 200) this.errors.shift();
  }

  /** The newest error lines (at most 200), oldest first: the API's test-only `errorsLogged`. */
  errorsLogged(): string[] {
    return [...this.errors];
  }

  dispose(): void {
    this.channel.dispose();
  }
}

/** The message of anything thrown, for logs and user-facing text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
