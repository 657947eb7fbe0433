/**
 * The files a scene names, for one scene editor: webview URIs for the `scene` message (`resourceUris`), diagnostics
 * for references that are refused or missing, and file watchers that re-post the scene when a named file (or, for
 * an object, a file in its folder: its .mtl, textures, .bin) changes on disk. URIs carry `?v=<mtime>`, so the
 * webview reloads a re-exported model instead of keeping the old one.
 *
 * Files are checked with a synchronous stat: the extension runs where the workspace is (no virtual workspaces),
 * a scene names at most four files, and it keeps `postScene` synchronous, so messages stay in order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Scene, SceneDiagnostic } from '../../core/sceneTypes';
import {
  notFoundMessage,
  resolveSceneResource,
  resourceDiagnostic,
  resourceLabel,
  sceneResourceRefs,
  versionedUri,
} from './sceneResources';

/** Coalesces the burst of events one export writes (obj, mtl, textures) into one re-post. */
const CHANGE_DELAY_MS = 250;

export interface ResolvedSceneResources {
  /** Scene-relative path -> webview URI (with a version query). */
  uris: Record<string, string>;
  diagnostics: SceneDiagnostic[];
}

export class SceneResourceFiles implements vscode.Disposable {
  /** Watched folder -> its watcher and the file names in it that matter ('*': every file, for an object's folder). */
  private readonly watchers = new Map<string, { watcher: vscode.Disposable; key: string }>();
  /** Folder -> epoch ms of the last change seen in it (bumps the version of an object whose .mtl/texture changed). */
  private readonly touched = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly document: vscode.TextDocument,
    private readonly webview: vscode.Webview,
    /** Called (debounced) when a named file changed on disk; the owner re-posts the scene. */
    private readonly onDidChangeFiles: () => void,
  ) {}

  /** URIs and diagnostics for the files `scene` names; watches them from now on. */
  resolve(scene: Scene | null): ResolvedSceneResources {
    const uris: Record<string, string> = {};
    const diagnostics: SceneDiagnostic[] = [];
    const wanted = new Map<string, Set<string>>();
    if (scene) {
      const folder = vscode.workspace.getWorkspaceFolder(this.document.uri)?.uri.fsPath;
      const sceneDir = path.dirname(this.document.uri.fsPath);
      const text = this.document.getText();
      for (const resource of sceneResourceRefs(scene)) {
        const resolved = resolveSceneResource(resource.kind, resource.ref, sceneDir, folder);
        if (!resolved.ok) {
          diagnostics.push(resourceDiagnostic(text, resource, resolved.message));
          continue;
        }
        const dir = path.dirname(resolved.file);
        const names = wanted.get(dir) ?? new Set<string>();
        names.add(resource.kind === 'object' ? '*' : path.basename(resolved.file));
        wanted.set(dir, names);
        let stat: fs.Stats;
        try {
          stat = fs.statSync(resolved.file);
        } catch {
          diagnostics.push(resourceDiagnostic(text, resource, notFoundMessage(resource.kind, resource.ref)));
          continue;
        }
        if (!stat.isFile()) {
          diagnostics.push(resourceDiagnostic(text, resource, `${resourceLabel(resource.kind)} "${resource.ref}" is not a file`));
          continue;
        }
        const version = Math.max(stat.mtimeMs, resource.kind === 'object' ? (this.touched.get(dir) ?? 0) : 0);
        uris[resource.ref] = versionedUri(this.webview.asWebviewUri(vscode.Uri.file(resolved.file)).toString(), version);
      }
    }
    this.watch(wanted);
    return { uris, diagnostics };
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const { watcher } of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
  }

  /** Keeps one watcher per folder that holds a named file; missing files are watched too (they may appear). */
  private watch(wanted: Map<string, Set<string>>): void {
    for (const [dir, entry] of this.watchers) {
      const names = wanted.get(dir);
      if (!names || keyOf(names) !== entry.key) {
        entry.watcher.dispose();
        this.watchers.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      if (this.watchers.has(dir)) continue;
      const key = keyOf(names);
      const glob = names.has('*') ? '*' : names.size === 1 ? globEscape([...names][0]) : `{${[...names].map(globEscape).join(',')}}`;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), glob));
      const changed = (): void => this.changed(dir);
      this.watchers.set(dir, {
        key,
        watcher: vscode.Disposable.from(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed)),
      });
    }
  }

  private changed(dir: string): void {
    this.touched.set(dir, Date.now());
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onDidChangeFiles(), CHANGE_DELAY_MS);
  }
}

function keyOf(names: Set<string>): string {
  return [...names].sort().join('\n');
}

/** File names are matched literally: escape the glob syntax they may contain. */
function globEscape(name: string): string {
  return name.replace(/[[\]{}*?,!]/g, (c) => `[${c}]`);
}
