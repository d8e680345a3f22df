/**
 * A drop-in replacement for tfjs-layers' Orthogonal initializer that does its QR factorisation in
 * plain float64 JavaScript.
 *
 * tfjs' own Orthogonal runs `tf.linalg.qr`, a column loop of small tensor ops: on the cpu backend
 * a char-lm's 128 x 512 recurrent kernel took 29 s to initialise on the 2-core dev machine (and
 * loading a checkpoint re-runs initializers), versus a few ms here. The result is the same matrix:
 * the same seeded normal draws (tf.randomNormal with the initializer's seed), and the QR
 * factorisation with a positive R diagonal is unique, which is what tfjs' sign correction yields
 * too; only float rounding differs.
 *
 * It keeps the class name 'Orthogonal' and tfjs' config ({ gain, seed }), so saved model.json
 * files stay standard Keras/tfjs; registering it replaces 'Orthogonal' in tfjs' serialization map,
 * so models loaded in this process initialise fast as well.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Orthogonal } from '@tensorflow/tfjs-layers/dist/initializers.js';
import { SeqtrainError } from '@seqtrain/common';

export interface OrthogonalArgs {
  gain?: number;
  seed?: number;
}

// tfjs-layers exports only the factory; its class (needed for `instanceof Initializer`) is reached
// through an instance.
const BuiltinOrthogonal = tfl.initializers.orthogonal({}).constructor as typeof Orthogonal;

/**
 * Orthonormal columns of `a` (rows x cols, rows >= cols, row-major) by modified Gram-Schmidt with
 * re-orthogonalisation, in float64. Column signs match QR with a positive R diagonal.
 */
export function orthonormalColumns(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const q = Float64Array.from(a);
  for (let j = 0; j < cols; j++) {
    // Two passes ("twice is enough") keep orthogonality at float64 precision.
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += (q[i * cols + k] ?? 0) * (q[i * cols + j] ?? 0);
        for (let i = 0; i < rows; i++) q[i * cols + j] = (q[i * cols + j] ?? 0) - dot * (q[i * cols + k] ?? 0);
      }
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += (q[i * cols + j] ?? 0) ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Orthogonal initializer drew a rank-deficient matrix (column ${j}).`);
    }
    for (let i = 0; i < rows; i++) q[i * cols + j] = (q[i * cols + j] ?? 0) / norm;
  }
  return q;
}

export class FastOrthogonal extends BuiltinOrthogonal {
  constructor(args: OrthogonalArgs = {}) {
    super(args);
  }

  override apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    if (shape.length < 2) {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Orthogonal initializer needs a shape of rank >= 2; got [${shape.join(', ')}].`);
    }
    if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32') {
      throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Orthogonal initializer supports float32 and int32; got ${dtype}.`);
    }
    const numRows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const numCols = shape[shape.length - 1] ?? 1;
    const tall = Math.max(numRows, numCols);
    const wide = Math.min(numRows, numCols);
    const normal = tf.tidy(() => tf.randomNormal([tall, wide], 0, 1, 'float32', this.seed).dataSync());
    const q = orthonormalColumns(normal, tall, wide);
    const out = new Float32Array(numRows * numCols);
    for (let r = 0; r < tall; r++) {
      for (let c = 0; c < wide; c++) {
        const value = this.gain * (q[r * wide + c] ?? 0);
        // q is [tall, wide]; when rows < cols the kernel is its transpose.
        if (numRows >= numCols) out[r * numCols + c] = value;
        else out[c * numCols + r] = value;
      }
    }
    return tf.tensor(out, shape, dtype ?? 'float32');
  }
}

tf.serialization.registerClass(FastOrthogonal);

export function fastOrthogonal(args: OrthogonalArgs = {}): FastOrthogonal {
  return new FastOrthogonal(args);
}
