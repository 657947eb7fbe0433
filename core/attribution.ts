/**
 * Class-relevant neurons: ranks a layer's channels for one objective (a class logit) by attribution, the sum over
 * space of activation x gradient (the first-order Taylor estimate of how much the objective would drop if the
 * channel were zeroed), or by plain mean activation. Pure: the caller runs the gradient model
 * (src/inference/modelGradients.ts) and passes the layer's value and gradient.
 */

export type RankingMethod = 'attribution' | 'meanActivation';

export interface ChannelScore {
  channel: number;
  /** Sum over space of value x gradient (mean over the batch items when there are several). */
  attribution: number;
  /** Mean of the activation over space (and batch items). */
  meanActivation: number;
}

/** A layer's tensor shape read as batch, channels, height, width. */
export interface LayerShape {
  batch: number;
  channels: number;
  height: number;
  width: number;
}

/** Reads 4-D dims in the given layout; throws a readable Error for anything else. */
export function layerShape(dims: readonly number[], layout: 'NCHW' | 'NHWC'): LayerShape {
  if (dims.length !== 4 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`the layer is not a 4-D feature map (shape [${dims.join(', ')}]); pick a convolutional layer`);
  }
  const [batch, a, b, c] = dims;
  return layout === 'NCHW' ? { batch, channels: a, height: b, width: c } : { batch, channels: c, height: a, width: b };
}

/**
 * Every channel's attribution and mean activation, sorted by `method` (largest first; equal scores keep the lower
 * channel first). `value` and `grad` have `dims` (4-D, `layout`).
 */
export function rankChannels(
  value: Float32Array,
  grad: Float32Array,
  dims: readonly number[],
  layout: 'NCHW' | 'NHWC',
  method: RankingMethod,
): ChannelScore[] {
  const { batch, channels, height, width } = layerShape(dims, layout);
  const count = batch * channels * height * width;
  if (value.length !== count || grad.length !== count) {
    throw new Error(`the layer's value (${value.length}) and gradient (${grad.length}) must both hold ${count} values for [${dims.join(', ')}]`);
  }
  // Accumulate in doubles: a 112 x 16 x 16 layer sums hundreds of products per channel.
  const attribution = new Float64Array(channels);
  const activation = new Float64Array(channels);
  const plane = height * width;
  for (let n = 0; n < batch; n++) {
    const base = n * channels * plane;
    if (layout === 'NCHW') {
      for (let c = 0; c < channels; c++) {
        let a = 0;
        let s = 0;
        for (let i = base + c * plane, end = i + plane; i < end; i++) {
          a += value[i] * grad[i];
          s += value[i];
        }
        attribution[c] += a;
        activation[c] += s;
      }
    } else {
      for (let p = 0; p < plane; p++) {
        const i0 = base + p * channels;
        for (let c = 0; c < channels; c++) {
          attribution[c] += value[i0 + c] * grad[i0 + c];
          activation[c] += value[i0 + c];
        }
      }
    }
  }
  const scores: ChannelScore[] = [];
  for (let c = 0; c < channels; c++) {
    scores.push({ channel: c, attribution: attribution[c] / batch, meanActivation: activation[c] / (batch * plane) });
  }
  return sortScores(scores, method);
}

/** A copy of `scores` sorted by `method`, largest first, ties by channel. */
export function sortScores(scores: readonly ChannelScore[], method: RankingMethod): ChannelScore[] {
  const key = (s: ChannelScore): number => (method === 'attribution' ? s.attribution : s.meanActivation);
  return [...scores].sort((a, b) => key(b) - key(a) || a.channel - b.channel);
}

/** channel -> 1-based rank under `method`. */
export function ranksBy(scores: readonly ChannelScore[], method: RankingMethod): Map<number, number> {
  return new Map(sortScores(scores, method).map((s, i) => [s.channel, i + 1]));
}

/** CSV for notebooks: one row per channel in the given order, with both scores and both ranks. */
export function rankingCsv(scores: readonly ChannelScore[]): string {
  const byAttribution = ranksBy(scores, 'attribution');
  const byMean = ranksBy(scores, 'meanActivation');
  const rows = scores.map((s) =>
    [s.channel, s.attribution, s.meanActivation, byAttribution.get(s.channel), byMean.get(s.channel)].join(','),
  );
  return ['channel,attribution,mean_activation,rank_attribution,rank_mean', ...rows].join('\n') + '\n';
}
