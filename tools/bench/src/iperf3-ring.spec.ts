import { describe, expect, it } from 'vitest';
import { receivedBytesPerSecond, runIperf3Ring } from './iperf3-ring.js';

describe('receivedBytesPerSecond', () => {
  it("reads the receiver's bytes over its seconds from iperf3's client JSON", () => {
    const json = JSON.stringify({ end: { sum_sent: { bytes: 3145728, seconds: 0.1 }, sum_received: { bytes: 3145728, seconds: 0.0262 } } });
    expect(receivedBytesPerSecond(json, 'a -> b')).toBeCloseTo(3145728 / 0.0262, 3);
  });

  it("fails with iperf3's own error and the link, or on output that is not JSON", () => {
    expect(() => receivedBytesPerSecond(JSON.stringify({ start: {}, end: {}, error: 'unable to connect to server: Connection refused' }), 'ns-w0 -> ns-w1')).toThrow(
      /iperf3 \(ns-w0 -> ns-w1\) reported no received bytes: unable to connect to server: Connection refused/
    );
    expect(() => receivedBytesPerSecond(JSON.stringify({ end: { sum_received: { bytes: 10, seconds: 0 } } }), 'x')).toThrow(/no received bytes/);
    expect(() => receivedBytesPerSecond('iperf3: error - unable to connect', 'x')).toThrow(/printed no JSON: iperf3: error/);
  });
});

describe('runIperf3Ring arguments', () => {
  it('refuses a one-host ring, a byte count that is not a positive integer and a rate that is not positive before starting anything', async () => {
    const host = { namespace: 'none', address: '10.0.0.1' };
    await expect(runIperf3Ring([host], 1024, 1e9)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'hosts' } });
    await expect(runIperf3Ring([host, host], 0, 1e9)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'bytes' } });
    await expect(runIperf3Ring([host, host], 1024, 0)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'bitsPerSecond' } });
  });
});
