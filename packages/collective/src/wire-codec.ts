/**
 * Element encodings on the wire for all-reduce compression (as Horovod's Compression.fp16): float32
 * values are rounded to IEEE binary16 (fp16) or bfloat16 (bf16) for transmission only; every addition
 * happens in float32 on the receiving rank, so only the values in flight lose precision.
 *
 * Rounding is to nearest, ties to even, for both; NaN stays NaN, infinities stay infinite. fp16
 * overflows to ±Infinity beyond ±65504 (round-to-nearest threshold 65520) and has subnormals down to
 * 2^-24; bf16 keeps float32's exponent range. The unit roundoff u (largest relative error of one
 * rounding of a normal value) is 2^-11 for fp16 and 2^-8 for bf16.
 *
 * Error bound of a compressed ring all-reduce over N ranks (see ring-allreduce.ts): every partial sum
 * is rounded once per hop and the final value once more, so for each element
 *   |sum_wire - sum_exact| <= u * (N * sum_r |x_r|) + N * 2^-24 * (fp16 only: subnormal spacing)
 *                           + float32 rounding of the N - 1 additions,
 * and for op 'mean' that bound divided by N. COMPRESSION_UNIT_ROUNDOFF holds u per encoding.
 */
export type WireCompression = 'none' | 'fp16' | 'bf16';

export const WIRE_COMPRESSIONS: readonly WireCompression[] = ['none', 'fp16', 'bf16'];

/** Largest relative error of rounding one normal float32 value to the wire encoding. */
export const COMPRESSION_UNIT_ROUNDOFF: Record<WireCompression, number> = { none: 0, fp16: 2 ** -11, bf16: 2 ** -8 };

/** Bytes per element on the wire. */
export function wireElementBytes(compression: WireCompression): number {
  return compression === 'none' ? 4 : 2;
}

/** float32 bit pattern -> binary16 bit pattern, round to nearest even. */
export function float32BitsToFloat16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 112; // rebias 127 -> 15
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal result: the 24-bit significand shifted so that one unit is 2^-24.
    const shift = 14 - halfExponent;
    if (shift > 24) return sign;
    const significand = mantissa | 0x800000;
    let half = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = sign | (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return half;
}

/** binary16 bit pattern -> float32 value (exact). */
function float16BitsToNumber(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let float16Table: Float32Array | undefined;
/** Every binary16 pattern decoded (256 KiB, built on first use): decoding is one table load per element. */
function float16Values(): Float32Array {
  if (!float16Table) {
    float16Table = new Float32Array(65536);
    for (let half = 0; half < 65536; half++) float16Table[half] = float16BitsToNumber(half);
  }
  return float16Table;
}

/** float32 bit pattern -> bfloat16 bit pattern, round to nearest even; NaN stays a (quiet) NaN. */
export function float32BitsToBfloat16(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return (bits >>> 16) | 0x40;
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

function bitsView(data: Float32Array): Uint32Array {
  return new Uint32Array(data.buffer, data.byteOffset, data.length);
}

const F32_INFINITY_BITS = 0x7f800000;
/** 65536.0: the first float32 at or above which binary16 is infinite whatever the rounding. */
const F16_OVERFLOW_BITS = (127 + 16) << 23;
/** 2^-14, the smallest normal binary16. */
const F16_MIN_NORMAL_BITS = 113 << 23;
/** 0.5: adding it to a value below 2^-14 rounds the value (in float32, to nearest even) to a multiple of 2^-24. */
const DENORMAL_MAGIC = 0.5;
const DENORMAL_MAGIC_BITS = 126 << 23;

/**
 * float32 -> binary16 for a whole range, round to nearest even, without a call per element (F. Giesen's
 * float_to_half_fast3_rtne: exponent rebias plus a rounding bias in integer arithmetic; the float32
 * addition of 0.5 rounds subnormals). Equal to float32BitsToFloat16 for every input (tested); about an
 * order of magnitude faster in V8, which does not inline the branchy per-element function here.
 */
function encodeFloat16Range(bits: Uint32Array, start: number, n: number, words: Uint16Array): void {
  const scratch = new Float32Array(1);
  const scratchBits = new Uint32Array(scratch.buffer);
  for (let i = 0; i < n; i++) {
    const word = bits[start + i] as number;
    const sign = (word >>> 16) & 0x8000;
    const magnitude = word & 0x7fffffff;
    let half: number;
    if (magnitude >= F16_OVERFLOW_BITS) {
      half = magnitude > F32_INFINITY_BITS ? 0x7e00 : 0x7c00;
    } else if (magnitude < F16_MIN_NORMAL_BITS) {
      scratchBits[0] = magnitude;
      scratch[0] = (scratch[0] as number) + DENORMAL_MAGIC;
      half = (scratchBits[0] as number) - DENORMAL_MAGIC_BITS;
    } else {
      // Rebias the exponent (127 -> 15) and add 0xfff + the mantissa's lowest kept bit: round to nearest even.
      half = (magnitude - (112 << 23) + 0xfff + ((magnitude >>> 13) & 1)) >>> 13;
    }
    words[i] = sign | half;
  }
}

/** Encodes data[start, end) into words[0, end - start). */
export function encodeWire(compression: Exclude<WireCompression, 'none'>, data: Float32Array, start: number, end: number, words: Uint16Array): void {
  const bits = bitsView(data);
  const n = end - start;
  if (compression === 'fp16') {
    encodeFloat16Range(bits, start, n, words);
  } else {
    for (let i = 0; i < n; i++) words[i] = float32BitsToBfloat16(bits[start + i] as number);
  }
}

/** data[offset + i] += decode(words[i]), in float32. */
export function addDecoded(compression: Exclude<WireCompression, 'none'>, data: Float32Array, offset: number, words: Uint16Array): void {
  const n = words.length;
  if (compression === 'fp16') {
    const table = float16Values();
    for (let i = 0; i < n; i++) data[offset + i] = (data[offset + i] as number) + (table[words[i] as number] as number);
  } else {
    const scratch = new Float32Array(1);
    const scratchBits = new Uint32Array(scratch.buffer);
    for (let i = 0; i < n; i++) {
      scratchBits[0] = (words[i] as number) << 16;
      data[offset + i] = (data[offset + i] as number) + (scratch[0] as number);
    }
  }
}

/** data[offset + i] = decode(words[i]). */
export function copyDecoded(compression: Exclude<WireCompression, 'none'>, data: Float32Array, offset: number, words: Uint16Array): void {
  const n = words.length;
  if (compression === 'fp16') {
    const table = float16Values();
    for (let i = 0; i < n; i++) data[offset + i] = table[words[i] as number] as number;
  } else {
    const bits = bitsView(data);
    for (let i = 0; i < n; i++) bits[offset + i] = (words[i] as number) << 16;
  }
}

/** Rounds data[start, end) in place to the values the encoding can carry (what a receiver decodes). */
export function quantizeInPlace(compression: Exclude<WireCompression, 'none'>, data: Float32Array, start: number, end: number): void {
  const bits = bitsView(data);
  if (compression === 'fp16') {
    const table = float16Values();
    const words = new Uint16Array(end - start);
    encodeFloat16Range(bits, start, end - start, words);
    for (let i = start; i < end; i++) data[i] = table[words[i - start] as number] as number;
  } else {
    for (let i = start; i < end; i++) bits[i] = float32BitsToBfloat16(bits[i] as number) << 16;
  }
}
