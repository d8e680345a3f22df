/**
 * What the coordinator reports while a run goes on: the CLI's progress output and the dashboard
 * (page, /events, /metrics) are both driven by these events, in the order the numbered flow at the top
 * of coordinator.ts produces them. Every event is plain JSON data (it is sent as is over Server-Sent Events).
 */
import type { MembershipChange, RunSummary, StepMetrics } from './run-directory.js';
import type { ValidationMetrics } from './validation-metrics.js';

/** One rank as assigned at rendezvous (flow step 3). */
export interface RankInfo {
  rank: number;
  agentId: string;
  localRank: number;
  hostname: string;
  pid: number;
  backend: string;
  /** ws:// address of the rank's ring listener. */
  ringAddress: string;
}

/** One rank's share of a step, from its `stepDone` (flow step 5). */
export interface RankStepStats {
  rank: number;
  hostname: string;
  /** Local samples this step. */
  count: number;
  /** Mean loss over the rank's local samples (nats); NaN (null in JSON) when it had none. */
  loss: number;
  computeSeconds: number;
  commSeconds: number;
  dataSeconds: number;
}

export type CoordinatorEvent =
  | { type: 'listening'; address: string }
  /** The dashboard's address (only when the job's `dashboard` is on), right after `listening`. */
  | { type: 'dashboard'; url: string }
  | { type: 'joined'; joined: number; expected: number; hostname: string; backend: string; backendDescription: string }
  | { type: 'refused'; reason: string }
  /** Ranks are assigned (flow step 3): index = rank. */
  | { type: 'ranks'; ranks: RankInfo[] }
  | { type: 'started'; worldSize: number; startStep: number; totalSteps: number; stepsPerEpoch: number; backend: string; parameterCount: number }
  /** `ranks` is indexed by rank; `metrics` is the line appended to metrics.jsonl. */
  | { type: 'step'; metrics: StepMetrics; totalSteps: number; ranks: RankStepStats[] }
  /** accuracy: share classified right, for a classification dataset; null for text. */
  | { type: 'validation'; step: number; loss: number; bitsPerToken: number; samples: number; accuracy: number | null; metrics?: ValidationMetrics }
  | { type: 'checkpoint'; step: number; path: string }
  /**
   * A rank's control connection closed. `afterShutdown`: the coordinator had already ended the run
   * (completed or failed) and sent `shutdown`, so the close is the rank exiting as told, not a crash.
   */
  | { type: 'rankClosed'; rank: number; hostname: string; afterShutdown: boolean; code: number; reason: string }
  /** Elastic: a rank was found dead (socket closed, silent, or no answer to `reform`); a re-formation follows (flow 12). */
  | { type: 'rankLost'; rank: number; hostname: string; pid: number; reason: string; generation: number }
  /** Elastic: the ring was re-formed; `ranks` is the new generation's rank table (flow 12). */
  | ({ type: 'membership'; ranks: RankInfo[] } & MembershipChange)
  /** Stall inspector (flow 10): ranks missing from a collective others entered; `aborted` on the second threshold. */
  | { type: 'stall'; step: number; name: string; missing: number[]; waitedMs: number; aborted: boolean }
  /** The run completed; summary.json holds the same summary. */
  | { type: 'finished'; summary: RunSummary }
  /** The run failed (flow: any point); `rank` names the failing rank when one is known. */
  | { type: 'failed'; code: string; message: string; rank: number | null };
