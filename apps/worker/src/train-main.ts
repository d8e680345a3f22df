/**
 * Entry of a training process started by the worker agent; its settings come from the SEQTRAIN_
 * environment the agent sets (packages/common/src/env.ts).
 */
import { DEFAULTS, SeqtrainError, createLogger, readEnv } from '@seqtrain/common';
import { runTrainingProcess } from './training-process.js';

if (process.send) {
  process.on('disconnect', () => {
    process.stderr.write('seqtrain: the worker agent that started this training process is gone; exiting.\n');
    process.exit(1);
  });
}

const env = readEnv();
const logger = createLogger({ role: 'trainer', localRank: env.SEQTRAIN_LOCAL_RANK ?? 0 });
try {
  if (!env.SEQTRAIN_COORDINATOR) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', 'SEQTRAIN_COORDINATOR is not set; training processes are started by `seqtrain worker`.', { field: 'SEQTRAIN_COORDINATOR' });
  }
  process.exitCode = await runTrainingProcess({
    coordinator: env.SEQTRAIN_COORDINATOR,
    agentId: env.SEQTRAIN_AGENT_ID ?? String(process.pid),
    localRank: env.SEQTRAIN_LOCAL_RANK ?? 0,
    backend: env.SEQTRAIN_BACKEND ?? 'auto',
    ringHost: env.SEQTRAIN_RING_HOST ?? DEFAULTS.HOST,
    logger,
  });
} catch (err) {
  logger.error({ code: (err as SeqtrainError).code, err: (err as Error).message }, 'training process failed');
  process.exitCode = 1;
}
// tfjs and open handles must not keep a finished process alive.
setTimeout(() => process.exit(), 100).unref();
