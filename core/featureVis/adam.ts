/**
 * Adam (Kingma & Ba 2015) in TensorFlow's form, which Lucid uses (tf.train.AdamOptimizer(0.05)): per step t,
 * m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, x -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps).
 * Minimises: pass the gradient of the loss.
 */
export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  private readonly lr: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;

  constructor(size: number, opts: AdamOptions) {
    this.lr = opts.learningRate;
    this.b1 = opts.beta1 ?? 0.9;
    this.b2 = opts.beta2 ?? 0.999;
    this.eps = opts.epsilon ?? 1e-8;
    if (!(this.lr > 0) || !Number.isFinite(this.lr)) throw new Error(`learning rate must be a positive number, got ${opts.learningRate}`);
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  get steps(): number {
    return this.t;
  }

  /** One update of `x` in place from the loss gradient `g`. */
  step(x: Float64Array, g: ArrayLike<number>): void {
    if (x.length !== this.m.length || g.length !== this.m.length) throw new Error('Adam: parameter and gradient sizes differ');
    this.t++;
    const { b1, b2, eps } = this;
    const lrT = (this.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    for (let i = 0; i < x.length; i++) {
      const gi = g[i];
      this.m[i] = b1 * this.m[i] + (1 - b1) * gi;
      this.v[i] = b2 * this.v[i] + (1 - b2) * gi * gi;
      x[i] -= (lrT * this.m[i]) / (Math.sqrt(this.v[i]) + eps);
    }
  }
}
