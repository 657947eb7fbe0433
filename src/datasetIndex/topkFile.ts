/**
 * The stored top-k of a dataset index: per layer `<layer>.topk.npy`, int32 [channels x k], row c = the image rows
 * (indices into index.json `images`) with the largest mean of channel c, largest first, ties by image order, where
 * k = min(images, TOPK_K). -1 fills a row only where a channel has fewer than k comparable (non-NaN) means. Written
 * next to the means and listed in index.json as the layer's `topk`; indexes written before it lack the field and
 * are ranked from their means when read. Plain Node; numpy reads the file (`np.load(...)` gives dtype int32).
 */
import { topKOfChannel, type IndexLayer, type Matrix } from '../../core/datasetIndex';

/** Images kept per channel: the activations panel shows 5 and keeps 8 spares for files gone since indexing. */
export const TOPK_K = 16;


export interface TopkMatrix {
  /** Channels. */
  rows: number;
  /** k. */
  cols: number;
  data: Int32Array;
}

/** `<base>.topk.npy` beside `<base>.means.npy`. */
export function topkFileName(meansFile: string): string {
  return meansFile.replace(/\.means\.npy$/, '') + '.topk.npy';
}

/** The top-k rows of every channel of `means` ([images x channels]). */
export function topkOfMeans(means: Matrix, k = TOPK_K): TopkMatrix {
  const cols = Math.max(0, Math.min(Math.floor(k), means.rows));
  const data = new Int32Array(means.cols * cols).fill(-1);
  for (let c = 0; c < means.cols; c++) topKOfChannel(means, c, cols).forEach((r, i) => (data[c * cols + i] = r.image));
  return { rows: means.cols, cols, data };
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** A version 1.0 .npy file of dtype '<i4', shape [rows, cols], laid out as numpy.save lays it out. */
export function encodeTopk(m: TopkMatrix): Uint8Array {
  if (m.data.length !== m.rows * m.cols) throw new Error(`top-k: [${m.rows}, ${m.cols}] needs ${m.rows * m.cols} values, not ${m.data.length}`);
  let header = `{'descr': '<i4', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  header += ' '.repeat(Math.max(0, 21 - String(m.rows).length)); // numpy's spare room for growing the first axis
  const hlen = header.length + 1;
  const pad = 64 - ((10 + hlen) % 64);
  const headerLength = hlen + pad;
  const out = new Uint8Array(10 + headerLength + m.data.length * 4);
  out.set(MAGIC, 0);
  out.set([1, 0, headerLength & 0xff, headerLength >> 8], 6);
  const text = header + ' '.repeat(pad) + '\n';
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  const view = new DataView(out.buffer, out.byteOffset + 10 + headerLength);
  m.data.forEach((v, i) => view.setInt32(i * 4, v, true));
  return out;
}

/**
 * A top-k file as written by `encodeTopk` (or numpy.save of a C-order int32 [channels, k] array, version 1.0),
 * checked against the index: `channels` rows, at most `images` columns, every entry -1 or an image row.
 */
export function decodeTopk(bytes: Uint8Array, channels: number, images: number): TopkMatrix {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('top-k: not a .npy file');
  if (bytes[6] !== 1) throw new Error(`top-k: .npy version ${bytes[6]} (1.0 expected)`);
  const headerLength = bytes[8] | (bytes[9] << 8);
  const header = Array.from(bytes.subarray(10, 10 + headerLength), (b) => String.fromCharCode(b)).join('');
  const m = /'descr':\s*'<i4',\s*'fortran_order':\s*False,\s*'shape':\s*\((\d+),\s*(\d+)\)/.exec(header);
  if (!m) throw new Error(`top-k: expected a C-order int32 matrix, the header says ${header.trim()}`);
  const [rows, cols] = [Number(m[1]), Number(m[2])];
  if (rows !== channels || cols > images) throw new Error(`top-k: shape [${rows}, ${cols}], the index has ${channels} channels and ${images} images`);
  const offset = 10 + headerLength;
  if (bytes.length - offset !== rows * cols * 4) throw new Error(`top-k: ${bytes.length - offset} data bytes, [${rows}, ${cols}] int32 needs ${rows * cols * 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, rows * cols * 4);
  const data = new Int32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    const v = view.getInt32(i * 4, true);
    if (v < -1 || v >= images) throw new Error(`top-k: entry ${v} is not an image row (0..${images - 1})`);
    data[i] = v;
  }
  return { rows, cols, data };
}
