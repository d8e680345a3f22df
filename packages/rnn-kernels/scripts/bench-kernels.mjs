// Kernel GFLOP/s of js vs wasm-simd, side by side in one run (README, Performance).
// Usage: node packages/rnn-kernels/scripts/bench-kernels.mjs [T] [B] [H] [repeats]   (after the package build)
import { createRnnKernels, measureKernelGflops } from '../dist/index.js';

const [T, B, H, repeats] = process.argv.slice(2).map(Number);
const shape = { T: T || 40, B: B || 128, H: H || 128 };
const kernels = [createRnnKernels('js'), createRnnKernels('wasm-simd')];
console.log(`shape T=${shape.T} B=${shape.B} H=${shape.H}, median of ${repeats || 5}`);
console.log('cell        kernels    fwd ms  bwd ms  fwd GF/s  bwd GF/s  total GF/s');
for (const cell of ['lstm', 'gru', 'simple_rnn']) {
  const rows = kernels.map((k) => measureKernelGflops(k, cell, shape, { repeats: repeats || 5 }));
  for (const r of rows) {
    console.log(
      `${cell.padEnd(11)} ${r.kernels.padEnd(9)} ${r.forwardMs.toFixed(1).padStart(7)} ${r.backwardMs.toFixed(1).padStart(7)} ` +
        `${r.forwardGflops.toFixed(2).padStart(9)} ${r.backwardGflops.toFixed(2).padStart(9)} ${r.totalGflops.toFixed(2).padStart(11)}`
    );
  }
  console.log(`${cell.padEnd(11)} wasm-simd / js: ${(rows[0].forwardMs + rows[0].backwardMs) / (rows[1].forwardMs + rows[1].backwardMs) > 0 ? ((rows[0].forwardMs + rows[0].backwardMs) / (rows[1].forwardMs + rows[1].backwardMs)).toFixed(1) : '-'}x`);
}
