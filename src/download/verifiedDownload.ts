/**
 * Downloading one file whose size and SHA-256 are known in advance, in plain Node (node:http/https, no vscode):
 * streamed to `<dest>.part` while hashing, renamed to `dest` only when size and hash match, and the partial
 * file removed on any failure or cancel. Follows redirects (GitHub sends LFS files to another host), gives up
 * on a connection that stalls, and fails with a message that names what went wrong.
 * In the extension host VS Code patches node:https to honour the user's proxy settings.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface DownloadRequest {
  url: string;
  /** Exact size in bytes and lower-case hex SHA-256 the file must have. */
  size: number;
  sha256: string;
  /** Final path; the data goes to `${dest}.part` first. */
  dest: string;
  onProgress?: (received: number, total: number) => void;
  signal?: AbortSignal;
  /** Test hook: also allow plain http to the loopback host (127.0.0.1, ::1, localhost). Never set for real models. */
  allowLoopbackHttp?: boolean;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
  /** Give up when no data arrives for this long (default 30 s). */
  stallTimeoutMs?: number;
}

/** A download that failed; the message is meant for the user. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
}

/** The user (or the caller's AbortSignal) cancelled the download. */
export class DownloadCancelled extends Error {
  override readonly name = 'DownloadCancelled';
  constructor() {
    super('download cancelled');
  }
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Why `url` may not be fetched, or undefined when it may: https only (plain http to loopback only when allowed). */
export function checkDownloadUrl(url: string, allowLoopbackHttp = false): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a valid URL: ${url}`;
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && allowLoopbackHttp && LOOPBACK.has(parsed.hostname)) return undefined;
  return `refusing ${parsed.protocol}// URL ${url} (only https is allowed)`;
}

/** SHA-256 (hex) and size of a file on disk. */
export async function hashFile(file: string, signal?: AbortSignal): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { signal }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Whether `file` exists with exactly this size and SHA-256 (the size is checked first, without reading). */
export async function isVerified(file: string, size: number, sha256: string, signal?: AbortSignal): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile() || stat.size !== size) return false;
  return (await hashFile(file, signal)).sha256 === sha256.toLowerCase();
}

function isAbort(error: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

/** Opens `url`, following redirects; resolves with the 200 response. */
function open(req: DownloadRequest, url: string, redirectsLeft: number, state: { stalled: boolean }): Promise<{ response: http.IncomingMessage; url: string }> {
  const problem = checkDownloadUrl(url, req.allowLoopbackHttp);
  if (problem) return Promise.reject(new DownloadError(problem));
  const stallMs = req.stallTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const request = get(url, { signal: req.signal, headers: { 'user-agent': 'perturber-vscode', accept: '*/*' } }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirectsLeft <= 0) {
          reject(new DownloadError(`too many redirects (more than ${req.maxRedirects ?? 5}) from ${req.url}`));
          return;
        }
        const next = new URL(response.headers.location, url).toString();
        open(req, next, redirectsLeft - 1, state).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        response.resume();
        reject(new DownloadError(`HTTP ${status} ${response.statusMessage ?? ''}`.trim() + ` from ${new URL(url).host}`));
        return;
      }
      resolve({ response, url });
    });
    // An idle socket (no response, or the body stops) for stallMs ends the request.
    request.setTimeout(stallMs, () => {
      state.stalled = true;
      request.destroy(new DownloadError(`the connection to ${new URL(url).host} stalled (no data for ${stallMs / 1000} s)`));
    });
    request.on('error', (error) => reject(isAbort(error, req.signal) ? new DownloadCancelled() : error instanceof DownloadError ? error : new DownloadError(`cannot reach ${new URL(url).host}: ${error.message}`)));
  });
}

/**
 * Downloads `req.url` to `req.dest`, verifying size and SHA-256. Rejects with DownloadCancelled when
 * `req.signal` aborts and with DownloadError otherwise; in both cases nothing is left at `dest` or `dest.part`
 * (an existing file at `dest` is only replaced by a verified one).
 */
export async function downloadVerified(req: DownloadRequest): Promise<{ path: string; size: number; sha256: string }> {
  const expected = req.sha256.toLowerCase();
  const part = `${req.dest}.part`;
  if (req.signal?.aborted) throw new DownloadCancelled();
  let received = 0;
  const state = { stalled: false };
  try {
    const { response, url } = await open(req, req.url, req.maxRedirects ?? 5, state);
    const announced = Number(response.headers['content-length']);
    if (Number.isFinite(announced) && response.headers['content-length'] !== undefined && announced !== req.size) {
      response.destroy();
      throw new DownloadError(`the server announces ${announced} bytes, expected ${req.size} (${new URL(url).host})`);
    }
    const hash = createHash('sha256');
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > req.size) {
          done(new DownloadError(`the server sent more than the expected ${req.size} bytes`));
          return;
        }
        hash.update(chunk);
        req.onProgress?.(received, req.size);
        done(null, chunk);
      },
    });
    try {
      await pipeline(response, meter, createWriteStream(part), { signal: req.signal });
    } catch (error) {
      if (isAbort(error, req.signal)) throw new DownloadCancelled();
      if (error instanceof DownloadError) throw error;
      if (state.stalled) throw new DownloadError(`the connection stalled after ${received} of ${req.size} bytes (no data for ${(req.stallTimeoutMs ?? 30_000) / 1000} s)`);
      throw new DownloadError(`the connection dropped after ${received} of ${req.size} bytes (${(error as Error).message})`);
    }
    // A server that closes early without an error (no content-length) ends the stream normally.
    if (received !== req.size) throw new DownloadError(`the connection dropped after ${received} of ${req.size} bytes`);
    const actual = hash.digest('hex');
    if (actual !== expected) throw new DownloadError(`checksum mismatch: expected SHA-256 ${expected}, got ${actual}`);
    await fs.rename(part, req.dest);
    return { path: req.dest, size: received, sha256: actual };
  } catch (error) {
    await fs.rm(part, { force: true });
    if (error instanceof DownloadError || error instanceof DownloadCancelled) throw error;
    if (isAbort(error, req.signal)) throw new DownloadCancelled();
    throw new DownloadError((error as Error).message ?? String(error));
  }
}
