/**
 * The sweep benchmark, run inside a real VS Code extension host by scripts/benchSweep.mjs: runs the shape-bias
 * sample (samples/shape-bias.perturber.json: 90 cue-conflict pairs x 3 camera angles over the lab trio) with
 * "Perturber: Run Sweep", then, in the same process, times batched ONNX Runtime runs of the same model files (the
 * batch dimension made symbolic) on random inputs of the same size. Prints one `BENCH_JSON {...}` line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { mulberry32 } from '../../core/noise';

const BATCH = 32;
const REPEATS = 5;

interface Summary {
  configurations: number;
  done: number;
  rows: number;
  complete: boolean;
  models: { id: string; onnx: string }[];
  shapeBias?: Record<string, { shapeDecisions: number; textureDecisions: number; otherDecisions: number; shapeBias: number | null }>;
  timings: { totalMs: number; renderWaitMs: number; inferenceMs: number; configurationsPerSecond: number | null };
}

/** The model with a symbolic batch dimension on its input and outputs (value_info dropped: the runtime infers it). */
function batchable(file: string): Uint8Array {
  const model = onnx.ModelProto.decode(fs.readFileSync(file));
  const graph = model.graph!;
  for (const v of [...(graph.input ?? []), ...(graph.output ?? [])]) {
    const dims = v.type?.tensorType?.shape?.dim;
    if (dims && dims.length > 0) dims[0] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'N' });
  }
  graph.valueInfo = [];
  return onnx.ModelProto.encode(model).finish();
}

async function ortThroughput(file: string, threads: number): Promise<{ batchMsPerImage: number; batch1MsPerImage: number }> {
  const options: ort.InferenceSession.SessionOptions = threads > 0 ? { intraOpNumThreads: threads } : {};
  const session = await ort.InferenceSession.create(Buffer.from(batchable(file)), options);
  const name = session.inputNames[0];
  const rng = mulberry32(1);
  const side = 64;
  const input = new ort.Tensor('float32', Float32Array.from({ length: BATCH * 3 * side * side }, () => rng()), [BATCH, 3, side, side]);
  const one = new ort.Tensor('float32', (input.data as Float32Array).slice(0, 3 * side * side), [1, 3, side, side]);
  await session.run({ [name]: input });
  let t0 = performance.now();
  for (let i = 0; i < REPEATS; i++) await session.run({ [name]: input });
  const batchMsPerImage = (performance.now() - t0) / REPEATS / BATCH;
  await session.run({ [name]: one });
  t0 = performance.now();
  for (let i = 0; i < BATCH; i++) await session.run({ [name]: one });
  const batch1MsPerImage = (performance.now() - t0) / BATCH;
  await session.release();
  return { batchMsPerImage, batch1MsPerImage };
}

export async function run(): Promise<void> {
  try {
    await vscode.extensions.getExtension('perturber.perturber-vscode')!.activate();
    const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    fs.rmSync(path.join(root, '.perturber', 'runs', 'shape-bias'), { recursive: true, force: true });
    const uri = vscode.Uri.file(path.join(root, 'shape-bias.perturber.json'));
    const summary = await vscode.commands.executeCommand<Summary | undefined>('perturber.runSweep', { scene: uri.toString() });
    if (!summary?.complete) throw new Error(`the sweep did not complete: ${JSON.stringify(summary)}`);
    const threads = vscode.workspace.getConfiguration('perturber').get<number>('inference.threads') ?? 0;
    const models: Record<string, { batchMsPerImage: number; batch1MsPerImage: number }> = {};
    for (const m of summary.models) models[m.id] = await ortThroughput(m.onnx, threads);
    const batchedMsPerConfiguration = Object.values(models).reduce((a, m) => a + m.batchMsPerImage, 0);
    const batch1MsPerConfiguration = Object.values(models).reduce((a, m) => a + m.batch1MsPerImage, 0);
    const sweepPerSecond = summary.timings.configurationsPerSecond ?? 0;
    const result = {
      sweep: {
        configurations: summary.configurations,
        rows: summary.rows,
        seconds: summary.timings.totalMs / 1000,
        configurationsPerSecond: sweepPerSecond,
        renderWaitMs: summary.timings.renderWaitMs,
        inferenceMs: summary.timings.inferenceMs,
        ortBatch: BATCH,
        ortBatchedConfigurationsPerSecond: 1000 / batchedMsPerConfiguration,
        ortBatch1ConfigurationsPerSecond: 1000 / batch1MsPerConfiguration,
        ratioToBatchedOrt: sweepPerSecond / (1000 / batchedMsPerConfiguration),
        models,
        shapeBias: summary.shapeBias,
      },
    };
    console.log(`BENCH_JSON ${JSON.stringify(result)}`);
    console.log('1 passed, 0 failed');
  } catch (error) {
    console.error(error);
    console.log('0 passed, 1 failed');
    throw error;
  }
}
