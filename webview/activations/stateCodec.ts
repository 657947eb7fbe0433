/**
 * VS Code stores webview state as JSON, which would turn a Float32Array into an object with one key per value.
 * Activation maps are stored as base64 of their bytes instead (exact, and about 5.3 characters per value).
 */
import type { HostToPanel, LayerActivations, ModelActivations, NeuronActivation } from '../../core/protocol';

export type ActivationsMessage = Extract<HostToPanel, { type: 'activations' }>;

type StoredNeuron = Omit<NeuronActivation, 'map'> & { map: string };
type StoredLayer = Omit<LayerActivations, 'neurons'> & { neurons: StoredNeuron[] };
type StoredModel = Omit<ModelActivations, 'layers'> & { layers: StoredLayer[] };
export type StoredActivations = Omit<ActivationsMessage, 'models'> & { models: StoredModel[] };

export function floatsToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export function base64ToFloats(text: string): Float32Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length - (binary.length % 4));
  for (let i = 0; i < bytes.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

export function encodeActivations(message: ActivationsMessage): StoredActivations {
  return {
    ...message,
    models: message.models.map((model) => ({
      ...model,
      layers: model.layers.map((layer) => ({ ...layer, neurons: layer.neurons.map((n) => ({ ...n, map: floatsToBase64(n.map) })) })),
    })),
  };
}

export function decodeActivations(stored: StoredActivations): ActivationsMessage {
  return {
    ...stored,
    models: stored.models.map((model) => ({
      ...model,
      layers: model.layers.map((layer) => ({ ...layer, neurons: layer.neurons.map((n) => ({ ...n, map: base64ToFloats(n.map) })) })),
    })),
  };
}
