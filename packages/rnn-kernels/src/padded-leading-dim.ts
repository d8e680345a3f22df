/**
 * Row length (in floats) to store a matrix with `cols` columns at, for the wasm gemm's B operand. gemm
 * walks down a K x 8 column strip of B; when a row is a multiple of 256 bytes long, the strip's rows fall
 * into a few L1 cache sets (4 KiB rows: all into one) and evict each other, so the strip is fetched from
 * L2 again for every block of rows. Eight floats of padding spread them. Measured on the 2-core machine
 * by CPU time, same run (other load): M=32, N=256, K=1024 (the LSTM backward's dh step at H=256)
 * 13-17 GFLOP/s with rows of 256 floats, 21 with 264; M=2048, N=1024, K=256 11-16 against 17-19.
 */
export const GEMM_ROW_PAD_FLOATS = 8;

const ALIASING_BYTES = 256;

let padding = true;

/** Turns the padding on (the default) or off, for benchmarks that time both in one process; returns the previous setting. */
export function setGemmRowPadding(on: boolean): boolean {
  const was = padding;
  padding = on;
  return was;
}

export function paddedLeadingDim(cols: number): number {
  return padding && (cols * 4) % ALIASING_BYTES === 0 ? cols + GEMM_ROW_PAD_FLOATS : cols;
}
