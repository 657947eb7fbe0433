/**
 * Field kinds of the webview-message fuzzer (messageFuzzCases.ts): for each kind of field, seeded valid values and
 * values a guard must refuse (non-numbers, non-finite numbers, control characters, broken images, pixel buffers of
 * the wrong length, deep or sparse JSON, bad scene edits). Not a test file itself.
 */

export type Rand = () => number;
export const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

// ---------------------------------------------------------------- field kinds

/** What a field must be; each kind makes valid values and values the guard must refuse. */
export interface Kind {
  valid(r: Rand): unknown;
  invalid(r: Rand): unknown;
}

export const NOT_NUMBERS: readonly unknown[] = ['3', null, true, {}, [], [1], 3n, Symbol('x'), () => 1, new Date(0)];
export const NON_FINITE = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

export function intKind(min: number, max = Number.MAX_SAFE_INTEGER): Kind {
  return {
    valid: (r) => (r() < 0.1 ? min : r() < 0.1 && max < 1e7 ? max : int(r, min, Math.min(max, min + 100_000))),
    invalid: (r) =>
      pick(r, [...NON_FINITE, ...NOT_NUMBERS, min - 1, min + 0.5, max + 1, -1e300, 1e300, Number.MAX_SAFE_INTEGER + 2, undefined]),
  };
}

export const finiteKind: Kind = {
  valid: (r) => pick(r, [0, -0, 1.5, -3.25, 1_700_000_000_000.5, Number.MAX_VALUE, -Number.MIN_VALUE, int(r, -1e6, 1e6) / 7]),
  invalid: (r) => pick(r, [...NON_FINITE, ...NOT_NUMBERS, undefined]),
};

export const boolKind: Kind = {
  valid: (r) => r() < 0.5,
  invalid: (r) => pick(r, [0, 1, 'true', 'false', null, undefined, {}, [], Number.NaN]),
};

export function enumKind(values: readonly string[]): Kind {
  return {
    valid: (r) => pick(r, values),
    invalid: (r) => pick(r, [...values.map((v) => v.toUpperCase()), '', 'x', 1, null, undefined, {}, [values[0]], ` ${values[0]}`]),
  };
}

export const CONTROL = '\u0000\u0001\u0007\b\t\n\r\u001b\u007f';

export function randomText(r: Rand, length: number, controls = false): string {
  const alphabet = 'abcXYZ019 _-.é猫😀' + (controls ? CONTROL : '');
  let s = '';
  while (s.length < length) s += pick(r, [...alphabet]);
  return s.slice(0, length);
}

/** A string of `min..max` characters; `controls`: control characters are allowed (free text). */
export function stringKind(min: number, max: number, controls: boolean, nullable = false): Kind {
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
export const imagePathKind: Kind = {
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

export function pixelsOk(w: number, h: number): Uint8Array {
  const px = new Uint8Array(w * h * 4);
  for (let i = 0; i < px.length; i++) px[i] = (i * 31 + w) & 255;
  return px;
}

export function validImage(r: Rand): { width: number; height: number; pixels: Uint8Array } {
  const width = r() < 0.05 ? pick(r, [1, 1024]) : int(r, 1, 12);
  const height = r() < 0.05 ? 1 : int(r, 1, 12);
  return { width, height, pixels: pixelsOk(width, height) };
}

/** An image with exactly one thing wrong with it. */
export function invalidImage(r: Rand): unknown {
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

export function imagesKind(): Kind {
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

export const timingKind: Kind = {
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

export function jsonData(r: Rand, depth: number): unknown {
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

export function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

export const pathKind: Kind = {
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

export const editValueInvalid = (r: Rand): unknown =>
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

export function validEdit(r: Rand): { path: (string | number)[]; value: unknown } {
  return { path: pathKind.valid(r) as (string | number)[], value: jsonData(r, 0) };
}

export function invalidEdit(r: Rand): unknown {
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

export const editsKind: Kind = {
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
