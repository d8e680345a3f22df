/**
 * Typed errors with stable codes. Every error thrown across a package boundary is a SeqtrainError
 * (or subclass) whose `code` never changes once published, so callers and tests match on the code,
 * never on the wording. Messages say what was expected, what came, where (rank, file, field) and the fix.
 */
export type ErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_SHAPE_MISMATCH'
  | 'ERR_COLLECTIVE_MISMATCH'
  | 'ERR_COLLECTIVE_TIMEOUT'
  | 'ERR_PEER_CLOSED'
  | 'ERR_BAD_FRAME'
  | 'ERR_PROTOCOL_VERSION'
  | 'ERR_PROTOCOL'
  | 'ERR_CHECKSUM_MISMATCH'
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_DATA_NOT_FOUND'
  | 'ERR_BACKEND_UNAVAILABLE'
  | 'ERR_MODEL_UNKNOWN'
  | 'ERR_DUPLICATE_REGISTRATION'
  | 'ERR_CHECKPOINT_INVALID'
  | 'ERR_JOB_INVALID'
  | 'ERR_WORKER_FAILED'
  | 'ERR_RENDEZVOUS_TIMEOUT'
  /** A data file is unreadable as Arrow or disagrees with its manifest (size, batch count, schema, rows). */
  | 'ERR_DATA_CORRUPT'
  /** A system tool a launcher drives (ip, tc, kubectl, sbatch) is missing, lacks privileges, or failed; details.command names it. */
  | 'ERR_SYSTEM_COMMAND'
  /** A download answered with an HTTP error, failed on the network, or did not match its expected sha256; details.url names it. */
  | 'ERR_DOWNLOAD_FAILED'
  /** The ring's membership changed while a command was in flight (elastic); the coordinator re-forms the ring and rolls back. */
  | 'ERR_MEMBERSHIP_CHANGED'
  /** Some ranks entered a collective and others did not within the stall-abort threshold; details.missing lists them. */
  | 'ERR_STALLED'
  /** A training process lost the coordinator and could not reach it again within its retry budget; details.address names it. */
  | 'ERR_COORDINATOR_UNREACHABLE'
  /** A compute kernel asked for by name (e.g. the wasm-simd RNN kernels) cannot run here: its file is missing or the runtime lacks the feature. */
  | 'ERR_KERNEL_UNAVAILABLE'
  /** A peer failed the shared-secret handshake (wrong, missing or replayed proof), or a peer could not prove it holds the secret. */
  | 'ERR_AUTH_FAILED'
  /** A peer did not finish the auth handshake in time. */
  | 'ERR_AUTH_TIMEOUT'
  /** Every K steps the ranks compare parameter checksums; details.ranks lists those that differ from rank 0. */
  | 'ERR_REPLICA_DIVERGED';

export interface SeqtrainErrorDetails {
  /** The rank the error concerns (the disagreeing or failing one), when there is one. */
  rank?: number;
  /** The file the error concerns, when there is one. */
  file?: string;
  /** The job-file field or flag the error concerns, when there is one. */
  field?: string;
  [key: string]: unknown;
}

export class SeqtrainError extends Error {
  readonly code: ErrorCode;
  readonly details: SeqtrainErrorDetails;

  constructor(code: ErrorCode, message: string, details: SeqtrainErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SeqtrainError';
    this.code = code;
    this.details = details;
  }

  /** A plain object that survives JSON/msgpack, so a worker's error reaches the coordinator intact. */
  toJSON(): { name: string; code: ErrorCode; message: string; details: SeqtrainErrorDetails } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

export function isSeqtrainError(err: unknown, code?: ErrorCode): err is SeqtrainError {
  return err instanceof SeqtrainError && (code === undefined || err.code === code);
}

/** Rebuilds an error sent over the wire with toJSON(). Unknown shapes become ERR_PROTOCOL. */
export function errorFromJSON(value: unknown): SeqtrainError {
  if (value && typeof value === 'object' && 'code' in value && 'message' in value) {
    const v = value as { code: ErrorCode; message: string; details?: SeqtrainErrorDetails };
    return new SeqtrainError(v.code, String(v.message), v.details ?? {});
  }
  return new SeqtrainError('ERR_PROTOCOL', `Unrecognised error payload: ${JSON.stringify(value)}`);
}
