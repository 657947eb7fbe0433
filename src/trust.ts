/**
 * Workspace trust in one place (README "Workspace trust and security", table "In an untrusted workspace"). In an
 * untrusted workspace no model file of the workspace is loaded (built-in models are), VS Code drops the settings
 * package.json lists as `restrictedConfigurations`, and whatever would need a workspace model refuses at once with
 * one message that names workspace trust and how to grant it; `showUserError` adds a "Manage Workspace Trust" button.
 */
import * as vscode from 'vscode';

/** The button on trust refusals (runs `workbench.trust.manage`). */
export const MANAGE_TRUST = 'Manage Workspace Trust';

const WHERE = `"${MANAGE_TRUST}" in the Command Palette, or the Restricted Mode indicator in the status bar`;

/** Ends every trust refusal: how to grant trust. `isTrustRefusal` recognises a refusal by it. */
export const GRANT_TRUST = `trust the workspace to allow it (${WHERE})`;

const NOT_LOADED = 'model files from the workspace are not loaded in an untrusted workspace (built-in models are)';

/** Whether `text` is (or contains) a refusal because the workspace is untrusted. */
export function isTrustRefusal(text: string | undefined): boolean {
  return text !== undefined && text.includes(GRANT_TRUST);
}

/** The load error of a workspace model reference in an untrusted workspace (ModelLocator). */
export function untrustedModelMessage(ref: string): string {
  return `"${ref}" is not loaded: ${NOT_LOADED}; ${GRANT_TRUST}`;
}

/** Throws the refusal at once in an untrusted workspace: `what` (e.g. "Downloading a model") is disabled because `why`. */
export function requireTrust(what: string, why: string): void {
  if (!vscode.workspace.isTrusted) throw new Error(`${what} is disabled in an untrusted workspace: ${why}; ${GRANT_TRUST}`);
}

/** A scene's model as the commands see it (SceneModels.frameModels()). */
export interface ModelSlot {
  readonly id: string;
  readonly model?: unknown;
  readonly error?: string;
}

/**
 * Throws the trust refusal when a command would use models that are not loaded only because the workspace is
 * untrusted: the `wanted` ids, or, without them, when no model of the scene is loaded at all (commands that use
 * whatever is loaded then work on the built-in models). Without this the command would say "not loaded", not why.
 */
export function requireLoadableModels(slots: readonly ModelSlot[], wanted?: readonly string[]): void {
  if (vscode.workspace.isTrusted) return;
  if (!wanted && slots.some((s) => s.model !== undefined)) return;
  const held = slots.filter((s) => (!wanted || wanted.includes(s.id)) && s.model === undefined && isTrustRefusal(s.error)).map((s) => s.id);
  if (held.length === 0) return;
  throw new Error(`${held.join(', ')} ${held.length === 1 ? 'is a model file' : 'are model files'} from the workspace: ${NOT_LOADED}; ${GRANT_TRUST}`);
}

/** The scene editor's status when models are held back: which, why, and how to load them. */
export function heldBackStatus(models: readonly string[]): string {
  return `Restricted mode: ${models.join(', ')} not loaded, since ${NOT_LOADED}. To load ${models.length === 1 ? 'it' : 'them'}, trust the workspace (${WHERE}).`;
}

let lastError: string | undefined;

/**
 * Shows an error notification, with the "Manage Workspace Trust" button when trust is why, and records it (the
 * API's `trustReport().lastUserError`).
 */
export function showUserError(text: string): void {
  lastError = text;
  const trust = isTrustRefusal(text);
  void vscode.window.showErrorMessage(text, ...(trust ? [MANAGE_TRUST] : [])).then((choice) => {
    if (choice === MANAGE_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
  });
}

/** The last message `showUserError` showed. */
export function lastUserError(): string | undefined {
  return lastError;
}
