/**
 * Downloads into a cache directory: fetch, stream to `<name>.part`, check sha256 when one is given,
 * rename into place (so a cached file is always complete). A file already in the cache is reused
 * without a request (after the sha256 check when one is given).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { SeqtrainError } from '@seqtrain/common';

export interface DownloadOptions {
  url: string;
  cacheDir: string;
  /** Default: the last path segment of the URL. */
  fileName?: string;
  /** Expected lowercase hex sha256; a mismatch deletes the download and fails. */
  sha256?: string;
  /** bytesTotal is null when the server sends no Content-Length. */
  onProgress?: (bytesDone: number, bytesTotal: number | null) => void;
}

function failed(url: string, problem: string, cause?: unknown): SeqtrainError {
  return new SeqtrainError('ERR_DOWNLOAD_FAILED', `Download of ${url} failed: ${problem}. Check the URL (or pass --url with a mirror) and the network.`, { url }, { cause });
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Returns the path of the downloaded (or cached) file. */
export async function download(options: DownloadOptions): Promise<string> {
  const { url, cacheDir } = options;
  const name = options.fileName ?? decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'download');
  const file = path.join(cacheDir, name);
  await mkdir(cacheDir, { recursive: true });
  const cached = await stat(file).then((s) => s.isFile(), () => false);
  if (cached && (options.sha256 === undefined || (await sha256Of(file)) === options.sha256)) return file;

  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw failed(url, (err as Error).message, err);
  }
  if (!response.ok || !response.body) throw failed(url, `HTTP ${response.status} ${response.statusText}`);
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const part = `${file}.part`;
  const handle = await open(part, 'w');
  const hash = createHash('sha256');
  let done = 0;
  try {
    for await (const chunk of response.body) {
      const bytes = chunk as Uint8Array;
      hash.update(bytes);
      for (let off = 0; off < bytes.byteLength; ) off += (await handle.write(bytes, off, bytes.byteLength - off)).bytesWritten;
      done += bytes.byteLength;
      options.onProgress?.(done, total);
    }
  } catch (err) {
    await handle.close();
    await rm(part, { force: true });
    throw failed(url, `the transfer broke off after ${done} bytes (${(err as Error).message})`, err);
  }
  await handle.close();
  const actual = hash.digest('hex');
  if (options.sha256 !== undefined && actual !== options.sha256) {
    await rm(part, { force: true });
    throw failed(url, `its sha256 is ${actual}, expected ${options.sha256}`);
  }
  await rename(part, file);
  return file;
}
