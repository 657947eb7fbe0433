/**
 * The model inspector's protocol (issue 10): what the host sends the read-only `.onnx` editor's webview, what the
 * webview may ask for, and the guard every message from the webview passes at the host boundary (messageGuards.ts's
 * rules: plain objects only, known types only, rebuilt from the checked fields; never throws).
 */
import type { ModelManifest } from './manifestTypes';
import type { ModelSummary } from './modelSummary';

/** One watchable layer as the inspector lists it. */
export interface InspectorLayer {
  /** The manifest alias when there is one, else the exporter's readable name, else the tensor. */
  name: string;
  tensor: string;
  op: string;
  /** Output shape without the batch: `[channels, height, width]`; entries null when unknown. */
  shape: (number | null)[];
  /** Named by the manifest (an alias): listed first, as in the Add Model picker. */
  named: boolean;
}

/** The manifest beside the model (`x.model.json`), as the inspector shows it. */
export type InspectorManifest =
  /** No manifest: the model runs on one guessed from the graph; "Create manifest" writes that guess. */
  | { state: 'absent'; file: string }
  /** A manifest file: its parsed content (null when it does not validate) and its problems ([] when it fits). */
  | { state: 'present'; file: string; manifest: ModelManifest | null; problems: string[] };

export type HostToInspector =
  /** The model file's summary and its manifest (sent on open and whenever the .onnx or the manifest changes). */
  | { type: 'model'; file: string; summary: ModelSummary; manifest: InspectorManifest }
  /** The file cannot be inspected (not ONNX, truncated, too large, unreadable), and why. */
  | { type: 'inspectError'; file: string; message: string }
  /**
   * The watchable layers with their output shapes: found by running the model once (`probed`, as scenes see them),
   * or from the shapes the graph records when the model cannot be loaded (`note` says why).
   */
  | { type: 'layers'; layers: InspectorLayer[]; probed: boolean; note?: string }
  /** The outcome of a button (manifest written, model added to a scene, or why not). */
  | { type: 'notice'; text: string; failed: boolean };

export type InspectorToHost =
  | { type: 'ready' }
  /** Write the proposed manifest beside the model (never over an existing file) and open it. */
  | { type: 'createManifest' }
  /** Open the manifest as text. */
  | { type: 'editManifest' }
  /** Add this model to a scene (an open scene editor, else one picked). */
  | { type: 'addToScene' };

export interface InspectorGuardError {
  error: string;
}

const TYPES: readonly InspectorToHost['type'][] = ['ready', 'createManifest', 'editManifest', 'addToScene'];

/** A message from the inspector webview, rebuilt, or why it was refused. */
export function parseInspectorMessage(raw: unknown): InspectorToHost | InspectorGuardError {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'an inspector message must be an object' };
  const proto: unknown = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return { error: 'an inspector message must be a plain object' };
  const type: unknown = (raw as Record<string, unknown>).type;
  const known = TYPES.find((t) => t === type);
  if (known === undefined) {
    return { error: `unknown inspector message type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type}` };
  }
  const extra = Object.keys(raw).filter((k) => k !== 'type');
  if (extra.length > 0) return { error: `inspector message "${known}" takes no fields (got ${extra.slice(0, 3).join(', ')})` };
  return { type: known };
}

export function isInspectorMessage(value: InspectorToHost | InspectorGuardError): value is InspectorToHost {
  return !('error' in value);
}
