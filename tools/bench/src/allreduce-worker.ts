/**
 * One rank of the all-reduce bench, run as a child process by runAllreduceBench (forked from
 * dist/allreduce-worker.js). It opens a WebSocket ring listener and a raw TCP pump listener, reports
 * both addresses, joins the ring once told the peers, then runs the timed commands it is sent.
 */
import { Collective, WebSocketRingListener, type Transport } from '@seqtrain/collective';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';
import { BENCH_HOST_ENV, BENCH_RANK_ENV, BENCH_TIMEOUT_MS_ENV, BENCH_WORLD_SIZE_ENV, type BenchCommand, type BenchReport } from './bench-protocol.js';
import { RawTcpPump } from './raw-tcp-pump.js';
import { checkAgainstReference, referenceInput } from './reference-check.js';

// In a network namespace (the shaped-link bench) the host's own address; loopback otherwise.
const HOST = process.env[BENCH_HOST_ENV] || DEFAULTS.HOST;

function report(message: BenchReport): void {
  process.send?.(message);
}

function envInt(name: string): number {
  const value = Number(process.env[name]);
  if (!Number.isInteger(value) || value < 0) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `The bench worker needs ${name} (a non-negative integer), got ${JSON.stringify(process.env[name])}. It is started by runAllreduceBench, not by hand.`, { field: name });
  }
  return value;
}

async function main(): Promise<void> {
  if (!process.send) throw new SeqtrainError('ERR_INVALID_ARGUMENT', 'The bench worker must be started by runAllreduceBench (it needs an IPC channel).');
  const rank = envInt(BENCH_RANK_ENV);
  const worldSize = envInt(BENCH_WORLD_SIZE_ENV);
  const timeoutMs = envInt(BENCH_TIMEOUT_MS_ENV);
  const listener = await WebSocketRingListener.listen({ host: HOST });
  const pump = await RawTcpPump.listen(HOST);
  let transport: Transport | undefined;
  let collective: Collective | undefined;

  const handle = async (command: BenchCommand): Promise<void> => {
    switch (command.type) {
      case 'peers': {
        transport = await listener.connect({ rank, worldSize, peers: command.ringPeers, timeoutMs });
        collective = new Collective(transport, { timeoutMs });
        await pump.connect(command.pumpPeers[(rank + 1) % worldSize] as { host: string; port: number });
        // Every rank has dialed its next rank; a barrier makes sure every link carried a frame.
        await collective.barrier({ name: 'bench-connected', step: 0 });
        report({ type: 'connected' });
        return;
      }
      case 'allreduce': {
        const c = collective as Collective;
        // mean keeps the values steady over repeated calls (sum would overflow to Infinity); it is the trainer's op.
        const data = new Float32Array(command.bytes / 4).map((_, i) => ((i % 1000) - 500) / 1000);
        const compression = command.compression;
        for (let i = 0; i < command.warmup; i++) await c.allReduce(data, { name: `warmup-${command.id}`, step: i, op: 'mean', compression });
        await c.barrier({ name: 'bench-start', step: command.id });
        const clock = startClock();
        for (let i = 0; i < command.iterations; i++) await c.allReduce(data, { name: `timed-${command.id}`, step: i, op: 'mean', compression });
        report({ type: 'timed', id: command.id, ...clock.perIteration(command.iterations) });
        return;
      }
      case 'pump': {
        const c = collective as Collective;
        const sides = command.mode === 'ring' ? { send: true, receive: true } : { send: rank === 0, receive: rank === 1 };
        if (command.warmup > 0) {
          await c.barrier({ name: 'pump-warmup', step: command.id });
          await pump.pump(command.bytes * command.warmup, sides);
        }
        await c.barrier({ name: 'pump-start', step: command.id });
        const clock = startClock();
        await pump.pump(command.bytes * command.iterations, sides);
        // One-way: the receiver's time is the transfer's (the sender finishes when its last write is queued).
        report({ type: 'timed', id: command.id, ...clock.perIteration(command.iterations) });
        return;
      }
      case 'check': {
        const c = collective as Collective;
        const result = await c.allReduce(referenceInput(rank, command.bytes / 4), { name: `check-${command.id}`, step: 0, op: 'sum', compression: command.compression });
        report({ type: 'checked', id: command.id, ...checkAgainstReference(result, worldSize, command.compression) });
        return;
      }
      case 'exit': {
        await collective?.close();
        await listener.close();
        await pump.close();
        process.exit(0);
      }
    }
  };

  // A parent that went away cannot collect results: do not linger holding ports.
  process.on('disconnect', () => process.exit(0));
  // Commands run one at a time, in arrival order.
  let queue = Promise.resolve();
  process.on('message', (command: BenchCommand) => {
    queue = queue.then(() => handle(command)).catch(fail);
  });
  report({ type: 'listening', ringAddress: listener.address, pump: { host: HOST, port: pump.port } });
}

/** Wall and CPU (user + system) time from now, per iteration. */
function startClock(): { perIteration(iterations: number): { seconds: number; cpuSeconds: number } } {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return {
    perIteration(iterations) {
      const used = process.cpuUsage(cpu);
      return { seconds: Number(process.hrtime.bigint() - wall) / 1e9 / iterations, cpuSeconds: (used.user + used.system) / 1e6 / iterations };
    },
  };
}

function fail(err: unknown): void {
  const error = err instanceof SeqtrainError ? err.toJSON() : { code: 'ERR_WORKER_FAILED', message: String((err as Error)?.stack ?? err), details: {} };
  process.send?.({ type: 'failed', error } satisfies BenchReport, () => process.exit(1));
}

main().catch(fail);
