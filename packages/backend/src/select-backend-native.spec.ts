/**
 * The native (tfjs-node, tfjs-node-gpu) paths of selectBackend, driven by stand-in modules written to
 * a temp dir: one that throws on load like a tfjs-node whose libtensorflow is missing, and one that
 * registers a 'tensorflow' backend (a real cpu backend) reporting no GPU, like tfjs-node-gpu on a
 * machine without CUDA.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { isSeqtrainError } from '@seqtrain/common';
import { importOptional } from './import-optional.js';
import { selectBackendUsing } from './select-backend.js';

const requireHere = createRequire(import.meta.url);
const MISSING = '@seqtrain/no-such-package';
const LOAD_ERROR = 'libtensorflow.so.2: cannot open shared object file: No such file or directory';

let dir: string;
let brokenPath: string;
let gpuWithoutGpuPath: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'seqtrain-backend-'));
  brokenPath = path.join(dir, 'broken-tfjs-node.cjs');
  writeFileSync(brokenPath, `throw new Error(${JSON.stringify(`${LOAD_ERROR}\n  at loading the addon`)});\n`);
  gpuWithoutGpuPath = path.join(dir, 'tfjs-node-gpu-without-gpu.cjs');
  // Same module files as the code under test, so it registers with the same tfjs-core engine.
  writeFileSync(
    gpuWithoutGpuPath,
    [
      `const tf = require(${JSON.stringify(requireHere.resolve('@tensorflow/tfjs-core'))});`,
      `const { MathBackendCPU } = require(${JSON.stringify(requireHere.resolve('@tensorflow/tfjs-backend-cpu'))});`,
      `tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: false }), 3);`,
      '',
    ].join('\n')
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('importOptional', () => {
  it('calls an unresolvable package "not installed" and reports a load error in one line', async () => {
    expect(await importOptional(MISSING)).toEqual({ ok: false, reason: 'not installed' });
    expect(await importOptional(brokenPath)).toEqual({
      ok: false,
      reason: `failed to load: ${LOAD_ERROR} at loading the addon`,
    });
  });
});

// Runs in order: selections are idempotent per process, so each test builds on the one before.
describe('selectBackend with native stand-ins', () => {
  it('auto: tfjs-node-gpu without a GPU is skipped and its tensorflow backend used', async () => {
    const selected = await selectBackendUsing('auto', { 'tensorflow-gpu': gpuWithoutGpuPath, tensorflow: MISSING });
    expect(selected.name).toBe('tensorflow');
    expect(selected.tfBackend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(selected.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', true],
    ]);
    expect(selected.attempts[0]?.reason).toMatch(/TensorFlow sees no GPU/);
    expect(selected.attempts[1]?.reason).toMatch(/reusing/);
    expect(selected.description).toMatch(/^backend: tensorflow \(tfjs-node-gpu: loaded, but TensorFlow sees no GPU/);
  });

  it('an explicit tensorflow-gpu without a GPU is ERR_BACKEND_UNAVAILABLE and keeps the selection', async () => {
    const err = await selectBackendUsing('tensorflow-gpu', { 'tensorflow-gpu': gpuWithoutGpuPath, tensorflow: MISSING }).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(isSeqtrainError(err, 'ERR_BACKEND_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toMatch(/sees no GPU/);
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('a native package that throws on load reports its error, then wasm works', async () => {
    const packages = { 'tensorflow-gpu': brokenPath, tensorflow: brokenPath };
    const err = await selectBackendUsing('tensorflow-gpu', packages).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(isSeqtrainError(err, 'ERR_BACKEND_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toContain(`failed to load: ${LOAD_ERROR}`);
    const wasm = await selectBackendUsing('wasm', packages);
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
