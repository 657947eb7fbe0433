/**
 * The HTML shell and options of every webview: a strict CSP (nothing but our own bundles, styles and images;
 * scripts by nonce only, no eval), the bundle `dist/webview/{name}.js` and the stylesheet `media/{name}.css` (the two
 * result panels and the sweep results view load the rules they share, `media/panel.css`, before it).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export type WebviewName = 'scene' | 'predictions' | 'activations' | 'sweepResults' | 'inspector';

/** Webview options limited to what the page loads: our bundles, our media, plus `extraRoots` (a scene's workspace folder). */
export function webviewOptions(extensionUri: vscode.Uri, extraRoots: readonly vscode.Uri[] = []): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media'), ...extraRoots],
  };
}

/**
 * What one generated page was given, as set on its webview: recorded for the API's test-only `webviewSecurity`
 * (test/suite/security.test.ts parses the CSP out of `html` rather than trusting a copy of it).
 */
export interface WebviewSecurityRecord {
  name: WebviewName;
  /** The page's HTML exactly as returned (the caller sets it as `webview.html`). */
  html: string;
  /** `webview.cspSource` when the page was made: VS Code's origin for the webview's own resource URIs. */
  cspSource: string;
  /** `webview.options.localResourceRoots` when the page was made, as URI strings. */
  localResourceRoots: string[];
  enableScripts: boolean;
  enableCommandUris: boolean;
}

/** The newest pages made (bounded: a reload makes a new one). */
const securityRecords: WebviewSecurityRecord[] = [];
const MAX_SECURITY_RECORDS = 64;

/** Copies of the newest pages' records, oldest first. */
export function webviewSecurityRecords(): WebviewSecurityRecord[] {
  return securityRecords.map((r) => ({ ...r, localResourceRoots: [...r.localResourceRoots] }));
}

function recordPage(webview: vscode.Webview, name: WebviewName, html: string): void {
  const { localResourceRoots, enableScripts, enableCommandUris } = webview.options;
  securityRecords.push({
    name,
    html,
    cspSource: webview.cspSource,
    localResourceRoots: (localResourceRoots ?? []).map((uri) => uri.toString()),
    enableScripts: enableScripts === true,
    // An allow-list of commands counts as enabled.
    enableCommandUris: enableCommandUris !== undefined && enableCommandUris !== false,
  });
  if (securityRecords.length > MAX_SECURITY_RECORDS) securityRecords.splice(0, securityRecords.length - MAX_SECURITY_RECORDS);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, name: WebviewName, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const source = webview.cspSource;
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${name}.js`));
  const sheets = name === 'scene' ? [name] : ['panel', name];
  const links = sheets
    .map((sheet) => `<link rel="stylesheet" href="${webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${sheet}.css`)).toString()}">`)
    .join('\n  ');
  // img-src data:/blob: for textures and images built in memory; connect-src for the object files the scene
  // editor fetches (OBJ/MTL/glTF text and buffers from the workspace through webview URIs), plus data:/blob: for
  // glTF's embedded buffers and images, which GLTFLoader reads with fetch(). style-src 'unsafe-inline' for the
  // inline styles Lit and chart.js set. No 'unsafe-eval': none of three.js, chart.js or Lit needs it (the scene
  // schema is bundled without ajv).
  const csp = [
    "default-src 'none'",
    `img-src ${source} data: blob:`,
    `style-src ${source} 'unsafe-inline'`,
    `font-src ${source}`,
    `connect-src ${source} data: blob:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  ${links}
  <title>${escapeHtml(title)}</title>
</head>
<body>
  <div id="app"></div>
  <script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  recordPage(webview, name, html);
  return html;
}
