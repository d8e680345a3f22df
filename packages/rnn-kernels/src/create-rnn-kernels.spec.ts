import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRnnKernels } from './create-rnn-kernels.js';
import { loadWasmRnnKernelsFrom } from './wasm-kernels.js';

describe('createRnnKernels', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rnn-kernels-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("'auto' picks wasm-simd where it validates (Node 20 has SIMD), 'js' the fallback", () => {
    expect(createRnnKernels().name).toBe('wasm-simd');
    expect(createRnnKernels('auto').name).toBe('wasm-simd');
    expect(createRnnKernels('js').name).toBe('js');
  });

  it('a missing wasm file is a reason naming the file and the build command, not a throw', () => {
    const file = path.join(dir, 'absent.wasm');
    const r = loadWasmRnnKernelsFrom(file);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.file).toBe(file);
      expect(r.reason).toContain(file);
      expect(r.reason).toContain('npm run build -w packages/rnn-kernels');
    }
  });

  it('bytes that do not validate are a reason, not a throw', () => {
    const file = path.join(dir, 'bad.wasm');
    writeFileSync(file, Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff]));
    const r = loadWasmRnnKernelsFrom(file);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/does not validate/);
  });
});
