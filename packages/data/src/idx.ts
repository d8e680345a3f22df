/**
 * IDX files (the MNIST format): a big-endian header `0x00 0x00 <type> <ndims>`, then ndims uint32
 * big-endian dimensions, then the values. Only unsigned bytes (type 0x08) are read, which is what
 * MNIST and Fashion-MNIST ship: images have magic 2051 (3 dims: n, rows, cols), labels 2049 (1 dim).
 * Gzipped files (first bytes 1f 8b) are inflated first.
 */
import { gunzipSync } from 'node:zlib';
import { SeqtrainError } from '@seqtrain/common';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export function maybeGunzip(bytes: Uint8Array): Uint8Array {
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
}

/** Parses an IDX file (gzipped or not) and checks its magic number. */
export function parseIdx(raw: Uint8Array, expectedMagic: number, file = '(idx)'): IdxArray {
  const bytes = maybeGunzip(raw);
  const fail = (problem: string): SeqtrainError =>
    new SeqtrainError('ERR_DATA_CORRUPT', `IDX file ${file} ${problem}. Download it again (seqtrain prepare download mnist).`, { file });
  if (bytes.byteLength < 4) throw fail('is shorter than its 4-byte magic number');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) throw fail(`has magic number ${magic}, expected ${expectedMagic} (${expectedMagic === IDX_IMAGES_MAGIC ? 'images' : 'labels'})`);
  const ndims = magic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.byteLength < headerBytes) throw fail(`is shorter than its ${ndims}-dimension header`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const values = dims.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== headerBytes + values) throw fail(`has ${bytes.byteLength - headerBytes} value bytes, its dimensions ${dims.join('×')} need ${values}`);
  return { dims, data: bytes.subarray(headerBytes) };
}
