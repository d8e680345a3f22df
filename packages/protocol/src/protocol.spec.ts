import { describe, expect, it } from 'vitest';
import { isSeqtrainError } from '@seqtrain/common';
import { Packr } from 'msgpackr';
import {
  PROTOCOL_VERSION,
  decodeCoordinatorMessage,
  decodeWorkerMessage,
  encodeMessage,
  type WorkerMessage,
} from './protocol.js';

describe('protocol codec', () => {
  it('round-trips every worker message', () => {
    const messages: WorkerMessage[] = [
      {
        type: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        agentId: 'a',
        localRank: 0,
        hostname: 'h',
        pid: 1,
        ringAddress: 'ws://127.0.0.1:1',
        backend: 'wasm',
        backendDescription: 'backend: wasm',
      },
      { type: 'ready', generation: 0, rank: 0, parameterCount: 10 },
      { type: 'stepDone', generation: 2, rank: 1, step: 3, loss: 2.5, count: 16, computeSeconds: 0.1, commSeconds: 0.01, dataSeconds: 0 },
      { type: 'evalDone', generation: 0, rank: 1, step: 3, lossSum: 40, count: 16 },
      { type: 'checkpointDone', generation: 0, rank: 0, step: 3, path: '/x' },
      { type: 'failed', rank: null, error: { code: 'ERR_X', message: 'm', details: { rank: 2 } } },
      { type: 'ringBroken', generation: 1, rank: 2, step: 9, error: { code: 'ERR_PEER_CLOSED', message: 'gone', details: {} } },
      { type: 'rejoin', generation: 2, rank: 1, ringAddress: 'ws://127.0.0.1:2', commits: [8, 9] },
      { type: 'collectiveEnter', generation: 0, rank: 0, step: 4, name: 'grads' },
    ];
    for (const m of messages) expect(decodeWorkerMessage(encodeMessage(m))).toEqual(m);
  });

  it('fills in generation 0 when a sender leaves it out, and round-trips the elastic coordinator messages', () => {
    const m = decodeWorkerMessage(encodeMessage({ type: 'ready', rank: 0, parameterCount: 1 }));
    expect(m).toEqual({ type: 'ready', generation: 0, rank: 0, parameterCount: 1 });
    const membership = { type: 'membership' as const, generation: 3, rank: 1, worldSize: 2, peers: ['ws://a:1', 'ws://b:2'], rollbackStep: 17 };
    expect(decodeCoordinatorMessage(encodeMessage(membership))).toEqual(membership);
    const reform = { type: 'reform' as const, generation: 3, reason: 'rank 2 lost' };
    expect(decodeCoordinatorMessage(encodeMessage(reform))).toEqual(reform);
  });

  it('keeps NaN losses (a rank with no samples reports NaN)', () => {
    const m = decodeWorkerMessage(
      encodeMessage({ type: 'stepDone', rank: 0, step: 0, loss: NaN, count: 0, computeSeconds: 0, commSeconds: 0, dataSeconds: 0 })
    );
    expect(m.type === 'stepDone' && Number.isNaN(m.loss)).toBe(true);
  });

  it('refuses garbage and wrong shapes with ERR_BAD_FRAME naming the field', () => {
    const garbage = new Uint8Array([0xc1, 0xff, 0x00]);
    expect(() => decodeWorkerMessage(garbage)).toThrow(expect.objectContaining({ code: 'ERR_BAD_FRAME' }));
    const packr = new Packr({ moreTypes: true, useRecords: false });
    try {
      decodeCoordinatorMessage(packr.pack({ type: 'step', step: -1, epoch: 0, stepInEpoch: 0, globalCount: 1 }));
      expect.unreachable();
    } catch (err) {
      expect(isSeqtrainError(err, 'ERR_BAD_FRAME')).toBe(true);
      expect((err as Error).message).toContain('step');
    }
    expect(() => decodeWorkerMessage(packr.pack({ type: 'nope' }))).toThrow(/type/);
  });

  it('keeps a Float32Array bit-exact with moreTypes (the default Packr does not)', () => {
    const values = new Float32Array([1.5, -0, Number.NaN, 1e-42, 3.4e38]);
    const withTypes = new Packr({ moreTypes: true });
    const back = withTypes.unpack(withTypes.pack(values)) as Float32Array;
    expect(back).toBeInstanceOf(Float32Array);
    expect(new Uint32Array(back.buffer, back.byteOffset, back.length)).toEqual(new Uint32Array(values.buffer));
  });
});
