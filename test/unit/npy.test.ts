// core/attacks/npy.ts: round trips, numpy's exact header layout, numpy reading what we write (when Debian's python3
// with numpy exists), the committed fixtures numpy wrote (test/unit/fixtures/npy/make_npy_fixtures.py), and clear
// errors for what is not supported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeNpy, encodeNpy } from '../../core/attacks/npy';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'unit', 'fixtures', 'npy');
const PYTHON = '/usr/bin/python3';

function hasNumpy(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
}

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

const fixture = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));

test('encodeNpy -> decodeNpy round-trips shapes and every float32 value (NaN, -0, infinities, subnormals)', () => {
  const special = Float32Array.from([NaN, -0, 0, Infinity, -Infinity, 1e-45, -3.4028234663852886e38, 1 / 3]);
  const cases: [Float32Array, number[]][] = [
    [values(60, 1), [3, 4, 5]],
    [values(3 * 64 * 64, 2), [3, 64, 64]],
    [special, [8]],
    [special, [2, 2, 2]],
    [Float32Array.from([0.5]), []],
    [new Float32Array(0), [0, 3]],
  ];
  for (const [data, shape] of cases) {
    const bytes = encodeNpy(data, shape);
    const decoded = decodeNpy(bytes);
    assert.deepEqual(decoded.shape, shape);
    assert.equal(decoded.data.length, data.length);
    const a = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const b = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
    assert.deepEqual(b, a, `shape [${shape}]: bit-identical values`);
  }
});

test('encodeNpy writes a version 1.0 header padded with spaces to 64 bytes and ending in a newline', () => {
  for (const shape of [[3, 64, 64], [7], [], [12345678901, 0]]) {
    const count = shape.reduce((a, b) => a * b, 1);
    const bytes = encodeNpy(new Float32Array(count), shape);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes[8] | (bytes[9] << 8);
    assert.equal((10 + headerLength) % 64, 0, `shape [${shape}]: data starts at a multiple of 64`);
    const header = Buffer.from(bytes.subarray(10, 10 + headerLength)).toString('latin1');
    assert.ok(header.endsWith('\n'));
    const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
    assert.ok(header.startsWith(`{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`), header);
    assert.equal(bytes.length, 10 + headerLength + count * 4);
  }
});

test('numpy reads what encodeNpy writes, and np.save writes the same bytes (skipped without /usr/bin/python3 + numpy)', (t) => {
  if (!hasNumpy()) {
    t.skip('no /usr/bin/python3 with numpy');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'npy-'));
  try {
    const cases: [string, Float32Array, number[]][] = [
      ['chw', values(3 * 5 * 7, 3), [3, 5, 7]],
      ['vector', values(11, 4), [11]],
      ['scalar', Float32Array.from([0.25]), []],
      ['wide', values(2 * 300, 5), [2, 300]],
    ];
    for (const [name, data, shape] of cases) {
      writeFileSync(path.join(dir, `${name}.npy`), encodeNpy(data, shape));
      writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(Array.from(data)));
    }
    const script = `
import json, os, sys, io
import numpy as np
d = sys.argv[1]
out = {}
for name in ${JSON.stringify(cases.map(([n]) => n))}:
    raw = open(os.path.join(d, name + '.npy'), 'rb').read()
    a = np.load(io.BytesIO(raw), allow_pickle=False)
    expected = np.array(json.load(open(os.path.join(d, name + '.json'))), dtype='<f4')
    buf = io.BytesIO()
    np.save(buf, expected.reshape(a.shape))
    out[name] = {
        'dtype': a.dtype.str, 'shape': list(a.shape), 'c': bool(a.flags['C_CONTIGUOUS']),
        'equal': bool(np.array_equal(a.reshape(-1), expected)), 'same_bytes_as_np_save': buf.getvalue() == raw,
    }
print(json.dumps(out))
`;
    const run = spawnSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Record<string, { dtype: string; shape: number[]; c: boolean; equal: boolean; same_bytes_as_np_save: boolean }>;
    for (const [name, , shape] of cases) {
      assert.deepEqual(report[name], { dtype: '<f4', shape, c: true, equal: true, same_bytes_as_np_save: true }, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('decodeNpy reads the fixtures numpy wrote: float32 v1/v2/v3 headers and float64 (converted)', () => {
  const f4 = decodeNpy(fixture('f4_2x3x4.npy'));
  assert.deepEqual(f4.shape, [2, 3, 4]);
  assert.deepEqual(Array.from(f4.data), Array.from({ length: 24 }, (_, i) => Math.fround(Math.fround(i / 7) - 1)));
  const f8 = decodeNpy(fixture('f8_3x2.npy'));
  assert.deepEqual(f8.shape, [3, 2]);
  assert.deepEqual(Array.from(f8.data), Array.from({ length: 6 }, (_, i) => Math.fround(1 / (i + 3))));
  for (const name of ['f4_v2.npy', 'f4_v3.npy']) {
    const bytes = fixture(name);
    assert.equal(bytes[6], name.includes('v2') ? 2 : 3, `${name} has the version it claims`);
    const { data, shape } = decodeNpy(bytes);
    assert.deepEqual(shape, [5]);
    assert.deepEqual(Array.from(data), [0, 0.25, 0.5, 0.75, 1]);
  }
  // A view into a larger buffer at an odd offset decodes the same.
  const raw = fixture('f4_2x3x4.npy');
  const shifted = new Uint8Array(raw.length + 3);
  shifted.set(raw, 3);
  assert.deepEqual(decodeNpy(shifted.subarray(3)).data, f4.data);
});

test('decodeNpy rejects Fortran order, other dtypes, bad magic, unknown versions and truncated files with clear errors', () => {
  assert.throws(() => decodeNpy(fixture('fortran_2x3.npy')), /Fortran-order arrays are not supported/);
  assert.throws(() => decodeNpy(fixture('int32_4.npy')), /dtype '<i4' is not supported/);
  assert.throws(() => decodeNpy(fixture('f4_big_endian.npy')), /dtype '>f4' is not supported/);
  const good = encodeNpy(values(12, 6), [3, 4]);
  assert.throws(() => decodeNpy(good.subarray(0, good.length - 1)), /truncated: shape \(3, 4\) needs 48 data bytes, it has 47/);
  assert.throws(() => decodeNpy(good.subarray(0, 40)), /truncated \(the header needs/);
  assert.throws(() => decodeNpy(good.subarray(0, 5)), /not a \.npy file/);
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  assert.throws(() => decodeNpy(png), /not a \.npy file/);
  const v4 = Uint8Array.from(good);
  v4[6] = 4;
  assert.throws(() => decodeNpy(v4), /version 4\.0 is not supported/);
  const extra = new Uint8Array(good.length + 4);
  extra.set(good);
  assert.throws(() => decodeNpy(extra), /4 unexpected bytes after the data/);
  const noShape = Uint8Array.from(good);
  const text = Buffer.from(noShape.subarray(10, 74)).toString('latin1').replace("'shape'", "'shapf'");
  noShape.set(Buffer.from(text, 'latin1'), 10);
  assert.throws(() => decodeNpy(noShape), /lacks descr, fortran_order or shape/);
});

test('encodeNpy rejects a shape that does not match the data', () => {
  assert.throws(() => encodeNpy(new Float32Array(10), [3, 4]), /shape \[3, 4\] holds 12 values, the data 10/);
  assert.throws(() => encodeNpy(new Float32Array(4), [2, 2.5]), /invalid dimension 2.5/);
  assert.throws(() => encodeNpy(new Float32Array(0), [-1, 0]), /invalid dimension -1/);
});
