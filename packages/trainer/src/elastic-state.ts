/**
 * In-memory commits for elastic training, as Horovod Elastic's `state.commit()`: after every
 * commitEvery-th completed step each rank copies its weights (all of model.weights, as syncFromRoot
 * moves them) and its optimizer slots into host memory, with the steps-completed count. The sampler's
 * position is a function of that count (the global batch is fixed: epoch = floor(step / stepsPerEpoch)),
 * so a commit is the whole training state. When a rank is lost, the survivors restore the commit of the
 * step the coordinator picks (the last one all of them hold) with no disk I/O.
 *
 * Two commits are kept: a synchronous step can leave the survivors one step apart (some finished the
 * all-reduce of step S before the failure, others not), so the newest commit common to all is at most
 * one commit behind the newest of any rank.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { SeqtrainError } from '@seqtrain/common';
import { flattenTensors, tensorsFromFlat } from './flat-tensors.js';
import type { OptimizerState } from './optimizer-state.js';

export interface Commit {
  /** Steps completed when the commit was taken. */
  step: number;
  weights: Float32Array;
  optimizer: OptimizerState;
}

/** What a commit reads and restores: the trainer (whose collective changes at every re-formation) fits. */
export interface CommitSource {
  readonly model: LayersModel;
  getOptimizerState(): Promise<OptimizerState>;
  setOptimizerState(state: OptimizerState, source?: string): Promise<void>;
}

export const COMMITS_KEPT = 2;

export class CommitStore {
  private readonly commits: Commit[] = [];

  /** Steps-completed counts held, oldest first. */
  steps(): number[] {
    return this.commits.map((c) => c.step);
  }

  async commit(source: CommitSource, step: number): Promise<void> {
    const weights = await flattenTensors(source.model.weights.map((w) => w.read()));
    const optimizer = await source.getOptimizerState();
    // getOptimizerState returns a fresh copy; the weights array is a fresh copy too, so a commit never aliases live state.
    const existing = this.commits.findIndex((c) => c.step === step);
    if (existing >= 0) this.commits.splice(existing, 1);
    this.commits.push({ step, weights, optimizer });
    this.commits.sort((a, b) => a.step - b.step);
    while (this.commits.length > COMMITS_KEPT) this.commits.shift();
  }

  /** Puts the commit of `step` back into the model and optimizer; later commits are dropped (they are being re-done). */
  async restore(source: CommitSource, step: number, rank: number): Promise<void> {
    const commit = this.commits.find((c) => c.step === step);
    if (!commit) {
      throw new SeqtrainError(
        'ERR_CHECKPOINT_INVALID',
        `Rank ${rank} holds commits of steps [${this.steps().join(', ')}], not of step ${step} the coordinator rolls back to; the ranks' commit points disagree (same commitEvery everywhere?).`,
        { rank, step }
      );
    }
    const shapes = source.model.weights.map((w) => [...w.shape] as number[]);
    const tensors = tensorsFromFlat(commit.weights, shapes, `rank ${rank} commit of step ${step}`);
    try {
      source.model.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
    await source.setOptimizerState(
      { specs: commit.optimizer.specs, data: commit.optimizer.data.slice() },
      `rank ${rank} commit of step ${step}`
    );
    for (let i = this.commits.length - 1; i >= 0; i--) if ((this.commits[i] as Commit).step > step) this.commits.splice(i, 1);
  }
}
