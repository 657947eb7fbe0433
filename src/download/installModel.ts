/**
 * Installing a catalogue model into a folder, in plain Node (no vscode): the verified download, the ImageNet
 * label file beside it, and a manifest `<name>.model.json` written from the catalogue and checked against the
 * downloaded graph (tensor names; layer aliases from core/layerNames.ts). The command in src/commands/downloadModel.ts is the UI on top.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseManifest } from '../../core/manifest';
import { catalogManifest, IMAGENET_LABELS_FILE, type CatalogEntry } from '../../core/modelCatalog';
import { inspectModel, layerCandidates } from '../../core/onnxGraph';
import { downloadVerified, isVerified } from './verifiedDownload';

export interface InstallRequest {
  entry: CatalogEntry;
  /** Destination folder (created when missing). */
  folder: string;
  /** The label file shipped with the extension (models/labels/imagenet1000.txt). */
  labelsSource: string;
  /** Keep a file already at the destination when its size and SHA-256 match (no download). */
  reuse?: boolean;
  onProgress?: (received: number, total: number) => void;
  signal?: AbortSignal;
  /** Test hook, passed to downloadVerified: allow http://127.0.0.1. */
  allowLoopbackHttp?: boolean;
  stallTimeoutMs?: number;
}

export interface InstallResult {
  onnxPath: string;
  manifestPath: string;
  labelsPath: string;
  /** The file was already there, verified, and not downloaded again. */
  reused: boolean;
  /** A manifest with other content was already there and was kept as it is. */
  manifestKept: boolean;
  /** What the graph check changed or left out (for the log). */
  notes: string[];
}

export function onnxPathFor(entry: CatalogEntry, folder: string): string {
  return path.join(folder, entry.fileName);
}

export function manifestPathOf(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, '') + '.model.json';
}

/** Whether the entry's file is already in `folder` with the right size and SHA-256. */
export function alreadyInstalled(entry: CatalogEntry, folder: string, signal?: AbortSignal): Promise<boolean> {
  return isVerified(onnxPathFor(entry, folder), entry.size, entry.sha256, signal);
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The label file beside the model: the shipped one under its own name, unless a different file already has that
 * name (then `<model>.labels.txt`). Returns the name relative to the folder.
 */
async function placeLabels(folder: string, onnxPath: string, labelsSource: string): Promise<string> {
  const labels = await fs.readFile(labelsSource, 'utf8');
  for (const name of [IMAGENET_LABELS_FILE, `${path.basename(onnxPath).replace(/\.onnx$/i, '')}.labels.txt`]) {
    const existing = await readIfExists(path.join(folder, name));
    if (existing === labels) return name;
    if (existing === undefined) {
      await fs.writeFile(path.join(folder, name), labels);
      return name;
    }
  }
  throw new Error(`${IMAGENET_LABELS_FILE} and the model's .labels.txt in ${folder} both hold other labels; move one away`);
}

/** Writes the labels and the manifest for a model file that is already in place. */
export async function writeCatalogManifest(entry: CatalogEntry, onnxPath: string, labelsSource: string): Promise<Omit<InstallResult, 'reused'>> {
  const folder = path.dirname(onnxPath);
  const bytes = new Uint8Array(await fs.readFile(onnxPath));
  const info = inspectModel(bytes);
  const { manifest, notes } = catalogManifest(entry, { inputs: info.inputs, outputs: info.outputs, layers: layerCandidates(bytes) });
  manifest.labels = await placeLabels(folder, onnxPath, labelsSource);
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const checked = parseManifest(text);
  if (!checked.manifest) throw new Error(`the manifest for ${entry.displayName} is invalid: ${checked.errors.join('; ')}`);
  const manifestPath = manifestPathOf(onnxPath);
  const existing = await readIfExists(manifestPath);
  const manifestKept = existing !== undefined && existing !== text;
  if (existing === undefined) await fs.writeFile(manifestPath, text, { flag: 'wx' });
  return { onnxPath, manifestPath, labelsPath: path.join(folder, manifest.labels), manifestKept, notes };
}

/** Downloads (or reuses) the entry's file into `req.folder` and writes its labels and manifest beside it. */
export async function installModel(req: InstallRequest): Promise<InstallResult> {
  await fs.mkdir(req.folder, { recursive: true });
  const onnxPath = onnxPathFor(req.entry, req.folder);
  const reused = req.reuse === true && (await alreadyInstalled(req.entry, req.folder, req.signal));
  if (!reused) {
    await downloadVerified({
      url: req.entry.url,
      size: req.entry.size,
      sha256: req.entry.sha256,
      dest: onnxPath,
      onProgress: req.onProgress,
      signal: req.signal,
      allowLoopbackHttp: req.allowLoopbackHttp,
      stallTimeoutMs: req.stallTimeoutMs,
    });
  }
  return { ...(await writeCatalogManifest(req.entry, onnxPath, req.labelsSource)), reused };
}
