/**
 * What the quality table needs from a run's summary.json (written by `seqtrain local`, see
 * apps/coordinator run-directory.ts): `status`, `wallSeconds`, `steps`, and the validation metric,
 * read from the `validation` object (`bitsPerChar`, `accuracy` 0..1, `rmse`, `chrf`, `copyChrf`)
 * and, for runs written before that object existed, from the flat `validationBitsPerToken` (= bits
 * per char for a char-level text model) and `validationAccuracy` fields.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export const METRIC_KEYS = ['bitsPerChar', 'accuracy', 'rmse', 'chrf', 'copyChrf', 'loss', 'mse'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

const finite = z.number().finite().nullable().optional();

const summarySchema = z.looseObject({
  status: z.string().optional(),
  wallSeconds: finite,
  steps: finite,
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }).optional(),
  validation: z.record(z.string(), z.unknown()).nullable().optional(),
  validationBitsPerToken: finite,
  validationAccuracy: finite,
});

export interface RunResult {
  status: string;
  wallSeconds: number | null;
  steps: number | null;
  metrics: Partial<Record<MetricKey, number>>;
  error: string | null;
}

const LEGACY: Partial<Record<MetricKey, 'validationBitsPerToken' | 'validationAccuracy'>> = {
  bitsPerChar: 'validationBitsPerToken',
  accuracy: 'validationAccuracy',
};

export function parseRunSummary(json: unknown): RunResult {
  const parsed = summarySchema.safeParse(json);
  if (!parsed.success) {
    return { status: 'unreadable', wallSeconds: null, steps: null, metrics: {}, error: `summary.json has an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}` };
  }
  const s = parsed.data;
  const metrics: Partial<Record<MetricKey, number>> = {};
  for (const key of METRIC_KEYS) {
    const value = s.validation?.[key];
    const legacy = LEGACY[key];
    const fallback = legacy !== undefined ? s[legacy] : undefined;
    if (typeof value === 'number' && Number.isFinite(value)) metrics[key] = value;
    else if (typeof fallback === 'number') metrics[key] = fallback;
  }
  const error = s.error ? `${s.error.code ?? ''} ${s.error.message ?? ''}`.trim() : null;
  return { status: s.status ?? 'completed', wallSeconds: s.wallSeconds ?? null, steps: s.steps ?? null, metrics, error };
}

export async function readRunSummary(file: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { status: 'missing', wallSeconds: null, steps: null, metrics: {}, error: `no summary.json at ${file}` };
  }
  try {
    return parseRunSummary(JSON.parse(text));
  } catch {
    return { status: 'unreadable', wallSeconds: null, steps: null, metrics: {}, error: `${file} is not JSON` };
  }
}
