/**
 * The seeded generator of webview messages for fuzzing the guards (test/unit/messageFuzz.test.ts) and the host
 * (test/suite/fuzzHost.test.ts): valid messages of every type, mutations of one field at a time (each one malformed
 * by construction), extra undeclared keys (stripped), and whole-message junk. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { mulberry32 } from '../../core/noise';

/** Deterministic PRNG (core/noise.ts mulberry32) so a failure reproduces from the seed. */
const rng = mulberry32;

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

// ---------------------------------------------------------------- field kinds

/** What a field must be; each kind makes valid values and values the guard must refuse. */
interface Kind {
  valid(r: Rand): unknown;
  invalid(r: Rand): unknown;
}

const NOT_NUMBERS: readonly unknown[] = ['3', null, true, {}, [], [1], 3n, Symbol('x'), () => 1, new Date(0)];
const NON_FINITE = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

function intKind(min: number, max = Number.MAX_SAFE_INTEGER): Kind {
  return {
    valid: (r) => (r() < 0.1 ? min : r() < 0.1 && max < 1e7 ? max : int(r, min, Math.min(max, min + 100_000))),
    invalid: (r) =>
      pick(r, [...NON_FINITE, ...NOT_NUMBERS, min - 1, min + 0.5, max + 1, -1e300, 1e300, Number.MAX_SAFE_INTEGER + 2, undefined]),
  };
}

const finiteKind: Kind = {
  valid: (r) => pick(r, [0, -0, 1.5, -3.25, 1_700_000_000_000.5, Number.MAX_VALUE, -Number.MIN_VALUE, int(r, -1e6, 1e6) / 7]),
  invalid: (r) => pick(r, [...NON_FINITE, ...NOT_NUMBERS, undefined]),
};

const boolKind: Kind = {
  valid: (r) => r() < 0.5,
  invalid: (r) => pick(r, [0, 1, 'true', 'false', null, undefined, {}, [], Number.NaN]),
};

function enumKind(values: readonly string[]): Kind {
  return {
    valid: (r) => pick(r, values),
    invalid: (r) => pick(r, [...values.map((v) => v.toUpperCase()), '', 'x', 1, null, undefined, {}, [values[0]], ` ${values[0]}`]),
  };
}

const CONTROL = '\u0000\u0001\u0007\b\t\n\r\u001b\u007f';

function randomText(r: Rand, length: number, controls = false): string {
  const alphabet = 'abcXYZ019 _-.é猫😀' + (controls ? CONTROL : '');
  let s = '';
  while (s.length < length) s += pick(r, [...alphabet]);
  return s.slice(0, length);
}

/** A string of `min..max` characters; `controls`: control characters are allowed (free text). */
function stringKind(min: number, max: number, controls: boolean, nullable = false): Kind {
  return {
    valid: (r) => (nullable && r() < 0.3 ? null : randomText(r, r() < 0.05 ? max : int(r, min, Math.min(max, 40)), controls && r() < 0.5)),
    invalid: (r) => {
      const bad: unknown[] = ['x'.repeat(max + 1), 'y'.repeat(max * 3 + 7), 5, true, {}, [], ['a'], undefined, Number.NaN, new String('a')];
      if (min > 0) bad.push('');
      if (!nullable) bad.push(null);
      return pick(r, bad);
    },
  };
}

/** A workspace-relative path (`openImage`). */
const imagePathKind: Kind = {
  valid: (r) => `${pick(r, ['images', 'data/cats', 'a b/ç'])}/${randomText(r, int(r, 1, 20)).replace(/[/\\]/g, '_')}.png`.replace(/^\.\.?\//, ''),
  invalid: (r) =>
    pick(r, [
      '',
      '/etc/passwd',
      '\\\\server\\share\\x.png',
      'C:/x.png',
      'c:x.png',
      'file:///etc/passwd',
      'https://example.com/x.png',
      'vscode-resource:/x',
      '../outside.png',
      'images/../../outside.png',
      'images\\..\\..\\x.png',
      'a\u0000b.png',
      'a\nb.png',
      'a\u001bb.png',
      'x'.repeat(4097),
      null,
      undefined,
      3,
      ['a.png'],
      {},
    ]),
};

function pixelsOk(w: number, h: number): Uint8Array {
  const px = new Uint8Array(w * h * 4);
  for (let i = 0; i < px.length; i++) px[i] = (i * 31 + w) & 255;
  return px;
}

function validImage(r: Rand): { width: number; height: number; pixels: Uint8Array } {
  const width = r() < 0.05 ? pick(r, [1, 1024]) : int(r, 1, 12);
  const height = r() < 0.05 ? 1 : int(r, 1, 12);
  return { width, height, pixels: pixelsOk(width, height) };
}

/** An image with exactly one thing wrong with it. */
function invalidImage(r: Rand): unknown {
  const good = validImage(r);
  const n = good.pixels.length;
  const f = new Float32Array(n);
  f.fill(Number.NaN);
  const variants: (() => unknown)[] = [
    () => ({ ...good, pixels: good.pixels.subarray(0, n - 1) }),
    () => ({ ...good, pixels: new Uint8Array(n + 4) }),
    () => ({ ...good, pixels: new Uint8Array(0) }),
    () => ({ ...good, pixels: new Uint8ClampedArray(n) }),
    () => ({ ...good, pixels: new Int8Array(n) }),
    () => ({ ...good, pixels: f }),
    () => ({ ...good, pixels: Array.from(good.pixels) }),
    () => ({ ...good, pixels: Array.from({ length: n }, () => Number.NaN) }),
    () => ({ ...good, pixels: Array.from({ length: n }, () => Number.POSITIVE_INFINITY) }),
    () => ({ ...good, pixels: good.pixels.buffer }),
    () => ({ ...good, pixels: new DataView(good.pixels.buffer) }),
    () => ({ ...good, pixels: String.fromCharCode(...good.pixels.subarray(0, 64)) }),
    () => ({ ...good, pixels: null }),
    () => ({ width: good.width, height: good.height }),
    () => ({ ...good, width: good.width + 1 }),
    () => ({ ...good, width: Number.NaN }),
    () => ({ ...good, height: Number.POSITIVE_INFINITY }),
    () => ({ ...good, width: -good.width, height: -good.height }),
    () => ({ ...good, width: 0, height: 0, pixels: new Uint8Array(0) }),
    () => ({ ...good, width: good.width + 0.5 }),
    () => ({ width: 1025, height: 1, pixels: new Uint8Array(1025 * 4) }),
    () => ({ ...good, width: String(good.width) }),
    () => ({ width: 2 ** 16, height: 2 ** 16, pixels: new Uint8Array(16) }),
    () => Object.assign(Object.create({ pixels: good.pixels }), { width: good.width, height: good.height }),
    () => null,
    () => good.pixels,
    () => [good.width, good.height, good.pixels],
  ];
  return pick(r, variants)();
}

function imagesKind(): Kind {
  return {
    valid: (r) => Array.from({ length: r() < 0.05 ? 8 : int(r, 1, 3) }, () => validImage(r)),
    invalid: (r) =>
      pick(r, [
        () => [],
        () => Array.from({ length: 9 }, () => validImage(r)),
        () => new Array(1_000_000),
        () => [validImage(r), invalidImage(r)],
        () => [invalidImage(r)],
        () => validImage(r),
        () => null,
        () => 'images',
        () => ({ length: 1, 0: validImage(r) }),
        // eslint-disable-next-line no-sparse-arrays
        () => [validImage(r), , validImage(r)],
      ])(),
  };
}

const timingKind: Kind = {
  valid: (r) => ({ renderMs: finiteKind.valid(r), readbackMs: finiteKind.valid(r), postedAt: finiteKind.valid(r) }),
  invalid: (r) => {
    const t: Record<string, unknown> = { renderMs: 1, readbackMs: 2, postedAt: 3 };
    const which = pick(r, ['renderMs', 'readbackMs', 'postedAt', 'whole']);
    if (which === 'whole') return pick(r, [null, undefined, 5, [], 'timing', [1, 2, 3]]);
    if (r() < 0.3) delete t[which];
    else t[which] = finiteKind.invalid(r);
    return t;
  },
};

// JSON values for scene edits.

function jsonData(r: Rand, depth: number): unknown {
  const k = depth > 3 ? int(r, 0, 3) : int(r, 0, 5);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, [0, -1, 12.5, 1e21, -0.0001, int(r, -1000, 1000)]);
    case 3:
      return randomText(r, int(r, 0, 12), true);
    case 4:
      return Array.from({ length: int(r, 0, 4) }, () => jsonData(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(r, 0, 4); i > 0; i--) {
        Object.defineProperty(o, pick(r, ['a', 'kind', 'path', '__proto__', 'constructor', 'prototype', 'toString', '', randomText(r, 5, true)]), {
          value: jsonData(r, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    }
  }
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

const pathKind: Kind = {
  valid: (r) =>
    Array.from({ length: int(r, 1, 8) }, () =>
      r() < 0.5 ? int(r, 0, 20) : pick(r, ['camera', 'azimuth', 'models', 'watch', '__proto__', 'constructor', 'prototype', randomText(r, int(r, 1, 10))]),
    ),
  invalid: (r) =>
    pick(r, [
      () => [],
      () => Array.from({ length: 9 }, () => 'a'),
      () => ['camera', ''],
      () => ['x'.repeat(257)],
      () => ['camera', -1],
      () => ['camera', 1.5],
      () => ['camera', Number.NaN],
      () => ['camera', Number.POSITIVE_INFINITY],
      () => ['camera', null],
      () => ['camera', {}],
      () => ['camera', ['azimuth']],
      () => ['camera', true],
      () => 'camera.azimuth',
      () => null,
      () => undefined,
      () => new Array(1_000_000),
      // eslint-disable-next-line no-sparse-arrays
      () => ['camera', , 'azimuth'],
    ])(),
};

const editValueInvalid = (r: Rand): unknown =>
  pick(r, [
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => ({ a: Number.NEGATIVE_INFINITY }),
    () => [1, Number.NaN],
    () => undefined,
    () => 3n,
    () => () => 1,
    () => Symbol('s'),
    () => new Date(0),
    () => new Uint8Array(4),
    () => new Map(),
    () => ({ a: new Set([1]) }),
    () => nested(40, 1, r() < 0.5),
    () => nested(200, null, false),
    () => 'x'.repeat(64 * 1024 + 1),
    () => Array.from({ length: 40_000 }, () => 0),
    () => new Array(1_000_000),
    // eslint-disable-next-line no-sparse-arrays
    () => [1, , 3],
    () => Object.fromEntries(Array.from({ length: 7000 }, (_, i) => [`k${i}`, 1234567890])),
    () => Array.from({ length: 3000 }, () => 'z'.repeat(30)),
    () => Object.create({ inherited: 1 }),
    () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      return cyclic;
    },
  ])();

function validEdit(r: Rand): { path: (string | number)[]; value: unknown } {
  return { path: pathKind.valid(r) as (string | number)[], value: jsonData(r, 0) };
}

function invalidEdit(r: Rand): unknown {
  const e: Record<string, unknown> = validEdit(r);
  switch (int(r, 0, 4)) {
    case 0:
      delete e.value;
      return e;
    case 1:
      delete e.path;
      return e;
    case 2:
      e.path = pathKind.invalid(r);
      return e;
    case 3:
      return pick(r, [null, 'edit', 1, [e.path, e.value]]);
    default:
      e.value = editValueInvalid(r);
      return e;
  }
}

const editsKind: Kind = {
  valid: (r) => Array.from({ length: r() < 0.05 ? 64 : int(r, 0, 4) }, () => validEdit(r)),
  invalid: (r) =>
    pick(r, [
      () => Array.from({ length: 65 }, () => validEdit(r)),
      () => new Array(1_000_000),
      () => [validEdit(r), invalidEdit(r)],
      () => [invalidEdit(r)],
      // eslint-disable-next-line no-sparse-arrays
      () => [validEdit(r), , validEdit(r)],
      () => validEdit(r),
      () => null,
      () => 'edits',
    ])(),
};

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

