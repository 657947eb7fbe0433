// Runs the mocha suite (out/test/suite/index.js) inside a real VS Code extension host: code-server with the
// smoke-test driver, the payload URL naming the development extension and the tests, and headless Chromium
// receiving the host's console (codeAutomationLog) and exit code (codeAutomationExit).
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { launchChromium } from './browser.mjs';
import { REPO, newRunDir, startCodeServer, workbenchUrl } from './codeServer.mjs';

/** Copies samples/ into a fresh workspace inside the run folder, so tests never dirty the repo. */
export function copySamples(runDir, name = 'workspace') {
  const ws = join(runDir, name);
  mkdirSync(ws, { recursive: true });
  cpSync(join(REPO, 'samples'), ws, { recursive: true });
  return ws;
}

// Workbench chatter that is not about the tests (kept in extension-host.log, not echoed).
const WORKBENCH_NOISE = /^(Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|\[AgentHost|\[AccountPolicyGate)/;

/** The extension host's console arguments (printf-style, as console.log got them) as one string. */
function formatLogArgs(args) {
  const list = Array.isArray(args) ? args : [args];
  return format(...list);
}

/**
 * @param {{ extensionPath?: string, testsPath?: string, timeoutMs?: number, print?: (line: string) => void,
 *           trusted?: boolean, overlay?: string, label?: string, userSettings?: object }} opts
 *   `trusted: false`: workspace trust stays on and the folder opens in restricted mode (startCodeServer);
 *   `overlay`: a folder copied over the samples workspace (e.g. workspace settings that must exist at startup).
 * @returns {Promise<{ exitCode: number | null, passed: number | null, failed: number | null, timedOut: boolean, runDir: string, log: string[] }>}
 */
export async function runExtensionTests(opts = {}) {
  const extensionPath = opts.extensionPath ?? REPO;
  const testsPath = opts.testsPath ?? join(REPO, 'out', 'test', 'suite', 'index.js');
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const print = opts.print ?? ((line) => console.log(line));
  const runDir = newRunDir(opts.label ?? 'extension-tests');
  const workspace = copySamples(runDir);
  if (opts.overlay) cpSync(opts.overlay, workspace, { recursive: true });
  const log = [];
  let server;
  let browser;
  let timer;
  try {
    server = await startCodeServer({ workspace, runDir, trusted: opts.trusted ?? true, userSettings: opts.userSettings });
    print(`code-server ${server.url} (pid ${server.pid}, run folder ${runDir})`);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let settle;
    const exited = new Promise((r) => (settle = r));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = formatLogArgs(args);
      for (const l of line.split('\n')) {
        log.push(l);
        if (!WORKBENCH_NOISE.test(l)) print(`  ${l}`);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => settle({ code: Number(code), timedOut: false }));
    page.on('pageerror', (err) => log.push(`[pageerror] ${err.message}`));
    timer = setTimeout(() => settle({ code: null, timedOut: true }), timeoutMs);
    await page.goto(workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: extensionPath, extensionTestsPath: testsPath }), {
      timeout: 60_000,
    });
    const result = await exited;
    if (result.timedOut) {
      print(`extension tests timed out after ${timeoutMs / 1000} s`);
      await page.screenshot({ path: join(runDir, 'timeout.png') }).catch(() => {});
    }
    const summary = [...log].reverse().map((l) => /^\s*(\d+) passed, (\d+) failed\s*$/.exec(l)).find(Boolean);
    return {
      exitCode: result.code,
      passed: summary ? Number(summary[1]) : null,
      failed: summary ? Number(summary[2]) : null,
      timedOut: result.timedOut,
      runDir,
      log,
    };
  } finally {
    clearTimeout(timer);
    writeFileSync(join(runDir, 'extension-host.log'), log.join('\n') + '\n');
    await browser?.close().catch(() => {});
    await server?.stop();
  }
}
