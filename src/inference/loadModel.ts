/**
 * Loading one model: bytes -> graph info -> manifest (read or proposed) -> labels -> a probe session with every
 * layer candidate added as an output, run once on a zero image to learn each candidate's real shape, then released
 * -> the bare session (watched layers get their own sessions, see LayerSessions). Every failure becomes an Error whose message a user can act on.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseLabelFile } from '../../core/labels';
import { familyTitle } from '../../core/layerNames';
import { parseManifest, proposeNamedManifest } from '../../core/manifest';
import type { LayerInfo, ModelManifest } from '../../core/manifestTypes';
import { addGraphOutputs, inspectModel, layerCandidates, type LayerCandidate, type OnnxModelInfo } from '../../core/onnxGraph';
import { isInsideAny } from './modelPaths';
import { LayerSessions } from './layerSessions';
import { ModelGradients } from './modelGradients';
import { OrtSession, type SessionSettings, type Tensor32 } from './ortBackend';

export interface ModelFiles {
  onnxPath: string;
  manifestPath: string;
  /** Folders a label file named by the manifest may come from. */
  allowedRoots: readonly string[];
}

export interface LoadedModel {
  readonly onnxPath: string;
  readonly manifestPath: string;
  readonly manifest: ModelManifest;
  /** True when no manifest file exists and `manifest` was inferred from the graph. */
  readonly manifestProposed: boolean;
  readonly labels: string[];
  /** Watchable layers: the 4-D candidates found by the probe, then the final output. */
  readonly layers: LayerInfo[];
  /** Runs the model, fetching any of its outputs or layers (see LayerSessions). */
  readonly session: LayerSessions;
  /** SHA-256 of the .onnx file's bytes (hex): keys caches of results that depend on the weights. */
  readonly sha256: string;
  /** Gradients in pixel space (attacks, saliency, neuron attribution); sessions built on first use. */
  readonly gradients: ModelGradients;
  /** Things the user should hear about once (no manifest, CPU fallback, missing labels). */
  readonly warnings: string[];
}

function fileName(p: string): string {
  return path.basename(p);
}

/**
 * Larger .onnx files are refused before reading: protobuf cannot hold a single file above 2 GiB (bigger models keep
 * their weights in external data, which is refused below), and reading one whole would stall the extension host.
 */
export const MAX_MODEL_BYTES = 2 * 1024 ** 3;

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

export async function readModelBytes(onnxPath: string, maxBytes = MAX_MODEL_BYTES): Promise<Uint8Array> {
  try {
    const stat = await fs.stat(onnxPath);
    if (stat.isFile() && stat.size > maxBytes) {
      throw Object.assign(
        new Error(`${fileName(onnxPath)} is too large to load (${gib(stat.size)}, ${stat.size} bytes; the limit is ${gib(maxBytes)})`),
        { code: 'ETOOLARGE' },
      );
    }
    return new Uint8Array(await fs.readFile(onnxPath));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`model file not found: ${onnxPath}`);
    if (code === 'EISDIR') throw new Error(`${onnxPath} is a folder, not an .onnx file`);
    if (code === 'ETOOLARGE') throw new Error((error as Error).message);
    throw new Error(`cannot read ${onnxPath}: ${(error as Error).message}`);
  }
}

async function readOptionalText(p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${p}: ${(error as Error).message}`);
  }
}

async function loadLabels(manifest: ModelManifest, files: ModelFiles, warnings: string[]): Promise<string[]> {
  if (Array.isArray(manifest.labels)) return manifest.labels;
  const labelPath = path.resolve(path.dirname(files.manifestPath), manifest.labels);
  if (!isInsideAny(labelPath, [...files.allowedRoots, path.dirname(files.manifestPath)])) {
    warnings.push(`label file ${manifest.labels} of ${fileName(files.manifestPath)} is outside the allowed folders; classes are shown by number`);
    return [];
  }
  const text = await readOptionalText(labelPath);
  if (text === undefined) {
    warnings.push(`label file ${labelPath} of ${fileName(files.manifestPath)} not found; classes are shown by number`);
    return [];
  }
  return parseLabelFile(text);
}

function zeroInput(manifest: ModelManifest): Tensor32 {
  const { width, height, layout } = manifest.input;
  const dims = layout === 'NCHW' ? [1, 3, height, width] : [1, height, width, 3];
  return { data: new Float32Array(3 * width * height), dims };
}

function layerInfo(tensor: string, opType: string, dims: number[], manifest: ModelManifest, aliases: Map<string, string>): LayerInfo {
  const info: LayerInfo = { tensor, opType };
  const alias = aliases.get(tensor);
  if (alias !== undefined) info.alias = alias;
  if (dims.length === 4) {
    const nchw = manifest.input.layout === 'NCHW';
    info.channels = nchw ? dims[1] : dims[3];
    info.height = nchw ? dims[2] : dims[1];
    info.width = nchw ? dims[3] : dims[2];
  } else if (dims.length === 2) {
    info.channels = dims[1];
    info.height = 1;
    info.width = 1;
  }
  return info;
}

/** tensor -> first alias naming it, so layer lists show the manifest's human names. */
function aliasesByTensor(manifest: ModelManifest): Map<string, string> {
  const out = new Map<string, string>();
  for (const [alias, tensor] of Object.entries(manifest.layerAliases)) if (!out.has(tensor)) out.set(tensor, alias);
  return out;
}

/** Runs the zero image once: checks the manifest against the graph and learns every candidate's real shape. */
async function probe(
  session: OrtSession,
  manifest: ModelManifest,
  candidates: readonly { tensor: string; opType: string }[],
): Promise<LayerInfo[]> {
  if (!session.inputNames.includes(manifest.input.name)) {
    throw new Error(`the manifest's input "${manifest.input.name}" is not an input of the graph (inputs: ${session.inputNames.join(', ')})`);
  }
  if (!session.outputNames.includes(manifest.output.name)) {
    throw new Error(`the manifest's output "${manifest.output.name}" is not an output of the graph (outputs: ${session.outputNames.join(', ')})`);
  }
  const fetch = [manifest.output.name, ...candidates.map((c) => c.tensor).filter((t) => t !== manifest.output.name && session.outputNames.includes(t))];
  let outputs: Map<string, Tensor32>;
  try {
    outputs = await session.run({ [manifest.input.name]: zeroInput(manifest) }, fetch);
  } catch (error) {
    const { width, height, layout } = manifest.input;
    throw new Error(`the model does not accept a ${width}x${height} ${layout} image as the manifest says: ${(error as Error).message}`);
  }
  const aliases = aliasesByTensor(manifest);
  const layers: LayerInfo[] = [];
  for (const candidate of candidates) {
    const value = outputs.get(candidate.tensor);
    if (candidate.tensor === manifest.output.name || !value || value.dims.length !== 4) continue;
    layers.push(layerInfo(candidate.tensor, candidate.opType, value.dims, manifest, aliases));
  }
  const output = outputs.get(manifest.output.name);
  if (!output || output.data.length === 0) throw new Error(`the output "${manifest.output.name}" is empty`);
  const classes = output.dims.length >= 2 ? output.data.length / output.dims[0] : output.data.length;
  layers.push(layerInfo(manifest.output.name, 'Output', [1, classes], manifest, aliases));
  return layers;
}

/** A graph with a fixed input size must agree with the manifest (symbolic sizes accept anything). */
function checkInputSize(info: OnnxModelInfo, manifest: ModelManifest, files: ModelFiles): void {
  const { name, width, height, layout } = manifest.input;
  const input = info.inputs.find((i) => i.name === name);
  if (!input || input.dims.length !== 4) return;
  const [h, w] = layout === 'NCHW' ? [input.dims[2], input.dims[3]] : [input.dims[1], input.dims[2]];
  const fixedW = typeof w === 'number' && w > 0 ? w : undefined;
  const fixedH = typeof h === 'number' && h > 0 ? h : undefined;
  if ((fixedW !== undefined && fixedW !== width) || (fixedH !== undefined && fixedH !== height)) {
    throw new Error(
      `input size mismatch: ${fileName(files.onnxPath)} takes ${fixedW ?? '?'}x${fixedH ?? '?'} (${layout}) but ` +
        `${fileName(files.manifestPath)} says ${width}x${height}`,
    );
  }
}

/** Loads a model; throws an Error with a message meant for the user when anything is wrong. */
export async function loadModel(files: ModelFiles, settings: SessionSettings): Promise<LoadedModel> {
  const warnings: string[] = [];
  const bytes = await readModelBytes(files.onnxPath);
  let info: OnnxModelInfo;
  let candidates: LayerCandidate[];
  try {
    info = inspectModel(bytes);
    candidates = layerCandidates(bytes);
  } catch (error) {
    throw new Error(`${fileName(files.onnxPath)} is not a readable ONNX model: ${(error as Error).message}`);
  }

  if (info.externalData) {
    throw new Error(`${fileName(files.onnxPath)} keeps its weights in separate files; save it as a single .onnx file`);
  }

  let manifest: ModelManifest;
  let manifestProposed = false;
  const manifestText = await readOptionalText(files.manifestPath);
  if (manifestText === undefined) {
    // The manifest "Write Manifest" would write: the graph's guesses with a known family's layer names and preprocessing.
    const proposed = proposeNamedManifest(info, candidates, fileName(files.onnxPath).replace(/\.onnx$/i, ''));
    manifest = proposed.manifest;
    manifestProposed = true;
    const family = familyTitle(proposed.naming);
    warnings.push(
      `${fileName(files.onnxPath)} has no manifest (${fileName(files.manifestPath)}); using settings guessed from the graph` +
        `${family ? ` (recognised ${family}: its layer names and usual preprocessing)` : ''}. ` +
        'Run "Perturber: Add Model" to write one and check its preprocessing and labels.',
    );
  } else {
    const parsed = parseManifest(manifestText);
    if (!parsed.manifest) {
      throw new Error(`manifest ${fileName(files.manifestPath)} is invalid: ${parsed.errors.slice(0, 5).join('; ')}`);
    }
    manifest = parsed.manifest;
  }
  checkInputSize(info, manifest, files);
  const labels = await loadLabels(manifest, files, warnings);

  let withOutputs: Uint8Array;
  try {
    withOutputs = addGraphOutputs(bytes, candidates.map((c) => c.tensor));
  } catch (error) {
    throw new Error(`cannot expose the layers of ${fileName(files.onnxPath)}: ${(error as Error).message}`);
  }
  let created: Awaited<ReturnType<typeof OrtSession.create>>;
  try {
    created = await OrtSession.create(withOutputs, settings);
  } catch (error) {
    throw new Error(`ONNX Runtime cannot load ${fileName(files.onnxPath)}: ${(error as Error).message}`);
  }
  if (created.warning) warnings.push(created.warning);
  let layers: LayerInfo[];
  try {
    layers = await probe(created.session, manifest, candidates);
  } finally {
    await created.session.dispose();
  }
  // The probe settled the providers: build the bare graph with the ones that worked.
  const bareSettings = created.warning ? { ...settings, executionProviders: ['cpu'] } : settings;
  const bare = await OrtSession.create(bytes, bareSettings);
  const session = new LayerSessions(bytes, bareSettings, new Set(info.outputs.map((o) => o.name)), bare.session);
  const gradients = new ModelGradients(bytes, manifest, bareSettings);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { onnxPath: files.onnxPath, manifestPath: files.manifestPath, manifest, manifestProposed, labels, layers, session, gradients, sha256, warnings };
}

/** The graph tensor a scene's layer name means: a manifest alias, else the tensor name itself. */
export function findLayer(model: LoadedModel, name: string): LayerInfo | undefined {
  // hasOwn: a layer called "constructor" must not find Object.prototype's.
  const aliases = model.manifest.layerAliases;
  const tensor = Object.prototype.hasOwnProperty.call(aliases, name) ? aliases[name] : name;
  return model.layers.find((layer) => layer.tensor === tensor) ?? model.layers.find((layer) => layer.alias === name);
}
