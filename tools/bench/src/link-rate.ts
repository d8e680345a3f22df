/**
 * tc's rate syntax (tc(8), "RATES"), so the bench can state its figures against the shaped link:
 * `bit` (or a bare number) is bits per second and `bps` BYTES per second, with SI prefixes k, m, g, t
 * (powers of 1000) or IEC prefixes ki, mi, gi, ti (powers of 1024), case-insensitive.
 */
import { SeqtrainError } from '@seqtrain/common';

const RATE_PATTERN = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(i)?)?(bit|bps)?$/i;
const PREFIX_POWER: Record<string, number> = { k: 1, m: 2, g: 3, t: 4 };

/** Bits per second of a tc rate such as `1gbit`, `500mbit`, `100mbps`. */
export function parseLinkRate(rate: string): number {
  const m = RATE_PATTERN.exec(rate.trim());
  const value = m ? Number(m[1]) : NaN;
  if (!m || !(value > 0) || (m[2] !== undefined && m[4] === undefined)) {
    throw new SeqtrainError(
      'ERR_INVALID_ARGUMENT',
      `A link rate must be written as tc reads it: a number with bit or bps (bytes/s) and an optional k, m, g, t (or ki, mi, gi, ti) prefix, e.g. 1gbit or 500mbit; got ${JSON.stringify(rate)}.`,
      { field: 'rate' }
    );
  }
  const power = m[2] ? (PREFIX_POWER[m[2].toLowerCase()] as number) : 0;
  const base = m[3] ? 1024 : 1000;
  const bitsPerUnit = m[4]?.toLowerCase() === 'bps' ? 8 : 1;
  return value * base ** power * bitsPerUnit;
}
