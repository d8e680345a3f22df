/**
 * The fuzz test of issue 6: >= 10,000 malformed or random frames, each on its own connection, against a
 * live coordinator (waiting for its rank) and a live, formed two-rank ring. Every one must be refused
 * (closed with a refusal code), nothing may crash, and afterwards the ring still all-reduces and a real
 * worker process joins the coordinator and trains its job to the end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_CLOSE_CODES, createLogger } from '@seqtrain/common';
import { Collective, createLocalWebSocketRing } from '@seqtrain/collective';
import { Coordinator, type CoordinatorEvent } from '@seqtrain/coordinator';
import { prepareText } from '@seqtrain/data';
import { parseJob } from '@seqtrain/protocol';
import { attempt, type Outcome, type Target } from './hostile-frames.testing.js';
import { CLI_BIN } from './paths.js';

const SECRET = 'fuzz-secret-of-sufficient-length';
const CONTROL_ATTEMPTS = 6_000;
const RING_ATTEMPTS = 4_000;
const CONCURRENCY = 48;
const FUZZ_TIMEOUT_MS = 120_000;

/** What a refusal may look like: the auth handshake's codes, the coordinator's 4000, the ring's policy 1008, ws's protocol errors 1002 / too big 1009. */
const REFUSAL_CODES = new Set<number>([...Object.values(AUTH_CLOSE_CODES), 4000, 1008, 1002, 1009]);

let root: string;
let dataDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'seqtrain-fuzz-'));
  writeFileSync(join(root, 'corpus.txt'), 'Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail about. '.repeat(40));
  dataDir = join(root, 'data');
  await prepareText({ input: join(root, 'corpus.txt'), out: dataDir, seqLen: 12, step: 3, shards: 2, validationFraction: 0.1 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function fuzz(target: Target, count: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(count);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      outcomes[i] = await attempt(target, i);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return outcomes;
}

function unrefused(outcomes: Outcome[]): Outcome[] {
  return outcomes.filter((o) => !REFUSAL_CODES.has(o.code));
}

describe('hostile input', () => {
  it(
    `refuses ${CONTROL_ATTEMPTS + RING_ATTEMPTS} malformed frames against a live coordinator and ring, which then still train`,
    async () => {
      const events: CoordinatorEvent[] = [];
      const job = parseJob({ workers: 1, globalBatch: 8, steps: 3, dashboard: false, seed: 1, model: { config: { units: 16, embeddingDim: 8 } } });
      const security = { secret: SECRET, tls: null, ca: null };
      const coordinator = await Coordinator.start({ job, runDir: join(root, 'run'), dataDir, security, onEvent: (e) => events.push(e), logger: createLogger({}, 'silent') });
      const ring = await createLocalWebSocketRing(2, { timeoutMs: 10_000, security, logger: createLogger({}, 'silent') });
      try {
        const port = (address: string) => Number(new URL(address).port);
        const control = await fuzz({ address: coordinator.address, port: port(coordinator.address), plane: 'control', secret: SECRET }, CONTROL_ATTEMPTS);
        const ringAddress = ring.listeners[0]?.address as string;
        const onRing = await fuzz({ address: ringAddress, port: port(ringAddress), plane: 'ring', secret: SECRET }, RING_ATTEMPTS);

        expect(unrefused(control)).toEqual([]);
        expect(unrefused(onRing)).toEqual([]);
        // Every attempt that reached the handshake or the protocol was refused with a logged reason (event `refused`).
        const raw = control.filter((o) => o.kind === 'raw frame').length;
        expect(events.filter((e) => e.type === 'refused')).toHaveLength(CONTROL_ATTEMPTS - raw);
        expect(new Set(control.map((o) => o.kind)).size).toBe(6);

        // The ring still all-reduces.
        const [a, b] = ring.transports.map((t) => new Collective(t, { timeoutMs: 10_000 }));
        const sums = await Promise.all([a?.allReduce(new Float32Array([1, 2]), { name: 'after-fuzz', step: 0 }), b?.allReduce(new Float32Array([3, 4]), { name: 'after-fuzz', step: 0 })]);
        expect(sums.map((s) => [...(s ?? [])])).toEqual([[4, 6], [4, 6]]);

        // A real worker process joins the fuzzed coordinator and the job trains to the end.
        const worker = spawn(process.execPath, [CLI_BIN, 'worker', '--coordinator', coordinator.address, '--devices', '1'], { env: { ...process.env, SEQTRAIN_SECRET: SECRET, SEQTRAIN_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
        const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
        const summary = await coordinator.done;
        expect(summary).toMatchObject({ status: 'completed', steps: 3, worldSize: 1 });
        expect(await exited).toBe(0);
      } finally {
        await ring.close();
        coordinator.abort(new Error('test over'));
        await coordinator.close();
      }
    },
    FUZZ_TIMEOUT_MS
  );
});
