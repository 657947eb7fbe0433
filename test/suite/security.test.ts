/**
 * Issue 9 in a real extension host: what each webview is allowed, read from the pages the extension really made
 * (`api.webviewSecurity()`: the HTML as set on the webview, its cspSource and options when it was made).
 * - Every page (scene editor, predictions, activations, sweep results, model inspector, and any other webview
 *   recorded): one CSP meta
 *   before any script or stylesheet, `default-src 'none'`, script-src exactly one nonce source and the one script tag
 *   carrying it, no 'unsafe-eval' / 'unsafe-inline' / 'strict-dynamic' for scripts, no source other than 'none',
 *   'self', the webview's own resource origin (`webview.cspSource`, served by VS Code from localResourceRoots, never
 *   the network), data: and blob: (images, fetched glTF buffers) and 'unsafe-inline' for styles; command URIs off.
 *   Nonces differ between all pages, also between two openings of the same view.
 * - localResourceRoots: exactly the extension's dist/webview and media; the scene editor adds the scene's own
 *   workspace folder and nothing else (so its object, texture and background files can load), and nothing at all for
 *   a scene outside the workspace.
 * - Scenes naming an http(s) URL for a background image, a texture, an object file or a model: a diagnostic names
 *   the URL and marks it in the text, and nothing connects to it (the URLs point at a loopback TCP server here that
 *   counts connections from any process: the host and the browser running the webviews).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { teapot, URL_PLACES, writeScene, writeSweepRun, type SceneJson } from './securityFixtures';
import { waitFor } from './waitFor';

interface PageRecord {
  name: string;
  html: string;
  cspSource: string;
  localResourceRoots: string[];
  enableScripts: boolean;
  enableCommandUris: boolean;
}

interface Api {
  webviewSecurity(): PageRecord[];
}

const EXTENSION_ID = 'perturber.perturber-vscode';
const NONCE = /^'nonce-([A-Za-z0-9+/]{22}==)'$/;

/** The CSP of a page: its one meta tag's directives (name -> sources), checked to come before any resource. */
function csp(page: PageRecord): Map<string, string[]> {
  const metas = [...page.html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)">/gi)];
  assert.strictEqual(metas.length, 1, `${page.name}: one CSP meta tag`);
  const at = metas[0].index ?? -1;
  for (const tag of ['<script', '<link', '<img', '<style', '<iframe']) {
    const first = page.html.indexOf(tag);
    assert.ok(first === -1 || first > at, `${page.name}: ${tag} before the CSP meta tag`);
  }
  const directives = new Map<string, string[]>();
  for (const part of metas[0][1].split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    assert.ok(!directives.has(name.toLowerCase()), `${page.name}: ${name} twice`);
    directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/** The nonce of a page's script-src, after checking everything the CSP and the HTML allow. */
function checkPage(page: PageRecord): string {
  const what = page.name;
  const directives = csp(page);
  assert.deepStrictEqual(directives.get('default-src'), ["'none'"], `${what}: default-src`);
  const scriptSources = directives.get('script-src') ?? [];
  assert.strictEqual(scriptSources.length, 1, `${what}: script-src is one nonce (${scriptSources.join(' ')})`);
  const nonce = NONCE.exec(scriptSources[0])?.[1];
  assert.ok(nonce, `${what}: script-src ${scriptSources[0]} is not a 16-byte nonce`);
  for (const forbidden of ["'unsafe-eval'", "'unsafe-inline'", "'strict-dynamic'", "'wasm-unsafe-eval'", "'unsafe-hashes'"]) {
    for (const name of ['script-src', 'script-src-elem', 'script-src-attr', 'default-src', 'worker-src']) {
      assert.ok(!(directives.get(name) ?? []).includes(forbidden), `${what}: ${name} has ${forbidden}`);
    }
  }
  assert.ok(!page.html.includes('unsafe-eval'), `${what}: 'unsafe-eval' anywhere`);
  // Sources: the webview's own resource origin and nothing else from a network.
  const own = page.cspSource.split(/\s+/).filter((s) => s !== '');
  const allowed = (directive: string, source: string): boolean =>
    source === "'none'" ||
    own.includes(source) ||
    ((directive === 'img-src' || directive === 'connect-src') && (source === 'data:' || source === 'blob:')) ||
    (directive === 'style-src' && source === "'unsafe-inline'") ||
    (directive === 'script-src' && source === scriptSources[0]);
  for (const [directive, sources] of directives) {
    for (const source of sources) {
      assert.ok(allowed(directive, source), `${what}: ${directive} allows ${source}`);
      assert.ok(!['*', 'http:', 'https:', 'ws:', 'wss:', 'filesystem:'].includes(source), `${what}: ${directive} allows ${source}`);
      assert.ok(!/^(https?|wss?):\/\//.test(source) || own.includes(source), `${what}: ${directive} allows the host ${source}`);
    }
  }
  // VS Code's own origin serves the pages' resource URIs (asWebviewUri): the script's URL must be one of them.
  const scripts = [...page.html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  assert.strictEqual(scripts.length, 1, `${what}: one script tag`);
  assert.strictEqual((page.html.match(/<script\b/gi) ?? []).length, 1, `${what}: a script tag without </script>`);
  const [, attributes, body] = scripts[0];
  assert.strictEqual(body.trim(), '', `${what}: inline script`);
  assert.strictEqual(/\bnonce="([^"]*)"/.exec(attributes)?.[1], nonce, `${what}: the script tag carries the CSP's nonce`);
  assert.strictEqual((page.html.match(/\bnonce="/g) ?? []).length, 1, `${what}: one nonce attribute`);
  const src = /\bsrc="([^"]*)"/.exec(attributes)?.[1] ?? '';
  assert.ok(src.split('?')[0].endsWith(`/dist/webview/${page.name}.js`), `${what}: the script is dist/webview/${page.name}.js (${src})`);
  for (const url of [src, ...[...page.html.matchAll(/\bhref="([^"]*)"/g)].map((m) => m[1])]) {
    const host = new URL(url).host;
    assert.ok(
      own.some((s) => s.startsWith('https://*.') && host.endsWith(s.slice('https://*'.length))),
      `${what}: ${url} is not served from the webview's resource origin (${page.cspSource})`,
    );
  }
  assert.ok(!/\son[a-z]+\s*=/i.test(page.html), `${what}: an inline event handler`);
  assert.ok(!/javascript:/i.test(page.html), `${what}: a javascript: URL`);
  assert.strictEqual(page.enableScripts, true, `${what}: scripts`);
  assert.strictEqual(page.enableCommandUris, false, `${what}: command URIs are enabled`);
  return nonce;
}

function nonceOf(page: PageRecord): string {
  return NONCE.exec(csp(page).get('script-src')?.[0] ?? '')?.[1] ?? '';
}

suite('security: webview CSP, resource roots and remote URLs in scenes', () => {
  let api: Api;
  let root: string;
  let extensionUri: vscode.Uri;
  let base: string[];
  let folderUri: string;
  /** Nonces of pages already looked at: a page is "new" when its nonce is not in here. */
  const seen = new Set<string>();

  /** Waits for a new page of each of `names`, marks every new page seen and returns the new ones by name. */
  async function newPages(names: string[], what: string): Promise<Map<string, PageRecord>> {
    const pages = await waitFor(
      what,
      () => {
        const fresh = api.webviewSecurity().filter((p) => !seen.has(nonceOf(p)));
        return names.every((n) => fresh.some((p) => p.name === n)) && fresh;
      },
      120_000,
      () => api.webviewSecurity().filter((p) => !seen.has(nonceOf(p))).map((p) => p.name).join(', '),
    );
    for (const p of pages) seen.add(nonceOf(p));
    return new Map(pages.map((p) => [p.name, p]));
  }

  async function openScene(file: string): Promise<void> {
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'perturber.sceneEditor', vscode.ViewColumn.One);
  }

  suiteSetup(async function () {
    this.timeout(60_000);
    const ext = vscode.extensions.getExtension<Api>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    api = await ext.activate();
    extensionUri = ext.extensionUri;
    base = [vscode.Uri.joinPath(extensionUri, 'dist', 'webview').toString(), vscode.Uri.joinPath(extensionUri, 'media').toString()].sort();
    root = vscode.workspace.workspaceFolders![0].uri.fsPath;
    folderUri = vscode.workspace.workspaceFolders![0].uri.toString();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const p of api.webviewSecurity()) seen.add(nonceOf(p));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('every webview: default-src none, one nonce per page, no eval or inline script, no remote source; exact resource roots', async function () {
    this.timeout(360_000);
    const sceneFile = writeScene(path.join(root, 'security', 'csp.perturber.json'), teapot(root, 'CSP'));
    const run = writeSweepRun(root, sceneFile, 'security-csp');
    const onnx = path.join(root, 'security', 'inspect.onnx');
    fs.copyFileSync(path.join(extensionUri.fsPath, 'models', 'fixture', 'fixture.onnx'), onnx);
    const rounds: Map<string, PageRecord>[] = [];
    for (let round = 0; round < 2; round++) {
      // Closed and opened again: a reload of every view makes a new page with a new nonce.
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await openScene(sceneFile);
      // The panels open once the scene's page said `ready`.
      const pages = await newPages(['scene', 'predictions', 'activations'], `round ${round}: the scene editor and both panels`);
      const handle = await vscode.commands.executeCommand('perturber.showSweepResults', { run });
      assert.ok(handle, 'Show Sweep Results returned nothing');
      for (const [name, page] of await newPages(['sweepResults'], `round ${round}: the sweep results view`)) pages.set(name, page);
      await vscode.commands.executeCommand('perturber.inspectModel', onnx);
      for (const [name, page] of await newPages(['inspector'], `round ${round}: the model inspector`)) pages.set(name, page);
      rounds.push(pages);
    }
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'perturber-security-'));
    const outsideFile = writeScene(path.join(outside, 'outside.perturber.json'), teapot(root, 'Outside the workspace'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await openScene(outsideFile);
    const outsidePage = (await newPages(['scene'], 'the scene editor on a scene outside the workspace')).get('scene')!;

    const nonces: string[] = [];
    for (const [round, pages] of rounds.entries()) {
      for (const page of pages.values()) {
        nonces.push(checkPage(page));
        const roots = [...page.localResourceRoots].sort();
        const expected = page.name === 'scene' ? [...base, folderUri].sort() : base;
        assert.deepStrictEqual(roots, expected, `round ${round}: ${page.name}'s localResourceRoots`);
      }
    }
    nonces.push(checkPage(outsidePage));
    assert.deepStrictEqual([...outsidePage.localResourceRoots].sort(), base, 'a scene outside the workspace gets no folder of its own');
    for (const name of ['scene', 'predictions', 'activations', 'sweepResults', 'inspector']) {
      assert.notStrictEqual(nonceOf(rounds[0].get(name)!), nonceOf(rounds[1].get(name)!), `${name}: the same nonce after reopening`);
    }
    // Every page recorded, including any other webview (and those of earlier suites): all hold, all nonces differ.
    const all = api.webviewSecurity();
    const names: string[] = [];
    for (const page of all) {
      nonces.push(checkPage(page));
      assert.ok(base.every((b) => page.localResourceRoots.includes(b)), `${page.name}: dist/webview and media`);
      const extra = page.localResourceRoots.filter((r) => !base.includes(r));
      if (page.name === 'scene') {
        const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString());
        assert.ok(extra.length <= 1 && extra.every((r) => folders.includes(r)), `scene: roots beyond one workspace folder: ${extra.join(', ')}`);
      } else assert.deepStrictEqual(extra, [], `${page.name}: roots beyond dist/webview and media`);
      names.push(page.name);
    }
    const distinct = new Set(all.map(nonceOf));
    assert.strictEqual(distinct.size, all.length, 'two pages share a nonce');
    assert.strictEqual(new Set([...rounds.flatMap((r) => [...r.values()].map(nonceOf)), nonceOf(outsidePage)]).size, 11);
    console.log(
      `SECURITY_CSP ${all.length} pages checked (${[...new Set(names)].join(', ')}); ${distinct.size} distinct nonces; ` +
        `cspSource ${rounds[0].get('scene')!.cspSource}; scene CSP: ${[...csp(rounds[0].get('scene')!)].map(([k, v]) => `${k} ${v.join(' ')}`).join('; ').replace(/'nonce-[^']*'/, "'nonce-…'")}`,
    );
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test('scenes naming http(s) URLs for a background, a texture, an object file and a model: diagnosed, never fetched', async function () {
    this.timeout(300_000);
    const connections: string[] = [];
    const server = net.createServer((socket) => {
      connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      // The counter works: a request of our own is seen (then forgotten).
      await new Promise<void>((resolve) => http.get(`http://127.0.0.1:${port}/probe`, () => resolve()).on('error', () => resolve()));
      await waitFor('the probe connection', () => connections.length === 1);
      connections.length = 0;

      const scenes: { file: string; urls: string[] }[] = [];
      URL_PLACES.forEach((place, i) => {
        const url = `${i % 2 === 0 ? 'http' : 'https'}://127.0.0.1:${port}/${place.kind.replace(' ', '-')}${place.kind === 'model' ? '.onnx' : place.kind === 'object file' ? '.glb' : '.png'}`;
        const scene: SceneJson = teapot(root, `Remote ${place.kind}`);
        place.apply(scene, url);
        scenes.push({ file: writeScene(path.join(root, 'security', `remote-${i}.perturber.json`), scene), urls: [url] });
      });
      // All four in one scene, with the other scheme each.
      const all: SceneJson = teapot(root, 'Remote everything');
      const allUrls = URL_PLACES.map((place, i) => {
        const url = `${i % 2 === 0 ? 'https' : 'http'}://127.0.0.1:${port}/all-${i}${place.kind === 'model' ? '.onnx' : place.kind === 'object file' ? '.obj' : '.jpg'}`;
        place.apply(all, url);
        return url;
      });
      scenes.push({ file: writeScene(path.join(root, 'security', 'remote-all.perturber.json'), all), urls: allUrls });

      for (const { file, urls } of scenes) {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const uri = vscode.Uri.file(file);
        await openScene(file);
        const diagnostics = await waitFor(
          `diagnostics naming ${urls.join(', ')}`,
          () => {
            const d = vscode.languages.getDiagnostics(uri);
            return urls.every((u) => d.some((x) => x.message.includes(u))) && d;
          },
          60_000,
          () => vscode.languages.getDiagnostics(uri).map((d) => d.message).join(' | '),
        );
        const document = await vscode.workspace.openTextDocument(uri);
        for (const url of urls) {
          const named = diagnostics.filter((d) => d.message.includes(url));
          assert.ok(named.some((d) => document.getText(d.range) === JSON.stringify(url)), `${url}: no diagnostic marks it in the text`);
          assert.ok(named.some((d) => d.severity === vscode.DiagnosticSeverity.Error), `${url}: not an error`);
          console.log(`SECURITY_URL ${path.basename(file)}: ${named[0].message}`);
        }
        // The scene's page ran (it said `ready`: the panels opened after it) with whatever the host gave it.
        await newPages(['scene', 'predictions', 'activations'], `the page of ${path.basename(file)} and the panels it opens`);
        assert.deepStrictEqual(connections, [], `connections to the scene's URLs after opening ${path.basename(file)}`);
      }
      // Requests still in flight would have connected by the time the last page was up; look once more at the end.
      await new Promise((r) => setImmediate(r));
      assert.deepStrictEqual(connections, [], 'nothing connected to any URL named by a scene');
      console.log(`SECURITY_URL ${scenes.length} scenes, ${scenes.flatMap((s) => s.urls).length} URLs, ${connections.length} connections`);
    } finally {
      server.close();
    }
  });
});
