/**
 * The run as Prometheus metrics (GET /metrics of the dashboard), updated from coordinator events. Each
 * DashboardMetrics owns its own prom-client Registry, never the global one, so two coordinators in one
 * process (tests, a driver that runs jobs back to back) never mix their numbers or clash on names.
 *
 * Names and units: seconds and samples per second, as Prometheus naming asks; `rank` and `host` labels on
 * the per-rank series. Per-rank samples/s is the rank's local samples over its own step time
 * (data + compute + communication), which shows a slow rank even though every rank ends a step together.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { CoordinatorEvent } from './coordinator-event.js';
import type { RunStatus } from './dashboard-state.js';

const STATUSES: readonly RunStatus[] = ['waiting', 'running', 'completed', 'failed'];

export class DashboardMetrics {
  readonly registry = new Registry();
  private readonly hostOf = new Map<number, string>();
  private readonly worldSize: Gauge;
  private readonly step: Gauge;
  private readonly totalSteps: Gauge;
  private readonly epoch: Gauge;
  private readonly loss: Gauge;
  private readonly validationLoss: Gauge;
  private readonly validationBits: Gauge;
  private readonly samplesPerSecond: Gauge;
  private readonly stepSeconds: Gauge;
  private readonly samples: Counter;
  private readonly checkpointStep: Gauge;
  private readonly status: Gauge<'status'>;
  private readonly rankUp: Gauge<'rank' | 'host'>;
  private readonly rankSps: Gauge<'rank' | 'host'>;
  private readonly rankCompute: Gauge<'rank'>;
  private readonly rankComm: Gauge<'rank'>;
  private readonly rankData: Gauge<'rank'>;
  private readonly rankLastStep: Gauge<'rank'>;

  constructor(worldSize: number) {
    const registers = [this.registry];
    const gauge = <L extends string = never>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Gauge<L>({ name, help, labelNames, registers });
    this.worldSize = gauge('seqtrain_world_size', 'Training processes (ranks) in the job.');
    this.step = gauge('seqtrain_step', 'Global optimizer steps completed.');
    this.totalSteps = gauge('seqtrain_total_steps', 'Global steps the job runs to.');
    this.epoch = gauge('seqtrain_epoch', 'Epoch of the last completed step (0-based).');
    this.loss = gauge('seqtrain_loss', 'Training loss of the last step: mean over its global batch (nats).');
    this.validationLoss = gauge('seqtrain_validation_loss', 'Loss on the validation samples at the last validation pass (nats).');
    this.validationBits = gauge('seqtrain_validation_bits_per_token', 'The last validation loss in bits per token.');
    this.samplesPerSecond = gauge('seqtrain_samples_per_second', 'Global samples per second of the last step.');
    this.stepSeconds = gauge('seqtrain_step_seconds', 'Wall time of the last step as the coordinator saw it (s).');
    this.samples = new Counter({ name: 'seqtrain_samples_total', help: 'Training samples processed by all ranks.', registers });
    this.checkpointStep = gauge('seqtrain_checkpoint_step', 'Step of the latest checkpoint written.');
    this.status = gauge('seqtrain_run_status', 'Run status: 1 for the current one, 0 for the others.', ['status']);
    this.rankUp = gauge('seqtrain_rank_up', 'Whether the rank is connected to the coordinator (1) or not (0).', ['rank', 'host']);
    this.rankSps = gauge('seqtrain_rank_samples_per_second', "The rank's samples over its own step time (data + compute + comm), last step.", ['rank', 'host']);
    this.rankCompute = gauge('seqtrain_rank_compute_seconds', 'Forward + backward time of the rank in the last step (s).', ['rank']);
    this.rankComm = gauge('seqtrain_rank_comm_seconds', 'Time of the rank inside the gradient all-reduce in the last step (s).', ['rank']);
    this.rankData = gauge('seqtrain_rank_data_seconds', 'Time of the rank reading its batch in the last step (s).', ['rank']);
    this.rankLastStep = gauge('seqtrain_rank_last_step', 'Last global step (0-based) the rank reported done.', ['rank']);
    this.worldSize.set(worldSize);
    this.setStatus('waiting');
  }

  /** Prometheus text exposition format (version 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  update(event: CoordinatorEvent): void {
    switch (event.type) {
      case 'ranks':
        for (const r of event.ranks) {
          this.hostOf.set(r.rank, r.hostname);
          this.rankUp.set({ rank: String(r.rank), host: r.hostname }, 1);
        }
        break;
      case 'started':
        this.worldSize.set(event.worldSize);
        this.totalSteps.set(event.totalSteps);
        this.step.set(event.startStep);
        this.setStatus('running');
        break;
      case 'step': {
        const m = event.metrics;
        this.step.set(m.step + 1);
        this.totalSteps.set(event.totalSteps);
        this.epoch.set(m.epoch);
        this.loss.set(m.loss);
        this.samplesPerSecond.set(m.samplesPerSecond);
        this.stepSeconds.set(m.stepSeconds);
        this.samples.inc(m.samples);
        for (const r of event.ranks) {
          const rank = String(r.rank);
          const busy = r.dataSeconds + r.computeSeconds + r.commSeconds;
          this.rankSps.set({ rank, host: r.hostname }, busy > 0 ? r.count / busy : 0);
          this.rankCompute.set({ rank }, r.computeSeconds);
          this.rankComm.set({ rank }, r.commSeconds);
          this.rankData.set({ rank }, r.dataSeconds);
          this.rankLastStep.set({ rank }, m.step);
        }
        break;
      }
      case 'validation':
        this.validationLoss.set(event.loss);
        this.validationBits.set(event.bitsPerToken);
        break;
      case 'checkpoint':
        this.checkpointStep.set(event.step);
        break;
      case 'rankClosed':
        this.rankUp.set({ rank: String(event.rank), host: this.hostOf.get(event.rank) ?? event.hostname }, 0);
        break;
      case 'finished':
        this.setStatus('completed');
        break;
      case 'failed':
        this.setStatus('failed');
        break;
      default:
        break;
    }
  }

  private setStatus(current: RunStatus): void {
    for (const status of STATUSES) this.status.set({ status }, status === current ? 1 : 0);
  }
}
