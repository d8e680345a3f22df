/**
 * Checkpoint integrity: `checksums.json` holds the sha256 and size of every other file of a checkpoint.
 * saveCheckpoint writes it last, inside the temporary directory, before the rename that publishes the
 * checkpoint; loadCheckpoint verifies it first. resolveResumeCheckpoint picks the newest checkpoint
 * that verifies, so a corrupted latest checkpoint is reported (naming the file) and the previous used.
 *
 * A checkpoint without checksums.json (written before this file existed) is accepted as unverified.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SeqtrainError, isSeqtrainError } from '@seqtrain/common';
import { writeFileDurable } from '@seqtrain/models';

export const CHECKSUMS_FILE = 'checksums.json';
const CHECKSUMS_FORMAT = 'seqtrain-checksums';
const CHECKSUMS_VERSION = 1;
const STEP_DIR = /^step-(\d+)$/;

interface Checksums {
  format: typeof CHECKSUMS_FORMAT;
  version: number;
  algorithm: 'sha256';
  files: Record<string, { sha256: string; bytes: number }>;
}

async function sha256Of(file: string): Promise<{ sha256: string; bytes: number }> {
  const data = await readFile(file);
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.byteLength };
}

/** Hashes every file in dir (except checksums.json) and writes checksums.json, fsynced. */
export async function writeChecksums(dir: string): Promise<void> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && e.name !== CHECKSUMS_FILE).map((e) => e.name).sort();
  const files: Checksums['files'] = {};
  for (const name of names) files[name] = await sha256Of(join(dir, name));
  const checksums: Checksums = { format: CHECKSUMS_FORMAT, version: CHECKSUMS_VERSION, algorithm: 'sha256', files };
  await writeFileDurable(join(dir, CHECKSUMS_FILE), JSON.stringify(checksums, null, 2));
}

/**
 * Verifies dir against its checksums.json; returns false when it has none (unverified), true when
 * every file matches. A missing, truncated or altered file is ERR_CHECKPOINT_INVALID naming it
 * (details.file), like every other defect of a checkpoint.
 */
export async function verifyChecksums(dir: string): Promise<boolean> {
  const listFile = join(dir, CHECKSUMS_FILE);
  let text: string;
  try {
    text = await readFile(listFile, 'utf8');
  } catch {
    return false;
  }
  let list: Checksums;
  try {
    list = JSON.parse(text) as Checksums;
    if (list.format !== CHECKSUMS_FORMAT || list.version !== CHECKSUMS_VERSION || typeof list.files !== 'object' || list.files === null) throw new Error(`not a ${CHECKSUMS_FORMAT} v${CHECKSUMS_VERSION} file`);
  } catch (err) {
    throw new SeqtrainError('ERR_CHECKPOINT_INVALID', `${listFile} is damaged (${(err as Error).message}); the checkpoint cannot be verified. Use an earlier checkpoint.`, { file: listFile });
  }
  for (const [name, expected] of Object.entries(list.files)) {
    const file = join(dir, name);
    let actual: { sha256: string; bytes: number };
    try {
      actual = await sha256Of(file);
    } catch (err) {
      throw new SeqtrainError('ERR_CHECKPOINT_INVALID', `${file} is missing or unreadable (${(err as Error).message}); the checkpoint is incomplete. Use an earlier checkpoint.`, { file });
    }
    if (actual.bytes !== expected.bytes || actual.sha256 !== expected.sha256) {
      throw new SeqtrainError(
        'ERR_CHECKPOINT_INVALID',
        `${file} does not match ${CHECKSUMS_FILE}: ${actual.bytes} bytes with sha256 ${actual.sha256.slice(0, 16)}..., expected ${expected.bytes} bytes with sha256 ${expected.sha256.slice(0, 16)}...; the file is truncated or corrupted. Use an earlier checkpoint.`,
        { file, expectedBytes: expected.bytes, actualBytes: actual.bytes }
      );
    }
  }
  return true;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** step-N directories of a checkpoints directory, newest first. */
export async function listCheckpoints(checkpointsDir: string): Promise<{ step: number; dir: string }[]> {
  let names: string[];
  try {
    names = await readdir(checkpointsDir);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, m: STEP_DIR.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .map((e) => ({ step: Number(e.m[1]), dir: join(checkpointsDir, e.name) }))
    .sort((a, b) => b.step - a.step);
}

/**
 * The checkpoint to resume from. `path` is a checkpoint (…/checkpoints/step-N) or a run directory
 * (its newest checkpoint). When it fails verification, each older sibling is tried in turn; every
 * rejected one is reported through `warn` with the file that failed. Throws ERR_CHECKPOINT_INVALID
 * when none verifies.
 */
export async function resolveResumeCheckpoint(path: string, warn: (message: string) => void = () => {}): Promise<string> {
  const given = resolve(path);
  let candidates: string[];
  if (await isDir(join(given, 'checkpoints'))) {
    candidates = (await listCheckpoints(join(given, 'checkpoints'))).map((c) => c.dir);
  } else {
    const m = STEP_DIR.exec(basename(given));
    const older = m ? (await listCheckpoints(dirname(given))).filter((c) => c.step < Number(m[1])).map((c) => c.dir) : [];
    candidates = [given, ...older];
  }
  const problems: string[] = [];
  for (const dir of candidates) {
    try {
      if (!(await isDir(dir))) throw new SeqtrainError('ERR_CHECKPOINT_INVALID', `${dir}: no such checkpoint directory.`, { file: dir });
      await verifyChecksums(dir);
      if (problems.length > 0) warn(`resuming from the previous checkpoint ${dir}`);
      return dir;
    } catch (err) {
      if (!isSeqtrainError(err)) throw err;
      problems.push(err.message);
      warn(`checkpoint ${dir} is unusable: ${err.message}`);
    }
  }
  throw new SeqtrainError(
    'ERR_CHECKPOINT_INVALID',
    candidates.length === 0 ? `${given} holds no checkpoints (checkpoints/step-NNNNNNN).` : `No usable checkpoint at or before ${given}: ${problems.join(' | ')}`,
    { file: given }
  );
}
