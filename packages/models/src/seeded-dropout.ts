/**
 * Dropout whose masks are a function of a key, not of Math.random: what data-parallel training needs
 * to be reproducible. tfjs-layers' Dropout draws its mask with `tf.dropout(x, rate, shape, seed)`;
 * without a seed that is Math.random, and with the config's fixed seed it is the same mask on every
 * call. These subclasses keep the stock class names, config and (absent) weights, so model.json is
 * Keras/tfjs' and a checkpoint loads with stock `tf.loadLayersModel`; only the training-mode mask
 * differs: inside `withDropoutNoise(key, fn)` the n-th dropout call of `fn` draws its mask from
 * mixSeed(key, n). The trainer keys each forward pass by (job seed, step, rank, micro-batch), so the
 * same seed replays the same masks, ranks use different masks, and a micro-batch split changes them.
 * Outside a key (user code calling the model in training mode) they behave as stock (Math.random).
 * In inference (training false or absent) the input passes through unchanged, as Keras.
 */
import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type StockDropout = ReturnType<typeof tfl.layers.dropout>;
type DropoutArgs = Parameters<typeof tfl.layers.dropout>[0];
type SpatialArgs = Parameters<typeof tfl.layers.spatialDropout1d>[0];
type Kwargs = Parameters<StockDropout['call']>[1];
type Ctor<A> = (new (args: A) => StockDropout) & { className: string };

// tfjs-layers exports the classes' types, not the classes: throwaway instances hand them over.
const STOCK_DROPOUT = tfl.layers.dropout({ rate: 0.5 }).constructor as Ctor<DropoutArgs>;
const STOCK_SPATIAL_DROPOUT_1D = tfl.layers.spatialDropout1d({ rate: 0.5 }).constructor as Ctor<SpatialArgs>;

interface NoiseScope {
  key: number;
  calls: number;
}

let scope: NoiseScope | null = null;

/** A 32-bit mix of integers (murmur3's finalizer over a running hash): equal inputs, equal seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.imul(part >>> 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h = Math.imul(((h ^ k) << 13) | ((h ^ k) >>> 19), 5) + 0xe6546b64;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/**
 * Runs `fn` (synchronous: a forward pass, or tf.variableGrads' function) with dropout masks keyed by
 * `key`. Scopes do not nest: the trainer opens exactly one per forward pass.
 */
export function withDropoutNoise<T>(key: number, fn: () => T): T {
  const outer = scope;
  scope = { key: key >>> 0, calls: 0 };
  try {
    return fn();
  } finally {
    scope = outer;
  }
}

function noiseSeed(): number | undefined {
  if (scope === null) return undefined;
  scope.calls += 1;
  return mixSeed(scope.key, scope.calls);
}

/** What keyedCall reads of tfjs-layers' Dropout (private in its typings, public at run time). */
interface DropoutView {
  rate: number;
  getNoiseShape(input: tf.Tensor): number[] | undefined;
}

function keyedCall(layer: DropoutView, noiseShape: number[] | undefined, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs, stock: () => tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
  const training = kwargs?.['training'] === true;
  if (!training || !(layer.rate > 0 && layer.rate < 1)) return stock();
  const seed = noiseSeed();
  if (seed === undefined) return stock();
  const input = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
  return tf.tidy(() => tf.dropout(input, layer.rate, noiseShape, seed));
}

export class KeyedDropout extends STOCK_DROPOUT {
  static override className = 'Dropout';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as DropoutView;
    const input = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return keyedCall(self, self.getNoiseShape(input), inputs, kwargs, () => super.call(inputs, kwargs));
  }
}

export class KeyedSpatialDropout1D extends STOCK_SPATIAL_DROPOUT_1D {
  static override className = 'SpatialDropout1D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as DropoutView;
    const input = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    // One mask per sample and feature, shared by every time step (Keras' SpatialDropout1D).
    return keyedCall(self, [input.shape[0] as number, 1, input.shape[2] as number], inputs, kwargs, () => super.call(inputs, kwargs));
  }
}

let registered = false;

/** Makes tfjs deserialize Dropout / SpatialDropout1D as the keyed classes (checkpoints, resume). */
export function useKeyedDropout(): void {
  if (registered) return;
  serialization.registerClass(KeyedDropout as unknown as serialization.SerializableConstructor<serialization.Serializable>);
  serialization.registerClass(KeyedSpatialDropout1D as unknown as serialization.SerializableConstructor<serialization.Serializable>);
  registered = true;
}

export function dropout(args: DropoutArgs): tfl.layers.Layer {
  useKeyedDropout();
  return new KeyedDropout(args) as unknown as tfl.layers.Layer;
}

export function spatialDropout1d(args: SpatialArgs): tfl.layers.Layer {
  useKeyedDropout();
  return new KeyedSpatialDropout1D(args) as unknown as tfl.layers.Layer;
}
