/**
 * `perturber.openSample` (the walkthrough's buttons): copies a shipped sample into the workspace and opens it in
 * the scene editor; a file of that name already there is opened as it is, never overwritten; an unknown name is an
 * error listing the samples. The walkthrough itself is followed in the workbench by test/ui/tour.test.mjs.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { waitFor } from './waitFor';

const EXTENSION_ID = 'perturber.perturber-vscode';

function workspaceFile(name: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests run with the samples folder open');
  return path.join(folder.uri.fsPath, name);
}

async function sceneTabFor(file: string): Promise<void> {
  await waitFor(`a scene editor tab for ${path.basename(file)}`, () =>
    vscode.window.tabGroups.all.some((g) =>
      g.tabs.some((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === file && t.input.viewType === 'perturber.sceneEditor'),
    ),
  );
}

suite('open sample scenes', () => {
  const silhouette = workspaceFile('silhouette.perturber.json');
  let original = '';

  suiteSetup(() => {
    original = fs.readFileSync(silhouette, 'utf8');
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.writeFileSync(silhouette, original);
  });

  test('a sample the workspace does not have is copied byte for byte and opened in the scene editor', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    const target = workspaceFile('two-views.perturber.json');
    fs.rmSync(target, { force: true });
    const uri = await vscode.commands.executeCommand<vscode.Uri>('perturber.openSample', 'two-views');
    assert.strictEqual(uri?.fsPath, target);
    assert.strictEqual(fs.readFileSync(target, 'utf8'), fs.readFileSync(path.join(extension.extensionPath, 'samples', 'two-views.perturber.json'), 'utf8'));
    await sceneTabFor(target);
  });

  test('a file of that name already in the workspace is opened as it is, not overwritten', async () => {
    const target = silhouette;
    const edited = original.replace('"name": "Cat silhouette"', '"name": "My edited silhouette"');
    assert.ok(edited.includes('My edited silhouette'), 'the sample has the expected name field');
    fs.writeFileSync(target, edited);
    await vscode.commands.executeCommand('perturber.openSample', 'silhouette');
    await sceneTabFor(target);
    assert.strictEqual(fs.readFileSync(target, 'utf8'), edited, 'the user\'s copy was overwritten');
  });

  test('an unknown sample name is an error that lists the samples', async () => {
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('perturber.openSample', 'no-such-sample')),
      (error: Error) => /no sample scene named "no-such-sample"/.test(error.message) && /lab-trio/.test(error.message),
    );
  });
});
