/**
 * One rank's training step of the char-LSTM quality job (issue 3), by CPU time, part by part, with the
 * change under test off and on, alternating in one process: `seqtrain bench step`. The model is the
 * job's (char-lm, Embedding → LSTM → softmax at every position), the loss the trainer's
 * sequence cross-entropy, the update Adam; no all-reduce (`seqtrain bench allreduce` and
 * `bench scaling` measure it), no data loading (a batch is two small Int32 arrays).
 *
 * Variants: see StepVariant. CPU time (process.cpuUsage, user + system of this process) instead of wall time,
 * because the 2-core development machine is shared: another process's load stretches wall time but
 * barely moves the CPU time a step needs. Parts: forward (+ loss), backward (variableGrads minus a
 * forward), the optimizer update, and inside the step the CPU time of the fused LSTM kernels (forward
 * and BPTT, including their copies in and out).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeqtrainError } from '@seqtrain/common';
import { selectBackend } from '@seqtrain/backend';
import { activeRnnKernels, registerRnnKernels, setFastMatMul } from '@seqtrain/rnn';
import { setGemmRowPadding, type RnnKernels } from '@seqtrain/rnn-kernels';
import { buildModel } from '@seqtrain/models';
import { perSampleLoss } from '@seqtrain/trainer';
import { fixedWidthHeader, fixedWidthLine, type FixedWidthColumn } from './fixed-width.js';
import { median } from './median.js';
import { checkPositiveIntegers } from './bench-sizes.js';

export interface StepBenchOptions {
  /** LSTM units; default 256 (datasets/jobs/char-lstm-moby.yaml). */
  units?: number;
  /** Window length; default 64. */
  seqLen?: number;
  /** Windows per rank; default 32 (the char-lstm-moby job at global batch 64; it now runs 32 over 2 workers: --batch 16). */
  batch?: number;
  /** Default 83 (Moby Dick's characters). */
  vocabSize?: number;
  embeddingDim?: number;
  /** Timed steps per variant (alternating; medians reported); default 5. */
  repeats?: number;
  /** Untimed steps per variant first; default 2. */
  warmup?: number;
  json?: boolean;
  out?: (line: string) => void;
}

export const STEP_BENCH_DEFAULTS = { units: 256, seqLen: 64, batch: 32, vocabSize: 83, embeddingDim: 32, repeats: 5, warmup: 2 };

/**
 * 'before': tfjs-backend-wasm's BatchMatMul for every product, gemm rows unpadded (the code before these
 * changes); '+ gemm matmul': transposed products on the rnn-kernels gemm (@seqtrain/rnn setFastMatMul);
 * '+ padded rows': and the gemm's B operands padded (@seqtrain/rnn-kernels setGemmRowPadding).
 */
export type StepVariant = 'before' | '+ gemm matmul' | '+ padded rows';
export const STEP_VARIANTS: readonly StepVariant[] = ['before', '+ gemm matmul', '+ padded rows'];

export interface StepBenchRow {
  variant: StepVariant;
  /** Median CPU ms of each part over the timed steps. */
  stepMs: number;
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  /** CPU ms inside the fused LSTM kernels (forward + BPTT) during a step. */
  lstmKernelsMs: number;
  /** stepMs of the first variant / this one's. */
  speedup: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}


/** The active kernels with every call's CPU time added to `spent.ms`. */
function timedKernels(inner: RnnKernels, spent: { ms: number }): RnnKernels {
  const wrap =
    <A, R>(f: (a: A) => R) =>
    (a: A): R => {
      const start = cpuMs();
      try {
        return f(a);
      } finally {
        spent.ms += cpuMs() - start;
      }
    };
  return {
    name: inner.name,
    lstmForward: wrap(inner.lstmForward.bind(inner)),
    lstmBackward: wrap(inner.lstmBackward.bind(inner)),
    gruForward: inner.gruForward.bind(inner),
    gruBackward: inner.gruBackward.bind(inner),
    simpleRnnForward: inner.simpleRnnForward.bind(inner),
    simpleRnnBackward: inner.simpleRnnBackward.bind(inner),
    matMul: inner.matMul.bind(inner),
  };
}

const COLUMNS: FixedWidthColumn[] = [
  { title: 'variant', width: 14 },
  { title: 'step cpu ms', width: 11 },
  { title: 'forward', width: 8 },
  { title: 'backward', width: 8 },
  { title: 'optimizer', width: 9 },
  { title: 'lstm kernels', width: 12 },
  { title: 'speedup', width: 7 },
];

export async function runStepBench(options: StepBenchOptions = {}): Promise<StepBenchRow[]> {
  const o = { ...STEP_BENCH_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof STEP_BENCH_DEFAULTS &
    StepBenchOptions;
  checkPositiveIntegers('step', o, ['units', 'seqLen', 'batch', 'vocabSize', 'embeddingDim', 'repeats']);
  if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new SeqtrainError('ERR_INVALID_ARGUMENT', `bench step: warmup must be >= 0, got ${o.warmup}.`, { field: 'warmup' });
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  await selectBackend('wasm');
  const spent = { ms: 0 };
  const inner = activeRnnKernels();
  registerRnnKernels({ kernels: timedKernels(inner, spent) });
  const { units, seqLen, batch, vocabSize, embeddingDim } = o;
  const model = buildModel('char-lm', { vocabSize, seqLen, embeddingDim, units, cell: 'lstm', targets: 'sequence' });
  const ids = (seed: number): Int32Array => Int32Array.from({ length: batch * seqLen }, (_, i) => (i * 7919 + seed * 104729) % vocabSize);
  const xs = tf.tensor2d(ids(1), [batch, seqLen], 'int32');
  const ys = tf.tensor2d(ids(2), [batch, seqLen], 'int32');
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(0.004);
  const loss = (): tf.Scalar => tf.sum(perSampleLoss('sequence_sparse_categorical_crossentropy', model.apply(xs, { training: true }) as tf.Tensor, ys));
  const samples = new Map<StepVariant, { step: number[]; forward: number[]; backward: number[]; optimizer: number[]; lstm: number[] }>(
    STEP_VARIANTS.map((v) => [v, { step: [], forward: [], backward: [], optimizer: [], lstm: [] }])
  );
  const wasFast = setFastMatMul(true);
  const wasPadding = setGemmRowPadding(true);
  try {
    for (let i = 0; i < o.warmup + o.repeats; i++) {
      for (const variant of STEP_VARIANTS) {
        setFastMatMul(variant !== 'before');
        setGemmRowPadding(variant === '+ padded rows');
        const t0 = cpuMs();
        tf.tidy(() => void loss().dataSync());
        const t1 = cpuMs();
        spent.ms = 0;
        const { value, grads } = tf.variableGrads(loss, vars);
        value.dataSync();
        const lstm = spent.ms;
        const t2 = cpuMs();
        optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        for (const v of vars) v.dataSync();
        const t3 = cpuMs();
        tf.dispose([value, ...Object.values(grads)]);
        if (i < o.warmup) continue;
        const s = samples.get(variant) as NonNullable<ReturnType<typeof samples.get>>;
        s.forward.push(t1 - t0);
        s.backward.push(t2 - t1 - (t1 - t0));
        s.optimizer.push(t3 - t2);
        s.step.push(t3 - t1);
        s.lstm.push(lstm);
      }
    }
  } finally {
    setFastMatMul(wasFast);
    setGemmRowPadding(wasPadding);
    registerRnnKernels({ kernels: inner });
    tf.dispose([xs, ys, ...vars]);
  }
  const rows: StepBenchRow[] = [];
  for (const variant of STEP_VARIANTS) {
    const s = samples.get(variant) as NonNullable<ReturnType<typeof samples.get>>;
    const stepMs = median(s.step);
    rows.push({
      variant,
      stepMs,
      forwardMs: median(s.forward),
      backwardMs: median(s.backward),
      optimizerMs: median(s.optimizer),
      lstmKernelsMs: median(s.lstm),
      speedup: (rows[0]?.stepMs ?? stepMs) / stepMs,
    });
  }
  if (o.json) {
    for (const row of rows) out(JSON.stringify({ ...row, units, seqLen, batch, vocabSize, embeddingDim, kernels: inner.name }));
  } else {
    out(`char-LM training step of one rank on wasm (kernels ${inner.name}): LSTM ${units}, embedding ${embeddingDim}, ${batch} windows of ${seqLen}, vocabulary ${vocabSize}; median CPU ms of ${o.repeats} steps per variant, alternating`);
    out(fixedWidthHeader(COLUMNS));
    for (const r of rows) {
      out(fixedWidthLine(COLUMNS, [r.variant, r.stepMs.toFixed(1), r.forwardMs.toFixed(1), r.backwardMs.toFixed(1), r.optimizerMs.toFixed(1), r.lstmKernelsMs.toFixed(1), `${r.speedup.toFixed(2)}x`]));
    }
  }
  return rows;
}
