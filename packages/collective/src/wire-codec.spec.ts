import { describe, expect, it } from 'vitest';
import { copyDecoded, encodeWire, float32BitsToBfloat16, float32BitsToFloat16, quantizeInPlace } from './wire-codec.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function bitsOf(value: number): number {
  f32[0] = value;
  return u32[0] as number;
}
function decode(compression: 'fp16' | 'bf16', word: number): number {
  const out = new Float32Array(1);
  copyDecoded(compression, out, 0, new Uint16Array([word]));
  return out[0] as number;
}

describe('wire codec', () => {
  it('rounds to binary16 to nearest even, with overflow, subnormals, infinities and NaN', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65519, 0x7bff],
      [65520, 0x7c00], // halfway to the next (absent) value: rounds to infinity
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // tie between 0 and 2^-24: even
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 units: even
      [2 ** -14, 0x0400],
      [1 + 2 ** -11, 0x3c00], // tie: even mantissa
      [1 + 3 * 2 ** -11, 0x3c02],
      [-0, 0x8000],
    ];
    for (const [value, half] of cases) expect(float32BitsToFloat16(bitsOf(value))).toBe(half);
    expect(float32BitsToFloat16(bitsOf(NaN)) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(decode('fp16', float32BitsToFloat16(bitsOf(NaN))))).toBe(true);
  });

  it('the fast range encoder equals the reference rounding on a sweep of float32 bit patterns', () => {
    const bits = new Uint32Array(1_100_000);
    for (let i = 0; i < bits.length; i++) bits[i] = (i * 3907) >>> 0; // every 3907th pattern: all exponents, both signs
    bits.set([0x477ff000, 0x477fefff, 0x33000000, 0x33000001, 0x38800000, 0x387fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x80000000], 0);
    const words = new Uint16Array(bits.length);
    encodeWire('fp16', new Float32Array(bits.buffer), 0, bits.length, words);
    for (let i = 0; i < bits.length; i++) {
      const expected = float32BitsToFloat16(bits[i] as number);
      const isNaN = (expected & 0x7c00) === 0x7c00 && (expected & 0x3ff) !== 0;
      if (isNaN) expect((words[i] as number) & 0x7c00).toBe(0x7c00);
      else if (words[i] !== expected) expect({ bits: (bits[i] as number).toString(16), got: words[i] }).toEqual({ bits: (bits[i] as number).toString(16), got: expected });
    }
  });

  it('rounds to bfloat16 to nearest even and keeps NaN a NaN', () => {
    expect(float32BitsToBfloat16(bitsOf(1))).toBe(0x3f80);
    expect(float32BitsToBfloat16(bitsOf(1 + 2 ** -8))).toBe(0x3f80); // tie: even
    expect(float32BitsToBfloat16(bitsOf(1 + 3 * 2 ** -8))).toBe(0x3f82);
    expect(float32BitsToBfloat16(bitsOf(-3.0e38))).toBe(0xff62);
    expect(Number.isNaN(decode('bf16', float32BitsToBfloat16(0x7f800001)))).toBe(true);
  });

  for (const compression of ['fp16', 'bf16'] as const) {
    it(`${compression}: every encoded value is a nearest representable neighbour, and quantizeInPlace equals encode + decode`, () => {
      let state = 12345;
      const data = Float32Array.from({ length: 20_000 }, () => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return ((state / 2 ** 32) - 0.5) * 10 ** ((state % 13) - 8);
      });
      const words = new Uint16Array(data.length);
      encodeWire(compression, data, 0, data.length, words);
      const decoded = new Float32Array(data.length);
      copyDecoded(compression, decoded, 0, words);
      for (let i = 0; i < data.length; i++) {
        const x = data[i] as number;
        const err = Math.abs((decoded[i] as number) - x);
        for (const neighbour of [(words[i] as number) - 1, (words[i] as number) + 1]) {
          if ((neighbour & 0x7fff) === 0x7fff || neighbour < 0 || neighbour > 0xffff) continue;
          expect(err).toBeLessThanOrEqual(Math.abs(decode(compression, neighbour) - x));
        }
      }
      const quantized = data.slice();
      quantizeInPlace(compression, quantized, 0, quantized.length);
      expect(Buffer.from(quantized.buffer).equals(Buffer.from(decoded.buffer))).toBe(true);
    });
  }
});
