/**
 * The verified downloader and the model installer against a local HTTP server (node:http on 127.0.0.1, random
 * port): success, checksum mismatch, a connection dropped mid-body, a stalled one, redirects, HTTP errors,
 * cancel, the https-only rule, and the manifest + labels written beside a downloaded model.
 */
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkDownloadUrl, downloadVerified, DownloadCancelled, DownloadError } from '../../src/download/verifiedDownload';

const PAYLOAD = randomBytes(300_000);
const SHA = createHash('sha256').update(PAYLOAD).digest('hex');
const half = Math.floor(PAYLOAD.length / 2);

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes = new Map<string, Route>();
let server: http.Server;
let base = '';
let requests: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const route = routes.get(req.url ?? '');
    if (route) route(req, res);
    else res.writeHead(404, 'Not Found').end('no such file');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function serveWhole(res: http.ServerResponse, body: Buffer = PAYLOAD): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  res.end(body);
}
routes.set('/file', (_req, res) => serveWhole(res));
routes.set('/dropped', (_req, res) => {
  res.writeHead(200, { 'content-length': PAYLOAD.length });
  res.write(PAYLOAD.subarray(0, half), () => setImmediate(() => res.socket?.destroy()));
});
// Sends half, then nothing: the client must cancel or time out.
routes.set('/hang', (_req, res) => {
  res.writeHead(200, { 'content-length': PAYLOAD.length });
  res.write(PAYLOAD.subarray(0, half));
});
routes.set('/redirect1', (_req, res) => res.writeHead(302, { location: '/redirect2' }).end());
routes.set('/redirect2', (_req, res) => res.writeHead(301, { location: `${base}/file` }).end());
routes.set('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
routes.set('/to-plain-http', (_req, res) => res.writeHead(302, { location: 'http://example.invalid/file' }).end());
routes.set('/too-long', (_req, res) => {
  res.writeHead(200); // chunked, no length announced
  res.end(Buffer.concat([PAYLOAD, Buffer.from('extra')]));
});
routes.set('/short', (_req, res) => {
  res.writeHead(200); // chunked, ends early without an error
  res.end(PAYLOAD.subarray(0, half));
});
routes.set('/wrong-length', (_req, res) => serveWhole(res, PAYLOAD.subarray(0, 1000)));

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'perturber-download-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function dest(): string {
  return path.join(dir, `model-${n++}.onnx`);
}
const leftovers = (file: string) => [file, `${file}.part`].filter((f) => fs.existsSync(f));

function get(url: string, file: string, extra: Partial<Parameters<typeof downloadVerified>[0]> = {}) {
  return downloadVerified({ url, size: PAYLOAD.length, sha256: SHA, dest: file, allowLoopbackHttp: true, ...extra });
}

describe('downloadVerified', () => {
  test('writes the file when size and SHA-256 match, reporting progress up to the size', async () => {
    const file = dest();
    const seen: number[] = [];
    const result = await get(`${base}/file`, file, { onProgress: (received, total) => { assert.equal(total, PAYLOAD.length); seen.push(received); } });
    assert.deepEqual(result, { path: file, size: PAYLOAD.length, sha256: SHA });
    assert.ok(fs.readFileSync(file).equals(PAYLOAD));
    assert.ok(!fs.existsSync(`${file}.part`));
    assert.equal(seen[seen.length - 1], PAYLOAD.length);
    assert.ok(seen.every((v, i) => i === 0 || v > seen[i - 1]), 'progress only grows');
  });

  test('a checksum mismatch names both hashes and leaves nothing behind (an older file stays as it was)', async () => {
    const file = dest();
    fs.writeFileSync(file, 'older file');
    const wrong = 'ab'.repeat(32);
    await assert.rejects(get(`${base}/file`, file, { sha256: wrong }), (error: Error) => {
      assert.ok(error instanceof DownloadError);
      assert.equal(error.message, `checksum mismatch: expected SHA-256 ${wrong}, got ${SHA}`);
      return true;
    });
    assert.equal(fs.readFileSync(file, 'utf8'), 'older file');
    assert.ok(!fs.existsSync(`${file}.part`));
  });

  test('a connection dropped mid-body is a clear error and no partial file remains', async () => {
    const file = dest();
    await assert.rejects(get(`${base}/dropped`, file), (error: Error) => {
      assert.ok(error instanceof DownloadError);
      const m = /^the connection dropped after (\d+) of (\d+) bytes/.exec(error.message);
      assert.ok(m, error.message);
      assert.ok(Number(m[1]) <= half && Number(m[2]) === PAYLOAD.length, error.message);
      return true;
    });
    assert.deepEqual(leftovers(file), []);
  });

  test('a body that ends early without an error, or runs past the size, is refused', async () => {
    const file = dest();
    await assert.rejects(get(`${base}/short`, file), new RegExp(`^DownloadError: the connection dropped after ${half} of ${PAYLOAD.length} bytes$`));
    await assert.rejects(get(`${base}/too-long`, file), /more than the expected 300000 bytes/);
    await assert.rejects(get(`${base}/wrong-length`, file), /the server announces 1000 bytes, expected 300000/);
    assert.deepEqual(leftovers(file), []);
  });

  test('a stalled connection gives up with the bytes received so far', async () => {
    const file = dest();
    await assert.rejects(get(`${base}/hang`, file, { stallTimeoutMs: 200 }), /^DownloadError: the connection stalled after \d+ of 300000 bytes \(no data for 0.2 s\)$/);
    assert.deepEqual(leftovers(file), []);
  });

  test('follows relative and absolute redirects; a redirect loop stops at the limit', async () => {
    const file = dest();
    requests = [];
    await get(`${base}/redirect1`, file);
    assert.deepEqual(requests, ['/redirect1', '/redirect2', '/file']);
    assert.ok(fs.readFileSync(file).equals(PAYLOAD));
    requests = [];
    await assert.rejects(get(`${base}/loop`, dest(), { maxRedirects: 3 }), /too many redirects \(more than 3\)/);
    assert.equal(requests.length, 4);
  });

  test('HTTP errors name the status and host', async () => {
    const file = dest();
    await assert.rejects(get(`${base}/missing`, file), new RegExp(`^DownloadError: HTTP 404 Not Found from 127\\.0\\.0\\.1:\\d+$`));
    assert.deepEqual(leftovers(file), []);
  });

  test('cancelling mid-way rejects with DownloadCancelled and deletes the partial file', async () => {
    const file = dest();
    const controller = new AbortController();
    let progressCalls = 0;
    const pending = get(`${base}/hang`, file, {
      signal: controller.signal,
      onProgress: () => {
        progressCalls++;
        controller.abort();
      },
    });
    await assert.rejects(pending, (error: Error) => error instanceof DownloadCancelled);
    assert.ok(progressCalls >= 1, 'cancelled mid-body, after data arrived');
    assert.deepEqual(leftovers(file), []);
    // Already cancelled: nothing is requested.
    requests = [];
    await assert.rejects(get(`${base}/file`, dest(), { signal: controller.signal }), (error: Error) => error instanceof DownloadCancelled);
    assert.deepEqual(requests, []);
  });

  test('only https, unless the loopback test hook is set; redirects are held to the same rule', async () => {
    requests = [];
    await assert.rejects(get(`${base}/file`, dest(), { allowLoopbackHttp: false }), /refusing http:\/\/ URL .* \(only https is allowed\)/);
    assert.deepEqual(requests, []);
    await assert.rejects(get(`${base}/to-plain-http`, dest()), /refusing http:\/\/ URL http:\/\/example\.invalid\/file/);
    await assert.rejects(get('ftp://127.0.0.1/file', dest()), /refusing ftp:\/\/ URL/);
  });

  test('checkDownloadUrl: https anywhere; http only to loopback and only with the hook', () => {
    assert.equal(checkDownloadUrl('https://github.com/onnx/models/raw/x/y.onnx'), undefined);
    assert.match(checkDownloadUrl('http://github.com/y.onnx') ?? '', /only https/);
    assert.match(checkDownloadUrl('http://127.0.0.1:8080/y.onnx') ?? '', /only https/);
    assert.equal(checkDownloadUrl('http://127.0.0.1:8080/y.onnx', true), undefined);
    assert.equal(checkDownloadUrl('http://[::1]:8080/y.onnx', true), undefined);
    assert.match(checkDownloadUrl('http://10.0.0.1/y.onnx', true) ?? '', /only https/);
    assert.match(checkDownloadUrl('not a url') ?? '', /not a valid URL/);
  });
});
