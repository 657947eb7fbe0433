/**
 * `perturber.downloadModel(entryId?, options?)`: downloads a known public ImageNet classifier (core/modelCatalog)
 * into the workspace with progress and cancel, verifies its size and SHA-256, and writes its manifest and label
 * file beside it. Interactive without arguments; with an entry id it asks nothing and throws on failure (tests,
 * other extensions). `options.testEntry` (hidden, for the extension tests) downloads a given entry, which may be
 * served over plain http from 127.0.0.1; catalogue entries are https only.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findCatalogEntry, formatBytes, MODEL_CATALOG, type CatalogEntry } from '../../core/modelCatalog';
import { alreadyInstalled, installModel, onnxPathFor, type InstallResult } from '../download/installModel';
import { DownloadCancelled } from '../download/verifiedDownload';
import { errorMessage, type Log } from '../log';
import type { SceneRegistry } from '../sceneEditor/sceneRegistry';
import { requireTrust, showUserError } from '../trust';

export interface DownloadModelServices {
  extensionUri: vscode.Uri;
  registry: SceneRegistry;
  log: Log;
}

export interface DownloadModelOptions {
  /** Destination folder (absolute, or relative to the first workspace folder); default `models/` there. */
  folder?: string;
  /** Keep an already verified file instead of downloading it again (default true). */
  reuse?: boolean;
  /** Hidden test hook: an entry outside the catalogue; only it may use http://127.0.0.1. */
  testEntry?: CatalogEntry;
}

const inFlight = new Set<string>();

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

async function pickEntry(): Promise<CatalogEntry | undefined> {
  type Item = vscode.QuickPickItem & { entry: CatalogEntry };
  const items: Item[] = MODEL_CATALOG.map((entry) => ({
    label: entry.displayName,
    description: `${formatBytes(entry.size)} · ${entry.licence}`,
    detail: entry.description,
    entry,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Download Model (needs internet)',
    placeHolder: 'A public ImageNet classifier from the ONNX model zoo; size and SHA-256 are checked',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.entry;
}

async function pickFolder(): Promise<string | undefined> {
  const root = workspaceRoot();
  if (root) {
    const here = { label: '$(folder) models/', description: `in ${path.basename(root)}`, folder: path.join(root, 'models') };
    const other = { label: '$(folder-opened) Choose a folder…', description: '', folder: '' };
    const choice = await vscode.window.showQuickPick([here, other], { title: 'Download Model: where to put it' });
    if (!choice) return undefined;
    if (choice.folder) return choice.folder;
  }
  const picked = await vscode.window.showOpenDialog({
    title: 'Download Model: destination folder',
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: root ? vscode.Uri.file(root) : undefined,
  });
  return picked?.[0]?.fsPath;
}

function resolveFolder(folder: string | undefined): string {
  const root = workspaceRoot();
  if (folder && path.isAbsolute(folder)) return folder;
  if (!root) throw new Error('open a folder first, or give an absolute destination folder');
  return path.join(root, folder ?? 'models');
}

/** Asks whether to reuse a verified file or replace one that is not; undefined = the user backed out. */
async function askReuse(entry: CatalogEntry, folder: string): Promise<boolean | undefined> {
  const file = onnxPathFor(entry, folder);
  const exists = await vscode.workspace.fs.stat(vscode.Uri.file(file)).then(() => true, () => false);
  if (!exists) return false;
  const verified = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking ${entry.fileName}…` },
    () => alreadyInstalled(entry, folder),
  );
  if (verified) {
    const use = 'Use It';
    const again = 'Download Again';
    const choice = await vscode.window.showInformationMessage(
      `${entry.fileName} is already downloaded in ${folder} and its SHA-256 matches.`, use, again,
    );
    return choice === use ? true : choice === again ? false : undefined;
  }
  const replace = 'Replace';
  const choice = await vscode.window.showWarningMessage(
    `${file} exists but is not the expected file (size or SHA-256 differ). Replace it with a verified download?`, replace,
  );
  return choice === replace ? false : undefined;
}

async function run(services: DownloadModelServices, entry: CatalogEntry, folder: string, reuse: boolean, test: boolean): Promise<InstallResult> {
  const onnxPath = onnxPathFor(entry, folder);
  if (inFlight.has(onnxPath)) throw new Error(`${entry.fileName} is already being downloaded to ${folder}`);
  inFlight.add(onnxPath);
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading ${entry.displayName}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        let shown = 0;
        try {
          return await installModel({
            entry,
            folder,
            labelsSource: vscode.Uri.joinPath(services.extensionUri, 'models', 'labels', 'imagenet1000.txt').fsPath,
            reuse,
            signal: controller.signal,
            allowLoopbackHttp: test,
            onProgress: (received, total) => {
              const pct = Math.floor((received * 100) / total);
              if (pct <= shown) return;
              progress.report({ increment: pct - shown, message: `${pct}% of ${formatBytes(total)}` });
              shown = pct;
            },
          });
        } finally {
          cancel.dispose();
        }
      },
    );
  } finally {
    inFlight.delete(onnxPath);
  }
}

function report(services: DownloadModelServices, entry: CatalogEntry, result: InstallResult): void {
  const where = vscode.workspace.asRelativePath(result.onnxPath);
  services.log.info(`${result.reused ? 'reused' : 'downloaded'} ${entry.url} -> ${result.onnxPath} (${entry.size} bytes, sha256 ${entry.sha256} verified)`);
  for (const note of result.notes) services.log.info(`${path.basename(result.manifestPath)}: ${note}`);
  const manifest = path.basename(result.manifestPath);
  const open = 'Open Manifest';
  const add = 'Add to Scene';
  const actions = services.registry.active ? [add, open] : [open];
  const text = result.reused
    ? `Using ${where} (already downloaded, SHA-256 verified); manifest ${manifest}.`
    : `Downloaded ${entry.displayName} (${formatBytes(entry.size)}, SHA-256 verified) to ${where}; manifest ${manifest}.`;
  const kept = result.manifestKept ? ` Kept your existing ${manifest}, which differs from the catalogue's.` : '';
  void vscode.window.showInformationMessage(text + kept, ...actions).then(async (choice) => {
    if (choice === open) await vscode.window.showTextDocument(vscode.Uri.file(result.manifestPath));
    if (choice === add) await vscode.commands.executeCommand('perturber.addModel', vscode.Uri.file(result.onnxPath));
  });
}

async function downloadModel(services: DownloadModelServices, entryArg: unknown, options: DownloadModelOptions): Promise<InstallResult | undefined> {
  requireTrust('Downloading a model', 'it would be saved as a model file, and those are not loaded in an untrusted workspace');
  const test = options.testEntry !== undefined;
  let entry: CatalogEntry | undefined;
  if (test) entry = options.testEntry;
  else if (typeof entryArg === 'string') {
    entry = findCatalogEntry(entryArg);
    if (!entry) throw new Error(`no model "${entryArg}" in the catalogue (known: ${MODEL_CATALOG.map((e) => e.id).join(', ')})`);
  } else entry = await pickEntry();
  if (!entry) return undefined;

  const interactive = typeof entryArg !== 'string' && !test;
  const folder = interactive && options.folder === undefined ? await pickFolder() : resolveFolder(options.folder);
  if (!folder) return undefined;
  let reuse = options.reuse ?? true;
  if (interactive) {
    const answer = await askReuse(entry, folder);
    if (answer === undefined) return undefined;
    reuse = answer;
  }
  const result = await run(services, entry, folder, reuse, test);
  report(services, entry, result);
  return result;
}

export function registerDownloadModel(services: DownloadModelServices): vscode.Disposable {
  return vscode.commands.registerCommand('perturber.downloadModel', async (entryArg?: unknown, options?: DownloadModelOptions) => {
    try {
      return await downloadModel(services, entryArg, options ?? {});
    } catch (error) {
      const cancelled = error instanceof DownloadCancelled;
      const message = cancelled ? 'Download Model: cancelled; the partial file was deleted' : `Download Model: ${errorMessage(error)}`;
      if (cancelled) services.log.info(message);
      else services.log.error(message);
      if (typeof entryArg === 'string' || options?.testEntry) throw new Error(message);
      if (cancelled) void vscode.window.showInformationMessage(message);
      else showUserError(message);
      return undefined;
    }
  });
}
