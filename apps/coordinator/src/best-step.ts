/**
 * The job's restoreBest: which validation pass's weights to keep. Lower loss or higher accuracy wins;
 * on a tie the earlier step stays (fewer steps, as Keras' EarlyStopping keeps the first best epoch).
 * A NaN figure never wins.
 */
import type { Selection, ValidationMetrics } from './validation-metrics.js';

export class BestStep {
  readonly monitor: 'loss' | 'accuracy';
  private best: { step: number; value: number; samples: number } | null = null;
  private readonly seen: number[] = [];

  constructor(monitor: 'loss' | 'accuracy') {
    this.monitor = monitor;
  }

  /** Records a validation pass; true when it is the best so far. */
  offer(metrics: ValidationMetrics): boolean {
    const value = this.monitor === 'loss' ? metrics.loss : (metrics.accuracy ?? NaN);
    if (!this.seen.includes(metrics.step)) this.seen.push(metrics.step);
    if (Number.isNaN(value)) return false;
    const better = this.best === null || (this.monitor === 'loss' ? value < this.best.value : value > this.best.value);
    if (better) this.best = { step: metrics.step, value, samples: metrics.samples };
    return better;
  }

  /** The best step so far, or null before any pass with a finite figure. */
  step(): number | null {
    return this.best?.step ?? null;
  }

  selection(): Selection | null {
    if (this.best === null) return null;
    return { monitor: this.monitor, split: 'validation', step: this.best.step, value: this.best.value, samples: this.best.samples, candidates: [...this.seen] };
  }
}
