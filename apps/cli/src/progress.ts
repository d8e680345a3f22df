/**
 * Progress of a run: a bar (step, loss, samples/s, ETA) on a TTY, a plain line every `logEvery` steps
 * otherwise (CI logs, pipes). Driven by the coordinator's events; writes to stderr.
 */
import cliProgress from 'cli-progress';
import { describeValidation, type CoordinatorEvent } from '@seqtrain/coordinator';

export interface ProgressOptions {
  tty: boolean;
  logEvery: number;
  write?: (line: string) => void;
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class RunProgress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly write: (line: string) => void;
  private startedAt = 0;
  private firstStep = 0;
  private ewmaSps = 0;
  private printedBackend = false;
  private readonly held: string[] = [];

  constructor(private readonly options: ProgressOptions) {
    this.write = options.write ?? ((line) => process.stderr.write(line + '\n'));
  }

  handle(event: CoordinatorEvent): void {
    switch (event.type) {
      case 'listening':
        this.write(`coordinator listening on ${event.address}`);
        break;
      case 'dashboard':
        this.write(`dashboard: ${event.url}`);
        break;
      case 'joined':
        if (!this.printedBackend) {
          this.write(event.backendDescription);
          this.printedBackend = true;
        }
        this.write(`  process ${event.joined}/${event.expected} joined from ${event.hostname} (backend ${event.backend})`);
        break;
      case 'refused':
        this.write(`  refused a process: ${event.reason}`);
        break;
      case 'started':
        this.startedAt = performance.now();
        this.firstStep = event.startStep;
        this.write(
          `training: world size ${event.worldSize}, backend ${event.backend}, ${event.parameterCount.toLocaleString('en-US')} parameters, steps ${event.startStep}..${event.totalSteps} (${event.stepsPerEpoch} per epoch)`
        );
        if (this.options.tty) {
          this.bar = new cliProgress.SingleBar(
            {
              format: 'step {value}/{total} [{bar}] loss {loss} | {sps} samples/s | comm {comm}% | ETA {etaText}',
              hideCursor: true,
              stream: process.stderr,
              etaBuffer: 20,
            },
            cliProgress.Presets.shades_classic
          );
          this.bar.start(event.totalSteps, event.startStep, { loss: '-', sps: '-', comm: '-', etaText: '?' });
        }
        break;
      case 'step': {
        const m = event.metrics;
        this.ewmaSps = this.ewmaSps === 0 ? m.samplesPerSecond : 0.9 * this.ewmaSps + 0.1 * m.samplesPerSecond;
        const done = m.step + 1;
        const elapsed = (performance.now() - this.startedAt) / 1000;
        const eta = (elapsed / Math.max(1, done - this.firstStep)) * (event.totalSteps - done);
        const fields = {
          loss: m.loss.toFixed(3),
          sps: this.ewmaSps.toFixed(0),
          comm: ((100 * m.commSeconds) / m.stepSeconds).toFixed(1),
          etaText: formatSeconds(eta),
        };
        if (this.bar) this.bar.update(done, fields);
        else if (done % this.options.logEvery === 0 || done === event.totalSteps) {
          this.write(`step ${done}/${event.totalSteps} loss ${fields.loss} ${fields.sps} samples/s comm ${fields.comm}% ETA ${fields.etaText}`);
        }
        break;
      }
      case 'validation': {
        // restoreBest's final pass scores the weights of the selected step (on the test split if any).
        const selected = event.metrics?.selection;
        const what = `${event.metrics?.split === 'test' ? 'test' : 'validation'} after step ${event.step}${selected ? ` (weights of step ${selected.step}, best validation ${selected.monitor})` : ''}`;
        this.interrupt(
          event.metrics && (event.metrics.rmse !== undefined || event.metrics.chrf !== undefined)
            ? `${what}: ${describeValidation(event.metrics)} on ${event.samples} samples`
            : event.accuracy !== null
            ? `${what}: loss ${event.loss.toFixed(4)} nats, accuracy ${(100 * event.accuracy).toFixed(1)}% on ${event.samples} samples`
            : `${what}: loss ${event.loss.toFixed(4)} nats (${event.bitsPerToken.toFixed(3)} bits/char) on ${event.samples} samples`
        );
        break;
      }
      case 'checkpoint':
        this.interrupt(`checkpoint at step ${event.step}: ${event.path}`);
        break;
      case 'rankLost':
        this.interrupt(`rank ${event.rank} (${event.hostname}:${event.pid}) lost: ${event.reason}`);
        break;
      case 'membership':
        this.interrupt(
          `ring re-formed (generation ${event.generation}): ${event.worldSize} ranks` +
            (event.lost.length ? `, lost ${event.lost.map((l) => `rank ${l.rank}`).join(', ')}` : '') +
            (event.joined.length ? `, ${event.joined.length} joined` : '') +
            ` at step ${event.atStep}, rolled back to step ${event.rollbackStep}, in ${event.recoverySeconds.toFixed(2)} s`
        );
        break;
      case 'stall':
        this.interrupt(`${event.aborted ? 'stalled' : 'stall warning'}: collective "${event.name}" of step ${event.step} waits ${event.waitedMs} ms for ranks ${event.missing.join(', ')}`);
        break;
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    for (const line of this.held.splice(0)) this.write(line);
  }

  /** On a TTY, a line printed mid-run would tear the bar: it is held and printed when the bar stops. */
  private interrupt(line: string): void {
    if (this.bar) this.held.push(line);
    else this.write(line);
  }
}
