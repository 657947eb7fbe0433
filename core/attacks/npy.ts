/**
 * NumPy's .npy format (numpy.lib.format), for the perturbations an attack stores: float32 arrays in C order.
 * `encodeNpy` writes what `numpy.save` writes for a '<f4' array (version 1.0, the header padded with spaces to a
 * multiple of 64 bytes, with numpy's spare room for growing the first axis), so the files open in NumPy and PyTorch.
 * `decodeNpy` reads versions 1, 2 and 3 with dtype '<f4' or '<f8' (converted to float32) in C order; anything else is
 * an Error that says what is wrong. Pure: bytes in, bytes out.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy.lib.format.ARRAY_ALIGN: the data starts at a multiple of this. */
const ALIGN = 64;
/** numpy.lib.format.GROWTH_AXIS_MAX_DIGITS: spare header room so the first axis can grow in place. */
const GROWTH_DIGITS = 21;

function checkShape(shape: readonly number[]): number {
  if (!Array.isArray(shape)) throw new Error('npy: the shape must be an array of integers');
  let count = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw new Error(`npy: invalid dimension ${String(d)} in shape [${shape.join(', ')}]`);
    count *= d;
  }
  return count;
}

/** Python's repr of a tuple of ints: (), (5,), (3, 64, 64). */
function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** `data` (C order) as a version 1.0 .npy file of dtype '<f4' and the given shape. */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = checkShape(shape);
  if (count !== data.length) throw new Error(`npy: shape [${shape.join(', ')}] holds ${count} values, the data ${data.length}`);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(Math.max(0, GROWTH_DIGITS - String(shape[0]).length));
  // numpy's _wrap_header: magic (6) + version (2) + length (2) + header + padding + '\n', padding in 1..64.
  const hlen = header.length + 1;
  const pad = ALIGN - ((10 + hlen) % ALIGN);
  const headerLength = hlen + pad;
  if (headerLength > 0xffff) throw new Error('npy: the header is too long for version 1.0');
  const out = new Uint8Array(10 + headerLength + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLength & 0xff;
  out[9] = headerLength >> 8;
  const text = header + ' '.repeat(pad) + '\n';
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  const view = new DataView(out.buffer, out.byteOffset + 10 + headerLength, data.length * 4);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

function field(header: string, key: string): string | undefined {
  // Keys are quoted with ' (numpy) or " (hand-written files); values: a quoted string, True/False, or a tuple.
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  return m?.[1];
}

/** A .npy file's array as float32 values (C order) and its shape. */
export function decodeNpy(bytes: Uint8Array): { data: Float32Array; shape: number[] } {
  if (!(bytes instanceof Uint8Array)) throw new Error('npy: expected the file contents as bytes');
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('npy: not a .npy file (the magic string \\x93NUMPY is missing)');
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start: number;
  let headerLength: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error('npy: the file is truncated (in the header length)');
    headerLength = view.getUint32(8, true);
    start = 12;
  } else throw new Error(`npy: format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  if (start + headerLength > bytes.length) throw new Error(`npy: the file is truncated (the header needs ${headerLength} bytes)`);
  const raw = bytes.subarray(start, start + headerLength);
  // Versions 1 and 2 are latin-1, 3 is UTF-8; read byte by byte: every key and value accepted here is ASCII.
  const header = Array.from(raw, (b) => String.fromCharCode(b)).join('');
  const descr = field(header, 'descr');
  const fortran = field(header, 'fortran_order');
  const shapeText = field(header, 'shape');
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`npy: the header lacks descr, fortran_order or shape: ${header.trim()}`);
  }
  const dtype = descr.slice(1, -1);
  if (dtype !== '<f4' && dtype !== '<f8') throw new Error(`npy: dtype '${dtype}' is not supported (float32 '<f4' or float64 '<f8' are)`);
  if (fortran === 'True') throw new Error('npy: Fortran-order arrays are not supported (save a C-order array, e.g. numpy.ascontiguousarray)');
  const dims = shapeText.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const shape = dims.map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
  if (shape.some((d) => !Number.isSafeInteger(d))) throw new Error(`npy: invalid shape ${shapeText}`);
  const count = checkShape(shape);
  const itemSize = dtype === '<f4' ? 4 : 8;
  const offset = start + headerLength;
  const expected = count * itemSize;
  const available = bytes.length - offset;
  if (available < expected) throw new Error(`npy: the file is truncated: shape ${shapeText} needs ${expected} data bytes, it has ${available}`);
  if (available > expected) throw new Error(`npy: ${available - expected} unexpected bytes after the data of shape ${shapeText}`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    data[i] = itemSize === 4 ? view.getFloat32(offset + i * 4, true) : view.getFloat64(offset + i * 8, true);
  }
  return { data, shape };
}
