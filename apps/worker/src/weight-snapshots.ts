/**
 * In-memory copies of a model's weights keyed by step: the job's restoreBest (Keras'
 * restore_best_weights). Every rank keeps the same copies (replicas are bitwise equal), so restoring
 * needs no communication. The coordinator says which steps to keep (`retain`: the best so far), so at
 * most two copies live at once: the best and the one just taken.
 */
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';

export class WeightSnapshots {
  private readonly copies = new Map<number, Tensor[]>();

  /** Keeps a copy of `model`'s weights under `step` (replacing one already there). */
  take(step: number, model: LayersModel): void {
    this.drop(step);
    this.copies.set(step, model.getWeights().map((w) => w.clone()));
  }

  /** Drops every copy whose step is not in `steps`. */
  retainOnly(steps: readonly number[]): void {
    for (const step of [...this.copies.keys()]) if (!steps.includes(step)) this.drop(step);
  }

  /** Sets `model`'s weights to the copy of `step`; the copy stays. */
  restore(step: number, model: LayersModel, rank: number): void {
    const copy = this.copies.get(step);
    if (copy === undefined) {
      throw new SeqtrainError(
        'ERR_CHECKPOINT_INVALID',
        `Rank ${rank} holds no weights of step ${step} to restore (it keeps steps [${this.steps().join(', ')}]); a rank that joined after that validation cannot restore them. Run without restoreBest, or without elastic joins.`,
        { rank, step }
      );
    }
    model.setWeights(copy);
  }

  steps(): number[] {
    return [...this.copies.keys()].sort((a, b) => a - b);
  }

  dispose(): void {
    for (const step of [...this.copies.keys()]) this.drop(step);
  }

  private drop(step: number): void {
    const copy = this.copies.get(step);
    if (copy === undefined) return;
    for (const t of copy) t.dispose();
    this.copies.delete(step);
  }
}
