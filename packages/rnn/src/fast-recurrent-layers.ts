/**
 * LSTM, GRU and SimpleRNN layers that are tfjs-layers' own classes underneath: subclasses with the
 * same static className, constructor arguments, weights (kernel [D,G·H], recurrent_kernel [H,G·H],
 * bias [G·H], Keras gate order), getConfig and fromConfig, so model.json is byte-identical and a
 * model saved with them loads in stock tfjs and vice versa. Only call() differs: when the layer is
 * not stateful, not unrolled and not applying dropout, it runs the whole sequence through
 * runSequence (the fused kernel on cpu/wasm, the reformulated op graph elsewhere); otherwise it is
 * stock tfjs-layers' call (rnn-impl.ts says how to choose).
 */
import type { Tensor, Tensor3D } from '@tensorflow/tfjs-core';
import { serialization, tidy, transpose } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import './tfjs-extensions.js';
import { SeqtrainError } from '@seqtrain/common';
import { fusedActivations, runSequence, type CellKind, type CellView } from './recurrent-sequence.js';
import { resolveRnnImpl, type RnnImpl } from './rnn-impl.js';
import { FastTimeDistributed, STOCK_TIME_DISTRIBUTED } from './fast-time-distributed.js';

export type LstmLayerArgs = Parameters<typeof tfl.layers.lstm>[0];
export type GruLayerArgs = Parameters<typeof tfl.layers.gru>[0];
export type SimpleRnnLayerArgs = Parameters<typeof tfl.layers.simpleRNN>[0];
type StockLstm = ReturnType<typeof tfl.layers.lstm>;
type StockGru = ReturnType<typeof tfl.layers.gru>;
type StockSimpleRnn = ReturnType<typeof tfl.layers.simpleRNN>;
type Kwargs = Parameters<StockLstm['call']>[1];

type StockCtor<L, A> = (new (args: A) => L) & { className: string };

// tfjs-layers exports the classes' types but not the classes; a throwaway instance (no weights until
// build) hands over the constructors.
const STOCK_LSTM = tfl.layers.lstm({ units: 1 }).constructor as StockCtor<StockLstm, LstmLayerArgs>;
const STOCK_GRU = tfl.layers.gru({ units: 1 }).constructor as StockCtor<StockGru, GruLayerArgs>;
const STOCK_SIMPLE_RNN = tfl.layers.simpleRNN({ units: 1 }).constructor as StockCtor<StockSimpleRnn, SimpleRnnLayerArgs>;

/** What fastCall reads of a recurrent layer (public fields of tfjs-layers' RNN). */
interface RecurrentLayerView {
  name: string;
  cell: unknown;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  unroll: boolean;
  stateful: boolean;
}

/** The implementation this call takes: 'layers' where the fast paths do not apply. */
export function chooseImpl(layer: RecurrentLayerView, kind: CellKind, kwargs: Kwargs | undefined): RnnImpl {
  const cell = layer.cell as CellView;
  const dropping = (cell.dropout > 0 || cell.recurrentDropout > 0) && kwargs?.['training'] === true;
  if (layer.stateful || layer.unroll || dropping) return 'layers';
  const impl = resolveRnnImpl();
  if (impl === 'fused' && !fusedActivations(kind, cell).ok) return 'ops';
  return impl;
}

function fastCall(layer: RecurrentLayerView, kind: CellKind, impl: 'fused' | 'ops', inputs: Tensor | Tensor[], kwargs: Kwargs | undefined): Tensor | Tensor[] {
  const rawMask = kwargs?.['mask'] as Tensor | Tensor[] | null | undefined;
  const mask = Array.isArray(rawMask) ? (rawMask[0] ?? null) : (rawMask ?? null);
  let initialState = (kwargs?.['initialState'] as Tensor[] | null | undefined) ?? null;
  let x: Tensor;
  if (Array.isArray(inputs)) {
    x = inputs[0] as Tensor;
    if (initialState === null && inputs.length > 1) initialState = inputs.slice(1);
  } else {
    x = inputs;
  }
  const numStates = kind === 'lstm' ? 2 : 1;
  if (initialState !== null && initialState.length !== numStates) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `Layer ${layer.name} (${kind}) expected ${numStates} initial state tensor(s) but got ${initialState.length}. ` +
        (kind === 'lstm' ? 'Pass [h0, c0].' : 'Pass [h0].'),
      { field: 'initialState' }
    );
  }
  if (x.rank !== 3) {
    throw new SeqtrainError('ERR_SHAPE_MISMATCH', `Layer ${layer.name} expected a [batch, time, features] input but got shape [${x.shape.join(', ')}].`, {
      field: 'inputs',
    });
  }
  const { sequence, states } = runSequence({
    kind,
    cell: layer.cell as CellView,
    x: x as Tensor3D,
    mask,
    initialState,
    goBackwards: layer.goBackwards,
    impl,
  });
  const output = layer.returnSequences ? transpose(sequence, [1, 0, 2]) : (states[0] as Tensor);
  return layer.returnState ? [output, ...states] : output;
}

export class FastLSTM extends STOCK_LSTM {
  static override className = STOCK_LSTM.className;

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    const impl = chooseImpl(this, 'lstm', kwargs);
    if (impl === 'layers') return super.call(inputs, kwargs);
    return tidy(() => fastCall(this, 'lstm', impl, inputs, kwargs));
  }
}

export class FastGRU extends STOCK_GRU {
  static override className = STOCK_GRU.className;

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    const impl = chooseImpl(this, 'gru', kwargs);
    if (impl === 'layers') return super.call(inputs, kwargs);
    return tidy(() => fastCall(this, 'gru', impl, inputs, kwargs));
  }
}

export class FastSimpleRNN extends STOCK_SIMPLE_RNN {
  static override className = STOCK_SIMPLE_RNN.className;

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    const impl = chooseImpl(this, 'simple_rnn', kwargs);
    if (impl === 'layers') return super.call(inputs, kwargs);
    return tidy(() => fastCall(this, 'simple_rnn', impl, inputs, kwargs));
  }
}

/** Drop-in for tf.layers.lstm. */
export function lstm(args: LstmLayerArgs): FastLSTM {
  return new FastLSTM(args);
}

/** Drop-in for tf.layers.gru. */
export function gru(args: GruLayerArgs): FastGRU {
  return new FastGRU(args);
}

/** Drop-in for tf.layers.simpleRNN. */
export function simpleRNN(args: SimpleRnnLayerArgs): FastSimpleRNN {
  return new FastSimpleRNN(args);
}

type Registrable = Parameters<typeof serialization.SerializationMap.register>[0];

function registerClasses(classes: unknown[]): void {
  for (const cls of classes) serialization.SerializationMap.register(cls as Registrable);
}

/**
 * Makes tfjs build our classes wherever it deserializes 'LSTM', 'GRU', 'SimpleRNN' or 'TimeDistributed'
 * (fast-time-distributed.ts): tf.loadLayersModel, models.modelFromJSON, and Bidirectional's copy of its layer. The names stay
 * the stock ones (SerializationMap is keyed by className), so saved files are unchanged.
 */
export function useFastRecurrentLayers(): void {
  registerClasses([FastLSTM, FastGRU, FastSimpleRNN, FastTimeDistributed]);
}

/** Puts tfjs-layers' own classes back under those names. */
export function useStockRecurrentLayers(): void {
  registerClasses([STOCK_LSTM, STOCK_GRU, STOCK_SIMPLE_RNN, STOCK_TIME_DISTRIBUTED]);
}
