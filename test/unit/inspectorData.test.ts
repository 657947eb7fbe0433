/**
 * What the model inspector reads from disk (src/modelInspector/inspectorData.ts): a model with its manifest, and every
 * kind of bad input (missing, a folder, empty, text, truncated, over the size limit) as an `inspectError` naming why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspectFile } from '../../src/modelInspector/inspectorData';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURE = path.join(REPO, 'models', 'fixture', 'fixture.onnx');

test('the fixture model: its summary and its manifest, which fits the graph', async () => {
  const { message, bytes } = await inspectFile(FIXTURE);
  assert.equal(message.type, 'model');
  assert.ok(message.type === 'model' && bytes);
  assert.equal(message.file, 'fixture.onnx');
  assert.equal(message.summary.fileBytes, bytes.length);
  assert.equal(message.manifest.state, 'present');
  assert.ok(message.manifest.state === 'present');
  assert.equal(message.manifest.file, 'fixture.model.json');
  assert.deepEqual(message.manifest.problems, []);
  assert.equal(message.manifest.manifest?.displayName, JSON.parse(readFileSync(FIXTURE.replace(/\.onnx$/, '.model.json'), 'utf8')).displayName);
});

test('bad files give an inspectError that says why', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'inspector-'));
  try {
    const model = readFileSync(FIXTURE);
    const write = (name: string, bytes: Uint8Array | string): string => {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      return file;
    };
    const cases: [string, Promise<Awaited<ReturnType<typeof inspectFile>>>, RegExp][] = [
      ['missing', inspectFile(path.join(dir, 'missing.onnx')), /not found/],
      ['folder', inspectFile(dir), /is a folder/],
      ['empty', inspectFile(write('empty.onnx', new Uint8Array(0))), /not a readable ONNX model: the file is empty/],
      ['text', inspectFile(write('text.onnx', 'hello, not a model\n')), /not a readable ONNX model/],
      ['truncated', inspectFile(write('cut.onnx', model.subarray(0, 4000))), /not a readable ONNX model/],
      ['huge', inspectFile(write('big.onnx', model), 64 * 1024), /too large to load \(0\.0 GiB, 97735 bytes; the limit is 0\.0 GiB\)/],
    ];
    for (const [what, pending, pattern] of cases) {
      const { message, bytes } = await pending;
      assert.equal(message.type, 'inspectError', what);
      assert.ok(message.type === 'inspectError');
      assert.match(message.message, pattern, what);
      assert.equal(bytes, undefined, what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
