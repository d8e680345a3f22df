/**
 * Picks the compute backend for this process and registers its kernel fixes. Every seqtrain package
 * imports the one hoisted @tensorflow/tfjs-core, so the backend set here is the one models and the
 * trainer use.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { backend as currentBackend, findBackendFactory, getBackend, ready, setBackend, version_core } from '@tensorflow/tfjs-core';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { SeqtrainError } from '@seqtrain/common';
import {
  BACKEND_CHOICES,
  BACKEND_LABELS,
  BACKEND_ORDER,
  BACKEND_PACKAGES,
  isBackendChoice,
  type BackendAttempt,
  type BackendChoice,
  type BackendName,
  type SelectedBackend,
} from './backend-types.js';
import { importOptional } from './import-optional.js';
import { registerKernelFixes } from './kernel-fixes.js';

/** The modules that provide the two native backends; tests substitute stand-ins. */
export interface NativePackages {
  'tensorflow-gpu': string;
  tensorflow: string;
}

export const DEFAULT_NATIVE_PACKAGES: Readonly<NativePackages> = {
  'tensorflow-gpu': BACKEND_PACKAGES['tensorflow-gpu'],
  tensorflow: BACKEND_PACKAGES.tensorflow,
};

/** tfjs-node and tfjs-node-gpu both register their binding under this tfjs backend name. */
const NATIVE_TF_BACKEND = 'tensorflow';

type TryResult = { ok: true; tfBackend: string; threads: number; note?: string } | { ok: false; reason: string };

/** What to do when an explicitly requested backend cannot load. */
const FIXES: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu':
    `Install @tensorflow/tfjs-node-gpu ${version_core} (its install downloads libtensorflow with CUDA support; ` +
    'it needs the CUDA and cuDNN libraries and a visible NVIDIA GPU), or use --backend auto to fall back.',
  tensorflow:
    `Install @tensorflow/tfjs-node ${version_core} (its install downloads libtensorflow, so it needs network ` +
    'access and a supported platform), or use --backend auto, wasm or cpu.',
  wasm: 'Reinstall @tensorflow/tfjs-backend-wasm (its dist/ folder must hold the .wasm binaries), or use --backend cpu.',
  cpu: 'Reinstall @tensorflow/tfjs-backend-cpu.',
};

async function activate(tfBackend: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    if (!(await setBackend(tfBackend))) {
      return { ok: false, reason: `tfjs could not initialise the '${tfBackend}' backend (its warning above gives the cause)` };
    }
    await ready();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

async function tryNative(name: 'tensorflow-gpu' | 'tensorflow', packages: NativePackages): Promise<TryResult> {
  const specifier = packages[name];
  let note: string | undefined;
  // tfjs-node-gpu registers the same 'tensorflow' backend; when it loaded but found no GPU, its
  // binding still runs TensorFlow's CPU kernels, and loading a second libtensorflow gains nothing.
  if (name === 'tensorflow' && findBackendFactory(NATIVE_TF_BACKEND) !== null) {
    note = `reusing the '${NATIVE_TF_BACKEND}' backend that is already registered`;
  } else {
    const loaded = await importOptional(specifier);
    if (!loaded.ok) return loaded;
  }
  if (findBackendFactory(NATIVE_TF_BACKEND) === null) {
    return {
      ok: false,
      reason:
        `${specifier} loaded but registered no '${NATIVE_TF_BACKEND}' backend with the @tensorflow/tfjs-core ` +
        `${version_core} seqtrain uses (a second copy of tfjs-core?); install a matching ${version_core} version`,
    };
  }
  const activated = await activate(NATIVE_TF_BACKEND);
  if (!activated.ok) return activated;
  if (name === 'tensorflow-gpu') {
    // NodeJSKernelBackend exposes the binding's answer as a plain field: a cheap, honest GPU check.
    const usingGpu = (currentBackend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice;
    if (usingGpu === false) {
      return {
        ok: false,
        reason: 'loaded, but TensorFlow sees no GPU (check the CUDA/cuDNN libraries and nvidia-smi)',
      };
    }
    if (usingGpu !== true) note = 'loaded; this binding does not report whether it uses a GPU';
  }
  // libtensorflow's intra-op thread pool defaults to one thread per core.
  return { ok: true, tfBackend: NATIVE_TF_BACKEND, threads: availableParallelism(), ...(note ? { note } : {}) };
}

let wasmPathsSet = false;

/**
 * Points the wasm backend at the binaries of the installed package rather than at paths relative to
 * whatever script loaded it, so a bundled or relocated entry point still finds them. In Node 20 tfjs
 * picks tfjs-backend-wasm-simd.wasm: SIMD is detected, threads are not (no SharedArrayBuffer
 * workers in its Node build), so the backend runs one thread.
 */
function configureWasmPaths(): void {
  if (wasmPathsSet) return;
  const entry = createRequire(import.meta.url).resolve(BACKEND_PACKAGES.wasm);
  setWasmPaths(path.dirname(entry) + path.sep);
  wasmPathsSet = true;
}

async function tryWasm(): Promise<TryResult> {
  try {
    configureWasmPaths();
  } catch (err) {
    return { ok: false, reason: `cannot locate its binaries: ${err instanceof Error ? err.message : String(err)}` };
  }
  const activated = await activate('wasm');
  if (!activated.ok) return activated;
  return { ok: true, tfBackend: 'wasm', threads: getThreadsCount() };
}

async function tryBackend(name: BackendName, packages: NativePackages): Promise<TryResult> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNative(name, packages);
    case 'wasm':
      return tryWasm();
    case 'cpu': {
      const activated = await activate('cpu');
      if (!activated.ok) return activated;
      // The cpu backend prints a banner urging tfjs-node on its first tensor; the description line
      // already says why tfjs-node was not used, so clear its first-use flag to keep stderr clean.
      const cpu = currentBackend() as { firstUse?: boolean };
      if (cpu.firstUse === true) cpu.firstUse = false;
      return { ok: true, tfBackend: 'cpu', threads: 1 };
    }
  }
}

function describe(name: BackendName, attempts: readonly BackendAttempt[]): string {
  const failed = attempts.filter((a) => !a.ok).map((a) => `${BACKEND_LABELS[a.name]}: ${a.reason ?? 'failed'}`);
  return failed.length === 0 ? `backend: ${name}` : `backend: ${name} (${failed.join('; ')})`;
}

async function runSelection(choice: BackendChoice, packages: NativePackages): Promise<SelectedBackend> {
  const order = choice === 'auto' ? BACKEND_ORDER : [choice];
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    const result = await tryBackend(name, packages);
    if (!result.ok) {
      attempts.push({ name, ok: false, reason: result.reason });
      continue;
    }
    attempts.push(result.note === undefined ? { name, ok: true } : { name, ok: true, reason: result.note });
    registerKernelFixes(result.tfBackend);
    const selected: SelectedBackend = {
      name,
      tfBackend: getBackend(),
      attempts: Object.freeze(attempts) as BackendAttempt[],
      description: describe(name, attempts),
      threads: result.threads,
    };
    return Object.freeze(selected);
  }
  const last = attempts[attempts.length - 1];
  const message =
    choice === 'auto'
      ? `No compute backend could load: ${attempts.map((a) => `${a.name}: ${a.reason}`).join('; ')}. ${FIXES.cpu}`
      : `Backend '${choice}' was requested but cannot load: ${last?.reason ?? 'unknown reason'}. ${FIXES[choice]}`;
  throw new SeqtrainError('ERR_BACKEND_UNAVAILABLE', message, { field: 'backend', attempts });
}

let current: SelectedBackend | undefined;
/** Selections run one at a time: two overlapping setBackend sequences would interleave. */
let queue: Promise<unknown> = Promise.resolve();

async function selectSerially(choice: BackendChoice, packages: NativePackages): Promise<SelectedBackend> {
  if (current !== undefined && (choice === 'auto' || choice === current.name)) {
    // Someone may have called tf.setBackend directly since; put ours back.
    if (getBackend() !== current.tfBackend) await activate(current.tfBackend);
    return current;
  }
  try {
    current = await runSelection(choice, packages);
    return current;
  } catch (err) {
    // A failed explicit request leaves the earlier selection in force.
    if (current !== undefined) await activate(current.tfBackend);
    throw err;
  }
}

/**
 * selectBackend with the native packages named explicitly. Internal: not exported from the package
 * index; tests use it to exercise the native paths with stand-in modules.
 */
export function selectBackendUsing(choice: BackendChoice, packages: NativePackages): Promise<SelectedBackend> {
  if (!isBackendChoice(choice)) {
    return Promise.reject(
      new SeqtrainError(
        'ERR_INVALID_ARGUMENT',
        `Expected a backend of ${BACKEND_CHOICES.join(', ')} but got ${JSON.stringify(choice)}. Pass one of those.`,
        { field: 'backend' }
      )
    );
  }
  const run = queue.then(() => selectSerially(choice, packages));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * auto: tfjs-node-gpu, then tfjs-node, then wasm, then cpu. An explicit choice that cannot load is
 * SeqtrainError ERR_BACKEND_UNAVAILABLE with the reason and the fix. Registers the kernel fixes for
 * the chosen backend.
 *
 * Idempotent per process: once a backend is selected, 'auto' and a request for that same backend
 * return the same (frozen) SelectedBackend without loading anything again. Requesting a different
 * backend switches to it; if that fails, the earlier selection stays in force.
 */
export function selectBackend(choice: BackendChoice = 'auto'): Promise<SelectedBackend> {
  return selectBackendUsing(choice, DEFAULT_NATIVE_PACKAGES);
}
