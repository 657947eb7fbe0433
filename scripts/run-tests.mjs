#!/usr/bin/env node
// `npm test`: every check in order, each stage with a header and its duration, then ONE plain closing line
// `N passed, N failed` (totals over all stages; a stage that crashes or cannot run counts as a failure).
//
//   node scripts/run-tests.mjs                    everything
//   node scripts/run-tests.mjs --only unit        one test stage (plus the builds it needs); comma-separate several:
//                                                 unit | webviews | extension | untrusted | e2e
//   node scripts/run-tests.mjs --no-build         with --only: reuse dist/ and out/ as they are
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO, reapCodeServers } from './codeServer.mjs';

const TEST_STAGES = ['unit', 'webviews', 'extension', 'untrusted', 'e2e'];
const MIN = 60_000;
/** The browser tests that drive the whole workbench (code-server): the e2e stage, not the webviews stage. */
const WORKBENCH_TESTS = ['e2e.test.mjs', 'tour.test.mjs'];

function parseArgs(argv) {
  const opts = { only: null, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(7) : argv[++i];
      opts.only = new Set((v ?? '').split(',').filter(Boolean));
      const bad = [...opts.only].filter((s) => !TEST_STAGES.includes(s));
      if (bad.length || !opts.only.size) usage(`--only takes ${TEST_STAGES.join('|')} (got ${v})`);
    } else if (a === '--no-build') opts.build = false;
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  return opts;
}

function usage(error) {
  if (error) console.error(`run-tests: ${error}`);
  console.error('usage: node scripts/run-tests.mjs [--only unit|webviews|extension|untrusted|e2e[,...]] [--no-build]');
  process.exit(2);
}

// ------------------------------------------------------------------ child processes

let current = null;
/** Runs a command in its own process group, echoing its output; kills the whole group on timeout. */
function runCommand(cmd, args, { timeoutMs = 10 * MIN, env = {}, cwd = REPO } = {}) {
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    const onData = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\nrun-tests: ${cmd} ${args.join(' ')} exceeded ${timeoutMs / 1000} s; stopping it`);
      // SIGTERM first so test processes run their exit hooks (which stop the code-servers they started).
      killGroup(child.pid, 'SIGTERM');
      setTimeout(() => killGroup(child.pid), 5000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      output += String(err);
      console.error(`run-tests: cannot run ${cmd}: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = null;
      // Anything the command left running in its group (a code-server from a crashed test) goes too.
      killGroup(child.pid);
      resolve({ code: code ?? (signal ? 128 : 1), signal, output, timedOut });
    });
  });
}

function killGroup(pid, signal = 'SIGKILL') {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`\nrun-tests: ${sig}, stopping`);
    if (current) killGroup(current.pid);
    process.exit(130); // 'exit' hooks in codeServer.mjs kill any code-server still running
  });
}

const bin = (name) => join(REPO, 'node_modules', '.bin', name);
const step = (ok) => (ok ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });

function missing(what) {
  console.error(`run-tests: cannot run this stage: ${what}`);
  return { passed: 0, failed: 1, note: what };
}

// ------------------------------------------------------------------ node:test files

const RESULTS = join(REPO, 'test-results');

/** Runs node --test on files with the spec reporter on screen and TAP in a file, whose `# pass/# fail` are counted. */
async function nodeTest(name, files, { timeoutMs, concurrency }) {
  mkdirSync(RESULTS, { recursive: true });
  const tap = join(RESULTS, `${name}.tap`);
  rmSync(tap, { force: true });
  const res = await runCommand(
    process.execPath,
    ['--test', ...(concurrency ? [`--test-concurrency=${concurrency}`] : []), '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
    { timeoutMs },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (key) => {
    const m = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const passed = count('pass');
  const failed = count('fail');
  if (passed === null || failed === null) {
    return { passed: passed ?? 0, failed: 1, note: res.timedOut ? 'timed out' : `no summary in ${relative(REPO, tap)} (exit ${res.code})` };
  }
  // A non-zero exit with no failed test (a crash after the tests, a timeout) is still a failure.
  if (res.code !== 0 && failed === 0) return { passed, failed: 1, note: res.timedOut ? 'timed out' : `exit ${res.code}` };
  return { passed, failed };
}

function findFiles(dir, suffix) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...findFiles(p, suffix));
    else if (entry.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

// ------------------------------------------------------------------ stages

/** A stage's counts from runExtensionTests: a missing summary line or a bad exit with no failed test is a failure. */
function extensionCounts(r, minutes) {
  console.log(`extension-host log: ${relative(REPO, join(r.runDir, 'extension-host.log'))}`);
  if (r.passed === null) {
    return { passed: 0, failed: 1, note: r.timedOut ? `timed out after ${minutes} min` : `no "N passed, N failed" line (exit ${r.exitCode})` };
  }
  if (r.exitCode !== 0 && r.failed === 0) return { passed: r.passed, failed: 1, note: `exit ${r.exitCode}` };
  return { passed: r.passed, failed: r.failed };
}

const state = { buildOk: null, testsCompiled: null };

const stages = [
  {
    id: 'setup',
    title: 'Tools (scripts/setup-tools.sh: Chromium, code-server, Node 24)',
    when: (o) => !o.only || ['extension', 'untrusted', 'e2e', 'webviews'].some((s) => o.only.has(s)),
    async run() {
      return step((await runCommand('bash', ['scripts/setup-tools.sh'], { timeoutMs: 20 * MIN })).code === 0);
    },
  },
  {
    id: 'typecheck',
    title: 'Type-check (npm run typecheck) and contributions (scripts/check-contributions.mjs)',
    when: (o) => !o.only,
    async run() {
      const tc = await runCommand('npm', ['run', '--silent', 'typecheck'], { timeoutMs: 5 * MIN });
      let check;
      if (existsSync(join(REPO, 'scripts', 'check-contributions.mjs'))) {
        check = step((await runCommand(process.execPath, ['scripts/check-contributions.mjs'], { timeoutMs: MIN })).code === 0);
      } else {
        check = missing('scripts/check-contributions.mjs does not exist');
      }
      const r = step(tc.code === 0);
      return { passed: r.passed + check.passed, failed: r.failed + check.failed, note: check.note };
    },
  },
  {
    id: 'build',
    title: 'Build (webpack --mode development)',
    when: (o) => o.build && (!o.only || ['extension', 'untrusted', 'e2e', 'webviews'].some((s) => o.only.has(s))),
    async run() {
      if (!existsSync(join(REPO, 'webpack.config.js'))) {
        state.buildOk = false;
        return missing('webpack.config.js does not exist');
      }
      const res = await runCommand(bin('webpack'), ['--mode', 'development'], { timeoutMs: 5 * MIN });
      state.buildOk = res.code === 0 && existsSync(join(REPO, 'dist', 'extension.js'));
      if (res.code === 0 && !state.buildOk) return missing('webpack succeeded but dist/extension.js is missing');
      return step(state.buildOk);
    },
  },
  {
    id: 'compile-tests',
    title: 'Compile tests (tsc -p test/tsconfig.json -> out/)',
    when: (o) => o.build && (!o.only || ['unit', 'extension', 'untrusted'].some((s) => o.only.has(s))),
    async run() {
      rmSync(join(REPO, 'out'), { recursive: true, force: true });
      const res = await runCommand(bin('tsc'), ['-p', 'test/tsconfig.json'], { timeoutMs: 5 * MIN });
      // tsc still emits on type errors; the tests that compiled run anyway, the errors count as one failure.
      state.testsCompiled = existsSync(join(REPO, 'out', 'test'));
      return step(res.code === 0);
    },
  },
  {
    id: 'unit',
    title: 'Unit tests (node --test out/test/unit/)',
    when: (o) => !o.only || o.only.has('unit'),
    async run() {
      const sources = findFiles(join(REPO, 'test', 'unit'), '.test.ts');
      const files = findFiles(join(REPO, 'out', 'test', 'unit'), '.test.js');
      if (!files.length) {
        if (!sources.length) {
          console.log('no unit tests (test/unit/*.test.ts) yet');
          return { passed: 0, failed: 0, note: 'none' };
        }
        return missing('test/unit has tests but out/test/unit/ has no compiled *.test.js (did the compile stage run?)');
      }
      return nodeTest('unit', files, { timeoutMs: 10 * MIN });
    },
  },
  {
    id: 'webviews',
    title: 'Webview tests (node --test test/ui/*.test.mjs, except the workbench ones: e2e, tour)',
    when: (o) => !o.only || o.only.has('webviews'),
    async run() {
      // Every browser test of the webviews (webviews, gallery goldens, ...); e2e drives the whole workbench instead.
      const files = findFiles(join(REPO, 'test', 'ui'), '.test.mjs').filter((f) => !WORKBENCH_TESTS.some((name) => f.endsWith(name)));
      if (!files.length) {
        console.log('no test/ui/*.test.mjs yet; skipped');
        return { passed: 0, failed: 0, note: 'not present' };
      }
      if (state.buildOk === false) return missing('the build failed (dist/webview/*.js)');
      return nodeTest('webviews', files, { timeoutMs: 10 * MIN });
    },
  },
  {
    id: 'extension',
    title: 'Extension-host tests (mocha in code-server, out/test/suite/)',
    when: (o) => !o.only || o.only.has('extension'),
    async run() {
      if (state.buildOk === false) return missing('the build failed (dist/extension.js)');
      if (!existsSync(join(REPO, 'dist', 'extension.js'))) return missing('dist/extension.js is missing (run the build)');
      if (!existsSync(join(REPO, 'out', 'test', 'suite', 'index.js'))) return missing('out/test/suite/index.js is missing (tsc -p test/tsconfig.json)');
      const { runExtensionTests } = await import('./extensionTests.mjs');
      return extensionCounts(await runExtensionTests({ timeoutMs: 18 * MIN }), 18);
    },
  },
  {
    id: 'untrusted',
    title: 'Extension-host tests in an untrusted workspace (restricted mode; out/test/suite-untrusted/)',
    when: (o) => !o.only || o.only.has('untrusted'),
    async run() {
      if (state.buildOk === false) return missing('the build failed (dist/extension.js)');
      if (!existsSync(join(REPO, 'dist', 'extension.js'))) return missing('dist/extension.js is missing (run the build)');
      const testsPath = join(REPO, 'out', 'test', 'suite-untrusted', 'index.js');
      if (!existsSync(testsPath)) return missing('out/test/suite-untrusted/index.js is missing (tsc -p test/tsconfig.json)');
      const { runExtensionTests } = await import('./extensionTests.mjs');
      // trusted: false keeps workspace trust on: code-server opens the folder in restricted mode (no dialog).
      const r = await runExtensionTests({
        trusted: false,
        testsPath,
        overlay: join(REPO, 'test', 'fixtures', 'untrusted-workspace'),
        label: 'untrusted-tests',
        timeoutMs: 4 * MIN,
      });
      return extensionCounts(r, 4);
    },
  },
  {
    id: 'e2e',
    title: 'End-to-end UI tests in the workbench (node --test test/ui/e2e.test.mjs test/ui/tour.test.mjs)',
    when: (o) => !o.only || o.only.has('e2e'),
    async run() {
      if (state.buildOk === false) return missing('the build failed');
      if (!existsSync(join(REPO, 'dist', 'extension.js'))) return missing('dist/extension.js is missing (run the build)');
      return nodeTest('e2e', WORKBENCH_TESTS.map((name) => join(REPO, 'test', 'ui', name)), { timeoutMs: 16 * MIN, concurrency: 1 });
    },
  },
];

// ------------------------------------------------------------------ main

const opts = parseArgs(process.argv.slice(2));
process.env.ONNXRUNTIME_NODE_INSTALL = 'skip';
process.env.PERTURBER_TEST_OWNER = String(process.pid);
const summary = [];
const t0 = Date.now();
for (const stage of stages) {
  if (!stage.when(opts)) continue;
  console.log(`\n===== ${stage.id}: ${stage.title}`);
  const start = Date.now();
  let r;
  try {
    r = await stage.run();
  } catch (err) {
    console.error(`run-tests: stage ${stage.id} crashed: ${err?.stack ?? err}`);
    r = { passed: 0, failed: 1, note: `crashed: ${String(err?.message ?? err).split('\n')[0]}` };
  }
  const reaped = reapCodeServers(process.pid);
  if (reaped.length) console.error(`run-tests: stage ${stage.id} left code-server running (pid ${reaped.join(', ')}); stopped it`);
  const secs = (Date.now() - start) / 1000;
  summary.push({ id: stage.id, secs, ...r });
  console.log(`===== ${stage.id}: ${r.failed ? 'FAILED' : 'ok'} (${r.passed} passed, ${r.failed} failed${r.note ? `; ${r.note}` : ''}) in ${secs.toFixed(1)} s`);
}

let passed = 0;
let failed = 0;
console.log('\nstage            time  passed  failed');
for (const s of summary) {
  passed += s.passed;
  failed += s.failed;
  console.log(`${s.id.padEnd(14)} ${s.secs.toFixed(1).padStart(6)}s ${String(s.passed).padStart(7)} ${String(s.failed).padStart(7)}${s.note ? `  (${s.note})` : ''}`);
}
console.log(`total          ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
