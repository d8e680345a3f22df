/**
 * TimeDistributed as tfjs-layers' own class underneath (same className, config, weights and model.json,
 * as fast-recurrent-layers.ts does for the recurrent layers), with Keras' reshape path: when the wrapped
 * layer is a Dense, the [batch, time, ...features] input is reshaped to [batch·time, ...features], the
 * layer runs once, and the result is reshaped back. Keras' TimeDistributed takes that path whenever the
 * batch size is not fixed (our models never fix it); tfjs-layers always loops over time steps with
 * K.rnn, one small product per step forward and two backward. Measured on the seq2seq job's head
 * (102 steps x 32 verses x 256 features -> 90 characters per rank, wasm, idle machine, tf.profile of one
 * training step): the loop cost 102 fusedMatMul + 204 BatchMatMul calls and about a thousand Reshape /
 * Identity kernels. Other wrapped layers (anything that might mix samples or carry per-call state) keep
 * the stock loop.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import { reshape, tidy } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type StockTimeDistributed = ReturnType<typeof tfl.layers.timeDistributed>;
export type TimeDistributedLayerArgs = Parameters<typeof tfl.layers.timeDistributed>[0];
type Kwargs = Parameters<StockTimeDistributed['call']>[1];

// tfjs-layers exports the class's type but not the class; a throwaway instance hands over the constructor.
const STOCK_TIME_DISTRIBUTED = tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 1 }) }).constructor as (new (
  args: TimeDistributedLayerArgs
) => StockTimeDistributed) & { className: string };

/** Wrapped layers whose output for a sample depends on that sample alone, with no per-call state. */
const RESHAPE_SAFE = new Set(['Dense']);

export class FastTimeDistributed extends STOCK_TIME_DISTRIBUTED {
  static override className = STOCK_TIME_DISTRIBUTED.className;

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x === undefined || x.rank < 3 || !RESHAPE_SAFE.has(this.layer.getClassName())) return super.call(inputs, kwargs);
    return tidy(() => {
      const [batch, time, ...features] = x.shape as number[];
      const flat = reshape(x, [batch! * time!, ...features]);
      const out = this.layer.call(flat, kwargs);
      const y = Array.isArray(out) ? out[0]! : out;
      return reshape(y, [batch!, time!, ...y.shape.slice(1)]);
    });
  }
}

/** Drop-in for tf.layers.timeDistributed. */
export function timeDistributed(args: TimeDistributedLayerArgs): FastTimeDistributed {
  return new FastTimeDistributed(args);
}

export { STOCK_TIME_DISTRIBUTED };
