/**
 * The one logger: pino, JSON lines on stderr (so stdout stays free for results and progress),
 * bound with the process role and, where known, its rank.
 */
import { pino, type Logger } from 'pino';
import { readEnv } from './env.js';

export type { Logger };

export function createLogger(bindings: Record<string, unknown> = {}, level?: string): Logger {
  const envLevel = readEnv().SEQTRAIN_LOG_LEVEL;
  return pino(
    { level: level ?? envLevel ?? 'info', base: { pid: process.pid, ...bindings } },
    pino.destination({ dest: 2, sync: true })
  );
}
