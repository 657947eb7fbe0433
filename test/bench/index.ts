/**
 * The interactive-loop benchmark, run inside a real VS Code extension host (code-server) by scripts/bench.mjs.
 * For each benchmark scene it moves the camera N times through document edits (as a slider would), waits for
 * both panels to paint each frame, and reads the stage timings the extension recorded (api.loopTimings). In the
 * same process it then times the bare ONNX Runtime run of the same model file on the same input size, so the
 * ratio of the whole loop to the bare run is measured in one run. Prints one `BENCH_JSON {...}` line per scene.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as ort from 'onnxruntime-node';
import { summarize, median, type LoopTimingRecord } from '../../core/loopTimings';
import { sceneEditsToTextEdits } from '../../core/sceneEdit';
import { parseScene } from '../../core/scene';

interface BenchScene {
  name: string;
  file: string;
  /** The .onnx file the scene's first model loads, for the bare run. */
  modelFile: string;
  inputName: string;
  size: number;
}

interface ApiShape {
  loopTimings(): LoopTimingRecord[];
  clearLoopTimings(): void;
}

const FRAMES = Number(process.env.PERTURBER_BENCH_FRAMES ?? 30);
const WARMUP = 5;
const repo = path.resolve(__dirname, '..', '..', '..');

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The fixture scene with two image perturbations (a blur and ImageNet-C noise), for the loop's perturb stage. */
function perturbedScene(workspace: string): BenchScene {
  const scene = JSON.parse(fs.readFileSync(path.join(workspace, 'teapot.perturber.json'), 'utf8'));
  scene.name = 'Bench: fixture, perturbed';
  scene.perturbations = [
    { op: 'gaussianBlur', params: { sigma: 2 } },
    { op: 'gaussianNoise', seed: 1, params: { severity: 3 } },
  ];
  const file = path.join(workspace, 'bench-perturbed.perturber.json');
  fs.writeFileSync(file, JSON.stringify(scene, null, 2) + '\n');
  return { name: 'fixture_64_perturbed', file, modelFile: path.join(repo, 'models', 'fixture', 'fixture.onnx'), inputName: 'input', size: 64 };
}

/** Writes the MobileNetV2 scene into the workspace when ../shared/models is there (as in CI). */
function mobilenetScene(workspace: string): BenchScene | undefined {
  const shared = path.resolve(repo, '..', 'shared', 'models');
  const onnxFile = path.join(shared, 'mobilenet_v2_1.0_224.onnx');
  if (!fs.existsSync(onnxFile)) return undefined;
  const dir = path.join(workspace, 'bench-models');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(onnxFile, path.join(dir, 'mobilenet_v2_1.0_224.onnx'));
  fs.copyFileSync(path.join(shared, 'imagenet_labels.txt'), path.join(dir, 'imagenet_labels.txt'));
  fs.copyFileSync(path.join(repo, 'test', 'fixtures', 'mobilenet_v2_1.0_224.model.json'), path.join(dir, 'mobilenet_v2_1.0_224.model.json'));
  const scene = JSON.parse(fs.readFileSync(path.join(workspace, 'teapot.perturber.json'), 'utf8'));
  scene.name = 'Bench: MobileNetV2';
  scene.models = [
    {
      id: 'mobilenet_v2',
      path: 'bench-models/mobilenet_v2_1.0_224.onnx',
      watch: [
        { layer: 'MobilenetV2_expanded_conv_3_expand_Relu6', neurons: [0, 1, 2, 3, 4, 5, 6, 7] },
        { layer: 'MobilenetV2_expanded_conv_12_expand_Relu6', neurons: [0, 1, 2, 3, 4, 5, 6, 7] },
      ],
    },
  ];
  const file = path.join(workspace, 'bench-mobilenet.perturber.json');
  fs.writeFileSync(file, JSON.stringify(scene, null, 2) + '\n');
  return { name: 'mobilenet_v2_224', file, modelFile: onnxFile, inputName: 'input', size: 224 };
}

async function moveCamera(document: vscode.TextDocument, azimuth: number): Promise<void> {
  const text = document.getText();
  const spans = sceneEditsToTextEdits(text, [{ path: ['camera', 'azimuth'], value: azimuth }]);
  const edit = new vscode.WorkspaceEdit();
  for (const s of spans) {
    edit.replace(document.uri, new vscode.Range(document.positionAt(s.offset), document.positionAt(s.offset + s.length)), s.content);
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('edit refused');
}

function complete(r: LoopTimingRecord): boolean {
  return r.paintMs.predictions !== undefined && r.paintMs.activations !== undefined;
}

async function benchLoop(api: ApiShape, scene: BenchScene): Promise<Record<string, number>> {
  const uri = vscode.Uri.file(scene.file);
  // Frame ids are numbered per scene editor: start from an empty log for each scene.
  api.clearLoopTimings();
  // Always in the first group: the panels' groups must stay visible (a hidden webview gets no frames).
  await vscode.commands.executeCommand('vscode.openWith', uri, 'perturber.sceneEditor', vscode.ViewColumn.One);
  const document = await vscode.workspace.openTextDocument(uri);
  // The first frame includes model loading: wait for it, then measure steady-state frames.
  await waitFor(() => api.loopTimings().find(complete), 120_000, `the first painted frame of ${scene.name}`).catch((error: Error) => {
    throw new Error(`${error.message}; recorded: ${JSON.stringify(api.loopTimings().slice(-3))}`);
  });
  api.clearLoopTimings();
  const start = parseScene(document.getText()).scene?.camera.azimuth ?? 0;
  for (let i = 1; i <= WARMUP + FRAMES; i++) {
    if (i === WARMUP + 1) api.clearLoopTimings();
    const before = new Set(api.loopTimings().filter(complete).map((r) => r.frameId));
    await moveCamera(document, ((start + i * 7 + 180) % 360) - 180);
    // One frame at a time (no dropped frames), so every stage is timed on an undisturbed loop.
    await waitFor(() => api.loopTimings().find((r) => complete(r) && !before.has(r.frameId)), 30_000, `frame ${i} of ${scene.name}`);
    await sleep(30);
  }
  const records = api.loopTimings().filter(complete);
  const summary: Record<string, number> = { ...summarize(records, ['predictions', 'activations']) };
  // The whole loop: from the start of rendering in the webview to the end of the slower panel's paint.
  summary.wholeLoopMs = median(records.map((r) => r.renderMs + r.readbackMs + (r.totalMs ?? Number.NaN)));
  return summary;
}

/** Median bare run; with `gapMs`, the model idles between runs as it does between interactive frames. */
async function bareRun(scene: BenchScene, runs: number, gapMs = 0): Promise<number> {
  const session = await ort.InferenceSession.create(scene.modelFile, { intraOpNumThreads: 0 });
  const data = new Float32Array(3 * scene.size * scene.size).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  const feeds = { [scene.inputName]: new ort.Tensor('float32', data, [1, 3, scene.size, scene.size]) };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (gapMs > 0) await sleep(gapMs);
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  await session.release();
  return median(times);
}

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension('perturber.perturber-vscode');
  if (!extension) throw new Error('extension perturber.perturber-vscode not found');
  const api = (await extension.activate()) as ApiShape;
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!workspace) throw new Error('no workspace folder');
  const scenes: BenchScene[] = [
    { name: 'fixture_64', file: path.join(workspace, 'teapot.perturber.json'), modelFile: path.join(repo, 'models', 'fixture', 'fixture.onnx'), inputName: 'input', size: 64 },
  ];
  scenes.push(perturbedScene(workspace));
  const mobilenet = mobilenetScene(workspace);
  if (mobilenet) scenes.push(mobilenet);
  else console.log('BENCH_NOTE ../shared/models not found: MobileNetV2 scene skipped');
  for (const scene of scenes) {
    const loop = await benchLoop(api, scene);
    const bare = await bareRun(scene, Math.max(FRAMES, 20));
    const bareIdle = await bareRun(scene, 20, 50);
    console.log(
      `BENCH_JSON ${JSON.stringify({ scene: scene.name, frames: loop.frames, loop, bareRunMs: bare, bareRunAfterIdleMs: bareIdle, ratio: loop.wholeLoopMs / bare })}`,
    );
  }
}
