/**
 * What the model inspector shows, read from disk: the `.onnx` file's summary and its manifest (core/modelSummary.ts,
 * with loadModel's size limit and read errors), and the watchable layers with their output shapes as scenes see them
 * (the model store's probe, in the Add Model picker's order), or the graph's recorded shapes when it cannot be loaded.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { HostToInspector, InspectorLayer } from '../../core/inspectorMessages';
import { layerChoices } from '../../core/layerNames';
import type { LayerInfo } from '../../core/manifestTypes';
import { summarizeModel } from '../../core/modelSummary';
import { layerCandidates, type LayerCandidate } from '../../core/onnxGraph';
import { readModelBytes } from '../inference/loadModel';
import type { ModelLocator } from '../inference/modelLocator';
import { manifestPathFor } from '../inference/modelPaths';
import type { ModelStore } from '../inference/modelStore';

/** As src/log.ts's, which imports vscode: this file stays loadable in plain Node (test/unit/inspectorData.test.ts). */
function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type ModelMessage = Extract<HostToInspector, { type: 'model' | 'inspectError' }>;
type LayersMessage = Extract<HostToInspector, { type: 'layers' }>;

export interface Inspection {
  message: ModelMessage;
  /** The file's bytes when they are a model (for the layers' fallback). */
  bytes?: Uint8Array;
}

async function readOptionalText(p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path.basename(p)}: ${errorMessage(error)}`);
  }
}

/** The summary message of the model file, or an `inspectError` saying why there is none (never throws). */
export async function inspectFile(onnxPath: string, maxBytes?: number): Promise<Inspection> {
  const file = path.basename(onnxPath);
  let bytes: Uint8Array;
  try {
    bytes = await readModelBytes(onnxPath, maxBytes);
  } catch (error) {
    return { message: { type: 'inspectError', file, message: errorMessage(error) } };
  }
  const manifestPath = manifestPathFor(onnxPath);
  const manifestFile = path.basename(manifestPath);
  try {
    const manifestText = await readOptionalText(manifestPath);
    const { summary, manifest } = summarizeModel(bytes, manifestText);
    const shown = manifest ? { state: 'present' as const, file: manifestFile, ...manifest } : { state: 'absent' as const, file: manifestFile };
    return { message: { type: 'model', file, summary, manifest: shown }, bytes };
  } catch (error) {
    return { message: { type: 'inspectError', file, message: `${file} is not a readable ONNX model: ${errorMessage(error)}` } };
  }
}

function inspectorLayer(layer: LayerInfo, humanNames: ReadonlyMap<string, string>): InspectorLayer {
  const shape = layer.opType === 'Output' ? [layer.channels ?? null] : [layer.channels ?? null, layer.height ?? null, layer.width ?? null];
  return {
    name: layer.alias ?? humanNames.get(layer.tensor) ?? layer.tensor,
    tensor: layer.tensor,
    op: layer.opType,
    shape,
    named: layer.alias !== undefined,
  };
}

function graphLayer(candidate: LayerCandidate): InspectorLayer {
  const dims = candidate.dims ?? [];
  const shape = dims.length === 4 ? dims.slice(1).map((d) => (typeof d === 'number' ? d : null)) : [null, null, null];
  return { name: candidate.alias ?? candidate.humanName ?? candidate.tensor, tensor: candidate.tensor, op: candidate.opType, shape, named: candidate.alias !== undefined };
}

/**
 * The layers as the model store finds them (one probe run; the store keeps the model for scenes that use it), or,
 * when the model cannot be loaded here (untrusted workspace, a manifest the graph contradicts...), the layer
 * candidates with the shapes the graph records and a note saying why.
 */
export async function inspectLayers(onnxPath: string, bytes: Uint8Array, locator: ModelLocator, store: ModelStore): Promise<LayersMessage> {
  let candidates: LayerCandidate[] = [];
  try {
    candidates = layerCandidates(bytes);
  } catch {
    // The summary decoded these bytes already; a failure here leaves only the probe's names.
  }
  try {
    const lease = await store.acquire(await locator.locateExplicit(onnxPath));
    try {
      const humanNames = new Map(candidates.flatMap((c) => (c.humanName !== undefined ? [[c.tensor, c.humanName] as const] : [])));
      const layers = layerChoices(lease.model.layers, lease.model.manifest.layerAliases).map((choice) => inspectorLayer(choice.layer, humanNames));
      return { type: 'layers', layers, probed: true };
    } finally {
      lease.release();
    }
  } catch (error) {
    return {
      type: 'layers',
      layers: candidates.map(graphLayer),
      probed: false,
      note: `The model was not run (${errorMessage(error)}); shapes are those the graph records.`,
    };
  }
}
