/**
 * The job file (JSON or YAML) and its defaults. `seqtrain local --config FILE` reads it; flags override
 * its fields; every field left out takes its value from DEFAULTS. Unknown fields are errors, so a typo
 * never silently falls back to a default.
 */
import { z } from 'zod';
import { DEFAULTS, SeqtrainError } from '@seqtrain/common';

export const OPTIMIZERS = ['sgd', 'adam', 'rmsprop'] as const;
export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
/** How `data.input` is prepared when no `data.dir` is given. */
export const DATA_RECIPES = ['text', 'classification', 'timeseries', 'pairs', 'idx'] as const;

const positiveInt = z.number().int().positive();

export const JobSchema = z
  .object({
    /** A label for the run, used in the run directory's name. */
    name: z.string().min(1).default('char-lm-moby-dick'),
    /** Model registry name and its config (merged over the model's own defaults by the worker). */
    model: z
      .object({
        name: z.string().min(1).default('char-lm'),
        config: z.record(z.string(), z.unknown()).default({}),
        /**
         * Pretrained word vectors for the model's Embedding layer (Chollet DLwP 6.1.3): a file in the GloVe
         * text format (`word v1 ... vD`, D = model.config.embeddingDim), e.g.
         * datasets/embeddings/glove-6b-100d-sentiment.txt. Row i of the layer becomes the vector of the
         * dataset's vocabulary word i (zero for a word the file lacks). Classification data only.
         */
        embeddings: z
          .object({
            file: z.string().min(1),
            /** false (default): the layer is frozen, as in the book; true: the vectors are only the initial weights. */
            trainable: z.boolean().default(false),
            /** The Embedding layer's name ('embedding' in every registered text model). */
            layer: z.string().min(1).default('embedding'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ name: 'char-lm', config: {} }),
    /**
     * Where the training data comes from: a prepared shard directory (text or classification), or a file
     * to prepare first with `recipe`: 'text' (a UTF-8 corpus -> next-character windows) or
     * 'classification' (a TSV/CSV of label and text -> padded word ids, packages/data prepare-classification.ts).
     */
    data: z
      .object({
        /** A directory written by `seqtrain prepare` (holds manifest.json). Takes precedence over `input`. */
        dir: z.string().min(1).optional(),
        recipe: z.enum(DATA_RECIPES).default('text'),
        /** The file to prepare into the run directory before training. */
        input: z.string().min(1).default('datasets/text/moby-dick.txt'),
        /**
         * classification: a separate test file. Alone it is the validation split; with
         * validationFraction it is a `test` split evaluated once at the end (with restoreBest: on the
         * selected weights) and validation is that fraction of `input` (seeded by `seed`).
         */
        test: z.string().min(1).optional(),
        /** classification: word ids per review (padded/truncated at the front, as Keras). */
        maxlen: positiveInt.optional(),
        /** classification: vocabulary size including padding and OOV ids. */
        vocabSize: positiveInt.optional(),
        tokenizer: z.enum(['word', 'char']).optional(),
        /** timeseries: input steps per window, steps ahead of the window's end, one target or one per step. */
        window: positiveInt.optional(),
        horizon: positiveInt.optional(),
        targets: z.enum(['single', 'sequence']).optional(),
        /** timeseries: the last N series rows are validation (else validationFraction). */
        validationLast: positiveInt.optional(),
        scaling: z.enum(['none', 'minmax', 'standard']).optional(),
        /** timeseries: 'log' before differencing and scaling (values > 0); differencing lags, e.g. [1, 12]. */
        transform: z.enum(['none', 'log']).optional(),
        difference: z.array(positiveInt).optional(),
        /** timeseries: value columns (names or 0-based indices), the predicted one, the time column. */
        columns: z.array(z.union([z.string(), z.number().int().nonnegative()])).min(1).optional(),
        target: z.union([z.string(), z.number().int().nonnegative()]).optional(),
        timeColumn: z.union([z.string(), z.number().int().nonnegative()]).optional(),
        /** pairs: drop pairs with a side longer than this (characters); 0-based TSV columns. */
        maxChars: positiveInt.optional(),
        /**
         * pairs: a fixed held-out set instead of a shuffled validationFraction: every N-th distinct pair
         * with both sides at most heldOutMaxChars, in file order; training never sees a held-out text
         * (@seqtrain/data pairs-split.ts).
         */
        heldOutEvery: positiveInt.optional(),
        heldOutMaxChars: positiveInt.optional(),
        sourceColumn: z.number().int().nonnegative().optional(),
        targetColumn: z.number().int().nonnegative().optional(),
        /** idx: `input` is the images file; its labels, and an optional test pair (the validation split). */
        labels: z.string().min(1).optional(),
        testImages: z.string().min(1).optional(),
        testLabels: z.string().min(1).optional(),
        seqLen: positiveInt.default(DEFAULTS.SEQ_LEN),
        step: positiveInt.default(DEFAULTS.WINDOW_STEP),
        /**
         * text: stride of the validation windows (default `step`). With a many-to-many char-lm
         * (model.config.targets: sequence) each validation window after the first scores only its last
         * validationStep characters, so every one is scored once with seqLen - validationStep chars of context.
         */
        validationStep: positiveInt.optional(),
        shards: positiveInt.default(DEFAULTS.SHARDS),
        /** Share of the input held out as validation; absent = DEFAULTS.VALIDATION_FRACTION (none beside a classification test file). */
        validationFraction: z.number().gt(0).lt(1).optional(),
      })
      .strict()
      .default({
        recipe: 'text',
        input: 'datasets/text/moby-dick.txt',
        seqLen: DEFAULTS.SEQ_LEN,
        step: DEFAULTS.WINDOW_STEP,
        shards: DEFAULTS.SHARDS,
      }),
    /** Worker agents (nodes) to start locally. */
    workers: positiveInt.default(DEFAULTS.WORKERS),
    /** Training processes per worker agent (GPUs, or CPU slots without a GPU). */
    devicesPerWorker: positiveInt.default(DEFAULTS.DEVICES_PER_WORKER),
    /** Samples per step across all ranks; each rank takes a strided share. */
    globalBatch: positiveInt.default(DEFAULTS.GLOBAL_BATCH),
    /** Total optimizer steps. If `epochs` is given instead, steps = epochs x steps per epoch. */
    steps: positiveInt.optional(),
    epochs: positiveInt.optional(),
    seed: z.number().int().nonnegative().default(DEFAULTS.SEED),
    optimizer: z.enum(OPTIMIZERS).default(DEFAULTS.OPTIMIZER),
    learningRate: z.number().positive().default(DEFAULTS.LEARNING_RATE),
    /** Global-norm gradient clipping after the all-reduce; none when absent. */
    clipNorm: z.number().positive().optional(),
    /** Gradient encoding on the wire: fp16 / bf16 halve the bytes, sums stay float32 (packages/collective wire-codec.ts states the error bound). */
    compression: z.enum(['none', 'fp16', 'bf16']).default(DEFAULTS.COMPRESSION),
    /** Tensor fusion: largest gradient bucket in bytes (the first bucket is capped at min(this, 1 MiB)). */
    bucketCapBytes: positiveInt.default(DEFAULTS.BUCKET_CAP_BYTES),
    /** Micro-batches per step, gradients accumulated locally, one all-reduce per step (DDP no_sync). */
    accumulateSteps: positiveInt.default(DEFAULTS.ACCUMULATE_STEPS),
    /** 'linear': learningRate x world size (Goyal et al.; for a global batch that grows with the workers). */
    lrScaling: z.enum(['none', 'linear']).default(DEFAULTS.LR_SCALING),
    /** Steps of linear warm-up from learningRate to the scaled rate. */
    warmupSteps: z.number().int().nonnegative().default(DEFAULTS.WARMUP_STEPS),
    /**
     * Linear learning-rate decay over the run's last lrDecaySteps steps (0 = none): the rate falls from
     * its value to lrDecayTo x that value, reached at the last step (a final annealing phase).
     */
    lrDecaySteps: z.number().int().nonnegative().default(DEFAULTS.LR_DECAY_STEPS),
    lrDecayTo: z.number().gt(0).max(1).default(DEFAULTS.LR_DECAY_FINAL_FRACTION),
    backend: z.enum(BACKENDS).default('auto'),
    /** Coordinator host and port; port 0 picks a free one (printed at start-up). */
    host: z.string().min(1).default(DEFAULTS.HOST),
    port: z.number().int().min(0).max(65535).default(0),
    /**
     * The live dashboard (http://host:dashboardPort: the page, /api/state, /events, /metrics for Prometheus),
     * served by the coordinator on the job's host. On by default; `dashboard: false` (flag --no-dashboard)
     * turns it off. Port 0 picks a free one (printed at start-up as `dashboard: http://HOST:PORT`).
     */
    dashboard: z.boolean().default(true),
    dashboardPort: z.number().int().min(0).max(65535).default(0),
    /** Run directory; default runs/<date>-<name> under the current directory. */
    out: z.string().min(1).optional(),
    /** A checkpoint directory to continue from (its step, optimizer state and sampler position). */
    resume: z.string().min(1).optional(),
    checkpointEvery: positiveInt.default(DEFAULTS.CHECKPOINT_EVERY_STEPS),
    /** Checkpoints kept in the run directory (the newest); older ones are deleted. */
    keepCheckpoints: positiveInt.default(DEFAULTS.KEEP_CHECKPOINTS),
    /** Steps between replica-consistency checks (parameter checksums compared across ranks); 0 turns them off. */
    checkReplicasEvery: z.number().int().nonnegative().default(DEFAULTS.CHECK_REPLICAS_EVERY_STEPS),
    logEvery: positiveInt.default(DEFAULTS.LOG_EVERY_STEPS),
    /** Validation runs at the end (and every `validateEvery` steps if set) over at most this many samples. */
    validationMaxSamples: positiveInt.default(DEFAULTS.VALIDATION_MAX_SAMPLES),
    validateEvery: positiveInt.optional(),
    /**
     * Keep the best weights, as Keras' EarlyStopping(monitor='val_' + this, restore_best_weights=True)
     * without stopping early: every validateEvery steps each rank keeps a copy of the weights the
     * validation split scores best ('loss' lowest, 'accuracy' highest, the earlier step on a tie); after
     * the last step they are restored, evaluated (on the test split when the dataset has one) and
     * checkpointed. summary.json `selection` names the step and the split it was chosen on.
     */
    restoreBest: z.enum(['loss', 'accuracy']).optional(),
    /**
     * Elastic training (see the README's fault-tolerance section). The world size is elastic when
     * minWorkers is below it: a rank found dead (socket closed, or silent for deadAfterMs) is dropped, the
     * survivors roll back to their last in-memory commit, the ring is re-formed, and training goes on with
     * the same global batch. minWorkers/maxWorkers count training processes (ranks); default both = the
     * world size (workers x devicesPerWorker), i.e. not elastic: a lost rank ends the run.
     */
    minWorkers: positiveInt.optional(),
    maxWorkers: positiveInt.optional(),
    /** How often the coordinator pings each rank (ms). */
    heartbeatMs: positiveInt.default(DEFAULTS.HEARTBEAT_MS),
    /** A rank silent this long (ms) is declared dead. */
    deadAfterMs: positiveInt.default(DEFAULTS.DEAD_AFTER_MS),
    /** Steps between the ranks' in-memory commits (the rollback points of an elastic job). */
    commitEvery: positiveInt.default(DEFAULTS.COMMIT_EVERY_STEPS),
    /** A host that lost ranks excludeAfterFailures times within cooloffMs may not join again until then. */
    excludeAfterFailures: positiveInt.default(DEFAULTS.EXCLUDE_AFTER_FAILURES),
    cooloffMs: positiveInt.default(DEFAULTS.COOLOFF_MS),
    /** Stall inspector: warn (ms) and abort (ms) when some ranks entered a step's collective and others not. */
    stallWarnMs: positiveInt.default(DEFAULTS.STALL_WARN_MS),
    stallAbortMs: positiveInt.default(DEFAULTS.STALL_ABORT_MS),
    /**
     * Pairs datasets: each validation pass also greedy-decodes at most `samples` held-out pairs whose
     * source has at most `maxSourceChars` characters and reports chrF (and the copy-the-source baseline).
     */
    chrf: z
      .object({
        samples: positiveInt.default(DEFAULTS.CHRF_SAMPLES),
        maxSourceChars: positiveInt.default(DEFAULTS.CHRF_MAX_SOURCE_CHARS),
      })
      .strict()
      .default({ samples: DEFAULTS.CHRF_SAMPLES, maxSourceChars: DEFAULTS.CHRF_MAX_SOURCE_CHARS }),
    /** The sample of generated text printed at the end of a local run. */
    generate: z
      .object({
        prime: z.string().default('Call me Ishmael. '),
        length: z.number().int().nonnegative().default(DEFAULTS.GENERATE_LENGTH_CHARS),
        temperature: z.number().positive().default(DEFAULTS.GENERATE_TEMPERATURE),
      })
      .strict()
      .default({ prime: 'Call me Ishmael. ', length: DEFAULTS.GENERATE_LENGTH_CHARS, temperature: DEFAULTS.GENERATE_TEMPERATURE }),
  })
  .strict();

export type Job = z.infer<typeof JobSchema>;

/** `data` fields only some recipes read (an error under any other recipe, never silently ignored). */
const RECIPE_DATA_FIELDS = {
  test: ['classification'],
  maxlen: ['classification'],
  vocabSize: ['classification'],
  tokenizer: ['classification'],
  window: ['timeseries'],
  horizon: ['timeseries'],
  targets: ['timeseries'],
  validationLast: ['timeseries'],
  scaling: ['timeseries'],
  transform: ['timeseries'],
  difference: ['timeseries'],
  columns: ['timeseries'],
  target: ['timeseries'],
  timeColumn: ['timeseries'],
  maxChars: ['pairs'],
  heldOutEvery: ['pairs'],
  heldOutMaxChars: ['pairs'],
  sourceColumn: ['pairs'],
  targetColumn: ['pairs'],
  validationStep: ['text'],
  labels: ['idx'],
  testImages: ['idx'],
  testLabels: ['idx'],
} as const satisfies Record<string, readonly (typeof DATA_RECIPES)[number][]>;
export type JobInput = z.input<typeof JobSchema>;

/** Validates a job (from a file, flags, or both merged); errors name the field and the source. */
export function parseJob(input: unknown, source = 'job'): Job {
  const parsed = JobSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw new SeqtrainError('ERR_JOB_INVALID', `${source}: field "${field}" is invalid: ${issue?.message}.`, {
      field,
      file: source,
    });
  }
  if (parsed.data.steps !== undefined && parsed.data.epochs !== undefined) {
    throw new SeqtrainError('ERR_JOB_INVALID', `${source}: give either "steps" or "epochs", not both.`, {
      field: 'steps',
      file: source,
    });
  }
  const recipe = parsed.data.data.recipe;
  for (const [field, recipes] of Object.entries(RECIPE_DATA_FIELDS) as [keyof typeof RECIPE_DATA_FIELDS, readonly string[]][]) {
    if (parsed.data.data[field] !== undefined && !recipes.includes(recipe)) {
      throw new SeqtrainError(
        'ERR_JOB_INVALID',
        `${source}: data.${field} is a ${recipes.join('/')} option, but data.recipe is "${recipe}"; set data.recipe: ${recipes[0]} or drop data.${field}.`,
        { field: `data.${field}`, file: source }
      );
    }
  }
  if (recipe === 'timeseries' && parsed.data.data.window === undefined) {
    throw new SeqtrainError('ERR_JOB_INVALID', `${source}: data.recipe timeseries needs data.window (input steps per window), e.g. window: 12.`, { field: 'data.window', file: source });
  }
  if (recipe === 'idx' && parsed.data.data.labels === undefined) {
    throw new SeqtrainError('ERR_JOB_INVALID', `${source}: data.recipe idx needs data.labels (the IDX labels file beside data.input, the images).`, { field: 'data.labels', file: source });
  }
  const targets = parsed.data.model.config['targets'];
  if (parsed.data.model.name === 'char-lm' && targets === 'sequence') {
    const { seqLen, step, validationStep } = parsed.data.data;
    if (recipe !== 'text' && parsed.data.data.dir === undefined) {
      throw new SeqtrainError('ERR_JOB_INVALID', `${source}: model.config.targets sequence (many-to-many next characters) needs text windows, but data.recipe is "${recipe}"; set data.recipe: text or drop model.config.targets.`, { field: 'model.config.targets', file: source });
    }
    if (parsed.data.data.dir === undefined && (validationStep ?? step) > seqLen) {
      throw new SeqtrainError(
        'ERR_JOB_INVALID',
        `${source}: with model.config.targets sequence each validation character is scored once, so the validation windows must advance by at most data.seqLen (${seqLen}); data.${validationStep === undefined ? 'step' : 'validationStep'} is ${validationStep ?? step}. Set data.validationStep to at most ${seqLen} (seqLen - validationStep characters of context).`,
        { field: 'data.validationStep', file: source }
      );
    }
  }
  if (parsed.data.restoreBest !== undefined && parsed.data.validateEvery === undefined) {
    throw new SeqtrainError(
      'ERR_JOB_INVALID',
      `${source}: restoreBest "${parsed.data.restoreBest}" needs validateEvery (steps between the validation passes it chooses among), e.g. validateEvery: 25.`,
      { field: 'validateEvery', file: source }
    );
  }
  if (parsed.data.dashboard && parsed.data.port !== 0 && parsed.data.dashboardPort === parsed.data.port) {
    throw new SeqtrainError(
      'ERR_JOB_INVALID',
      `${source}: dashboardPort ${parsed.data.dashboardPort} is the coordinator's port too; give the dashboard another port (or 0 for a free one).`,
      { field: 'dashboardPort', file: source }
    );
  }
  if (parsed.data.globalBatch < parsed.data.workers * parsed.data.devicesPerWorker) {
    throw new SeqtrainError(
      'ERR_JOB_INVALID',
      `${source}: globalBatch ${parsed.data.globalBatch} is smaller than the world size ${parsed.data.workers * parsed.data.devicesPerWorker} (workers x devicesPerWorker); every rank needs at least one sample per step.`,
      { field: 'globalBatch', file: source }
    );
  }
  const world = parsed.data.workers * parsed.data.devicesPerWorker;
  const { minWorkers, maxWorkers, stallWarnMs, stallAbortMs } = parsed.data;
  if (minWorkers !== undefined && minWorkers > world) {
    throw new SeqtrainError('ERR_JOB_INVALID', `${source}: minWorkers ${minWorkers} is above the world size ${world} (workers x devicesPerWorker); lower it or start more workers.`, { field: 'minWorkers', file: source });
  }
  if (maxWorkers !== undefined && maxWorkers < world) {
    throw new SeqtrainError('ERR_JOB_INVALID', `${source}: maxWorkers ${maxWorkers} is below the world size ${world} (workers x devicesPerWorker); raise it.`, { field: 'maxWorkers', file: source });
  }
  if (stallAbortMs <= stallWarnMs) {
    throw new SeqtrainError('ERR_JOB_INVALID', `${source}: stallAbortMs ${stallAbortMs} must be above stallWarnMs ${stallWarnMs}.`, { field: 'stallAbortMs', file: source });
  }
  return parsed.data;
}

/** Deep-merges `over` onto `base` (objects merge, everything else replaces); undefined never overrides. */
export function mergeJobInputs(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prev = out[key];
    // Recursing into {} as well drops the undefined leaves of a flag object that has no file counterpart.
    if (isPlainObject(value)) out[key] = mergeJobInputs(isPlainObject(prev) ? prev : {}, value);
    else out[key] = value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
