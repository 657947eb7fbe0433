/**
 * Issue 9, bad models: loadModel (src/inference/loadModel.ts) in plain Node refuses each with an Error whose message
 * names the problem, and the gradient engine names an operator it has no rule for. Fixtures are written to a
 * temporary folder: copies of models/lab/standard.onnx and small graphs built with onnx-proto.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { UnsupportedOpError } from '../../core/gradients';
import { loadModel, MAX_MODEL_BYTES, type LoadedModel, type ModelFiles } from '../../src/inference/loadModel';

const LAB = path.resolve(__dirname, '..', '..', '..', 'models', 'lab');
const SETTINGS = { threads: 1, executionProviders: ['cpu'] };
const ROOT = mkdtempSync(path.join(tmpdir(), 'perturber-badmodels-'));
test.after(() => rmSync(ROOT, { recursive: true, force: true }));

let folders = 0;
/** A fresh folder under ROOT/models/ (so `../../outside.bin` from it lands in ROOT, outside the model's folder). */
function folder(): string {
  const dir = path.join(ROOT, 'models', `m${folders++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function files(dir: string, name = 'model'): ModelFiles {
  return { onnxPath: path.join(dir, `${name}.onnx`), manifestPath: path.join(dir, `${name}.model.json`), allowedRoots: [dir] };
}

const standardManifest = (): Record<string, unknown> => JSON.parse(readFileSync(path.join(LAB, 'standard.model.json'), 'utf8')) as Record<string, unknown>;

/** A copy of the lab's standard model with its manifest changed by `edit`. */
function standardWith(edit: (manifest: Record<string, unknown> & { input: Record<string, unknown> }) => void, bytes?: Uint8Array): ModelFiles {
  const f = files(folder());
  if (bytes) writeFileSync(f.onnxPath, bytes);
  else copyFileSync(path.join(LAB, 'standard.onnx'), f.onnxPath);
  const manifest = standardManifest() as Record<string, unknown> & { input: Record<string, unknown> };
  edit(manifest);
  writeFileSync(f.manifestPath, JSON.stringify(manifest, null, 2));
  return f;
}

async function refused(f: ModelFiles, pattern: RegExp): Promise<void> {
  let model: LoadedModel | undefined;
  await assert.rejects(
    async () => {
      model = await loadModel(f, SETTINGS);
    },
    (error: unknown) => {
      assert.ok(error instanceof Error, `not an Error: ${String(error)}`);
      assert.match(error.message, pattern);
      return true;
    },
  );
  await model?.session.dispose();
}

/** A small image classifier graph: x [1,3,8,8] (elemType) -> nodes -> y [1,3]. */
function imageGraph(nodes: onnx.INodeProto[], opts: { elemType?: number; inits?: onnx.ITensorProto[] } = {}): Uint8Array {
  const info = (name: string, elemType: number, dims: number[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'badModels.test',
    graph: {
      name: 'bad',
      node: nodes,
      initializer: opts.inits ?? [],
      input: [info('x', opts.elemType ?? 1, [1, 3, 8, 8])],
      output: [info('y', 1, [1, 3])],
    },
  }).finish();
}

const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({
  opType, input, output, name: `${opType}_${output[0]}`, attribute,
});

function smallManifest(): string {
  return JSON.stringify({
    version: 1,
    displayName: 'bad model',
    input: { name: 'x', width: 8, height: 8, layout: 'NCHW', channelOrder: 'RGB', range: [0, 1], mean: [0, 0, 0], std: [1, 1, 1] },
    output: { name: 'y', kind: 'logits' },
    labels: ['a', 'b', 'c'],
  });
}

function writeSmall(bytes: Uint8Array): ModelFiles {
  const f = files(folder());
  writeFileSync(f.onnxPath, bytes);
  writeFileSync(f.manifestPath, smallManifest());
  return f;
}

test('a missing model file: "model file not found" with its path', async () => {
  const f = files(folder(), 'absent');
  await refused(f, new RegExp(`model file not found: .*absent\\.onnx`));
});

test('a folder named like a model: "is a folder"', async () => {
  const f = files(folder(), 'dir');
  mkdirSync(f.onnxPath);
  await refused(f, /is a folder, not an \.onnx file/);
});

test('a text file renamed .onnx: "is not a readable ONNX model"', async () => {
  const f = files(folder(), 'notes');
  writeFileSync(f.onnxPath, 'These are my notes, not a neural network.\n'.repeat(20));
  await refused(f, /notes\.onnx is not a readable ONNX model/);
});

test('an empty .onnx file is refused with a message', async () => {
  const f = files(folder(), 'empty');
  writeFileSync(f.onnxPath, '');
  await refused(f, /empty\.onnx is not a readable ONNX model: the file is empty/);
});

test('a truncated copy of models/lab/standard.onnx: "is not a readable ONNX model"', async () => {
  const whole = readFileSync(path.join(LAB, 'standard.onnx'));
  for (const fraction of [0.5, 0.9]) {
    const f = standardWith(() => undefined, whole.subarray(0, Math.floor(whole.length * fraction)));
    await refused(f, /model\.onnx is not a readable ONNX model: not an ONNX model, or a truncated one/);
  }
});

test('a manifest whose input size mismatches the graph: "input size mismatch" naming both sizes', async () => {
  const f = standardWith((m) => {
    m.input.width = 128;
    m.input.height = 96;
  });
  await refused(f, /input size mismatch: model\.onnx takes 64x64 \(NCHW\) but model\.model\.json says 128x96/);
});

test('a manifest whose layout mismatches the graph (NHWC for an NCHW model) is refused', async () => {
  const f = standardWith((m) => {
    m.input.layout = 'NHWC';
  });
  await refused(f, /input size mismatch|does not accept a 64x64 NHWC image/);
});

test('a manifest naming an input the graph does not have: the graph\'s inputs are listed', async () => {
  const f = standardWith((m) => {
    m.input.name = 'pixels';
  });
  await refused(f, /the manifest's input "pixels" is not an input of the graph \(inputs: input\)/);
});

test('a graph of the wrong input rank: the manifest\'s image is not accepted', async () => {
  // x is [1, 192] (a flat vector), not an image.
  const bytes = onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'flat',
      node: [node('MatMul', ['x', 'w'], ['y'])],
      initializer: [{ name: 'w', dims: [192, 3], dataType: 1, floatData: new Array(576).fill(0.01) }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 192 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }] } } } }],
    },
  }).finish();
  await refused(writeSmall(bytes), /the model does not accept a 8x8 NCHW image as the manifest says/);
});

test('a graph whose input type is not float (int64): the manifest\'s image is not accepted', async () => {
  const bytes = imageGraph(
    [node('Cast', ['x'], ['xf'], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]), node('GlobalAveragePool', ['xf'], ['p']), node('Flatten', ['p'], ['y'])],
    { elemType: 7 },
  );
  await refused(writeSmall(bytes), /the model does not accept a 8x8 NCHW image as the manifest says/);
});

test('an operator without a gradient rule: the model loads, gradients raise UnsupportedOpError naming it', async () => {
  const bytes = imageGraph([node('Sin', ['x'], ['s']), node('GlobalAveragePool', ['s'], ['p']), node('Flatten', ['p'], ['y'])]);
  const model = await loadModel(writeSmall(bytes), SETTINGS);
  try {
    await assert.rejects(model.gradients.run(new Float32Array(3 * 8 * 8), 1, { kind: 'logits', weights: { 0: 1 } }), (error: unknown) => {
      assert.ok(error instanceof UnsupportedOpError, `not an UnsupportedOpError: ${String(error)}`);
      assert.equal(error.op, 'Sin');
      assert.match(error.message, /Sin/);
      return true;
    });
  } finally {
    await model.gradients.dispose();
    await model.session.dispose();
  }
});

test('an initializer with external data at ../../outside.bin is refused, not read', async () => {
  const dir = folder();
  // A real weight file outside the model's folder: were it read, the model would load and the test would fail.
  const outside = path.resolve(dir, '..', '..', 'outside.bin');
  writeFileSync(outside, Buffer.from(new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]).buffer));
  const ext = (key: string, value: string): onnx.IStringStringEntryProto => ({ key, value });
  const bytes = imageGraph(
    [node('GlobalAveragePool', ['x'], ['p']), node('Flatten', ['p'], ['f']), node('MatMul', ['f', 'w'], ['y'])],
    {
      inits: [{
        name: 'w', dims: [3, 3], dataType: 1,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [ext('location', '../../outside.bin'), ext('offset', '0'), ext('length', '36')],
      }],
    },
  );
  const f = files(dir);
  writeFileSync(f.onnxPath, bytes);
  writeFileSync(f.manifestPath, smallManifest());
  await refused(f, /model\.onnx keeps its weights in separate files; save it as a single \.onnx file/);
  assert.equal(statSync(outside).size, 36, 'the outside file is untouched');
});

test('a very large model (a sparse file past the limit) is refused before reading, naming the size and the limit', async () => {
  const f = files(folder(), 'huge');
  writeFileSync(f.onnxPath, '');
  // Sparse: no data is written, the file only claims 3 GiB.
  truncateSync(f.onnxPath, 3 * 1024 ** 3);
  assert.equal(MAX_MODEL_BYTES, 2 * 1024 ** 3);
  await refused(f, /huge\.onnx is too large to load \(3\.0 GiB, 3221225472 bytes; the limit is 2\.0 GiB\)/);
});

test('a model just under the limit is not refused for its size (it fails later, as not ONNX)', async () => {
  const f = files(folder(), 'small');
  writeFileSync(f.onnxPath, 'x'.repeat(1000));
  await assert.rejects(loadModel(f, SETTINGS), (error: Error) => !/too large/.test(error.message) && /not a readable ONNX model/.test(error.message));
});
