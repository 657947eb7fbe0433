/**
 * The only module that imports onnxruntime-node: creating sessions from model bytes and running them with
 * float tensors. Everything above it deals in `Tensor32` and never sees ONNX Runtime types.
 */
import * as ort from 'onnxruntime-node';

/** A dense float tensor: values in row-major order and their shape. */
export interface Tensor32 {
  data: Float32Array;
  dims: number[];
}

export interface SessionSettings {
  /** Intra-op threads; 0 keeps ONNX Runtime's default. */
  threads: number;
  executionProviders: string[];
}

export interface CreatedSession {
  session: OrtSession;
  /** Set when the configured execution providers failed and the session fell back to the CPU. */
  warning?: string;
}

function sessionOptions(settings: SessionSettings, providers: string[]): ort.InferenceSession.SessionOptions {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    // Warnings only: ONNX Runtime prints info lines about every unused initializer otherwise.
    logSeverityLevel: 3,
  };
  if (settings.threads > 0) options.intraOpNumThreads = settings.threads;
  return options;
}

function toTensor32(name: string, value: ort.OnnxValue): Tensor32 {
  const dims = Array.from(value.dims);
  const data = value.data;
  if (data instanceof Float32Array) return { data, dims };
  if (
    data instanceof Float64Array ||
    data instanceof Int32Array ||
    data instanceof Uint8Array ||
    data instanceof Int8Array ||
    data instanceof Uint16Array ||
    data instanceof Int16Array ||
    data instanceof Uint32Array
  ) {
    return { data: Float32Array.from(data), dims };
  }
  throw new Error(`output "${name}" has type ${value.type}; only numeric tensors are supported`);
}

/**
 * One ONNX Runtime session. Runs are queued so at most one is in flight per session, and `dispose` waits for the
 * queue: releasing a session under a running inference crashes the native binding.
 */
export class OrtSession {
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  private constructor(private readonly session: ort.InferenceSession) {}

  /** Creates a session; if the configured providers fail (e.g. "cuda" without CUDA), falls back to the CPU. */
  static async create(bytes: Uint8Array, settings: SessionSettings): Promise<CreatedSession> {
    const providers = settings.executionProviders.length > 0 ? settings.executionProviders : ['cpu'];
    try {
      return { session: new OrtSession(await ort.InferenceSession.create(bytes, sessionOptions(settings, providers))) };
    } catch (error) {
      if (providers.length === 1 && providers[0] === 'cpu') throw error;
      const session = await ort.InferenceSession.create(bytes, sessionOptions(settings, ['cpu']));
      const reason = error instanceof Error ? error.message : String(error);
      return {
        session: new OrtSession(session),
        warning: `execution providers [${providers.join(', ')}] failed (${reason}); running on the CPU`,
      };
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the model on `feeds` and returns only the outputs named in `fetchNames` (so unwatched layers stay native). */
  run(feeds: Record<string, Tensor32>, fetchNames: readonly string[]): Promise<Map<string, Tensor32>> {
    const job = this.queue.then(async () => {
      if (this.disposed) throw new Error('the model was unloaded');
      const inputs: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', tensor.data, tensor.dims);
      const outputs = await this.session.run(inputs, fetchNames);
      const result = new Map<string, Tensor32>();
      for (const name of fetchNames) {
        const value = outputs[name];
        if (!value) throw new Error(`the model produced no output "${name}"`);
        result.set(name, toTensor32(name, value));
      }
      return result;
    });
    // A failed run must not block the runs queued after it.
    this.queue = job.catch(() => undefined);
    return job;
  }

  /** Releases the native session once the runs already queued are done. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    await this.session.release();
  }
}
