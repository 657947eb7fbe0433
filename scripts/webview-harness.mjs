// A stand-in for VS Code's webview host, for driving the webviews in a plain browser (UI tests, the bench).
//
// Serves dist/webview/*.js and media/* on 127.0.0.1 (a free port) and one page per webview, shaped like
// src/webviewHtml.ts (same CSP, `<div id="app">`, script by nonce), with a fake `acquireVsCodeApi` injected before
// the bundle:
//   window.__posted          every message the webview posted, in order (typed arrays as posted)
//   window.__postedAt        performance.now() of each post (for throttling checks)
//   window.__transferred     how many buffers were handed over as transferables
//   window.__deliver(msg)    delivers a host -> webview message (a `message` event, as VS Code does)
//   window.__state           the last setState value; it survives a reload (sessionStorage), like a revived panel
//
// Usage: `const h = await startHarness(); await page.goto(h.url('scene')); ...; await h.close();`
// (launch the browser with scripts/browser.mjs: Debian Chromium with the flags that work on these machines).
// Run directly (`node scripts/webview-harness.mjs`) it prints the URLs and serves until Ctrl+C.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const WEBVIEWS = ['scene', 'predictions', 'activations', 'sweepResults', 'inspector'];

const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

// A subset of VS Code's theme variables (Dark Modern / Light Modern), enough for the webviews' styles.
const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-font-weight': 'normal',
      '--vscode-editor-font-family': '"Droid Sans Mono", "monospace", monospace',
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-errorForeground': '#f85149',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-sideBar-background': '#181818',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-widget-border': '#313131',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#026ec1',
      '--vscode-button-border': '#ffffff12',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-button-secondaryHoverBackground': '#3c3c3c',
      '--vscode-dropdown-background': '#313131',
      '--vscode-dropdown-border': '#3c3c3c',
      '--vscode-dropdown-foreground': '#cccccc',
      '--vscode-input-background': '#313131',
      '--vscode-input-border': '#3c3c3c',
      '--vscode-input-foreground': '#cccccc',
      '--vscode-settings-textInputBackground': '#313131',
      '--vscode-settings-textInputBorder': '#3c3c3c',
      '--vscode-settings-textInputForeground': '#cccccc',
      '--vscode-scrollbarSlider-background': '#79797966',
      '--vscode-editorWidget-background': '#202020',
      '--vscode-editorWarning-foreground': '#cca700',
      '--vscode-inputValidation-errorBackground': '#5a1d1d',
      '--vscode-inputValidation-warningBackground': '#352a05',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-lines': '#cccccc80',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-font-weight': 'normal',
      '--vscode-editor-font-family': '"Droid Sans Mono", "monospace", monospace',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#3b3b3b',
      '--vscode-errorForeground': '#f85149',
      '--vscode-editor-background': '#ffffff',
      '--vscode-sideBar-background': '#f8f8f8',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-widget-border': '#e5e5e5',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#0258a8',
      '--vscode-button-border': '#0000001a',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-button-secondaryHoverBackground': '#cccccc',
      '--vscode-dropdown-background': '#ffffff',
      '--vscode-dropdown-border': '#cecece',
      '--vscode-dropdown-foreground': '#3b3b3b',
      '--vscode-input-background': '#ffffff',
      '--vscode-input-border': '#cecece',
      '--vscode-input-foreground': '#3b3b3b',
      '--vscode-settings-textInputBackground': '#ffffff',
      '--vscode-settings-textInputBorder': '#cecece',
      '--vscode-settings-textInputForeground': '#3b3b3b',
      '--vscode-scrollbarSlider-background': '#64646466',
      '--vscode-editorWidget-background': '#f8f8f8',
      '--vscode-editorWarning-foreground': '#bf8803',
      '--vscode-inputValidation-errorBackground': '#f2dede',
      '--vscode-inputValidation-warningBackground': '#f6f5d2',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-lines': '#00000080',
    },
  },
};

/** The fake VS Code API, run before the bundle. `name` keys the persisted state. */
function fakeApiScript(name) {
  return `(() => {
  const key = 'perturber-harness-state:' + ${JSON.stringify(name)};
  const stored = sessionStorage.getItem(key);
  let state = stored === null ? undefined : JSON.parse(stored);
  let acquired = false;
  window.__posted = [];
  window.__postedAt = [];
  window.__transferred = 0;
  window.__state = state;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage(message, transfer) {
        window.__posted.push(message);
        window.__postedAt.push(performance.now());
        if (Array.isArray(transfer)) window.__transferred += transfer.length;
      },
      getState() { return state; },
      setState(next) {
        // VS Code keeps the state as JSON text, so only what survives JSON survives a reload.
        const text = JSON.stringify(next);
        state = JSON.parse(text);
        window.__state = state;
        sessionStorage.setItem(key, text);
        return next;
      },
    });
  };
  window.__deliver = (message) => window.dispatchEvent(new MessageEvent('message', { data: message }));
})();`;
}

function page(name, origin, theme) {
  const nonce = randomBytes(16).toString('base64');
  const { bodyClass, vars } = THEMES[theme] ?? THEMES.dark;
  const style = Object.entries(vars)
    .map(([k, v]) => `${k}: ${v};`)
    .join(' ');
  // The same policy as src/webviewHtml.ts, with this server as the webview's resource origin.
  const csp = [
    "default-src 'none'",
    `img-src ${origin} data: blob:`,
    `style-src ${origin} 'unsafe-inline'`,
    `font-src ${origin}`,
    `connect-src ${origin} data: blob:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en" style='${style}'>
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  ${(name === 'scene' ? [name] : ['panel', name]).map((sheet) => `<link rel="stylesheet" href="${origin}/media/${sheet}.css">`).join('\n  ')}
  <title>${name} (harness)</title>
</head>
<body class="${bodyClass}">
  <div id="app"></div>
  <script nonce="${nonce}">${fakeApiScript(name)}</script>
  <script nonce="${nonce}" src="${origin}/dist/webview/${name}.js"></script>
</body>
</html>`;
}

/** Resolves `urlPath` under `base`, refusing anything that climbs out of it. */
function inside(base, urlPath) {
  const full = normalize(join(base, urlPath));
  return full === base || full.startsWith(base + sep) ? full : undefined;
}

/**
 * Starts the server. `files` maps extra URL paths (e.g. '/images/bg.png') to Buffers or file paths, for
 * background images and the like.
 * @param {{ files?: Record<string, Buffer | string> }} [options]
 * @returns {Promise<{ origin: string, url(name: string, opts?: { theme?: 'dark' | 'light' }): string, close(): Promise<void> }>}
 */
export async function startHarness(options = {}) {
  const files = new Map(Object.entries(options.files ?? {}));
  let origin = '';
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origin);
      const send = (status, body, type) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
        res.end(body);
      };
      const pageMatch = /^\/([A-Za-z]+)\.html$/.exec(url.pathname);
      if (pageMatch && !WEBVIEWS.includes(pageMatch[1])) return send(404, 'not found', 'text/plain');
      if (pageMatch) return send(200, page(pageMatch[1], origin, url.searchParams.get('theme') ?? 'dark'), 'text/html; charset=utf-8');
      if (files.has(url.pathname)) {
        const entry = files.get(url.pathname);
        const body = typeof entry === 'string' ? await readFile(entry) : entry;
        return send(200, body, TYPES[extname(url.pathname).toLowerCase()] ?? 'application/octet-stream');
      }
      let path;
      if (url.pathname.startsWith('/dist/webview/')) path = inside(join(ROOT, 'dist', 'webview'), url.pathname.slice('/dist/webview/'.length));
      else if (url.pathname.startsWith('/media/')) path = inside(join(ROOT, 'media'), url.pathname.slice('/media/'.length));
      else if (url.pathname === '/') {
        const links = WEBVIEWS.map((n) => `<li><a href="/${n}.html">${n}</a></li>`).join('');
        return send(200, `<!DOCTYPE html><ul>${links}</ul>`, 'text/html; charset=utf-8');
      }
      if (!path) return send(404, 'not found', 'text/plain');
      const body = await readFile(path);
      return send(200, body, TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream');
    } catch (error) {
      res.writeHead(error?.code === 'ENOENT' ? 404 : 500, { 'content-type': 'text/plain' });
      res.end(String(error?.message ?? error));
    }
  });
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  const address = server.address();
  origin = `http://127.0.0.1:${address.port}`;
  return {
    origin,
    url(name, opts = {}) {
      if (!WEBVIEWS.includes(name)) throw new Error(`no webview named ${name}`);
      return `${origin}/${name}.html${opts.theme ? `?theme=${opts.theme}` : ''}`;
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const harness = await startHarness();
  for (const name of WEBVIEWS) console.log(`${name}: ${harness.url(name)}`);
  console.log('Ctrl+C to stop');
  process.on('SIGINT', async () => {
    await harness.close();
    process.exit(0);
  });
}
