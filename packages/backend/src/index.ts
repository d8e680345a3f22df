export { BACKEND_CHOICES, BACKEND_ORDER, isBackendChoice } from './backend-types.js';
export type { BackendAttempt, BackendChoice, BackendName, SelectedBackend } from './backend-types.js';
export { selectBackend } from './select-backend.js';
export { registerKernelFixes, kernelFixNames } from './kernel-fixes.js';
