/** The compute backends seqtrain can run on, best first, and what a selection reports. */

/** A concrete backend: the two native TensorFlow bindings, then the two pure-Node ones. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** What a flag, job file or SEQTRAIN_BACKEND may ask for: 'auto' tries the names in BACKEND_ORDER. */
export type BackendChoice = 'auto' | BackendName;

/** The order 'auto' tries, fastest first. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Every accepted value of the backend flag, in the order help text lists them. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_ORDER];

/** One backend tried during a selection; `reason` says why it failed (or a note when it loaded). */
export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  reason?: string;
}

export interface SelectedBackend {
  /** The backend picked. */
  name: BackendName;
  /** tf.getBackend() afterwards: 'tensorflow' (both native bindings), 'wasm' or 'cpu'. */
  tfBackend: string;
  /** Every backend tried, in order, each failure with its reason. */
  attempts: BackendAttempt[];
  /** One line for start-up printing, e.g. "backend: wasm (tfjs-node-gpu: not installed; tfjs-node: not installed)". */
  description: string;
  /** Compute threads the backend uses (wasm in Node and cpu: 1). */
  threads: number;
}

/** The npm package behind each backend name, as users know it from install instructions. */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** Short labels used in the description line. */
export const BACKEND_LABELS: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu': 'tfjs-node-gpu',
  tensorflow: 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};

export function isBackendChoice(value: unknown): value is BackendChoice {
  return typeof value === 'string' && (BACKEND_CHOICES as readonly string[]).includes(value);
}
