/**
 * What one validation pass reports, per dataset kind (the `validation` object of summary.json and each
 * line of validation.jsonl; tools/quality reads these field names):
 *   every kind      step, samples, loss (mean per-sample loss in the training loss's units)
 *   text            bitsPerChar = loss / ln 2 (the loss is nats per next character)
 *   classification  accuracy (0..1)
 *   idx             accuracy (0..1)
 *   timeseries      rmse and mse in the ORIGINAL units of the target, from the ranks' sums of squared
 *                   errors of predictions mapped back through the recipe's scaling, differencing and
 *                   transform (`originalSquaredErrorSum` / `originalTargets`; with one target per window
 *                   this is the one-step RMSE; with one per step, the RMSE over every step of every
 *                   window). Without those sums (a worker of protocol 4 cannot send them) and with no
 *                   transform or differencing, the scaling is affine (v - offset) / range, so
 *                   rmse = sqrt(loss) x range.
 *   pairs           chrf, copyChrf (0..100: greedy translations, and copying the source, against the
 *                   references of up to `chrf.samples` held-out pairs), decoded (how many pairs)
 *   split           'validation' or 'test' (the dataset's test split, evaluated once after the last step)
 *   selection       with the job's restoreBest: the step whose weights were restored and evaluated
 *                   here, the figure that chose it and on which split (see best-step.ts)
 */
import { SeqtrainError } from '@seqtrain/common';
import type { DatasetManifest } from '@seqtrain/data';
import type { MessageOf, WorkerMessage } from '@seqtrain/protocol';

type EvalDone = MessageOf<WorkerMessage, 'evalDone'>;

export interface ValidationMetrics {
  step: number;
  samples: number;
  loss: number;
  bitsPerChar?: number;
  accuracy?: number;
  rmse?: number;
  mse?: number;
  chrf?: number;
  copyChrf?: number;
  decoded?: number;
  split?: 'validation' | 'test';
  selection?: Selection;
}

/** What chose the weights a final evaluation scored (the job's restoreBest). */
export interface Selection {
  /** The validation figure compared: lowest loss or highest accuracy. */
  monitor: 'loss' | 'accuracy';
  /** Always the validation split: model selection never looks at the test split. */
  split: 'validation';
  /** Steps completed when the chosen weights were evaluated. */
  step: number;
  /** The monitored figure at that step, and on how many validation samples. */
  value: number;
  samples: number;
  /** The validation passes compared (steps). */
  candidates: number[];
}

/** The spread that maps a scaled error of the target back to original units (1 for no scaling). */
export function targetRange(manifest: DatasetManifest): number {
  if (manifest.kind !== 'timeseries') return 1;
  const feature = manifest.features.indexOf(manifest.target);
  const s = manifest.scaling;
  if (s.method === 'none') return 1;
  const spread = s.method === 'minmax' ? (s.max[feature] ?? NaN) - (s.min[feature] ?? NaN) : (s.std[feature] ?? NaN);
  if (!Number.isFinite(spread)) {
    throw new SeqtrainError('ERR_MANIFEST_INVALID', `The timeseries manifest has no scaling for its target "${manifest.target}".`, { field: 'scaling' });
  }
  return spread === 0 ? 1 : spread;
}

export function validationMetrics(manifest: DatasetManifest, step: number, replies: readonly EvalDone[]): ValidationMetrics {
  const samples = replies.reduce((n, r) => n + r.count, 0);
  const loss = replies.reduce((sum, r) => sum + r.lossSum, 0) / samples;
  const base: ValidationMetrics = { step, samples, loss };
  switch (manifest.kind) {
    case 'text':
      return { ...base, bitsPerChar: loss / Math.LN2 };
    case 'classification':
    case 'idx':
      return { ...base, accuracy: replies.reduce((n, r) => n + (r.correct ?? 0), 0) / samples };
    case 'timeseries': {
      const targets = replies.reduce((n, r) => n + (r.originalTargets ?? 0), 0);
      if (targets > 0) {
        const mse = replies.reduce((sum, r) => sum + (r.originalSquaredErrorSum ?? 0), 0) / targets;
        return { ...base, rmse: Math.sqrt(mse), mse };
      }
      if (manifest.transform !== 'none' || manifest.difference.length > 0) {
        throw new SeqtrainError(
          'ERR_MANIFEST_INVALID',
          `The timeseries dataset is transformed (transform ${manifest.transform}, difference ${JSON.stringify(manifest.difference)}), so its RMSE needs the ranks' original-unit errors, which no evalDone carried; run workers of this seqtrain version.`,
          { field: 'transform' }
        );
      }
      const rmse = Math.sqrt(loss) * targetRange(manifest);
      return { ...base, rmse, mse: rmse * rmse };
    }
    case 'pairs': {
      // Every rank reports the same all-reduced figures; rank 0's are taken.
      const first = replies[0];
      return { ...base, chrf: first?.chrf ?? NaN, copyChrf: first?.copyChrf ?? NaN, decoded: first?.decoded ?? 0 };
    }
  }
}

/** Two decimals, or 3 significant digits below 1 (a sine's RMSE of 0.004 would print as 0.00). */
function formatRmse(rmse: number): string {
  return Math.abs(rmse) >= 1 || rmse === 0 ? rmse.toFixed(2) : rmse.toPrecision(3);
}

/** One line for the progress output: the kind's own figure beside the loss. */
export function describeValidation(v: ValidationMetrics): string {
  if (v.bitsPerChar !== undefined) return `loss ${v.loss.toFixed(3)} nats (${v.bitsPerChar.toFixed(3)} bits/char)`;
  if (v.accuracy !== undefined) return `loss ${v.loss.toFixed(3)} nats, accuracy ${(100 * v.accuracy).toFixed(1)}%`;
  if (v.rmse !== undefined) return `loss ${v.loss.toFixed(5)} (scaled MSE), RMSE ${formatRmse(v.rmse)}`;
  if (v.chrf !== undefined) return `loss ${v.loss.toFixed(3)} nats/token, chrF ${v.chrf.toFixed(1)} (copying the source: ${(v.copyChrf ?? NaN).toFixed(1)}, ${v.decoded} pairs)`;
  return `loss ${v.loss.toFixed(3)}`;
}

/** The kind's own figure, short, for the dashboard beside the validation loss; null for text (bits/char is shown). */
export function validationFigure(v: ValidationMetrics): string | null {
  if (v.accuracy !== undefined) return `accuracy ${(100 * v.accuracy).toFixed(1)}%`;
  if (v.rmse !== undefined) return `RMSE ${formatRmse(v.rmse)}`;
  if (v.chrf !== undefined) return `chrF ${v.chrf.toFixed(1)} (copy ${(v.copyChrf ?? NaN).toFixed(1)})`;
  return null;
}
