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
  VALIDATION_MAX_SAMPLES: 2048,
  SEQ_LEN: 40,
  WINDOW_STEP: 3,
  SHARDS: 8,
  VALIDATION_FRACTION: 0.1,
  GENERATE_LENGTH_CHARS: 400,
  GENERATE_TEMPERATURE: 0.5,
  /** Held-out pairs greedy-decoded per validation pass of a translation job (chrF), and their longest source. */
  CHRF_SAMPLES: 200,
  CHRF_MAX_SOURCE_CHARS: 80,
} as const;
