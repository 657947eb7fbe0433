/** Per-neuron (per-channel) activation maps pulled out of a layer's output tensor. */
import type { NeuronActivation } from './protocol';

export interface ExtractedNeurons {
  channels: number;
  height: number;
  width: number;
  /** The requested neurons that exist, in request order. */
  neurons: NeuronActivation[];
  /** Requested neuron indices the layer does not have (the scene may name a neuron of another model's layer). */
  missing: number[];
}

interface MapGeometry {
  channels: number;
  height: number;
  width: number;
  /** Distance in elements between neighbouring channels / spatial positions of batch item 0. */
  channelStride: number;
  pixelStride: number;
}

function geometry(dims: readonly number[], layout: 'NCHW' | 'NHWC'): MapGeometry {
  if (dims.length === 2) {
    // [N, C]: a fully connected or pooled output, shown as 1x1 maps.
    return { channels: dims[1], height: 1, width: 1, channelStride: 1, pixelStride: dims[1] };
  }
  if (dims.length === 4) {
    if (layout === 'NCHW') {
      const [, c, h, w] = dims;
      return { channels: c, height: h, width: w, channelStride: h * w, pixelStride: 1 };
    }
    const [, h, w, c] = dims;
    return { channels: c, height: h, width: w, channelStride: 1, pixelStride: c };
  }
  throw new Error(`activation tensor of shape [${dims.join(', ')}] is neither [N, C] nor 4-D`);
}

/** Activation maps, mean, min and max of the chosen channels of batch item 0. */
export function extractNeurons(
  data: Float32Array,
  dims: readonly number[],
  layout: 'NCHW' | 'NHWC',
  neurons: readonly number[],
): ExtractedNeurons {
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`bad activation shape [${dims.join(', ')}]`);
  const g = geometry(dims, layout);
  const perItem = g.channels * g.height * g.width;
  if (dims[0] < 1 || data.length < perItem) {
    throw new Error(`activation data has ${data.length} values, fewer than one item of shape [${dims.join(', ')}]`);
  }
  const size = g.height * g.width;
  const out: NeuronActivation[] = [];
  const missing: number[] = [];
  for (const index of neurons) {
    if (!Number.isInteger(index) || index < 0 || index >= g.channels) {
      missing.push(index);
      continue;
    }
    const map = new Float32Array(size);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0, s = index * g.channelStride; i < size; i++, s += g.pixelStride) {
      const v = data[s];
      map[i] = v;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    out.push({ index, mean: size > 0 ? sum / size : 0, min: size > 0 ? min : 0, max: size > 0 ? max : 0, map });
  }
  return { channels: g.channels, height: g.height, width: g.width, neurons: out, missing };
}
