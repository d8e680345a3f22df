import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  GruBackwardArgs,
  GruBackwardResult,
  GruForwardArgs,
  GruForwardResult,
  LstmBackwardArgs,
  LstmBackwardResult,
  LstmForwardArgs,
  LstmForwardResult,
  MatMulArgs,
  RnnKernels,
  SimpleRnnActivation,
  SimpleRnnBackwardArgs,
  SimpleRnnBackwardResult,
  SimpleRnnForwardArgs,
  SimpleRnnForwardResult,
} from './types.js';
import {
  checkGruBackward,
  checkGruForward,
  checkLstmBackward,
  checkLstmForward,
  checkMatMul,
  checkSimpleRnnBackward,
  checkSimpleRnnForward,
} from './validate.js';
import { paddedLeadingDim } from './padded-leading-dim.js';
import { wasmApi, type WasmMemory } from './wasm-api.js';
import { WasmArena } from './wasm-arena.js';

/**
 * The AssemblyScript build (assembly/, package.json "build") writes dist/rnn-kernels.wasm. Resolved from this
 * module as ../dist/, which is the same file from src/ (tests) and from dist/ (the published package).
 */
export const WASM_FILE_URL = new URL('../dist/rnn-kernels.wasm', import.meta.url);

/** The exports of assembly/index.ts: byte pointers, 0 = absent. */
interface WasmExports {
  memory: WasmMemory;
  heapBase(): number;
  lstmForward(T: number, B: number, H: number, xp: number, u: number, ldu: number, h0: number, c0: number, mask: number, h: number, c: number, gates: number, hard: number): void;
  lstmBackward(
    T: number, B: number, H: number, u: number, ut: number, ldut: number, h0: number, c0: number, mask: number, h: number, c: number, gates: number,
    dh: number, dcn: number, dhn: number, dht: number, dxp: number, ldx: number, du: number, hard: number
  ): void;
  gruForward(T: number, B: number, H: number, xp: number, u: number, h0: number, mask: number, h: number, gates: number, rh: number, hard: number): void;
  gruBackward(
    T: number, B: number, H: number, u: number, ut: number, h0: number, mask: number, h: number, gates: number, dh: number,
    dhn: number, dht: number, drh: number, rh: number, dxp: number, du: number, hard: number
  ): void;
  simpleRnnForward(T: number, B: number, H: number, xp: number, u: number, h0: number, mask: number, h: number, act: number): void;
  simpleRnnBackward(
    T: number, B: number, H: number, u: number, ut: number, h0: number, mask: number, h: number, dh: number, dhn: number, dht: number, dxp: number, du: number, act: number
  ): void;
  gemm(M: number, N: number, K: number, a: number, sam: number, sak: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
}

export type WasmLoadResult = { ok: true; kernels: RnnKernels } | { ok: false; reason: string; file: string };

let cached: WasmLoadResult | undefined;

/** Compiles and instantiates the shipped wasm once per process (synchronously); the reason when it cannot. */
export function loadWasmRnnKernels(): WasmLoadResult {
  cached ??= loadWasmRnnKernelsFrom(fileURLToPath(WASM_FILE_URL));
  return cached;
}

/** Compiles and instantiates the kernels from `file`, uncached; the reason when it cannot. */
export function loadWasmRnnKernelsFrom(file: string): WasmLoadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    return { ok: false, file, reason: `${file} is unreadable (${(err as Error).message}); build the package (npm run build -w packages/rnn-kernels)` };
  }
  if (!wasmApi.validate(bytes)) {
    return { ok: false, file, reason: `${file} does not validate here: this runtime lacks WebAssembly SIMD (Node >= 16.4 has it)` };
  }
  const instance = new wasmApi.Instance(new wasmApi.Module(bytes), {});
  return { ok: true, kernels: wasmRnnKernels(instance.exports as unknown as WasmExports) };
}

const SIMPLE_ACTIVATION_CODE: Record<SimpleRnnActivation, number> = { tanh: 0, relu: 1, linear: 2 };

function wasmRnnKernels(w: WasmExports): RnnKernels {
  const arena = new WasmArena(w.memory, w.heapBase());
  const optional = (arr: Float32Array | undefined): number => arr?.length ?? 0;

  function lstmForward(a: LstmForwardArgs): LstmForwardResult {
    checkLstmForward('lstmForward', a);
    const { T, B, H } = a;
    const n = T * B * H;
    const ldu = paddedLeadingDim(4 * H);
    const m = arena.layout({ xp: 4 * n, u: H * ldu, h0: B * H, c0: B * H, mask: optional(a.mask), h: n, c: n, gates: 4 * n });
    arena.write(m.xp, a.xp);
    arena.writeRows(m.u, a.u, H, 4 * H, ldu);
    arena.write(m.h0, a.h0);
    arena.write(m.c0, a.c0);
    if (a.mask !== undefined) arena.write(m.mask, a.mask);
    w.lstmForward(T, B, H, m.xp, m.u, ldu, m.h0, m.c0, a.mask ? m.mask : 0, m.h, m.c, m.gates, a.recurrentActivation === 'hard_sigmoid' ? 1 : 0);
    return { h: arena.read(m.h, n), c: arena.read(m.c, n), gates: arena.read(m.gates, 4 * n) };
  }

  function lstmBackward(a: LstmBackwardArgs): LstmBackwardResult {
    checkLstmBackward('lstmBackward', a);
    const { T, B, H } = a;
    const n = T * B * H;
    const du = a.computeDu === true;
    const ldut = paddedLeadingDim(H);
    const ldx = paddedLeadingDim(4 * H);
    const m = arena.layout({
      u: 4 * H * H, ut: 4 * H * ldut, h0: B * H, c0: B * H, mask: optional(a.mask), h: n, c: n, gates: 4 * n,
      dh: n, dcn: B * H, dhn: B * H, dht: B * H, dxp: T * B * ldx, du: du ? 4 * H * H : 0,
    });
    arena.write(m.u, a.u);
    arena.write(m.h0, a.h0);
    arena.write(m.c0, a.c0);
    if (a.mask !== undefined) arena.write(m.mask, a.mask);
    arena.write(m.h, a.h);
    arena.write(m.c, a.c);
    arena.write(m.gates, a.gates);
    arena.write(m.dh, a.dh);
    if (a.dcT !== undefined) arena.write(m.dcn, a.dcT);
    else arena.zero(m.dcn, B * H);
    if (du) arena.zero(m.du, 4 * H * H);
    w.lstmBackward(
      T, B, H, m.u, m.ut, ldut, m.h0, m.c0, a.mask ? m.mask : 0, m.h, m.c, m.gates,
      m.dh, m.dcn, m.dhn, m.dht, m.dxp, ldx, du ? m.du : 0, a.recurrentActivation === 'hard_sigmoid' ? 1 : 0
    );
    const out: LstmBackwardResult = { dxp: arena.readRows(m.dxp, T * B, 4 * H, ldx), dh0: arena.read(m.dhn, B * H), dc0: arena.read(m.dcn, B * H) };
    if (du) out.du = arena.read(m.du, 4 * H * H);
    return out;
  }

  function gruForward(a: GruForwardArgs): GruForwardResult {
    checkGruForward('gruForward', a);
    const { T, B, H } = a;
    const n = T * B * H;
    const m = arena.layout({ xp: 3 * n, u: 3 * H * H, h0: B * H, mask: optional(a.mask), h: n, gates: 3 * n, rh: B * H });
    arena.write(m.xp, a.xp);
    arena.write(m.u, a.u);
    arena.write(m.h0, a.h0);
    if (a.mask !== undefined) arena.write(m.mask, a.mask);
    w.gruForward(T, B, H, m.xp, m.u, m.h0, a.mask ? m.mask : 0, m.h, m.gates, m.rh, a.recurrentActivation === 'hard_sigmoid' ? 1 : 0);
    return { h: arena.read(m.h, n), gates: arena.read(m.gates, 3 * n) };
  }

  function gruBackward(a: GruBackwardArgs): GruBackwardResult {
    checkGruBackward('gruBackward', a);
    const { T, B, H } = a;
    const n = T * B * H;
    const m = arena.layout({
      u: 3 * H * H, ut: 3 * H * H, h0: B * H, mask: optional(a.mask), h: n, gates: 3 * n, dh: n,
      dhn: B * H, dht: B * H, drh: B * H, rh: B * H, dxp: 3 * n, du: 3 * H * H,
    });
    arena.write(m.u, a.u);
    arena.write(m.h0, a.h0);
    if (a.mask !== undefined) arena.write(m.mask, a.mask);
    arena.write(m.h, a.h);
    arena.write(m.gates, a.gates);
    arena.write(m.dh, a.dh);
    arena.zero(m.du, 3 * H * H);
    w.gruBackward(
      T, B, H, m.u, m.ut, m.h0, a.mask ? m.mask : 0, m.h, m.gates, m.dh,
      m.dhn, m.dht, m.drh, m.rh, m.dxp, m.du, a.recurrentActivation === 'hard_sigmoid' ? 1 : 0
    );
    return { dxp: arena.read(m.dxp, 3 * n), dh0: arena.read(m.dhn, B * H), du: arena.read(m.du, 3 * H * H) };
  }

  function simpleRnnForward(a: SimpleRnnForwardArgs): SimpleRnnForwardResult {
    checkSimpleRnnForward('simpleRnnForward', a);
    const { T, B, H } = a;
    const n = T * B * H;
    const m = arena.layout({ xp: n, u: H * H, h0: B * H, mask: optional(a.mask), h: n });
    arena.write(m.xp, a.xp);
    arena.write(m.u, a.u);
    arena.write(m.h0, a.h0);
    if (a.mask !== undefined) arena.write(m.mask, a.mask);
    w.simpleRnnForward(T, B, H, m.xp, m.u, m.h0, a.mask ? m.mask : 0, m.h, SIMPLE_ACTIVATION_CODE[a.activation]);
    return { h: arena.read(m.h, n) };
  }

  function simpleRnnBackward(a: SimpleRnnBackwardArgs): SimpleRnnBackwardResult {
    checkSimpleRnnBackward('simpleRnnBackward', a);
    const { T, B, H } = a;
    const n = T * B * H;
    const du = a.computeDu === true;
    const m = arena.layout({ u: H * H, ut: H * H, h0: B * H, mask: optional(a.mask), h: n, dh: n, dhn: B * H, dht: B * H, dxp: n, du: du ? H * H : 0 });
    arena.write(m.u, a.u);
    arena.write(m.h0, a.h0);
    if (a.mask !== undefined) arena.write(m.mask, a.mask);
    arena.write(m.h, a.h);
    arena.write(m.dh, a.dh);
    if (du) arena.zero(m.du, H * H);
    w.simpleRnnBackward(T, B, H, m.u, m.ut, m.h0, a.mask ? m.mask : 0, m.h, m.dh, m.dhn, m.dht, m.dxp, du ? m.du : 0, SIMPLE_ACTIVATION_CODE[a.activation]);
    const out: SimpleRnnBackwardResult = { dxp: arena.read(m.dxp, n), dh0: arena.read(m.dhn, B * H) };
    if (du) out.du = arena.read(m.du, H * H);
    return out;
  }

  // A transposed A costs nothing (gemm reads A through element strides); a transposed B is transposed while
  // it is copied in, because gemm vectorises along B's rows.
  function matMul(a: MatMulArgs): Float32Array {
    checkMatMul('matMul', a);
    const { M, N, K } = a;
    const ldb = paddedLeadingDim(N);
    const m = arena.layout({ a: M * K, b: K * ldb, c: M * N });
    arena.write(m.a, a.a);
    if (a.transposeB) arena.writeTransposed(m.b, a.b, N, K, ldb);
    else arena.writeRows(m.b, a.b, K, N, ldb);
    w.gemm(M, N, K, m.a, a.transposeA ? 1 : K, a.transposeA ? M : 1, m.b, ldb, m.c, N, 0);
    return arena.read(m.c, M * N);
  }

  return { name: 'wasm-simd', lstmForward, lstmBackward, gruForward, gruBackward, simpleRnnForward, simpleRnnBackward, matMul };
}
