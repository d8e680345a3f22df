/**
 * Every environment setting seqtrain reads, declared here and nowhere else. All share the SEQTRAIN_
 * prefix. Flags and job files override them; DEFAULTS (defaults.ts) applies when none is set.
 */
import { z } from 'zod';
import { SeqtrainError } from './errors.js';

const backendName = z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const ENV_SCHEMA = z.object({
  /** Compute backend: auto picks tfjs-node-gpu, tfjs-node, wasm, then cpu. */
  SEQTRAIN_BACKEND: backendName.optional(),
  /** Log level of the JSON-lines logger. */
  SEQTRAIN_LOG_LEVEL: logLevel.optional(),
  /** How long a collective waits for a peer's frame before failing (ms). */
  SEQTRAIN_COLLECTIVE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** How long the coordinator waits for all ranks to join (ms). */
  SEQTRAIN_RENDEZVOUS_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** Default of the job's heartbeatMs: how often the coordinator pings each rank (ms). */
  SEQTRAIN_HEARTBEAT_MS: z.coerce.number().int().positive().optional(),
  /** Default of the job's deadAfterMs: a rank silent this long is declared dead (ms). */
  SEQTRAIN_DEAD_AFTER_MS: z.coerce.number().int().positive().optional(),
  /** Default of the job's stallWarnMs: warn when ranks are missing from a collective this long (ms). */
  SEQTRAIN_STALL_WARN_MS: z.coerce.number().int().positive().optional(),
  /** Default of the job's stallAbortMs: abort when ranks are missing from a collective this long (ms). */
  SEQTRAIN_STALL_ABORT_MS: z.coerce.number().int().positive().optional(),
  /** How long a training process retries a lost coordinator before ERR_COORDINATOR_UNREACHABLE (ms). */
  SEQTRAIN_COORDINATOR_RETRY_MS: z.coerce.number().int().positive().optional(),
  /**
   * Test hook (chaos and stall tests only): "RANK:STEP:MS" makes the training process of that rank sleep MS
   * before entering the gradient all-reduce of that step (generation 0), so its peers wait on it.
   */
  SEQTRAIN_TEST_DELAY_COLLECTIVE: z.string().regex(/^\d+:\d+:\d+$/).optional(),
  /**
   * Test hook (sampler counting tests only): a directory where every training process appends one JSON
   * line per step it reads, {pid, generation, step, epoch, rank, worldSize, indices}, to <pid>.jsonl.
   */
  SEQTRAIN_TEST_SAMPLE_LOG: z.string().min(1).optional(),
  /** Host/interface the ring server of a training process binds to (and advertises). */
  SEQTRAIN_RING_HOST: z.string().min(1).optional(),
  /** Set by the worker agent for each training process it starts: its local rank on the node. */
  SEQTRAIN_LOCAL_RANK: z.coerce.number().int().nonnegative().optional(),
  /** Set by the worker agent: the agent's id, shared by its training processes. */
  SEQTRAIN_AGENT_ID: z.string().min(1).optional(),
  /** Set by the worker agent: the coordinator's ws:// address for its training processes. */
  SEQTRAIN_COORDINATOR: z.string().min(1).optional(),
  /**
   * How @seqtrain/rnn's LSTM/GRU/SimpleRNN layers run a sequence: auto (the fused kernel on cpu and
   * wasm, the reformulated op graph elsewhere), fused, ops, or layers (stock tfjs-layers' step loop).
   */
  SEQTRAIN_RNN_IMPL: z.enum(['auto', 'fused', 'ops', 'layers']).optional(),
  /** Shared secret every process proves it holds (HMAC challenge-response) before any other frame; never sent. */
  SEQTRAIN_SECRET: z.string().min(1).optional(),
  /** PEM certificate file: the coordinator and the ring listeners serve wss:// with it (with SEQTRAIN_TLS_KEY). */
  SEQTRAIN_TLS_CERT: z.string().min(1).optional(),
  /** PEM private key file of SEQTRAIN_TLS_CERT. */
  SEQTRAIN_TLS_KEY: z.string().min(1).optional(),
  /** PEM CA file a process trusts for wss:// peers (e.g. a self-signed certificate); default: the system's CAs. */
  SEQTRAIN_TLS_CA: z.string().min(1).optional(),
});

export type SeqtrainEnv = z.infer<typeof ENV_SCHEMA>;

/** Reads and validates the SEQTRAIN_ variables; a bad value is an error naming the variable. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): SeqtrainEnv {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(ENV_SCHEMA.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = ENV_SCHEMA.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'SEQTRAIN_*');
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `Environment variable ${field}=${JSON.stringify(picked[field])} is invalid: ${issue?.message}. Unset it or give a valid value.`,
      { field }
    );
  }
  return parsed.data;
}
