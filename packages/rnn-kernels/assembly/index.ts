// Entry of the AssemblyScript build (package.json "build:wasm"): raw-pointer kernels over one linear memory
// that src/wasm-kernels.ts lays out; no allocator, no runtime beyond the stub.
export { lstmForward, lstmBackward } from './lstm';
export { gruForward, gruBackward } from './gru';
export { simpleRnnForward, simpleRnnBackward } from './simple-rnn';
export { gemm } from './gemm';

/** First free byte after the static data: where the JS side starts its arena. */
export function heapBase(): usize {
  return __heap_base;
}
