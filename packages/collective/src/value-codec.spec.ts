import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from './value-codec.js';

function bits(data: Float32Array): number[] {
  return [...new Uint32Array(data.buffer, data.byteOffset, data.length)];
}

describe('value codec', () => {
  // msgpackr's default Packr turns a Float32Array into a Buffer of unrelated bytes without an error;
  // the codec must be built with moreTypes. This guards that.
  it('keeps a Float32Array a Float32Array, bit-exactly, including NaN payloads, -0 and subnormals', () => {
    const data = new Float32Array(8);
    new Uint32Array(data.buffer).set([
      0x7fc00000, // quiet NaN
      0x7fa1b2c3, // NaN with a payload
      0xffc00001, // negative NaN with a payload
      0x80000000, // -0
      0x00000001, // smallest subnormal
      0x807fffff, // largest negative subnormal
      0x7f7fffff, // largest finite
      0x3f800000, // 1
    ]);
    const back = decodeValue(encodeValue({ weights: data, nested: [data.subarray(2, 5)] }), 0) as { weights: Float32Array; nested: Float32Array[] };
    expect(back.weights).toBeInstanceOf(Float32Array);
    expect(bits(back.weights)).toEqual(bits(data));
    expect(back.nested[0]).toBeInstanceOf(Float32Array);
    expect(bits(back.nested[0] as Float32Array)).toEqual(bits(data.subarray(2, 5)));
  });

  it('keeps other typed arrays, Maps and plain values', () => {
    const value = { ints: new Int32Array([-1, 2]), bytes: new Uint8Array([7]), map: new Map([['a', 1]]), text: 'é', n: 2 ** 40, none: null };
    expect(decodeValue(encodeValue(value), 0)).toEqual(value);
  });

  it('reports undecodable bytes as ERR_BAD_FRAME naming the sender', () => {
    expect(() => decodeValue(new Uint8Array([0x92, 0x01]), 3)).toThrowError(expect.objectContaining({ code: 'ERR_BAD_FRAME', details: { rank: 3 } }));
  });
});
