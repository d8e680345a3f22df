import { describe, expect, it } from 'vitest';
import { copyBytes, decodeFrameHeader, encodeFloat32Frame, encodeFrame, expectFrame, FRAME_HEADER_BYTES, framePayload, framePayloadFloat32, FramePhase, FrameType } from './frame.js';

const TAG = { type: FrameType.FLOAT32, phase: FramePhase.ALL_GATHER, seq: 4_000_000_000, segment: 3, chunk: 17 } as const;

describe('frame', () => {
  it('round-trips header and float32 payload bit-exactly', () => {
    const data = new Float32Array([0, 1.5, -0, NaN, Infinity, 1e-45, 3, 4]);
    new Uint32Array(data.buffer)[3] = 0x7fa1b2c3; // a NaN with a payload
    const frame = encodeFloat32Frame(TAG, data, 1, 7);
    expect(frame.byteLength).toBe(FRAME_HEADER_BYTES + 6 * 4);
    expect(decodeFrameHeader(frame, 1)).toEqual({ ...TAG, payloadBytes: 24 });
    const back = framePayloadFloat32(frame);
    expect(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(Buffer.from(data.buffer, 4, 24))).toBe(true);
  });

  it('copies an unaligned payload into an aligned Float32Array', () => {
    const frame = encodeFloat32Frame(TAG, new Float32Array([1, 2, 3]), 0, 3);
    const shifted = new Uint8Array(frame.byteLength + 1).subarray(1);
    shifted.set(frame);
    expect([...framePayloadFloat32(shifted)]).toEqual([1, 2, 3]);
  });

  it('rejects a frame with another tag or payload size as ERR_BAD_FRAME naming the peer', () => {
    const frame = encodeFloat32Frame(TAG, new Float32Array(2), 0, 2);
    expect(expectFrame(frame, TAG, 2, 8).chunk).toBe(17);
    for (const wrong of [{ chunk: 16 }, { segment: 2 }, { seq: 1 }, { phase: FramePhase.REDUCE_SCATTER }, { type: FrameType.BYTES }]) {
      expect(() => expectFrame(frame, { ...TAG, ...wrong }, 2)).toThrowError(expect.objectContaining({ code: 'ERR_BAD_FRAME', details: expect.objectContaining({ rank: 2 }) }));
    }
    expect(() => expectFrame(frame, TAG, 2, 12)).toThrow(/expected 12 payload bytes/);
  });

  it('rejects truncated frames, foreign bytes and other wire versions', () => {
    const frame = encodeFrame({ ...TAG, type: FrameType.BYTES }, new Uint8Array([1, 2, 3]));
    expect([...framePayload(frame)]).toEqual([1, 2, 3]);
    expect(() => decodeFrameHeader(frame.subarray(0, 10), 0)).toThrow(/at least 24 header bytes/);
    expect(() => decodeFrameHeader(frame.subarray(0, frame.byteLength - 1), 0)).toThrow(/declares 3 payload bytes/);
    const foreign = copyBytes(frame);
    foreign[0] = 0x7b;
    expect(() => decodeFrameHeader(foreign, 0)).toThrow(/magic/);
    const future = copyBytes(frame);
    future[2] = 99;
    expect(() => decodeFrameHeader(future, 0)).toThrow(/wire version/);
  });

  it('copyBytes copies even a Node Buffer view (whose slice() would share memory)', () => {
    const pool = Buffer.from([1, 2, 3, 4]);
    const copy = copyBytes(pool.subarray(1, 3));
    pool[1] = 9;
    expect([...copy]).toEqual([2, 3]);
    expect(copy.byteLength).toBe(2);
  });
});
