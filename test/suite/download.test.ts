/**
 * Download Model through the real command in the extension host: a test entry (the fixture model served by a
 * local HTTP server, through the command's hidden `testEntry` hook) is downloaded into the workspace, and the
 * manifest and labels written beside it load in the real model loader.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CatalogEntry } from '../../core/modelCatalog';
import { fixtureCatalogEntry } from '../unit/fixtureCatalogEntry';

interface Api {
  classify(p: string, img: { width: number; height: number; pixels: Uint8Array }): Promise<{ label: string; probability: number }[]>;
  listLayers(p: string): Promise<{ tensor: string; alias?: string }[]>;
}
const root = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

suite('download model command', () => {
  let api: Api;
  let server: http.Server;
  let base = '';
  let model: Buffer;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<Api>('perturber.perturber-vscode')!;
    api = await ext.activate();
    model = fs.readFileSync(path.join(ext.extensionPath, 'models', 'fixture', 'fixture.onnx'));
    server = http.createServer((req, res) => {
      if (req.url === '/fixture.onnx') res.writeHead(200, { 'content-length': model.length }).end(model);
      else res.writeHead(404, 'Not Found').end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  suiteTeardown(() => {
    server.closeAllConnections();
    server.close();
  });

  const entry = (over: Partial<CatalogEntry> = {}) => fixtureCatalogEntry(base, model, { displayName: 'Downloaded fixture', ...over });

  test('downloads into the workspace, writes manifest and labels that the loader uses', async () => {
    const result = await vscode.commands.executeCommand<{ onnxPath: string; manifestPath: string; reused: boolean }>(
      'perturber.downloadModel', undefined, { testEntry: entry(), folder: 'downloaded-models' },
    );
    const folder = path.join(root(), 'downloaded-models');
    assert.strictEqual(result.onnxPath, path.join(folder, 'fixture-download.onnx'));
    assert.strictEqual(result.reused, false);
    assert.deepStrictEqual(fs.readdirSync(folder).sort(), ['fixture-download.model.json', 'fixture-download.onnx', 'imagenet1000.txt']);
    assert.ok(fs.readFileSync(result.onnxPath).equals(model));
    // The fixture is of no known family, so the written manifest has no aliases and the layers go by tensor name.
    const written = JSON.parse(fs.readFileSync(result.manifestPath, 'utf8')) as { layerAliases: Record<string, string> };
    assert.deepStrictEqual(written.layerAliases, {});
    const layers = await api.listLayers(result.onnxPath);
    assert.ok(layers.some((l) => l.tensor === 'conv1_relu' && l.alias === undefined), JSON.stringify(layers.map((l) => l.tensor)));
    // The fixture has 8 outputs: with the ImageNet list beside it they are named by its first 8 classes.
    const top = await api.classify(result.onnxPath, { width: 64, height: 64, pixels: new Uint8Array(64 * 64 * 4).fill(128) });
    const first8 = fs.readFileSync(path.join(folder, 'imagenet1000.txt'), 'utf8').split('\n').slice(0, 8);
    assert.ok(top.length > 0 && top.every((p) => first8.includes(p.label)), JSON.stringify(top));
  });

  test('a wrong checksum or an unknown id is an error and leaves no file', async () => {
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('perturber.downloadModel', undefined, {
        testEntry: entry({ fileName: 'bad.onnx', sha256: '0'.repeat(64) }), folder: 'downloaded-models',
      })),
      /Download Model: checksum mismatch: expected SHA-256 0{64}, got [0-9a-f]{64}/,
    );
    assert.ok(!fs.readdirSync(path.join(root(), 'downloaded-models')).some((f) => f.startsWith('bad.')));
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('perturber.downloadModel', 'nope')), /no model "nope" in the catalogue/);
  });
});
