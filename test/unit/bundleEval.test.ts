/**
 * Issue 9: the webviews' CSP has no 'unsafe-eval' (src/webviewHtml.ts), so the built bundles dist/webview/*.js must
 * not contain code that turns a string into code: `eval(...)` (direct, `(0, eval)(...)`, `window.eval(...)`),
 * `Function(...)` / `new Function(...)`, `.constructor("...")`, string timers (`setTimeout("...")`) or WebAssembly
 * compilation ('wasm-unsafe-eval'). Such a call would throw under the CSP, so a dependency that needs one breaks a
 * view; one in dead code would be harmless but is reported too, to be looked at and named here, never waved through.
 * The detector is a token scan (no parse), checked on positive and negative samples first so it can fail.
 *
 * Reads the bundles of the last build (`npm run build:dev` / `npm run build`; `node scripts/run-tests.mjs` builds
 * them before the unit stage); skipped, saying so, when dist/webview holds none. Found none in the development and
 * the production (terser) builds of scene, predictions, activations, sweepResults and inspector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
/** PERTURBER_WEBVIEW_BUNDLES: another build's folder (e.g. a `--mode production` build written elsewhere). */
const BUNDLES = process.env.PERTURBER_WEBVIEW_BUNDLES ?? path.join(REPO, 'dist', 'webview');
/** One bundle per webview entry of webpack.config.js (a new webview adds its own; this is the least). */
const EXPECTED = ['activations.js', 'predictions.js', 'scene.js', 'sweepResults.js'];

/** What would need 'unsafe-eval' (or 'wasm-unsafe-eval') in script-src, as patterns over minified or plain code. */
const PATTERNS: { what: string; re: RegExp }[] = [
  { what: 'eval(...)', re: /(?<![\w$])eval\s*\(/g },
  { what: '(0, eval)', re: /[,(]\s*eval\s*\)/g },
  { what: 'eval as a value', re: /(?<![\w$.'"`])eval\s*(?:[,;}\]]|\)\s*\()/g },
  { what: 'Function(...) / new Function(...)', re: /(?<![\w$.])Function\s*\(/g },
  { what: '.constructor("...")', re: /\.constructor\s*\(\s*["'`]/g },
  { what: 'string timer', re: /(?<![\w$])set(?:Timeout|Interval|Immediate)\s*\(\s*["'`]/g },
  { what: 'WebAssembly compilation', re: /WebAssembly\s*\.\s*(?:compile|compileStreaming|instantiate|instantiateStreaming|Module)\b/g },
];

interface Site {
  what: string;
  offset: number;
  excerpt: string;
}

function unsafeEvalSites(code: string): Site[] {
  const sites: Site[] = [];
  for (const { what, re } of PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(code); m !== null; m = re.exec(code)) {
      const start = Math.max(0, m.index - 60);
      sites.push({ what, offset: m.index, excerpt: code.slice(start, m.index + 60).replace(/\s+/g, ' ') });
    }
  }
  return sites;
}

test('the detector finds each kind of string-to-code call and nothing in look-alikes', () => {
  const positives = [
    'eval("1+1")',
    'x=eval (s)',
    '(0,eval)("this")',
    '(0, eval)(code)',
    'window.eval(s)',
    'globalThis.eval(s)',
    'var e=eval;e(s)',
    'new Function("return this")()',
    'Function("a","return a")(1)',
    'new Function ( body )',
    '(function(){}).constructor("return this")()',
    'setTimeout("alert(1)", 0)',
    "setInterval('tick()', 10)",
    'WebAssembly.instantiate(bytes)',
    'WebAssembly.compileStreaming(fetch(u))',
    'new WebAssembly.Module(bytes)',
  ];
  for (const code of positives) assert.ok(unsafeEvalSites(code).length > 0, `missed: ${code}`);
  const negatives = [
    'evaluate(x)',
    'x.evaluation(y)',
    'isFunction(f)',
    'typeof f === "function"',
    'Functions(x)',
    'myFunction(x)',
    'x.constructor(y)',
    'setTimeout(() => f(), 0)',
    'setTimeout(tick, 10)',
    'const retrieval = 1',
    'obj.medieval(x)',
    '"uses no eval here"',
  ];
  for (const code of negatives) assert.deepEqual(unsafeEvalSites(code), [], `false positive: ${code}`);
});

test('the built webview bundles contain no call that needs unsafe-eval', (t) => {
  const bundles = existsSync(BUNDLES) ? readdirSync(BUNDLES).filter((f) => f.endsWith('.js')).sort() : [];
  if (bundles.length === 0) {
    t.skip(`no bundles in ${BUNDLES}: build first (npm run build:dev)`);
    return;
  }
  for (const name of EXPECTED) assert.ok(bundles.includes(name), `${name} is missing in ${BUNDLES} (a stale or partial build?)`);
  const found: string[] = [];
  let bytes = 0;
  for (const name of bundles) {
    const code = readFileSync(path.join(BUNDLES, name), 'utf8');
    bytes += code.length;
    for (const site of unsafeEvalSites(code)) found.push(`${name}@${site.offset} ${site.what}: ${site.excerpt}`);
  }
  console.log(`bundleEval: ${bundles.length} bundles (${(bytes / 2 ** 20).toFixed(1)} MB) scanned: ${bundles.join(', ')}; ${found.length} site(s)`);
  assert.deepEqual(found, [], 'string-to-code sites in the webview bundles');
});
