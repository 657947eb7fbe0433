#!/usr/bin/env node
// `npm start`: install what is missing, build, and open the extension on samples/.
//  - With a desktop VS Code (`code` on PATH): code --extensionDevelopmentPath=<repo> <repo>/samples
//  - Otherwise: code-server on 127.0.0.1 (PERTURBER_PORT, else 8080 or the first free port) with the extension
//    loaded from this folder; prints the URL to open and runs until Ctrl+C.
//
//   node scripts/start.mjs [--watch] [--code-server]
//     --watch         rebuild on change (webpack --watch); reload the window to pick changes up
//     --code-server   use code-server even when `code` is on PATH
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, freePort, startCodeServer, workbenchUrl } from './codeServer.mjs';

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--watch', '--code-server'].includes(a)) {
    console.error(`start: unknown argument ${a}\nusage: npm start -- [--watch] [--code-server]`);
    process.exit(2);
  }
}
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };

function run(cmd, argv, what) {
  console.log(`start: ${what}`);
  const res = spawnSync(cmd, argv, { cwd: REPO, stdio: 'inherit', env });
  if (res.status !== 0) {
    console.error(`start: ${what} failed (${res.status ?? res.signal ?? res.error?.message})`);
    process.exit(1);
  }
}

function onPath(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
}

if (!existsSync(join(REPO, 'node_modules', '.bin', 'webpack'))) {
  run('npm', existsSync(join(REPO, 'package-lock.json')) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'], 'installing node_modules');
}
run(join(REPO, 'node_modules', '.bin', 'webpack'), ['--mode', 'development'], 'building (webpack --mode development)');

const samples = join(REPO, 'samples');
const code = args.has('--code-server') ? '' : onPath('code');
// A `code` that is code-server's own wrapper (or VS Code's remote CLI) cannot open a desktop window.
if (code && !/code-server|\.vscode-server/.test(code)) {
  console.log(`start: ${code} --extensionDevelopmentPath=${REPO} ${samples}`);
  const res = spawnSync(code, [`--extensionDevelopmentPath=${REPO}`, samples], { stdio: 'inherit', env });
  process.exit(res.status ?? 1);
}

run('bash', [join(REPO, 'scripts', 'setup-tools.sh')], 'tools (code-server, Chromium; once)');
let watcher;
if (args.has('--watch')) {
  watcher = spawn(join(REPO, 'node_modules', '.bin', 'webpack'), ['--mode', 'development', '--watch'], { cwd: REPO, stdio: 'inherit', env, detached: true });
  process.on('exit', () => {
    try {
      process.kill(-watcher.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  });
}
let server;
let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  console.log('\nstart: stopping code-server');
  if (watcher?.pid) {
    try {
      process.kill(-watcher.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  await server?.stop();
  process.exit(0);
}
// Registered before the server starts, so Ctrl+C during startup also stops it cleanly.
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
const wanted = Number(process.env.PERTURBER_PORT) || 8080;
const port = process.env.PERTURBER_PORT ? wanted : await freePort(wanted);
server = await startCodeServer({ workspace: samples, port, runDir: join(REPO, '.test-runs', 'start'), readyTimeoutMs: 60_000 });
const url = workbenchUrl(server, { folder: samples, extensionDevelopmentPath: REPO });
console.log(`
Perturber is running in code-server (VS Code in the browser), extension loaded from ${REPO}.
Open:

  ${url}

(From another machine: ssh -L ${port}:127.0.0.1:${port} <this host>, then open the same URL.)
Logs: ${server.logFile}
Ctrl+C stops it.`);

// Stay alive while the server runs; if it dies, say so and exit.
const alive = setInterval(() => {
  try {
    process.kill(server.pid, 0);
  } catch {
    clearInterval(alive);
    console.error(`start: code-server exited; see ${server.logFile}`);
    process.exit(1);
  }
}, 2000);
