/**
 * Writes that survive a crash or power cut once they return: data is fsync()ed before the file is
 * closed. Checkpoints are written into a temporary directory and renamed into place; the rename is
 * only a commit point if the files it publishes are already on disk.
 */
import { open } from 'node:fs/promises';

export async function writeFileDurable(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync()s a directory so a rename or file creation inside it is durable (no-op where unsupported). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}
