/**
 * A tiny classifier with an operator the gradient engine has no rule for, written into the test workspace with its
 * manifest: input [1,3,64,64] -> Conv (4 channels, 3x3, pads 1) -> Sin -> GlobalAveragePool -> Flatten -> Gemm ->
 * logits [1,3]. Inference runs (ONNX Runtime has Sin); gradients through it raise UnsupportedOpError naming `Sin`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { onnx } from 'onnx-proto';

function values(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.fround(s / 2 ** 32 - 0.5));
  }
  return out;
}

function tensor(name: string, dims: number[], seed: number): onnx.ITensorProto {
  return { name, dims, dataType: 1, floatData: values(dims.reduce((a, b) => a * b, 1), seed) };
}

function info(name: string, dims: number[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

/** Writes `<dir>/sin.onnx` and `<dir>/sin.model.json`; returns the .onnx path. */
export function writeSinModel(dir: string): string {
  const T = onnx.AttributeProto.AttributeType;
  const bytes = onnx.ModelProto.encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'perturber attack.test',
    graph: {
      name: 'sin',
      node: [
        { opType: 'Conv', name: 'conv', input: ['input', 'w1', 'b1'], output: ['conv'], attribute: [{ name: 'pads', type: T.INTS, ints: [1, 1, 1, 1] }] },
        { opType: 'Sin', name: 'sin', input: ['conv'], output: ['sin'] },
        { opType: 'GlobalAveragePool', name: 'gap', input: ['sin'], output: ['gap'] },
        { opType: 'Flatten', name: 'flat', input: ['gap'], output: ['flat'] },
        { opType: 'Gemm', name: 'fc', input: ['flat', 'w2', 'b2'], output: ['logits'], attribute: [{ name: 'transB', type: T.INT, i: 1 }] },
      ],
      initializer: [tensor('w1', [4, 3, 3, 3], 1), tensor('b1', [4], 2), tensor('w2', [3, 4], 3), tensor('b2', [3], 4)],
      input: [info('input', [1, 3, 64, 64])],
      output: [info('logits', [1, 3])],
    },
  }).finish();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'sin.onnx');
  fs.writeFileSync(file, bytes);
  const manifest = {
    version: 1,
    displayName: 'Sin test model',
    input: { name: 'input', width: 64, height: 64, layout: 'NCHW', channelOrder: 'RGB', range: [0, 1], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    output: { name: 'logits', kind: 'logits' },
    labels: ['alpha', 'beta', 'gamma'],
    labelOffset: 0,
    layerAliases: { conv1: 'conv' },
  };
  fs.writeFileSync(path.join(dir, 'sin.model.json'), JSON.stringify(manifest, null, 2) + '\n');
  return file;
}
