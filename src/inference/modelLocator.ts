/**
 * Turns a model reference (a scene's `models[i].path`, a file the user picked, an API argument) into the files to
 * load, applying the rules of modelPaths.ts against the real workspace: its folders, the search path setting,
 * workspace trust, and symbolic links (a link inside the workspace must not lead the loader outside it).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readConfig } from '../config';
import { untrustedModelMessage } from '../trust';
import type { ModelFiles } from './loadModel';
import { absoluteSearchPaths, findInSearchPaths, isInsideAny, manifestPathFor, resolveModelPath } from './modelPaths';

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

async function realpathOrSelf(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch {
    return p;
  }
}

export class ModelLocator {
  /** `<extensionPath>/models`. */
  readonly builtinDir: string;

  constructor(extensionUri: vscode.Uri) {
    this.builtinDir = path.join(extensionUri.fsPath, 'models');
  }

  /** Folders a scene's models may come from: its workspace folder and the search paths (also returned alone). */
  private allowedRoots(sceneUri: vscode.Uri | undefined): { roots: string[]; searchPaths: string[] } {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const own = sceneUri ? vscode.workspace.getWorkspaceFolder(sceneUri) : undefined;
    const base = (own ?? folders[0])?.uri.fsPath;
    const searchPaths = absoluteSearchPaths(readConfig().modelSearchPaths, base);
    return { roots: own ? [own.uri.fsPath, ...searchPaths] : [...searchPaths], searchPaths };
  }

  /**
   * The files of a scene's model reference; throws an Error saying why it may not be loaded. A relative reference
   * with no file beside the scene is looked up in the search path folders (`findInSearchPaths`).
   */
  async locate(ref: string, sceneUri: vscode.Uri): Promise<ModelFiles> {
    const { roots, searchPaths } = this.allowedRoots(sceneUri);
    let resolved = resolveModelPath(ref, { sceneDir: path.dirname(sceneUri.fsPath), builtinDir: this.builtinDir, allowedRoots: roots });
    if (!resolved.ok || (!resolved.builtin && !(await isFile(resolved.onnxPath)))) {
      resolved = (await findInSearchPaths(ref, searchPaths, isFile)) ?? resolved;
    }
    if (!resolved.ok) throw new Error(resolved.message);
    if (!resolved.builtin && !vscode.workspace.isTrusted) throw new Error(untrustedModelMessage(ref));
    await this.checkRealPath(resolved.onnxPath, ref, resolved.builtin ? [this.builtinDir] : [...roots, this.builtinDir]);
    return { onnxPath: resolved.onnxPath, manifestPath: resolved.manifestPath, allowedRoots: roots };
  }

  /**
   * A model the user named directly (a file dialog, a command or API argument): `builtin:NAME`, an absolute path,
   * or a path relative to the first workspace folder. Any folder is allowed since the user chose the file; in an
   * untrusted workspace only the extension's own `models/` folder.
   */
  async locateExplicit(ref: string): Promise<ModelFiles> {
    const trimmed = ref.trim();
    if (trimmed.toLowerCase().startsWith('builtin:')) {
      const resolved = resolveModelPath(trimmed, { sceneDir: this.builtinDir, builtinDir: this.builtinDir, allowedRoots: [] });
      if (!resolved.ok) throw new Error(resolved.message);
      return { onnxPath: resolved.onnxPath, manifestPath: resolved.manifestPath, allowedRoots: [] };
    }
    const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const onnxPath = path.resolve(base, trimmed);
    // A built-in model named by its file (the inspector, a file dialog) is still built-in, links included.
    if (!vscode.workspace.isTrusted && !(isInsideAny(await realpathOrSelf(onnxPath), [await realpathOrSelf(this.builtinDir)]))) {
      throw new Error(untrustedModelMessage(ref));
    }
    if (!/\.onnx$/i.test(onnxPath)) throw new Error(`"${ref}" is not an .onnx file`);
    return { onnxPath, manifestPath: manifestPathFor(onnxPath), allowedRoots: [path.dirname(onnxPath)] };
  }

  private async checkRealPath(onnxPath: string, ref: string, roots: string[]): Promise<void> {
    const real = await realpathOrSelf(onnxPath);
    if (real === onnxPath) return;
    const realRoots = await Promise.all(roots.map(realpathOrSelf));
    if (!isInsideAny(real, realRoots)) {
      throw new Error(`"${ref}" is a link to ${real}, outside the workspace folder and the extension's models folder`);
    }
  }
}
