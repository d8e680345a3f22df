import type { RnnKernels } from './types.js';

export type WasmLoadResult = { ok: true; kernels: RnnKernels } | { ok: false; reason: string; file: string };

/** Placeholder until the AssemblyScript kernels land: always unavailable. */
export function loadWasmRnnKernels(): WasmLoadResult {
  return { ok: false, reason: 'not built yet', file: '' };
}
