/**
 * Test helpers (not part of the package's dist): seeded values, a layer pair (stock tfjs-layers and
 * ours with identical weights), and the loss/gradient harness both are compared with.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Deterministic values in [-scale, scale) (a small LCG), so every backend sees the same inputs. */
export function seeded(count: number, seed: number, scale = 1): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 31 - 1) * scale;
  });
}

/** max |a - e| over the tensor divided by max |e| (relative to the tensor's scale). */
export function relDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / scale;
}

type AnyLayer = tfl.layers.Layer;

export interface Evaluation {
  /** Every output of the layer call (output, then states when returnState), flattened. */
  outputs: number[][];
  /** Gradients of the loss by name: 'x', 'h0', 'c0', then 'i:kernel', 'i:recurrent_kernel', 'i:bias' per trainable weight. */
  grads: Record<string, number[]>;
}

/**
 * Calls `layer` on x (and initial states), takes loss = Σ_k Σ outputs_k ⊙ R_k with fixed random R_k,
 * and returns the outputs and the gradients of the loss w.r.t. x, the initial states and every weight.
 */
export function evaluate(
  layer: AnyLayer,
  x: number[],
  xShape: [number, number, number],
  opts: { mask?: number[]; initialState?: number[][]; stateShape?: [number, number] }
): Evaluation {
  return tf.tidy(() => {
    const xVar = tf.variable(tf.tensor3d(x, xShape), true);
    const stateVars = (opts.initialState ?? []).map((s) => tf.variable(tf.tensor2d(s, opts.stateShape as [number, number]), true));
    const mask = opts.mask ? tf.tensor2d(opts.mask, [xShape[0], xShape[1]]) : undefined;
    const weights = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    let outputs: tf.Tensor[] = [];
    const lossFn = (): tf.Scalar => {
      const kwargs: Record<string, unknown> = {};
      if (mask) kwargs['mask'] = mask;
      if (stateVars.length > 0) kwargs['initialState'] = stateVars;
      const out = layer.apply(xVar, kwargs) as tf.Tensor | tf.Tensor[];
      // variableGrads disposes what the loss function made; keep the outputs to read them afterwards.
      outputs = (Array.isArray(out) ? out : [out]).map((o) => tf.keep(o));
      return outputs.reduce(
        (acc: tf.Scalar, o, k) => tf.add(acc, tf.sum(tf.mul(o, tf.tensor(seeded(o.size, 77 + k), o.shape)))) as tf.Scalar,
        tf.scalar(0)
      );
    };
    const { grads } = tf.variableGrads(lossFn, [xVar, ...stateVars, ...weights]);
    const named: Record<string, number[]> = { x: Array.from(grads[xVar.name]?.dataSync() ?? []) };
    stateVars.forEach((s, i) => (named[i === 0 ? 'h0' : 'c0'] = Array.from(grads[s.name]?.dataSync() ?? [])));
    layer.trainableWeights.forEach((w, i) => (named[`${i}:${w.originalName.split("/").pop() ?? ""}`] = Array.from(grads[weights[i]?.name ?? '']?.dataSync() ?? [])));
    const result = { outputs: outputs.map((o) => Array.from(o.dataSync())), grads: named };
    tf.dispose([xVar, ...stateVars, ...outputs]);
    return result;
  });
}

/** Builds `layer` for input [B,T,D] and sets seeded weights (scale 0.5) on it. */
export function buildWithSeededWeights(layer: AnyLayer, inputShape: [number, number, number], seed: number): void {
  layer.build(inputShape);
  // RNN.build leaves `built` to apply(), which would build (and add the weights) a second time.
  layer.built = true;
  const values = layer.getWeights().map((w, i) => tf.tensor(seeded(w.size, seed + i, 0.5), w.shape));
  layer.setWeights(values);
  tf.dispose(values);
}
