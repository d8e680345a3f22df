// Shared helpers of the AssemblyScript kernels. Pointers are byte addresses into the one linear memory the
// JS side lays out (src/wasm-arena.ts); every array is f32, row-major.

/** Stored values with |v| below this become 0 (src/activations.ts SUBNORMAL_FLUSH_ABS says why). */
export const FLUSH_ABS: f32 = 1e-30;

@inline
export function flush(v: f32): f32 {
  return Mathf.abs(v) < FLUSH_ABS ? 0 : v;
}

@inline
export function at(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

@inline
export function put(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

/** Is batch row b present at step t (mask == 0 means no mask)? */
@inline
export function present(mask: usize, t: i32, B: i32, b: i32): bool {
  return mask == 0 || at(mask, t * B + b) != 0;
}

/** Flushes n floats in place, four at a time. */
export function flushRange(p: usize, n: i32): void {
  const thr = f32x4.splat(FLUSH_ABS);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = p + (<usize>i << 2);
    const v = v128.load(q);
    v128.store(q, v128.andnot(v, f32x4.lt(f32x4.abs(v), thr)));
  }
  for (; i < n; i++) put(p, i, flush(at(p, i)));
}

/** dst[k*rows + j] = src[j*ld + k] for j < rows, k < cols: dst = the [rows,cols] block of src, transposed. */
export function transpose(src: usize, ld: i32, rows: i32, cols: i32, dst: usize): void {
  transposeLd(src, ld, rows, cols, dst, rows);
}

/** transpose() into a destination with leading dimension ldd >= rows: dst[k*ldd + j] = src[j*ld + k]. */
export function transposeLd(src: usize, ld: i32, rows: i32, cols: i32, dst: usize, ldd: i32): void {
  for (let j = 0; j < rows; j++) {
    for (let k = 0; k < cols; k++) put(dst, k * ldd + j, at(src, j * ld + k));
  }
}

/** Four floats at p[i..i+4) when full, else p[i] in every lane (scalar tails share the vector code). */
@inline
export function ld(p: usize, i: i32, full: bool): v128 {
  const q = p + (<usize>i << 2);
  return full ? v128.load(q) : f32x4.splat(load<f32>(q));
}

/** Stores four lanes at p[i..i+4) when full, else lane 0 at p[i]. */
@inline
export function st(p: usize, i: i32, v: v128, full: bool): void {
  const q = p + (<usize>i << 2);
  if (full) v128.store(q, v);
  else store<f32>(q, f32x4.extract_lane(v, 0));
}

/** dst[i] = a[i] + b[i] for i < n. */
export function addRange(dst: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) put(dst, i, at(a, i) + at(b, i));
}
