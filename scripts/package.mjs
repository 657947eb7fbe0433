#!/usr/bin/env node
// `npm run package`: a production build and one platform-specific .vsix per target (default linux-x64).
// onnxruntime-node carries native binaries for every platform (~290 MB); each .vsix keeps only its target's.
//
//   node scripts/package.mjs                                  linux-x64
//   node scripts/package.mjs --target linux-x64,darwin-arm64  several (vsce target names)
//   node scripts/package.mjs --skip-build                     reuse dist/
//   node scripts/package.mjs --verify                         install the linux-x64 vsix in code-server and check it activates
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from './codeServer.mjs';

// vsce target -> onnxruntime-node's folder bin/napi-v6/<platform>/<arch>.
const ORT_DIRS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

function parseArgs(argv) {
  const opts = { targets: ['linux-x64'], build: true, verify: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--target' || a.startsWith('--target=')) {
      opts.targets = (a.includes('=') ? a.slice(9) : argv[++i] ?? '').split(',').filter(Boolean);
    } else if (a === '--skip-build') opts.build = false;
    else if (a === '--verify') opts.verify = true;
    else fail(`unknown argument ${a}\nusage: node scripts/package.mjs [--target ${Object.keys(ORT_DIRS).join(',')}] [--skip-build] [--verify]`);
  }
  for (const t of opts.targets) if (!ORT_DIRS[t]) fail(`unsupported target ${t} (onnxruntime-node has binaries for ${Object.keys(ORT_DIRS).join(', ')})`);
  return opts;
}

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function run(cmd, args, what, extra = {}) {
  console.log(`$ ${[cmd, ...args].map((a) => relative(REPO, a) || a).join(' ')}`);
  const res = spawnSync(cmd, args, { cwd: REPO, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }, timeout: 10 * 60_000, ...extra });
  if (res.status !== 0) fail(`${what} failed (${res.status ?? res.signal ?? res.error?.message})`);
}

/** .vscodeignore with the onnxruntime binaries line pointed at `target`. */
function ignoreFileFor(target) {
  const base = readFileSync(join(REPO, '.vscodeignore'), 'utf8');
  const line = '!node_modules/onnxruntime-node/bin/napi-v*/linux/x64/**';
  if (!base.includes(line)) fail(`.vscodeignore lacks the line ${line}`);
  if (target === 'linux-x64') return join(REPO, '.vscodeignore');
  const dir = join(REPO, '.test-runs', 'package');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `vscodeignore-${target}`);
  writeFileSync(file, base.replace(line, `!node_modules/onnxruntime-node/bin/napi-v*/${ORT_DIRS[target]}/**`));
  return file;
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const opts = parseArgs(process.argv.slice(2));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
if (!existsSync(join(REPO, 'node_modules', 'onnxruntime-node'))) fail('node_modules/onnxruntime-node is missing: run `npm install` first');
if (opts.build) run(join(REPO, 'node_modules', '.bin', 'webpack'), ['--mode', 'production'], 'webpack (production)');
if (!existsSync(join(REPO, 'dist', 'extension.js'))) fail('dist/extension.js is missing (the build failed?)');

const built = [];
for (const target of opts.targets) {
  const out = join(REPO, `${pkg.name}-${pkg.version}-${target}.vsix`);
  rmSync(out, { force: true });
  run(
    join(REPO, 'node_modules', '.bin', 'vsce'),
    ['package', '--target', target, '--out', out, '--ignoreFile', ignoreFileFor(target), '--allow-missing-repository', '--allow-star-activation', '--no-rewrite-relative-links'],
    `vsce package --target ${target}`,
    { stdio: ['ignore', 'inherit', 'inherit'] }, // never wait on a y/N prompt
  );
  console.log(`package: ${relative(REPO, out)} ${mb(statSync(out).size)}`);
  built.push({ target, out });
}

if (opts.verify) {
  const linux = built.find((b) => b.target === 'linux-x64');
  if (!linux) fail('--verify needs the linux-x64 target');
  const { verifyVsix } = await import('./verifyVsix.mjs');
  await verifyVsix(linux.out);
}
