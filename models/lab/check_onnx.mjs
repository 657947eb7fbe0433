#!/usr/bin/env node
// Runs every committed lab ONNX file (the trio and its checkpoints) in onnxruntime-node on the committed sample images
// (models/lab/samples/*.png) and compares with the PyTorch logits evaluate.py stored in samples/expected.json.
//
//   node models/lab/check_onnx.mjs        exit code 1 when a file is missing, a prediction differs or a logit is off
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const TOLERANCE = 1e-3;

/** A PNG as NCHW float32 in [0, 1] (the lab models' input: no mean/std). */
function inputOf(file) {
  const png = PNG.sync.read(readFileSync(join(HERE, 'samples', file)));
  const { width, height, data } = png;
  const out = new Float32Array(3 * width * height);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) out[c * width * height + i] = data[i * 4 + c] / 255;
  return new ort.Tensor('float32', out, [1, 3, height, width]);
}

const expected = JSON.parse(readFileSync(join(HERE, 'samples', 'expected.json'), 'utf8'));
const inputs = expected.files.map(inputOf);
let failures = 0;
for (const [path, want] of Object.entries(expected.models)) {
  const session = await ort.InferenceSession.create(join(HERE, path));
  let maxDiff = 0;
  let mismatches = 0;
  for (let k = 0; k < inputs.length; k++) {
    const logits = (await session.run({ input: inputs[k] })).logits.data;
    logits.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - want.logits[k][j]))));
    const top = logits.indexOf(Math.max(...logits));
    if (top !== want.predictions[k]) mismatches++;
  }
  const ok = maxDiff <= TOLERANCE && mismatches === 0;
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${path}: max |logit - PyTorch| = ${maxDiff.toExponential(2)}, ${mismatches} predictions differ (${inputs.length} images)`);
}
console.log(failures ? `${failures} model files differ from PyTorch` : 'every lab model matches PyTorch in onnxruntime-node');
process.exitCode = failures ? 1 : 0;
