/** Every default value of seqtrain lives here, with its unit in its name. */
export const DEFAULTS = {
  /** A collective that waits longer than this for a peer fails with ERR_COLLECTIVE_TIMEOUT. */
  COLLECTIVE_TIMEOUT_MS: 120_000,
  /** The coordinator gives up if the expected ranks have not all joined in this time. */
  RENDEZVOUS_TIMEOUT_MS: 120_000,
  /** Largest WebSocket frame accepted (ws maxPayload). Ring chunks are far smaller; this bounds memory per frame. */
  MAX_FRAME_BYTES: 256 * 1024 * 1024,
  /** Largest control-plane message accepted by the coordinator. */
  MAX_CONTROL_MESSAGE_BYTES: 64 * 1024 * 1024,
  /** How long a peer has to complete the auth handshake after connecting before it is refused. */
  AUTH_HANDSHAKE_TIMEOUT_MS: 10_000,
  /** Loopback is the default so a local run never listens on a public interface. */
  HOST: '127.0.0.1',
  /** Record-batch cache of a dataset reader. The whole Moby Dick train set is ~33 MB as uint16. */
  DATA_CACHE_BYTES: 64 * 1024 * 1024,
  /** Rows per Arrow record batch written by `prepare`. */
  ROWS_PER_RECORD_BATCH: 2048,
  SEED: 42,
  WORKERS: 2,
  DEVICES_PER_WORKER: 1,
  GLOBAL_BATCH: 64,
  OPTIMIZER: 'adam',
  LEARNING_RATE: 0.005,
  /** The default job's length: fits `npm start` in under 5 minutes on 2 cores. */
  STEPS: 300,
  LOG_EVERY_STEPS: 10,
  CHECKPOINT_EVERY_STEPS: 100,
  /** Checkpoints kept in a run directory; older ones are deleted after each new one. */
  KEEP_CHECKPOINTS: 3,
  /** Steps between replica-consistency checks (a parameter checksum all-gathered; 0 = never). One check costs a pass over the parameters. */
  CHECK_REPLICAS_EVERY_STEPS: 100,
  VALIDATION_MAX_SAMPLES: 2048,
  SEQ_LEN: 40,
  WINDOW_STEP: 3,
  SHARDS: 8,
  VALIDATION_FRACTION: 0.1,
  GENERATE_LENGTH_CHARS: 400,
  GENERATE_TEMPERATURE: 0.5,
  /**
   * Gradient bucket cap (tensor fusion). `seqtrain bench allreduce` on the 2-core machine: a 1 MB
   * all-reduce reaches well under half the busbw of an 8 MB one (per-call agreement round and pipeline
   * fill), while 8 MB and 64 MB are within noise; so buckets of 8 MiB, with DDP's small first bucket.
   */
  BUCKET_CAP_BYTES: 8 * 1024 * 1024,
  /** Micro-batches per step, accumulated locally before the one all-reduce (1 = no accumulation). */
  ACCUMULATE_STEPS: 1,
  /** Learning-rate scaling with world size ('none' | 'linear') and its linear warm-up steps. */
  LR_SCALING: 'none',
  WARMUP_STEPS: 0,
  /** Linear learning-rate decay over the run's last N steps (0 = none), down to this fraction of the rate. */
  LR_DECAY_STEPS: 0,
  LR_DECAY_FINAL_FRACTION: 0.1,
  /** Element encoding of gradients on the wire ('none' | 'fp16' | 'bf16'). */
  COMPRESSION: 'none',
  /** The coordinator pings every rank's control connection this often (ws ping/pong, answered by the rank's event loop). */
  HEARTBEAT_MS: 1_000,
  /**
   * A rank silent (no message, no pong) this long is declared dead and, in an elastic job, dropped. A
   * process killed outright closes its sockets and is seen at once; this bounds a hung or cut-off one. It
   * must exceed the longest synchronous stretch of a step (the default char-LSTM step computes in ~0.5 s).
   */
  DEAD_AFTER_MS: 10_000,
  /** Steps between in-memory commits (weights + optimizer slots + step) on every rank. */
  COMMIT_EVERY_STEPS: 1,
  /** Warn when some ranks have entered a step's collective and others have not for this long. */
  STALL_WARN_MS: 30_000,
  /** ... and abort the run (naming the missing ranks) after this long. */
  STALL_ABORT_MS: 120_000,
  /** A host whose ranks were lost this many times within COOLOFF_MS may not join again until the cooling-off ends. */
  EXCLUDE_AFTER_FAILURES: 2,
  COOLOFF_MS: 300_000,
  /** Training processes retry a lost coordinator (with backoff) this long before ERR_COORDINATOR_UNREACHABLE. */
  COORDINATOR_RETRY_MS: 60_000,
  /** Held-out pairs greedy-decoded per validation pass of a translation job (chrF), and their longest source. */
  CHRF_SAMPLES: 200,
  CHRF_MAX_SOURCE_CHARS: 80,
  /**
   * `seqtrain quality` stops a job running longer than this. The longest job, seq2seq-eng-spa, took
   * 91m27s on the idle 2-core machine (README quality table).
   */
  QUALITY_JOB_TIMEOUT_MS: 150 * 60_000,
} as const;
