/**
 * Loads an optional dependency (tfjs-node, tfjs-node-gpu) without letting its absence or a broken
 * native addon take the process down. Their install downloads libtensorflow and fails on machines
 * without network or a supported platform, so both are optionalDependencies and often missing.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export type ImportOutcome = { ok: true } | { ok: false; reason: string };

/** The reason recorded for a package that does not resolve at all. */
export const NOT_INSTALLED = 'not installed';

const requireHere = createRequire(import.meta.url);

/**
 * Resolves `specifier` from this package, then imports it for its side effects (tfjs-node registers
 * the 'tensorflow' backend on import). A package that does not resolve is "not installed"; one that
 * resolves but throws while loading reports the thrown message (e.g. a missing libtensorflow.so).
 * Resolution goes through require.resolve so the verdict does not depend on the ESM loader in use
 * (vitest's module runner words a missing package differently from Node).
 */
export async function importOptional(specifier: string): Promise<ImportOutcome> {
  let resolved: string;
  try {
    resolved = requireHere.resolve(specifier);
  } catch {
    return { ok: false, reason: NOT_INSTALLED };
  }
  try {
    await import(pathToFileURL(resolved).href);
    return { ok: true };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: `failed to load: ${oneLine(message)}` };
  }
}

/** Reasons end up on one start-up line; tfjs-node's addon errors span several lines and carry the fix. */
const REASON_MAX_CHARS = 400;

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > REASON_MAX_CHARS ? `${flat.slice(0, REASON_MAX_CHARS - 1)}…` : flat;
}
