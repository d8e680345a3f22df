/**
 * An optimizer's state (its iteration count and slot variables, e.g. Adam's m and v) as plain data:
 * named shapes plus one Float32Array, for checkpoints and for syncing ranks.
 *
 * tfjs optimizers key their slots by position, not by name: the i-th gradient passed to
 * applyGradients() uses the i-th slot. The trainer always passes gradients in
 * model.trainableWeights order, so a state is valid for any model with the same trainable shapes
 * in that order (names are labels only; variable names differ between processes and builds).
 * Layout of `specs`: ['iter' (shape [])] then, per slot kind (Adam: m, v; RMSprop: ms, mom[, mg]),
 * one entry per trainable weight. The iteration count is stored as float32 (exact below 2^24).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';
import { totalSize } from './flat-tensors.js';

export interface OptimizerStateSpec {
  name: string;
  shape: number[];
}

export interface OptimizerState {
  specs: OptimizerStateSpec[];
  data: Float32Array;
}

const ITERATIONS_NAME = 'iter';
const STATE_BYTES_VERSION = 1;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export async function readOptimizerState(optimizer: tf.Optimizer): Promise<OptimizerState> {
  const weights = await optimizer.getWeights();
  try {
    const specs = weights.map((w) => ({ name: w.name, shape: [...w.tensor.shape] }));
    const data = new Float32Array(totalSize(specs.map((s) => s.shape)));
    let offset = 0;
    for (const w of weights) {
      const values = await w.tensor.data();
      data.set(values as ArrayLike<number>, offset);
      offset += w.tensor.size;
    }
    return { specs, data };
  } finally {
    // getWeights() returns the live slot variables plus a fresh 'iter' scalar: dispose only the latter.
    for (const w of weights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  }
}

/** Checks that `state` fits a model with these trainable shapes (see the layout above). */
export function checkOptimizerState(state: OptimizerState, trainableShapes: readonly number[][], source: string): void {
  const mismatch = (problem: string): SeqtrainError =>
    new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `${source}: ${problem}. Restore optimizer state only into the model (same config) it was saved from.`
    );
  const [first, ...slots] = state.specs;
  if (first?.name !== ITERATIONS_NAME || first.shape.length !== 0) {
    throw mismatch(`the first entry must be the scalar "${ITERATIONS_NAME}", got ${JSON.stringify(first)}`);
  }
  if (state.data.length !== totalSize(state.specs.map((s) => s.shape))) {
    throw mismatch(`${state.data.length} values for specs that need ${totalSize(state.specs.map((s) => s.shape))}`);
  }
  const n = trainableShapes.length;
  if (n === 0 ? slots.length !== 0 : slots.length % n !== 0) {
    throw mismatch(`${slots.length} slot entries is not a multiple of the model's ${n} trainable weights`);
  }
  slots.forEach((spec, i) => {
    const expected = trainableShapes[i % n] ?? [];
    if (!sameShape(spec.shape, expected)) {
      throw mismatch(`slot "${spec.name}" has shape [${spec.shape.join(', ')}] but trainable weight ${i % n} has [${expected.join(', ')}]`);
    }
  });
}

/** Replaces the optimizer's state (disposing its old slot variables) after checking it fits. */
export async function writeOptimizerState(
  optimizer: tf.Optimizer,
  state: OptimizerState,
  trainableShapes: readonly number[][],
  source = 'optimizer state'
): Promise<void> {
  checkOptimizerState(state, trainableShapes, source);
  const old = await optimizer.getWeights();
  let offset = 0;
  const incoming: { name: string; tensor: tf.Tensor }[] = state.specs.map((spec, i) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = state.data.subarray(offset, offset + size);
    offset += size;
    const tensor = i === 0 ? tf.scalar(Math.round(values[0] ?? 0), 'int32') : tf.tensor(values.slice(), spec.shape, 'float32');
    return { name: spec.name, tensor };
  });
  try {
    await optimizer.setWeights(incoming);
  } catch (err) {
    tf.dispose(old.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
    throw new SeqtrainError(
      'ERR_SHAPE_MISMATCH',
      `${source}: ${optimizer.getClassName()} cannot take ${state.specs.length - 1} slot variables (${(err as Error).message}). Restore with the optimizer the state was saved from.`,
      {},
      { cause: err }
    );
  } finally {
    // setWeights() copies into new variables.
    tf.dispose(incoming.map((w) => w.tensor));
  }
  // The replaced slots are no longer referenced by the optimizer.
  tf.dispose(old.map((w) => w.tensor));
}

/** Bytes for broadcastBytes: u32 LE header length, JSON header, zero pad to 4, float32 data. */
export function encodeOptimizerState(state: OptimizerState): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({ version: STATE_BYTES_VERSION, specs: state.specs }));
  const dataOffset = Math.ceil((4 + header.byteLength) / 4) * 4;
  const out = new Uint8Array(dataOffset + state.data.byteLength);
  new DataView(out.buffer).setUint32(0, header.byteLength, true);
  out.set(header, 4);
  out.set(new Uint8Array(state.data.buffer, state.data.byteOffset, state.data.byteLength), dataOffset);
  return out;
}

export function decodeOptimizerState(bytes: Uint8Array, source: string): OptimizerState {
  const bad = (problem: string): SeqtrainError =>
    new SeqtrainError('ERR_PROTOCOL', `${source}: optimizer state bytes are malformed (${problem}).`);
  if (bytes.byteLength < 4) throw bad(`${bytes.byteLength} bytes`);
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + headerBytes > bytes.byteLength) throw bad(`header of ${headerBytes} bytes in ${bytes.byteLength}`);
  let header: { version?: unknown; specs?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerBytes)));
  } catch (err) {
    throw bad(`header is not JSON: ${(err as Error).message}`);
  }
  if (header.version !== STATE_BYTES_VERSION || !Array.isArray(header.specs)) throw bad(`header ${JSON.stringify(header).slice(0, 200)}`);
  const dataOffset = Math.ceil((4 + headerBytes) / 4) * 4;
  const dataBytes = bytes.subarray(dataOffset);
  if (dataBytes.byteLength % 4 !== 0) throw bad(`${dataBytes.byteLength} data bytes is not a multiple of 4`);
  const data = new Float32Array(dataBytes.byteLength / 4);
  new Uint8Array(data.buffer).set(dataBytes);
  return { specs: header.specs as OptimizerStateSpec[], data };
}
