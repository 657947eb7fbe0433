/**
 * `perturber.openSample`: copies one of the sample scenes shipped with the extension (`samples/*.perturber.json`,
 * built-in models and objects only, so they work in any folder) into the workspace and opens it in the scene
 * editor. The walkthrough links it with a sample's name (`["lab-trio"]`); the palette asks with a QuickPick.
 * An existing file of that name is opened as it is, never overwritten (the user may have edited their copy).
 */
import * as vscode from 'vscode';
import { SCENE_EDITOR_VIEW_TYPE } from '../sceneEditor/sceneEditorProvider';
import { exists } from './newScene';

const SUFFIX = '.perturber.json';

export interface SampleChoice {
  /** The file name without `.perturber.json`: what the walkthrough's links pass. */
  name: string;
  /** The scene's own `name` field, shown in the QuickPick. */
  title: string;
  uri: vscode.Uri;
}

async function sceneTitle(uri: vscode.Uri): Promise<string> {
  try {
    const scene: unknown = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    const name = typeof scene === 'object' && scene !== null ? (scene as { name?: unknown }).name : undefined;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

/** The sample scenes in the extension's `samples/` folder, sorted by name. */
export async function listSamples(extensionUri: vscode.Uri): Promise<SampleChoice[]> {
  const folder = vscode.Uri.joinPath(extensionUri, 'samples');
  const entries = await vscode.workspace.fs.readDirectory(folder);
  const files = entries.filter(([file, type]) => type === vscode.FileType.File && file.endsWith(SUFFIX)).map(([file]) => file);
  const samples = await Promise.all(
    files.map(async (file) => {
      const uri = vscode.Uri.joinPath(folder, file);
      return { name: file.slice(0, -SUFFIX.length), title: await sceneTitle(uri), uri };
    }),
  );
  return samples.sort((a, b) => a.name.localeCompare(b.name));
}

async function pickSample(samples: SampleChoice[]): Promise<SampleChoice | undefined> {
  const items = samples.map((s) => ({ label: s.title || s.name, description: `${s.name}${SUFFIX}`, sample: s }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Open a Sample Scene', placeHolder: 'A scene to copy into the workspace' });
  return picked?.sample;
}

/** Copies the sample into the first workspace folder (unless a file of that name is there) and opens it. */
export async function openSample(extensionUri: vscode.Uri, name?: unknown): Promise<vscode.Uri | undefined> {
  const samples = await listSamples(extensionUri);
  let sample: SampleChoice | undefined;
  if (typeof name === 'string') {
    sample = samples.find((s) => s.name === name);
    if (!sample) throw new Error(`no sample scene named "${name}"; the samples are: ${samples.map((s) => s.name).join(', ')}`);
  } else {
    sample = await pickSample(samples);
    if (!sample) return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    const choice = await vscode.window.showErrorMessage(
      'Open a folder first: the sample scene is copied into it, next to your code, so you can edit and version it.',
      'Open Folder',
    );
    if (choice === 'Open Folder') await vscode.commands.executeCommand('workbench.action.files.openFolder');
    return undefined;
  }
  const target = vscode.Uri.joinPath(folder.uri, `${sample.name}${SUFFIX}`);
  if (!(await exists(target))) await vscode.workspace.fs.copy(sample.uri, target, { overwrite: false });
  await vscode.commands.executeCommand('vscode.openWith', target, SCENE_EDITOR_VIEW_TYPE);
  return target;
}

export function registerOpenSample(extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.commands.registerCommand('perturber.openSample', (name?: unknown) => openSample(extensionUri, name));
}
