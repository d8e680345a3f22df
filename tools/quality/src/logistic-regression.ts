/**
 * Multinomial logistic regression on sparse binary features (bag of words): softmax over
 * W x + b, trained by mini-batch Adam on the mean cross-entropy plus (l2 / 2) |W|^2, in a seeded
 * order (the data package's `permutation`), so a run is reproducible bit for bit.
 */
import { SeqtrainError } from '@seqtrain/common';
import { permutation } from '@seqtrain/data';

export interface LogisticOptions {
  features: number;
  classes: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
}

/** A document: the distinct feature ids present in it. */
export type SparseRow = Int32Array;

export interface LogisticModel {
  weights: Float64Array;
  bias: Float64Array;
  features: number;
  classes: number;
}

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

function scores(model: LogisticModel, row: SparseRow, out: Float64Array): void {
  const { weights, bias, classes } = model;
  for (let c = 0; c < classes; c++) out[c] = bias[c] as number;
  for (const f of row) for (let c = 0; c < classes; c++) out[c] = (out[c] as number) + (weights[f * classes + c] as number);
}

function softmaxInPlace(v: Float64Array): void {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] = Math.exp((v[i] as number) - max);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / sum;
}

export function trainLogistic(rows: readonly SparseRow[], labels: ArrayLike<number>, options: LogisticOptions): LogisticModel {
  const { features, classes } = options;
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 32;
  const lr = options.learningRate ?? 0.01;
  const l2 = options.l2 ?? 0;
  const seed = options.seed ?? 42;
  if (rows.length !== labels.length || rows.length === 0) {
    throw new SeqtrainError('ERR_SHAPE_MISMATCH', `trainLogistic needs one label per row and at least one row; got ${rows.length} rows and ${labels.length} labels.`);
  }
  const size = features * classes;
  const model: LogisticModel = { weights: new Float64Array(size), bias: new Float64Array(classes), features, classes };
  const params = [model.weights, model.bias];
  const grads = [new Float64Array(size), new Float64Array(classes)];
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const p = new Float64Array(classes);
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = permutation(rows.length, seed, epoch);
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      const [gw, gb] = grads as [Float64Array, Float64Array];
      const scale = 1 / (end - start);
      for (let k = start; k < end; k++) {
        const r = order[k] as number;
        const row = rows[r] as SparseRow;
        scores(model, row, p);
        softmaxInPlace(p);
        const y = labels[r] as number;
        for (let c = 0; c < classes; c++) {
          const d = ((p[c] as number) - (c === y ? 1 : 0)) * scale;
          gb[c] = (gb[c] as number) + d;
          for (const f of row) gw[f * classes + c] = (gw[f * classes + c] as number) + d;
        }
      }
      t++;
      const c1 = 1 - ADAM_BETA1 ** t;
      const c2 = 1 - ADAM_BETA2 ** t;
      params.forEach((param, j) => {
        const g = grads[j] as Float64Array;
        const mj = m[j] as Float64Array;
        const vj = v[j] as Float64Array;
        // The data term was accumulated sparsely into g; weight decay (every weight, not the bias) is
        // added in the pass that consumes and clears g: one dense pass per batch.
        const decay = param === model.weights ? l2 : 0;
        for (let i = 0; i < param.length; i++) {
          const gi = (g[i] as number) + decay * (param[i] as number);
          g[i] = 0;
          mj[i] = ADAM_BETA1 * (mj[i] as number) + (1 - ADAM_BETA1) * gi;
          vj[i] = ADAM_BETA2 * (vj[i] as number) + (1 - ADAM_BETA2) * gi * gi;
          param[i] = (param[i] as number) - (lr * ((mj[i] as number) / c1)) / (Math.sqrt((vj[i] as number) / c2) + ADAM_EPSILON);
        }
      });
    }
  }
  return model;
}

export function predictLogistic(model: LogisticModel, row: SparseRow): number {
  const s = new Float64Array(model.classes);
  scores(model, row, s);
  let best = 0;
  for (let c = 1; c < model.classes; c++) if ((s[c] as number) > (s[best] as number)) best = c;
  return best;
}

export function accuracy(model: LogisticModel, rows: readonly SparseRow[], labels: ArrayLike<number>): number {
  let right = 0;
  rows.forEach((row, i) => (right += predictLogistic(model, row) === labels[i] ? 1 : 0));
  return rows.length > 0 ? right / rows.length : Number.NaN;
}
