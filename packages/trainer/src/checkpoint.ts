/**
 * A checkpoint is one directory:
 *   model.json, weights.bin   the model, tfjs layers format (@seqtrain/models saveModel)
 *   optimizer.json            { format, version, specs: [{ name, shape }], byteLength }
 *   optimizer.bin             the optimizer state's float32 values, little endian, in specs order
 *   trainer-state.json        TrainerState (step, epoch, seed, optimizer, model config, vocab)
 *   checksums.json            sha256 + size of each file above, written last (checkpoint-integrity.ts)
 *
 * saveCheckpoint writes everything (fsynced) into a sibling temporary directory and renames it into
 * place, so a crash leaves either the previous checkpoint or the complete new one, never a half
 * one (a leftover `.tmp-*` sibling is garbage from a crash and can be deleted).
 */
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';
import { loadModel, saveModel, syncDirectory, writeFileDurable } from '@seqtrain/models';
import { writeChecksums, verifyChecksums } from './checkpoint-integrity.js';
import { totalSize } from './flat-tensors.js';
import type { OptimizerState, OptimizerStateSpec } from './optimizer-state.js';
import { parseTrainerState, type TrainerState } from './trainer-state.js';

export const OPTIMIZER_JSON_FILE = 'optimizer.json';
export const OPTIMIZER_BIN_FILE = 'optimizer.bin';
export const TRAINER_STATE_FILE = 'trainer-state.json';

const OPTIMIZER_FORMAT = 'seqtrain-optimizer-state';
const OPTIMIZER_FORMAT_VERSION = 1;

export interface CheckpointParts {
  model: LayersModel;
  optimizerState: OptimizerState;
  state: TrainerState;
}

function invalid(file: string, problem: string, cause?: unknown): SeqtrainError {
  return new SeqtrainError(
    'ERR_CHECKPOINT_INVALID',
    `${file}: ${problem}. Use a complete checkpoint directory (or an earlier checkpoint).`,
    { file },
    { cause }
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function uniqueSuffix(): string {
  return `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Writes the checkpoint to `dir` (replacing one already there); returns `dir`. */
export async function saveCheckpoint(dir: string, parts: CheckpointParts): Promise<string> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${uniqueSuffix()}`);
  try {
    await saveModel(parts.model, tmp);
    const { specs, data } = parts.optimizerState;
    const optimizerJson = { format: OPTIMIZER_FORMAT, version: OPTIMIZER_FORMAT_VERSION, specs, byteLength: data.byteLength };
    await writeFileDurable(join(tmp, OPTIMIZER_BIN_FILE), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    await writeFileDurable(join(tmp, OPTIMIZER_JSON_FILE), JSON.stringify(optimizerJson));
    await writeFileDurable(join(tmp, TRAINER_STATE_FILE), JSON.stringify(parts.state, null, 2));
    // Last, so that a checkpoint with checksums.json is complete (checkpoint-integrity.ts).
    await writeChecksums(tmp);
    await syncDirectory(tmp);
    if (await exists(dir)) {
      // A non-empty directory cannot be renamed over: move the old one aside first.
      const old = join(parent, `.${basename(dir)}.old-${uniqueSuffix()}`);
      await rename(dir, old);
      await rename(tmp, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, dir);
    }
    await syncDirectory(parent);
    return dir;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw invalid(file, `cannot be read (${(err as Error).message})`, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(file, `is not valid JSON (${(err as Error).message})`, err);
  }
}

function isSpecList(value: unknown): value is OptimizerStateSpec[] {
  return (
    Array.isArray(value) &&
    value.every(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as OptimizerStateSpec).name === 'string' &&
        Array.isArray((s as OptimizerStateSpec).shape) &&
        (s as OptimizerStateSpec).shape.every((d) => Number.isInteger(d) && d >= 0)
    )
  );
}

async function readOptimizerFiles(dir: string): Promise<OptimizerState> {
  const jsonFile = join(dir, OPTIMIZER_JSON_FILE);
  const binFile = join(dir, OPTIMIZER_BIN_FILE);
  const json = (await readJson(jsonFile)) as { format?: unknown; version?: unknown; specs?: unknown } | null;
  if (json === null || typeof json !== 'object' || json.format !== OPTIMIZER_FORMAT || json.version !== OPTIMIZER_FORMAT_VERSION) {
    throw invalid(jsonFile, `is not a ${OPTIMIZER_FORMAT} v${OPTIMIZER_FORMAT_VERSION} file`);
  }
  if (!isSpecList(json.specs)) throw invalid(jsonFile, 'has no valid "specs" list of { name, shape }');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(binFile);
  } catch (err) {
    throw invalid(binFile, `cannot be read (${(err as Error).message})`, err);
  }
  const expected = totalSize(json.specs.map((s) => s.shape)) * 4;
  if (bytes.byteLength !== expected) {
    throw invalid(binFile, `holds ${bytes.byteLength} bytes but ${OPTIMIZER_JSON_FILE} describes ${expected}; the file is truncated or from another checkpoint`);
  }
  const data = new Float32Array(expected / 4);
  new Uint8Array(data.buffer).set(bytes);
  return { specs: json.specs, data };
}

/** Reads a checkpoint written by saveCheckpoint; any missing or damaged file is ERR_CHECKPOINT_INVALID naming it. */
export async function loadCheckpoint(dir: string): Promise<CheckpointParts> {
  if (!(await exists(dir))) throw invalid(dir, 'no such checkpoint directory');
  await verifyChecksums(dir);
  const stateFile = join(dir, TRAINER_STATE_FILE);
  const state = parseTrainerState(await readJson(stateFile), stateFile);
  const optimizerState = await readOptimizerFiles(dir);
  const model = await loadModel(dir);
  return { model, optimizerState, state };
}
