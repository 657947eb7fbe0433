/**
 * The seeded generator of webview messages for fuzzing the guards (test/unit/messageFuzz.test.ts) and the host
 * (test/suite/fuzzHost.test.ts): valid messages of every type, mutations of one field at a time (each one malformed
 * by construction), extra undeclared keys (stripped), and whole-message junk. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { mulberry32 } from '../../core/noise';
import { boolKind, editsKind, enumKind, finiteKind, imagePathKind, imagesKind, int, intKind, jsonData, Kind, nested, pick, Rand, randomText, stringKind, timingKind } from './messageFuzzKinds';

/** Deterministic PRNG (core/noise.ts mulberry32) so a failure reproduces from the seed. */
const rng = mulberry32;

// ---------------------------------------------------------------- message specs

interface Field {
  name: string;
  kind: Kind;
  optional?: boolean;
}

export interface MessageSpec {
  type: string;
  fields: Field[];
  /** The type's invariants, on an accepted message (in addition to: only the declared keys). */
  check?(m: Record<string, unknown>): void;
}

function assertNonNegativeInt(v: unknown, what: string, max = Number.MAX_SAFE_INTEGER): void {
  assert.ok(typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max && !Object.is(v, -0), `${what}: ${String(v)}`);
}

function assertFinite(v: unknown, what: string): void {
  assert.ok(typeof v === 'number' && Number.isFinite(v), `${what}: ${String(v)}`);
}

function assertImages(v: unknown): void {
  assert.ok(Array.isArray(v) && v.length >= 1 && v.length <= 8, 'images: 1..8');
  for (const image of v) {
    assert.deepEqual(Object.keys(image).sort(), ['height', 'pixels', 'width']);
    assertNonNegativeInt(image.width, 'width', 1024);
    assertNonNegativeInt(image.height, 'height', 1024);
    assert.ok(image.width >= 1 && image.height >= 1);
    assert.ok(image.pixels instanceof Uint8Array, 'pixels: Uint8Array');
    assert.equal(image.pixels.length, 4 * image.width * image.height, 'pixels.length === 4*w*h');
  }
}

/** Plain JSON data: finite numbers, plain objects (prototype Object.prototype) and dense arrays only. */
function assertJson(v: unknown, depth = 0): void {
  assert.ok(depth <= 33, 'nested too deeply');
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') return assert.ok(Number.isFinite(v), 'finite');
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      assert.ok(i in v, 'no holes');
      assertJson(v[i], depth + 1);
    }
    return;
  }
  assert.ok(typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype, 'plain object');
  for (const key of Object.keys(v as object)) assertJson((v as Record<string, unknown>)[key], depth + 1);
}

const modelIdKind = stringKind(1, 64, true);

export const SCENE_SPECS: MessageSpec[] = [
  { type: 'ready', fields: [] },
  { type: 'openAsJson', fields: [] },
  { type: 'showPanels', fields: [] },
  { type: 'runSweep', fields: [] },
  { type: 'showSweepResults', fields: [] },
  {
    type: 'edit',
    fields: [{ name: 'edits', kind: editsKind }],
    check(m) {
      const edits = m.edits as { path: unknown[]; value: unknown }[];
      assert.ok(Array.isArray(edits) && edits.length <= 64);
      for (const e of edits) {
        assert.deepEqual(Object.keys(e).sort(), ['path', 'value']);
        assert.ok(e.path.length >= 1 && e.path.length <= 8);
        for (const s of e.path) {
          if (typeof s === 'string') assert.ok(s.length >= 1 && s.length <= 256);
          else assertNonNegativeInt(s, 'path index');
        }
        assertJson(e.value);
        assert.ok(JSON.stringify(e.value).length <= 64 * 1024);
      }
    },
  },
  {
    type: 'frame',
    fields: [
      { name: 'frameId', kind: intKind(0) },
      { name: 'docVersion', kind: intKind(0) },
      { name: 'images', kind: imagesKind() },
      { name: 'timing', kind: timingKind },
    ],
    check(m) {
      assertNonNegativeInt(m.frameId, 'frameId');
      assertNonNegativeInt(m.docVersion, 'docVersion');
      assertImages(m.images);
      const t = m.timing as Record<string, unknown>;
      assert.deepEqual(Object.keys(t).sort(), ['postedAt', 'readbackMs', 'renderMs']);
      for (const k of Object.keys(t)) assertFinite(t[k], `timing.${k}`);
    },
  },
  { type: 'problem', fields: [{ name: 'message', kind: stringKind(0, 4096, true) }] },
  { type: 'modelInputView', fields: [{ name: 'enabled', kind: boolKind }] },
  {
    type: 'saliencyView',
    fields: [
      { name: 'enabled', kind: boolKind },
      { name: 'method', kind: enumKind(['gradient', 'integratedGradients']) },
      { name: 'model', kind: modelIdKind, optional: true },
      {
        name: 'classIndex',
        optional: true,
        kind: { valid: (r) => (r() < 0.3 ? null : intKind(0, 1_000_000).valid(r)), invalid: (r) => { const v = intKind(0, 1_000_000).invalid(r); return v == null ? Number.NaN : v; } },
      },
    ],
    check(m) {
      if (m.classIndex != null) assertNonNegativeInt(m.classIndex, 'classIndex', 1_000_000);
    },
  },
  {
    type: 'rendered',
    fields: [
      { name: 'requestId', kind: intKind(0) },
      { name: 'images', kind: imagesKind() },
    ],
    check(m) {
      assertNonNegativeInt(m.requestId, 'requestId');
      assertImages(m.images);
    },
  },
  {
    type: 'renderFailed',
    fields: [
      { name: 'requestId', kind: intKind(0) },
      { name: 'error', kind: stringKind(0, 4096, true) },
    ],
  },
];

export const PANEL_SPECS: MessageSpec[] = [
  { type: 'ready', fields: [] },
  { type: 'checkpointTrend', fields: [{ name: 'modelId', kind: stringKind(1, 64, true, true) }] },
  { type: 'saveCheckpointTrend', fields: [] },
  {
    type: 'painted',
    fields: [
      { name: 'frameId', kind: intKind(0) },
      { name: 'paintMs', kind: finiteKind },
      { name: 'receivedAt', kind: finiteKind },
    ],
    check(m) {
      assertNonNegativeInt(m.frameId, 'frameId');
      assertFinite(m.paintMs, 'paintMs');
      assertFinite(m.receivedAt, 'receivedAt');
    },
  },
  {
    type: 'openImage',
    fields: [{ name: 'path', kind: imagePathKind }],
    check(m) {
      const p = m.path as string;
      assert.ok(!/[\u0000-\u001f\u007f]/.test(p) && !p.split(/[\\/]/).includes('..') && !/^([a-zA-Z][a-zA-Z0-9+.-]+:|[\\/]|[a-zA-Z]:)/.test(p));
    },
  },
  { type: 'cancelFeatureVis', fields: [] },
  {
    type: 'similarImages',
    fields: [
      { name: 'modelId', kind: modelIdKind },
      { name: 'layer', kind: stringKind(1, 1024, true, true) },
    ],
  },
];

export const SWEEP_SPECS: MessageSpec[] = [
  { type: 'ready', fields: [] },
  { type: 'openConfiguration', fields: [{ name: 'index', kind: intKind(0) }], check: (m) => assertNonNegativeInt(m.index, 'index') },
];

// ---------------------------------------------------------------- generation

export type Expect = 'accept' | 'reject' | 'acceptStripped' | 'any';

export interface Case {
  msg: unknown;
  expect: Expect;
  /** What was done to the message (for failure messages). */
  how: string;
  /** For 'accept': what must come back; for 'acceptStripped': the message without its extra keys. */
  want?: Record<string, unknown>;
  spec?: MessageSpec;
}

function validMessage(r: Rand, spec: MessageSpec): Record<string, unknown> {
  const m: Record<string, unknown> = { type: spec.type };
  for (const f of spec.fields) {
    if (f.optional && r() < 0.4) continue;
    m[f.name] = f.kind.valid(r);
  }
  return m;
}

const ALL_TYPES = [...new Set([...SCENE_SPECS, ...PANEL_SPECS, ...SWEEP_SPECS].map((s) => s.type))];

/** Whole-message junk: non-objects, wrong or unknown types, odd objects. */
function junk(r: Rand, specs: MessageSpec[]): Case {
  const known = specs.map((s) => s.type);
  const unknownTypes = [...ALL_TYPES.filter((t) => !known.includes(t)), 'READY', 'Ready', ' ready', 'ready\u0000', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty', randomText(r, 8, true)];
  const variants: (() => Case)[] = [
    () => ({ msg: pick(r, [null, undefined, 0, -0, Number.NaN, Number.POSITIVE_INFINITY, 'ready', '{"type":"ready"}', true, 1n, Symbol('ready'), () => ({ type: 'ready' })]), expect: 'reject', how: 'non-object' }),
    () => ({ msg: [{ type: 'ready' }], expect: 'reject', how: 'array' }),
    () => ({ msg: new Array(1_000_000), expect: 'reject', how: 'huge array' }),
    () => ({ msg: new Uint8Array(16), expect: 'reject', how: 'typed array' }),
    () => ({ msg: { type: pick(r, unknownTypes) }, expect: 'reject', how: 'unknown type' }),
    () => ({ msg: { ...validMessage(r, pick(r, specs)), type: pick(r, [1, null, undefined, {}, ['ready'], true, Number.NaN]) }, expect: 'reject', how: 'type retyped' }),
    () => ({ msg: {}, expect: 'reject', how: 'empty object' }),
    () => ({ msg: Object.create({ type: 'ready' }), expect: 'reject', how: 'type inherited from a prototype' }),
    () => ({ msg: Object.assign(Object.create({ type: 'ready' }), { x: 1 }), expect: 'reject', how: 'type inherited, own junk' }),
    () => ({ msg: { __proto__: { type: 'ready' } }, expect: 'reject', how: '__proto__ literal' }),
    () => ({ msg: new (class Message { type = 'ready'; })(), expect: 'reject', how: 'class instance' }),
    () => ({ msg: new Map([['type', 'ready']]), expect: 'reject', how: 'Map' }),
    () => ({
      msg: Object.defineProperty({}, 'type', { enumerable: true, get: () => { throw new Error('boom'); } }),
      expect: 'reject',
      how: 'throwing getter',
    }),
    () => ({ msg: new Proxy({}, { get: () => { throw new Error('trap'); }, getPrototypeOf: () => { throw new Error('trap'); } }), expect: 'reject', how: 'throwing proxy' }),
    () => {
      const p = Proxy.revocable({ type: 'ready' }, {});
      p.revoke();
      return { msg: p.proxy, expect: 'reject', how: 'revoked proxy' };
    },
    () => ({ msg: nested(10_000, { type: 'ready' }, false), expect: 'reject', how: 'deeply nested wrapper' }),
    // Random junk: no expectation but "does not throw; accepted ones hold the invariants".
    () => {
      const m: Record<string, unknown> = {};
      for (let i = int(r, 0, 4); i > 0; i--) {
        const key = pick(r, ['type', 'frameId', 'images', 'edits', 'path', 'modelId', 'index', 'enabled', 'message', '__proto__', 'constructor']);
        Object.defineProperty(m, key, { value: key === 'type' ? pick(r, [...known, ...unknownTypes]) : jsonData(r, 2), enumerable: true, writable: true, configurable: true });
      }
      return { msg: m, expect: 'any', how: 'random object' };
    },
  ];
  return pick(r, variants)();
}

/** Same message with extra undeclared keys (dropped on the way in), including prototype-pollution keys. */
function withExtras(r: Rand, spec: MessageSpec): Case {
  const m = validMessage(r, spec);
  const want = { ...m };
  const extras: [string, unknown][] = [
    ['extra', 1],
    ['__proto__', { polluted: true, type: 'ready' }],
    ['constructor', { prototype: { polluted: true } }],
    ['prototype', { polluted: true }],
    ['x'.repeat(10_000), 'y'.repeat(100_000)],
    ['huge', new Array(1_000_000)],
    ['nan', Number.NaN],
  ];
  const [key, value] = pick(r, extras);
  Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });
  return { msg: m, expect: 'acceptStripped', how: `extra key ${key.slice(0, 20)}`, want, spec };
}

/** One field broken (dropped, retyped, oversized, non-finite) or a required field made undefined. */
function mutation(r: Rand, spec: MessageSpec): Case | undefined {
  if (spec.fields.length === 0) return undefined;
  const m = validMessage(r, spec);
  const f = pick(r, spec.fields);
  if (!f.optional && r() < 0.2) {
    delete m[f.name];
    return { msg: m, expect: 'reject', how: `${spec.type}: dropped ${f.name}`, spec };
  }
  const bad = f.kind.invalid(r);
  if (bad === undefined && f.optional) return undefined; // an absent optional field is valid
  m[f.name] = bad;
  return { msg: m, expect: 'reject', how: `${spec.type}: ${f.name} = ${describe(bad)}`, spec };
}

export function describe(v: unknown): string {
  if (typeof v === 'string') return v.length > 30 ? `string(${v.length})` : JSON.stringify(v);
  if (typeof v === 'bigint' || typeof v === 'symbol' || typeof v === 'function') return typeof v;
  if (Array.isArray(v)) return `array(${v.length})`;
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (typeof v === 'object' && v !== null) return 'object';
  return String(v);
}

export function generate(seed: number, specs: MessageSpec[], count: number): Case[] {
  const r = rng(seed);
  const cases: Case[] = [];
  // Every type at least once valid and once with extras, then a random mix.
  for (const spec of specs) {
    const m = validMessage(r, spec);
    cases.push({ msg: m, expect: 'accept', how: `${spec.type}: valid`, want: m, spec });
    cases.push(withExtras(r, spec));
  }
  while (cases.length < count) {
    const roll = r();
    const spec = pick(r, specs);
    if (roll < 0.2) {
      const m = validMessage(r, spec);
      cases.push({ msg: m, expect: 'accept', how: `${spec.type}: valid`, want: m, spec });
    } else if (roll < 0.3) {
      cases.push(withExtras(r, spec));
    } else if (roll < 0.8) {
      const c = mutation(r, spec);
      if (c) cases.push(c);
    } else {
      cases.push(junk(r, specs));
    }
  }
  return cases;
}

