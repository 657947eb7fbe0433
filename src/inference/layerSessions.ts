/**
 * The sessions of one model, one per set of watched layers. Exposing a layer as a graph output stops ONNX Runtime
 * from fusing the node that makes it (Conv+Clip, Conv+Add): exposing every layer candidate made MobileNetV2 run
 * 2.2x slower than the bare graph, exposing only the two watched layers 1.17x (npm run bench). So the graph gets
 * exactly the watched layers as extra outputs, built once per watch set (when a scene starts watching another
 * layer), and the few most recent sets are kept.
 */
import { addGraphOutputs } from '../../core/onnxGraph';
import { OrtSession, type SessionSettings, type Tensor32 } from './ortBackend';

export class LayerSessions {
  /** Watch-set key -> session, least recently used first. */
  private readonly sessions = new Map<string, Promise<OrtSession>>();
  private disposed = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly settings: SessionSettings,
    /** The graph's own outputs: fetching these needs no extra output. */
    private readonly graphOutputs: ReadonlySet<string>,
    private readonly bare: OrtSession,
    private readonly capacity = 4,
  ) {
    this.sessions.set('', Promise.resolve(bare));
  }

  get inputNames(): readonly string[] {
    return this.bare.inputNames;
  }

  /** Runs the model and returns the outputs named in `fetchNames`, graph outputs or intermediate tensors alike. */
  async run(feeds: Record<string, Tensor32>, fetchNames: readonly string[]): Promise<Map<string, Tensor32>> {
    const session = await this.sessionFor(fetchNames.filter((name) => !this.graphOutputs.has(name)));
    return session.run(feeds, fetchNames);
  }

  /** Releases every session once its queued runs are done. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (s) => (await s.catch(() => undefined))?.dispose()));
  }

  private sessionFor(extra: readonly string[]): Promise<OrtSession> {
    if (this.disposed) return Promise.reject(new Error('the model was unloaded'));
    const key = [...new Set(extra)].sort().join('\n');
    let session = this.sessions.get(key);
    if (session) {
      this.sessions.delete(key);
    } else {
      session = OrtSession.create(addGraphOutputs(this.bytes, key.split('\n')), this.settings).then((c) => c.session);
      // A failed build is not cached: the next frame tries again (and reports the error again).
      session.catch(() => this.sessions.get(key) === session && this.sessions.delete(key));
    }
    this.sessions.set(key, session);
    this.evict();
    return session;
  }

  private evict(): void {
    for (const [key, session] of this.sessions) {
      if (this.sessions.size <= this.capacity) break;
      if (key === '') continue; // the bare graph stays: classification and unwatched scenes use it
      this.sessions.delete(key);
      void session.then((s) => s.dispose(), () => undefined);
    }
  }

}
