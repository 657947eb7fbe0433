/**
 * Finding the images of a folder to index: a recursive walk for .png/.jpg/.jpeg (by name; the decoder checks the
 * content), sorted by path so the index's image order (and so its tie-breaking) is reproducible. Hidden folders
 * (`.git`, `.perturber`, ...) and `node_modules` are not entered, symbolic links are not followed, and images
 * over the size cap are skipped and reported. Plain Node: the indexer's tests run it without VS Code.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { IndexedImage, SkippedImage } from '../../core/datasetIndex';

/** Larger image files are skipped: decoding one could take seconds and gigabytes. */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** A folder with more images is indexed up to this many (the rest are reported as skipped, once). */
export const MAX_IMAGES = 100_000;

const IMAGE_FILE = /\.(png|jpe?g)$/i;

export interface ScannedImage extends IndexedImage {
  absPath: string;
}

export interface ScanResult {
  images: ScannedImage[];
  skipped: SkippedImage[];
}

/** Workspace-relative path with `/` separators. */
export function relativePath(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

/** True when `inner` is `outer` or lies below it (lexically; symbolic links are never followed by the scan). */
export function isInside(outer: string, inner: string): boolean {
  const rel = path.relative(path.resolve(outer), path.resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export async function scanImages(root: string, folder: string, maxBytes = MAX_IMAGE_BYTES): Promise<ScanResult> {
  if (!isInside(root, folder)) throw new Error(`${folder} is outside the workspace folder ${root}`);
  const stat = await fs.stat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Error(`${folder} is not a folder`);
  const images: ScannedImage[] = [];
  const skipped: SkippedImage[] = [];
  let overflow = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: relativePath(root, dir), reason: `cannot read the folder: ${(error as Error).message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(abs);
        continue;
      }
      if (!IMAGE_FILE.test(entry.name)) continue;
      const rel = relativePath(root, abs);
      if (entry.isSymbolicLink()) {
        skipped.push({ path: rel, reason: 'symbolic link (not followed)' });
        continue;
      }
      if (!entry.isFile()) continue;
      const info = await fs.stat(abs).catch((error: Error) => error);
      if (info instanceof Error) {
        skipped.push({ path: rel, reason: `cannot read: ${info.message}` });
      } else if (info.size > maxBytes) {
        skipped.push({ path: rel, reason: `${(info.size / 2 ** 20).toFixed(1)} MiB, over the ${(maxBytes / 2 ** 20).toFixed(0)} MiB limit` });
      } else if (images.length >= MAX_IMAGES) {
        overflow++;
      } else {
        images.push({ absPath: abs, path: rel, size: info.size, mtimeMs: Math.floor(info.mtimeMs) });
      }
    }
  };
  await walk(folder);
  if (overflow > 0) skipped.push({ path: relativePath(root, folder), reason: `${overflow} more images beyond the first ${MAX_IMAGES}` });
  return { images, skipped };
}
