/**
 * The one grow-on-demand arena the wasm kernels work in: each call lays its arrays out from the heap base
 * (16-byte aligned), copies the inputs in, runs, and copies the outputs out. Nothing survives a call, so
 * there is no allocator; the memory only grows (to the largest call seen) and is reused.
 */
import { SeqtrainError } from '@seqtrain/common';
import type { WasmMemory } from './wasm-api.js';

const ALIGN_BYTES = 16;
const WASM_PAGE_BYTES = 65536;

export type Layout<K extends string> = Record<K, number>;

export class WasmArena {
  constructor(
    private readonly memory: WasmMemory,
    private readonly baseBytes: number
  ) {}

  /** Byte offsets for arrays of the given float counts; grows the memory to hold them all. */
  layout<K extends string>(floats: Record<K, number>): Layout<K> {
    let at = alignUp(this.baseBytes);
    const out = {} as Layout<K>;
    for (const key of Object.keys(floats) as K[]) {
      out[key] = at;
      at = alignUp(at + 4 * floats[key]);
    }
    const have = this.memory.buffer.byteLength;
    if (at > have) {
      try {
        this.memory.grow(Math.ceil((at - have) / WASM_PAGE_BYTES));
      } catch (err) {
        throw new SeqtrainError(
          'ERR_KERNEL_UNAVAILABLE',
          `The wasm-simd RNN kernels need ${Math.ceil(at / 2 ** 20)} MiB of WebAssembly memory for this call and could not grow to it ` +
            `(${(err as Error).message}; wasm32 memory stops at 4 GiB). Split the batch or the sequence, or use the js kernels.`,
          { requiredBytes: at },
          { cause: err }
        );
      }
    }
    return out;
  }

  write(offsetBytes: number, data: Float32Array): void {
    new Float32Array(this.memory.buffer, offsetBytes, data.length).set(data);
  }

  /** Writes the [cols, rows] transpose of the row-major [rows, cols] `data`, its rows `ld` >= rows floats apart. */
  writeTransposed(offsetBytes: number, data: Float32Array, rows: number, cols: number, ld = rows): void {
    const dst = new Float32Array(this.memory.buffer, offsetBytes, cols * ld);
    for (let r = 0; r < rows; r++) {
      const from = r * cols;
      for (let k = 0; k < cols; k++) dst[k * ld + r] = data[from + k]!;
    }
  }

  /** Writes the row-major [rows, cols] `data` with its rows `ld` >= cols floats apart (the gap is left as is). */
  writeRows(offsetBytes: number, data: Float32Array, rows: number, cols: number, ld: number): void {
    if (ld === cols) {
      this.write(offsetBytes, data);
      return;
    }
    const dst = new Float32Array(this.memory.buffer, offsetBytes, rows * ld);
    for (let r = 0; r < rows; r++) dst.set(data.subarray(r * cols, (r + 1) * cols), r * ld);
  }

  zero(offsetBytes: number, floats: number): void {
    new Float32Array(this.memory.buffer, offsetBytes, floats).fill(0);
  }

  /** A copy the caller owns of the [rows, cols] matrix stored with its rows `ld` >= cols floats apart. */
  readRows(offsetBytes: number, rows: number, cols: number, ld: number): Float32Array {
    if (ld === cols) return this.read(offsetBytes, rows * cols);
    const src = new Float32Array(this.memory.buffer, offsetBytes, rows * ld);
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) out.set(src.subarray(r * ld, r * ld + cols), r * cols);
    return out;
  }

  /** A copy the caller owns. */
  read(offsetBytes: number, floats: number): Float32Array {
    return new Float32Array(this.memory.buffer, offsetBytes, floats).slice();
  }
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN_BYTES) * ALIGN_BYTES;
}
