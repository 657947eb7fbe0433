/**
 * Gradients of one loaded model in pixel space (core/gradients/pixelSpace.ts + buildGradientModel), run with the
 * same ONNX Runtime as inference. One session per (objective, layers) pair, built on first use (seconds for a
 * GoogLeNet-sized graph) and kept for the few most recent pairs: an attack runs one objective many times, a
 * saliency map or a neuron ranking one objective a few times.
 */
import { buildGradientModel, GRAD_INPUT_OUTPUT, layerGradOutput, layerValueOutput, OBJECTIVE_OUTPUT, type Objective } from '../../core/gradients';
import { PIXELS_INPUT, pixelSpaceModel } from '../../core/gradients/pixelSpace';
import type { ModelManifest } from '../../core/manifestTypes';
import { inspectModel } from '../../core/onnxGraph';
import { OrtSession, type SessionSettings, type Tensor32 } from './ortBackend';

export interface GradientRun {
  /** The objective of each batch item, [N]. */
  objective: Float32Array;
  /** d objective[n] / d pixels[n]: [N, 3, height, width], CHW RGB like the pixels. */
  gradInput: Float32Array;
  /** Each requested layer's value and gradient, in the graph's own layout. */
  layers: Map<string, { value: Tensor32; grad: Tensor32 }>;
}

export class ModelGradients {
  /** Key -> session, least recently used first. */
  private readonly sessions = new Map<string, Promise<OrtSession>>();
  private pixelModel: Uint8Array | undefined;
  private disposed = false;
  /** The largest batch the graph accepts (1 when its batch dimension is fixed to 1). */
  readonly maxBatch: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly manifest: ModelManifest,
    private readonly settings: SessionSettings,
    private readonly capacity = 3,
  ) {
    const input = inspectModel(bytes).inputs.find((i) => i.name === manifest.input.name);
    const batch = input?.dims[0];
    this.maxBatch = typeof batch === 'number' && batch > 0 ? batch : Number.POSITIVE_INFINITY;
  }

  get width(): number {
    return this.manifest.input.width;
  }

  get height(): number {
    return this.manifest.input.height;
  }

  /**
   * The objective and its gradient for `batch` images of pixels in [0, 1] (CHW RGB each, concatenated). Class
   * indices in the objective are indices into the model's output (label index + the manifest's labelOffset).
   * Throws UnsupportedOpError (core/gradients) when the graph has an operator without a rule.
   */
  async run(
    pixels: Float32Array,
    batch: number,
    objective: Objective,
    layers: readonly string[] = [],
    options: { reluGradient?: 'exact' | 'redirected' } = {},
  ): Promise<GradientRun> {
    const { width, height } = this.manifest.input;
    if (pixels.length !== batch * 3 * width * height) {
      throw new Error(`pixels hold ${pixels.length} values, expected ${batch} x 3 x ${height} x ${width}`);
    }
    if (batch > this.maxBatch) throw new Error(`the model takes at most ${this.maxBatch} images at once`);
    const session = await this.sessionFor(objective, layers, options.reluGradient ?? 'exact');
    const fetch = [OBJECTIVE_OUTPUT, GRAD_INPUT_OUTPUT, ...layers.flatMap((t) => [layerValueOutput(t), layerGradOutput(t)])];
    const out = await session.run({ [PIXELS_INPUT]: { data: pixels, dims: [batch, 3, height, width] } }, fetch);
    const result: GradientRun = {
      objective: out.get(OBJECTIVE_OUTPUT)!.data,
      gradInput: out.get(GRAD_INPUT_OUTPUT)!.data,
      layers: new Map(),
    };
    for (const t of layers) result.layers.set(t, { value: out.get(layerValueOutput(t))!, grad: out.get(layerGradOutput(t))! });
    return result;
  }

  /** Releases every session once its queued runs are done. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (s) => (await s.catch(() => undefined))?.dispose()));
  }

  private sessionFor(objective: Objective, layers: readonly string[], reluGradient: 'exact' | 'redirected'): Promise<OrtSession> {
    if (this.disposed) return Promise.reject(new Error('the model was unloaded'));
    const key = JSON.stringify([objective, [...layers].sort(), reluGradient]);
    let session = this.sessions.get(key);
    if (session) this.sessions.delete(key);
    else {
      session = (async () => {
        this.pixelModel ??= pixelSpaceModel(this.bytes, this.manifest.input, this.manifest.output);
        const graph = buildGradientModel(this.pixelModel, { input: PIXELS_INPUT, objective, layers, reluGradient });
        return (await OrtSession.create(graph, this.settings)).session;
      })();
      session.catch(() => this.sessions.get(key) === session && this.sessions.delete(key));
    }
    this.sessions.set(key, session);
    for (const [k, s] of this.sessions) {
      if (this.sessions.size <= this.capacity) break;
      this.sessions.delete(k);
      void s.then((x) => x.dispose(), () => undefined);
    }
    return session;
  }
}
