// Kernel GFLOP/s of js vs wasm-simd, side by side in one run (README, Performance).
// Usage, after the package build: node packages/rnn-kernels/scripts/bench-kernels.mjs [T] [B] [H] [repeats] [--no-js]
// (--no-js: wasm-simd rows only, for long sequences where the js kernels take minutes).
import { createRnnKernels, measureKernelGflops } from '../dist/index.js';

const withJs = !process.argv.includes('--no-js');
const [T, B, H, repeats] = process.argv.slice(2).filter((a) => !a.startsWith('--')).map(Number);
const shape = { T: T || 40, B: B || 128, H: H || 128 };
const opts = { repeats: repeats || 5 };
const js = createRnnKernels('js');
const wasm = createRnnKernels('wasm-simd');
const row = (r) =>
  `${r.cell.padEnd(11)} ${r.kernels.padEnd(9)} ${r.data.padEnd(9)} ${r.forwardMs.toFixed(1).padStart(8)} ${r.backwardMs.toFixed(1).padStart(8)} ` +
  `${r.forwardGflops.toFixed(2).padStart(8)} ${r.backwardGflops.toFixed(2).padStart(8)} ${r.totalGflops.toFixed(2).padStart(8)}`;
console.log(`T=${shape.T} B=${shape.B} H=${shape.H}, median of ${opts.repeats}; flops = recurrent matmuls only (fwd 2·B·H·gH per step, bwd twice that)`);
console.log('cell        kernels   data        fwd ms   bwd ms  fwd GF/s bwd GF/s  fb GF/s');
for (const cell of ['lstm', 'gru', 'simple_rnn']) {
  const j = withJs ? measureKernelGflops(js, cell, shape, opts) : undefined;
  const w = measureKernelGflops(wasm, cell, shape, opts);
  const v = measureKernelGflops(wasm, cell, shape, { ...opts, data: 'vanishing' });
  for (const r of [j, w, v]) if (r) console.log(row(r));
  const total = (r) => r.forwardMs + r.backwardMs;
  const vsJs = j ? `wasm-simd is ${(total(j) / total(w)).toFixed(1)}x js; ` : '';
  console.log(`${cell.padEnd(11)} ${vsJs}vanishing/random time ${(total(v) / total(w)).toFixed(2)}`);
}
