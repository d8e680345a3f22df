/**
 * One recurrent layer's sequence, shared by the three layer classes: the input projection of every
 * step in one matmul, then the recurrence (fused kernel or op graph), all time-major. Semantics are
 * tfjs-layers' RNN.call: the mask is cast to 0/1 and blends each step's new state with the carried
 * one; goBackwards reverses the inputs and mask in time and leaves the outputs in processing order
 * (Bidirectional reverses them back); missing initial states are zeros.
 */
import type { Tensor, Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { cast, reshape, reverse, slice, transpose, zeros } from '@tensorflow/tfjs-core';
import type { RecurrentActivation, SimpleRnnActivation } from '@seqtrain/rnn-kernels';
import { gruSequence } from './gru-sequence.js';
import { projectInputs } from './input-projection.js';
import { lstmSequence } from './lstm-sequence.js';
import { gruOps, lstmOps, simpleRnnOps } from './ops-recurrence.js';
import { simpleRnnSequence } from './simple-rnn-sequence.js';

export type CellKind = 'lstm' | 'gru' | 'simple_rnn';

/** The gate count of each cell's fused weight matrices (Keras layout). */
export const GATES: Readonly<Record<CellKind, number>> = { lstm: 4, gru: 3, simple_rnn: 1 };

interface Readable {
  read(): Tensor;
}

interface ActivationObject {
  apply(x: Tensor): Tensor;
  getClassName(): string;
}

/** The fields of tfjs-layers' LSTMCell, GRUCell and SimpleRNNCell this module reads. */
export interface CellView {
  units: number;
  kernel: Readable;
  recurrentKernel: Readable;
  bias: Readable | null;
  activation: ActivationObject;
  recurrentActivation?: ActivationObject;
  dropout: number;
  recurrentDropout: number;
}

/** The fused kernels' activation names, or why the cell's activations have no fused kernel. */
export type FusedActivations =
  | { ok: true; recurrentActivation: RecurrentActivation; activation: SimpleRnnActivation }
  | { ok: false; reason: string };

const RECURRENT_ACTIVATIONS: Readonly<Record<string, RecurrentActivation>> = { sigmoid: 'sigmoid', hardSigmoid: 'hard_sigmoid' };
const SIMPLE_ACTIVATIONS: Readonly<Record<string, SimpleRnnActivation>> = { tanh: 'tanh', relu: 'relu', linear: 'linear' };

export function fusedActivations(kind: CellKind, cell: CellView): FusedActivations {
  const act = cell.activation.getClassName();
  const activation = SIMPLE_ACTIVATIONS[act];
  if (activation === undefined || (kind !== 'simple_rnn' && activation !== 'tanh')) {
    return { ok: false, reason: `activation ${act} has no fused kernel` };
  }
  if (kind === 'simple_rnn') return { ok: true, recurrentActivation: 'sigmoid', activation };
  const rec = cell.recurrentActivation?.getClassName() ?? '';
  const recurrentActivation = RECURRENT_ACTIVATIONS[rec];
  if (recurrentActivation === undefined) return { ok: false, reason: `recurrentActivation ${rec} has no fused kernel` };
  return { ok: true, recurrentActivation, activation };
}

export interface SequenceRequest {
  kind: CellKind;
  cell: CellView;
  /** [B,T,D], batch-major as layers receive it. */
  x: Tensor3D;
  /** [B,T] (or [B,T,1]) of any dtype, nonzero = present; null = every step present. */
  mask: Tensor | null;
  /** [h0] or [h0, c0] (LSTM), each [B,H]; null = zeros. */
  initialState: Tensor[] | null;
  goBackwards: boolean;
  impl: 'fused' | 'ops';
}

export interface SequenceResult {
  /** [T,B,H] output after every step, in processing order, time-major. */
  sequence: Tensor3D;
  /** Final states: [h] or [h, c] (LSTM), each [B,H]. */
  states: Tensor2D[];
}

/** Runs one layer's whole sequence. Call inside tidy (the layers' call() does). */
export function runSequence(req: SequenceRequest): SequenceResult {
  const { kind, cell } = req;
  const [B, T, D] = req.x.shape;
  const H = cell.units;
  const G = GATES[kind] * H;
  let xT: Tensor = transpose(req.x, [1, 0, 2]);
  if (req.goBackwards) xT = reverse(xT, 0);
  const projected = projectInputs(
    reshape(xT, [T * B, D]),
    cell.kernel.read() as Tensor2D,
    cell.bias === null ? null : (cell.bias.read() as Tensor1D),
    req.impl === 'fused'
  );
  const xp = reshape(projected, [T, B, G]) as Tensor3D;
  let mask: Tensor2D | null = null;
  if (req.mask !== null) {
    let m: Tensor = transpose(reshape(cast(cast(req.mask, 'bool'), 'float32'), [B, T]), [1, 0]);
    if (req.goBackwards) m = reverse(m, 0);
    mask = m as Tensor2D;
  }
  const h0 = (req.initialState?.[0] ?? zeros([B, H])) as Tensor2D;
  const u = cell.recurrentKernel.read() as Tensor2D;
  const act = (t: Tensor): Tensor => cell.activation.apply(t);
  const recAct = (t: Tensor): Tensor => (cell.recurrentActivation as ActivationObject).apply(t);
  const last = (seq: Tensor3D): Tensor2D => reshape(slice(seq, [T - 1, 0, 0], [1, B, H]), [B, H]);
  const fused = req.impl === 'fused' ? fusedActivations(kind, cell) : null;
  if (fused !== null && !fused.ok) throw new Error(`runSequence: ${fused.reason}; the layer should have chosen 'ops'`);
  switch (kind) {
    case 'lstm': {
      const c0 = (req.initialState?.[1] ?? zeros([B, H])) as Tensor2D;
      const { h, cT } = fused?.ok ? lstmSequence(xp, u, h0, c0, mask, fused.recurrentActivation) : lstmOps(xp, u, h0, c0, mask, act, recAct);
      return { sequence: h, states: [last(h), cT] };
    }
    case 'gru': {
      const h = fused?.ok ? gruSequence(xp, u, h0, mask, fused.recurrentActivation) : gruOps(xp, u, h0, mask, act, recAct);
      return { sequence: h, states: [last(h)] };
    }
    case 'simple_rnn': {
      const h = fused?.ok ? simpleRnnSequence(xp, u, h0, mask, fused.activation) : simpleRnnOps(xp, u, h0, mask, act);
      return { sequence: h, states: [last(h)] };
    }
  }
}
