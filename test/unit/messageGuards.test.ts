import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePanelMessage, parseSceneMessage, parseSweepResultsMessage } from '../../core/messageGuards';
import { mulberry32 } from '../../core/noise';

/** Deterministic PRNG (core/noise.ts mulberry32) so a failure reproduces from the seed. */
const rng = mulberry32;

function image(width: number, height: number): { width: number; height: number; pixels: Uint8Array } {
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) & 255;
  return { width, height, pixels };
}

function validFrame(): Record<string, unknown> {
  return {
    type: 'frame',
    frameId: 12,
    docVersion: 3,
    images: [image(4, 3), image(1, 1)],
    timing: { renderMs: 2.5, readbackMs: 0.25, postedAt: 1_700_000_000_000 },
  };
}

function validEdit(): Record<string, unknown> {
  return {
    type: 'edit',
    edits: [
      { path: ['camera', 'azimuth'], value: 12.5 },
      { path: ['models', 0, 'watch', 1, 'neurons'], value: [1, 2, 3] },
      { path: ['background'], value: { kind: 'image', path: 'bg.png' } },
      { path: ['name'], value: null },
    ],
  };
}

test('valid scene messages pass and come back rebuilt', () => {
  for (const msg of [{ type: 'ready' }, { type: 'openAsJson' }, { type: 'showPanels' }, { type: 'problem', message: 'texture failed' }]) {
    assert.deepEqual(parseSceneMessage(msg), msg);
  }
  const frame = validFrame();
  assert.deepEqual(parseSceneMessage(frame), frame);
  const edit = validEdit();
  assert.deepEqual(parseSceneMessage(edit), edit);
  assert.deepEqual(parseSceneMessage({ type: 'edit', edits: [] }), { type: 'edit', edits: [] });
});

test('fields a message does not declare are dropped, not passed on', () => {
  assert.deepEqual(parseSceneMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
  assert.deepEqual(parsePanelMessage({ type: 'painted', frameId: 1, paintMs: 2, receivedAt: 3, x: 4 }), {
    type: 'painted',
    frameId: 1,
    paintMs: 2,
    receivedAt: 3,
  });
});

test('valid panel messages pass', () => {
  assert.deepEqual(parsePanelMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parsePanelMessage({ type: 'painted', frameId: 0, paintMs: 1.5, receivedAt: 1_700_000_000_000 }), {
    type: 'painted',
    frameId: 0,
    paintMs: 1.5,
    receivedAt: 1_700_000_000_000,
  });
});

test('rejections say what is wrong', () => {
  const frame = validFrame();
  (frame.images as { pixels: Uint8Array }[])[1].pixels = new Uint8Array(3);
  assert.deepEqual(parseSceneMessage(frame), { error: 'images[1].pixels must hold 1x1 RGBA = 4 bytes (got 3)' });
  assert.deepEqual(parseSceneMessage({ type: 'launch' }), { error: 'unknown scene message type "launch"' });
  assert.deepEqual(parsePanelMessage({ type: 'edit', edits: [] }), { error: 'unknown panel message type "edit"' });
  assert.deepEqual(parseSceneMessage(null), { error: 'message must be an object' });
  assert.deepEqual(parseSceneMessage({ type: 'edit', edits: [{ path: ['camera', 'fov'], value: Number.NaN }] }), {
    error: 'edits[0].value must be a finite number (got NaN)',
  });
  const f32 = validFrame();
  (f32.images as { pixels: unknown }[])[0].pixels = new Float32Array(48);
  assert.deepEqual(parseSceneMessage(f32), { error: 'images[0].pixels must be a Uint8Array (got a Float32Array)' });
  assert.deepEqual(parsePanelMessage({ type: 'painted', frameId: -1, paintMs: 1, receivedAt: 0 }), {
    error: 'frameId must be an integer in 0..max (got -1)',
  });
});

// ---------------------------------------------------------------- seeded malformed messages

const BAD_NUMBERS: unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '1', null, undefined, {}, [], true];
const BAD_INTEGERS: unknown[] = [...BAD_NUMBERS, -1, 1.5, 2 ** 60];
const BAD_SIDES: unknown[] = [...BAD_INTEGERS, 0, 1025, 1e6];

type Mutator = (pick: <T>(items: readonly T[]) => T, r: () => number) => unknown;

function withField(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = { ...base };
  if (value === undefined) delete out[key];
  else out[key] = value;
  return out;
}

const MUTATORS: { name: string; make: Mutator }[] = [
  { name: 'not an object', make: (pick) => pick([null, undefined, 0, 'frame', [], [validFrame()], true]) },
  { name: 'unknown or missing type', make: (pick) => withField(validFrame(), 'type', pick(['Frame', 'frames', '', 7, null, undefined, {}])) },
  { name: 'bad frameId', make: (pick) => withField(validFrame(), 'frameId', pick(BAD_INTEGERS)) },
  { name: 'bad docVersion', make: (pick) => withField(validFrame(), 'docVersion', pick(BAD_INTEGERS)) },
  {
    name: 'bad image count',
    make: (pick, r) => withField(validFrame(), 'images', pick([[], 'x', null, Array.from({ length: 9 + Math.floor(r() * 100) }, () => image(1, 1))])),
  },
  {
    name: 'bad image size',
    make: (pick) => {
      const frame = validFrame();
      const images = frame.images as Record<string, unknown>[];
      images[0] = { ...images[0], [pick(['width', 'height'])]: pick(BAD_SIDES) };
      return frame;
    },
  },
  {
    name: 'wrong pixel length',
    make: (_pick, r) => {
      const frame = validFrame();
      const images = frame.images as Record<string, unknown>[];
      const delta = 1 + Math.floor(r() * 40);
      images[1] = { ...images[1], pixels: new Uint8Array(r() < 0.5 ? Math.max(0, 4 - delta) : 4 + delta) };
      return frame;
    },
  },
  {
    name: 'pixels of the wrong type',
    make: (pick) => {
      const frame = validFrame();
      const images = frame.images as Record<string, unknown>[];
      images[0] = {
        ...images[0],
        pixels: pick([new Float32Array(48), new Uint8ClampedArray(48), new Int8Array(48), new Uint16Array(48), Array.from({ length: 48 }, () => 0), new ArrayBuffer(48), null, 'AAAA']),
      };
      return frame;
    },
  },
  {
    name: 'bad timing',
    make: (pick) => {
      if (pick([true, false])) return withField(validFrame(), 'timing', pick([null, 5, 'fast', undefined]));
      const frame = validFrame();
      frame.timing = withField(frame.timing as Record<string, unknown>, pick(['renderMs', 'readbackMs', 'postedAt']), pick(BAD_NUMBERS));
      return frame;
    },
  },
  {
    name: 'bad edits list',
    make: (pick, r) => withField(validEdit(), 'edits', pick([null, {}, 'x', undefined, Array.from({ length: 65 + Math.floor(r() * 1000) }, () => ({ path: ['name'], value: 'x' }))])),
  },
  {
    name: 'bad edit path',
    make: (pick) => {
      const edit = validEdit();
      const path = pick<unknown>([[], 'camera.azimuth', null, ['camera', -1], ['camera', 1.5], ['camera', ''], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'], ['camera', null], ['camera', {}], ['camera', Number.NaN], ['x'.repeat(300)]]);
      (edit.edits as Record<string, unknown>[])[2] = { path, value: 1 };
      return edit;
    },
  },
  {
    name: 'bad edit value',
    make: (pick, r) => {
      const edit = validEdit();
      const big = 'x'.repeat(64 * 1024 + Math.floor(r() * 1000));
      const deep: unknown[] = [];
      let cursor = deep;
      for (let i = 0; i < 40; i++) cursor.push((cursor = []));
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const value = pick<unknown>([
        Number.NaN,
        Number.POSITIVE_INFINITY,
        undefined,
        () => 1,
        Symbol('s'),
        10n,
        new Date(0),
        new Float32Array(2),
        new Map(),
        { a: Number.NaN },
        [1, [2, Number.NEGATIVE_INFINITY]],
        [1, , 3],
        big,
        Array.from({ length: 40_000 }, () => 1),
        Array.from({ length: 20_000 }, () => 'abcd'),
        deep,
        cyclic,
      ]);
      (edit.edits as Record<string, unknown>[])[1] = value === undefined ? { path: ['name'] } : { path: ['name'], value };
      return edit;
    },
  },
  { name: 'bad problem', make: (pick) => ({ type: 'problem', message: pick([undefined, 3, null, {}, 'y'.repeat(5000)]) }) },
  {
    name: 'hostile object',
    make: (pick) =>
      pick<unknown>([
        Object.defineProperty({ type: 'frame' }, 'frameId', { enumerable: true, get: () => { throw new Error('boom'); } }),
        new Proxy({}, { get: () => { throw new Error('trap'); } }),
        (() => {
          const p = Proxy.revocable({}, {});
          p.revoke();
          return p.proxy;
        })(),
      ]),
  },
];

test('200 seeded malformed scene messages are all rejected without throwing', () => {
  const r = rng(20240611);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)];
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const mutator = MUTATORS[i % MUTATORS.length];
    seen.add(mutator.name);
    const msg = mutator.make(pick, r);
    let result: unknown;
    assert.doesNotThrow(() => {
      result = parseSceneMessage(msg);
    }, `case ${i} (${mutator.name})`);
    assert.ok(typeof result === 'object' && result !== null && 'error' in result, `case ${i} (${mutator.name}) accepted`);
    assert.equal(typeof (result as { error: unknown }).error, 'string');
  }
  assert.equal(seen.size, MUTATORS.length);
});

test('seeded malformed panel messages are all rejected without throwing', () => {
  const r = rng(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)];
  for (let i = 0; i < 100; i++) {
    const base: Record<string, unknown> = { type: 'painted', frameId: 3, paintMs: 1, receivedAt: 5 };
    const key = pick(['type', 'frameId', 'paintMs', 'receivedAt']);
    const bad = key === 'type' ? pick(['paint', 'frame', null, 1]) : key === 'frameId' ? pick(BAD_INTEGERS) : pick(BAD_NUMBERS);
    const result = parsePanelMessage(withField(base, key, bad));
    assert.ok('error' in result, `case ${i}: ${key}=${String(bad)}`);
  }
});

test('saliencyView: valid messages pass rebuilt, every field is checked', () => {
  assert.deepEqual(parseSceneMessage({ type: 'saliencyView', enabled: false, method: 'gradient', extra: 1 }), {
    type: 'saliencyView',
    enabled: false,
    method: 'gradient',
  });
  assert.deepEqual(parseSceneMessage({ type: 'saliencyView', enabled: true, method: 'integratedGradients', model: 'lab', classIndex: 3 }), {
    type: 'saliencyView',
    enabled: true,
    method: 'integratedGradients',
    model: 'lab',
    classIndex: 3,
  });
  assert.deepEqual(parseSceneMessage({ type: 'saliencyView', enabled: true, method: 'gradient', classIndex: null }), {
    type: 'saliencyView',
    enabled: true,
    method: 'gradient',
    classIndex: null,
  });
  const base = { type: 'saliencyView', enabled: true, method: 'gradient', model: 'm', classIndex: 0 };
  const bad: [string, unknown, RegExp][] = [
    ['enabled', undefined, /enabled must be true or false/],
    ['enabled', 'yes', /enabled must be true or false/],
    ['method', undefined, /method must be one of gradient, integratedGradients/],
    ['method', 'smoothgrad', /method must be one of/],
    ['method', ['gradient'], /method must be one of/],
    ['model', '', /model must be a model id of 1\.\.64 characters/],
    ['model', 'x'.repeat(65), /model must be a model id/],
    ['model', 7, /model must be a model id/],
    ['classIndex', -1, /classIndex must be an integer in 0\.\.1000000/],
    ['classIndex', 1.5, /classIndex must be an integer/],
    ['classIndex', '3', /classIndex must be an integer/],
    ['classIndex', Number.NaN, /classIndex must be an integer/],
    ['classIndex', 1e9, /classIndex must be an integer/],
  ];
  for (const [key, value, pattern] of bad) {
    const result = parseSceneMessage({ ...base, [key]: value });
    assert.ok('error' in result, `${key}=${String(value)} accepted`);
    assert.match(result.error, pattern, `${key}=${String(value)}`);
  }
});

test('neuron insight panel messages: valid ones pass rebuilt, garbage is refused with a reason', () => {
  assert.deepEqual(parsePanelMessage({ type: 'openImage', path: 'images/dogs/a b.png', extra: 1 }), { type: 'openImage', path: 'images/dogs/a b.png' });
  assert.deepEqual(parsePanelMessage({ type: 'cancelFeatureVis', all: true }), { type: 'cancelFeatureVis' });
  assert.deepEqual(parsePanelMessage({ type: 'similarImages', modelId: 'lab', layer: 'conv2', k: 3 }), {
    type: 'similarImages',
    modelId: 'lab',
    layer: 'conv2',
  });
  assert.deepEqual(parsePanelMessage({ type: 'similarImages', modelId: 'lab', layer: null }), { type: 'similarImages', modelId: 'lab', layer: null });

  const bad: [Record<string, unknown>, RegExp][] = [
    [{ type: 'openImage' }, /openImage\.path must be a path of 1\.\.4096 characters \(got undefined\)/],
    [{ type: 'openImage', path: '' }, /openImage\.path must be a path/],
    [{ type: 'openImage', path: 42 }, /openImage\.path must be a path/],
    [{ type: 'openImage', path: ['a.png'] }, /openImage\.path must be a path .*an array/],
    [{ type: 'openImage', path: 'x'.repeat(5000) }, /openImage\.path must be a path/],
    [{ type: 'openImage', path: '/etc/passwd' }, /must be relative to the workspace/],
    [{ type: 'openImage', path: '\\\\server\\share\\a.png' }, /must be relative to the workspace/],
    [{ type: 'openImage', path: 'C:\\Windows\\a.png' }, /must be relative to the workspace/],
    [{ type: 'openImage', path: 'https://example.com/a.png' }, /must be relative to the workspace/],
    [{ type: 'openImage', path: 'file:a.png' }, /must be relative to the workspace/],
    [{ type: 'openImage', path: 'images/../../secret.png' }, /must not leave the workspace/],
    [{ type: 'openImage', path: '..\\secret.png' }, /must not leave the workspace/],
    [{ type: 'openImage', path: 'a\u0000.png' }, /control characters/],
    [{ type: 'similarImages', layer: 'conv2' }, /similarImages\.modelId must be a model id of 1\.\.64 characters/],
    [{ type: 'similarImages', modelId: '', layer: 'conv2' }, /modelId must be a model id/],
    [{ type: 'similarImages', modelId: 'x'.repeat(65), layer: 'conv2' }, /modelId must be a model id/],
    [{ type: 'similarImages', modelId: 'lab' }, /similarImages\.layer must be a layer name of 1\.\.1024 characters or null \(got undefined\)/],
    [{ type: 'similarImages', modelId: 'lab', layer: '' }, /layer must be a layer name/],
    [{ type: 'similarImages', modelId: 'lab', layer: 3 }, /layer must be a layer name/],
    [{ type: 'similarImages', modelId: 'lab', layer: 'l'.repeat(1025) }, /layer must be a layer name/],
    [{ type: 'cancelFeatureVis!' }, /unknown panel message type/],
  ];
  for (const [message, pattern] of bad) {
    let result: ReturnType<typeof parsePanelMessage> | undefined;
    assert.doesNotThrow(() => {
      result = parsePanelMessage(message);
    });
    assert.ok(result && 'error' in result, `${JSON.stringify(message).slice(0, 80)} accepted`);
    assert.match(result.error, pattern, JSON.stringify(message).slice(0, 80));
  }
  // A throwing getter on the path is a refused message, not a crash.
  const hostile = Object.defineProperty({ type: 'openImage' }, 'path', { enumerable: true, get: () => { throw new Error('boom'); } });
  assert.match((parsePanelMessage(hostile) as { error: string }).error, /malformed message \(boom\)/);
});

test('sweep render answers: rendered and renderFailed pass rebuilt, bad ones are refused with a reason', () => {
  const ok = parseSceneMessage({ type: 'rendered', requestId: 3, images: [image(2, 2), image(4, 3)], extra: 1 });
  assert.ok(!('error' in ok) && ok.type === 'rendered');
  assert.deepEqual(Object.keys(ok).sort(), ['images', 'requestId', 'type']);
  assert.equal(ok.images.length, 2);
  assert.deepEqual(parseSceneMessage({ type: 'renderFailed', requestId: 0, error: 'no WebGL' }), { type: 'renderFailed', requestId: 0, error: 'no WebGL' });
  const bad: [unknown, RegExp][] = [
    [{ type: 'rendered', requestId: -1, images: [image(2, 2)] }, /requestId/],
    [{ type: 'rendered', requestId: 1.5, images: [image(2, 2)] }, /requestId/],
    [{ type: 'rendered', requestId: 1, images: [] }, /images/],
    [{ type: 'rendered', requestId: 1, images: [{ width: 2, height: 2, pixels: new Uint8Array(3) }] }, /pixels/],
    [{ type: 'rendered', requestId: 1, images: Array.from({ length: 9 }, () => image(1, 1)) }, /images/],
    [{ type: 'renderFailed', requestId: 1, error: 7 }, /error/],
    [{ type: 'renderFailed', requestId: 1, error: 'x'.repeat(5000) }, /error/],
    [{ type: 'renderFailed', error: 'x' }, /requestId/],
  ];
  for (const [message, reason] of bad) {
    const result = parseSceneMessage(message);
    assert.ok('error' in result, JSON.stringify(message));
    assert.match(result.error, reason);
  }
});

test('sweep results messages: openConfiguration takes a configuration index, rebuilt without extra fields', () => {
  assert.deepEqual(parseSweepResultsMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
  assert.deepEqual(parseSweepResultsMessage({ type: 'openConfiguration', index: 7, path: '/etc/passwd' }), { type: 'openConfiguration', index: 7 });
  for (const index of [-1, 1.5, '3', null, undefined, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
    const result = parseSweepResultsMessage({ type: 'openConfiguration', index });
    assert.ok('error' in result && result.error.startsWith('openConfiguration.index must be an integer'), `index ${String(index)}: ${JSON.stringify(result)}`);
  }
  for (const garbage of [null, 42, 'openConfiguration', [], { type: 'openImage', path: 'a.png' }, { type: 'edit', edits: [] }]) {
    assert.ok('error' in parseSweepResultsMessage(garbage), JSON.stringify(garbage));
  }
  assert.deepEqual(parseSweepResultsMessage({ type: 'painted', frameId: 1 }), { error: 'unknown sweep results message type "painted"' });
  const hostile = { get type(): string { throw new Error('boom'); } };
  assert.ok('error' in parseSweepResultsMessage(hostile));
});

