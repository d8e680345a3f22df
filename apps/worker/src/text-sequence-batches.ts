/**
 * Many-to-many batches of a text dataset (char-lm `targets: 'sequence'`). A prepared text row holds a
 * window x = ids[s, s + seqLen) and y = ids[s + seqLen]; its shifted target is ids[s + 1, s + seqLen]
 * = x[1..] followed by y, so the row trains seqLen next-character predictions, not one.
 *
 * Validation (comparable with the n-gram baselines, which score every character once with its full
 * history): the validation windows are advanced by V = validationStep, so each one overlaps the previous
 * by B = seqLen - V characters. The first window (row 0) scores every one of its seqLen targets; every
 * later window scores only its last V targets, positions t >= B, whose context inside the window is at
 * least B characters. Row k >= 1 then scores validation characters kV + B + 1 .. kV + seqLen, which
 * start right after row k - 1's last: every character from the second of the validation part up to the
 * last window's end is scored exactly once (the first has no context in the part; fewer than V
 * characters after the last full window are not scored). Unscored positions get target id -1, which the
 * token loss skips (packages/trainer per-sample-loss.ts). validationMaxSamples caps the windows read
 * (spread evenly over the split, as for every kind), so a capped pass scores V characters per window.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { IdBatch, TensorBatch } from '@seqtrain/trainer';

/** Target id of a position that is context only (not scored). */
export const UNSCORED_TARGET_ID = -1;

/**
 * Validation context B for a text manifest: seqLen - validationStep (validationStep defaults to step).
 * A stride above seqLen would skip characters, so it is refused.
 */
export function validationContext(manifest: { seqLen: number; step: number; validationStep?: number }, dir: string): number {
  const stride = manifest.validationStep ?? manifest.step;
  if (stride > manifest.seqLen) {
    throw new SeqtrainError(
      'ERR_JOB_INVALID',
      `${dir}: a many-to-many char-lm (model.config.targets: sequence) scores each validation character once, which needs validation windows advanced by at most seqLen (${manifest.seqLen}); this dataset's validation stride is ${stride}. Prepare it with data.validationStep <= ${manifest.seqLen} (e.g. ${Math.max(1, Math.floor(manifest.seqLen / 2))}).`,
      { file: dir, field: 'data.validationStep' }
    );
  }
  return manifest.seqLen - stride;
}

/**
 * The many-to-many form of a batch of text rows: input ids [count, seqLen], target ids [count, seqLen]
 * shifted by one. `context` null: every position is scored (training); a number B: row index 0 scores
 * all positions, any other row only positions t >= B (validation, see above).
 */
export function sequenceBatch(batch: IdBatch, rows: readonly number[], context: number | null): TensorBatch {
  const { x, y, count, seqLen } = batch;
  const target = new Int32Array(count * seqLen);
  for (let r = 0; r < count; r++) {
    const base = r * seqLen;
    target.set(x.subarray(base + 1, base + seqLen), base);
    target[base + seqLen - 1] = y[r] ?? 0;
    if (context !== null && rows[r] !== 0) target.fill(UNSCORED_TARGET_ID, base, base + Math.min(context, seqLen));
  }
  return { inputs: [{ values: x, shape: [seqLen] }], target: { values: target, shape: [seqLen] }, count };
}
