/**
 * Minimal readers for the two archive formats the canonical sources ship in, with node:zlib only:
 * tar (ustar + GNU long names, inside .tar.gz) and zip (central directory; stored or deflated
 * entries). Both return regular files only, whole, in memory: the archives read here are at most
 * ~85 MB (aclImdb_v1.tar.gz is 84 MB packed, 0.5 GB unpacked — see canonical-sources.ts for how it
 * is consumed).
 */
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { SeqtrainError } from '@seqtrain/common';

export interface ArchiveEntry {
  name: string;
  data: Uint8Array;
}

const TAR_BLOCK_BYTES = 512;

function corrupt(what: string, problem: string): SeqtrainError {
  return new SeqtrainError('ERR_DATA_CORRUPT', `${what} is not a readable archive: ${problem}. Download it again.`, { file: what });
}

function cString(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
}

/** Regular files of a tar archive (gzipped or not); data are views into the inflated archive. */
export function readTar(raw: Uint8Array, what = '(tar)'): ArchiveEntry[] {
  const bytes = raw[0] === 0x1f && raw[1] === 0x8b ? new Uint8Array(gunzipSync(raw)) : raw;
  const entries: ArchiveEntry[] = [];
  let offset = 0;
  let longName: string | null = null;
  while (offset + TAR_BLOCK_BYTES <= bytes.byteLength) {
    const header = bytes.subarray(offset, offset + TAR_BLOCK_BYTES);
    if (header.every((b) => b === 0)) break;
    const sizeText = cString(header, 124, 12).trim();
    const size = parseInt(sizeText || '0', 8);
    if (!Number.isFinite(size)) throw corrupt(what, `bad size field ${JSON.stringify(sizeText)} at byte ${offset}`);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = cString(header, 257, 6).startsWith('ustar') ? cString(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    const dataStart = offset + TAR_BLOCK_BYTES;
    if (dataStart + size > bytes.byteLength) throw corrupt(what, `entry ${name} runs past the end`);
    const data = bytes.subarray(dataStart, dataStart + size);
    longName = null;
    if (type === 'L') longName = cString(data, 0, size);
    else if (type === '0' || type === '\0') entries.push({ name, data });
    offset = dataStart + Math.ceil(size / TAR_BLOCK_BYTES) * TAR_BLOCK_BYTES;
  }
  return entries;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** Files of a zip archive (stored or deflated entries; no zip64, no encryption). */
export function readZip(bytes: Uint8Array, what = '(zip)'): ArchiveEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.byteLength - 22; i >= Math.max(0, bytes.byteLength - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(what, 'no end-of-central-directory record');
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const entries: ArchiveEntry[] = [];
  for (let e = 0; e < count; e++) {
    if (view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw corrupt(what, `central directory entry ${e} has a bad signature`);
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = Buffer.from(bytes.subarray(at + 46, at + 46 + nameLength)).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (view.getUint32(local, true) !== LOCAL_SIGNATURE) throw corrupt(what, `entry ${name} has a bad local header`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const packed = bytes.subarray(dataStart, dataStart + compressed);
    if (method === 0) entries.push({ name, data: packed });
    else if (method === 8) entries.push({ name, data: new Uint8Array(inflateRawSync(packed)) });
    else throw corrupt(what, `entry ${name} uses compression method ${method}; only stored (0) and deflate (8) are read`);
  }
  return entries;
}
