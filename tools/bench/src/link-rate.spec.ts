import { describe, expect, it } from 'vitest';
import { parseLinkRate } from './link-rate.js';

describe('parseLinkRate', () => {
  it('reads tc rates: bit is bits, bps is bytes, SI and IEC prefixes', () => {
    expect(parseLinkRate('1gbit')).toBe(1e9);
    expect(parseLinkRate('500mbit')).toBe(5e8);
    expect(parseLinkRate('2.5Gbit')).toBe(2.5e9);
    expect(parseLinkRate('100mbps')).toBe(8e8);
    expect(parseLinkRate('1kibit')).toBe(1024);
    expect(parseLinkRate('64000')).toBe(64_000);
  });

  it('refuses what tc would not read, naming the expected form', () => {
    for (const bad of ['fast', '1g', '-1gbit', '0bit', '1 gigabit']) {
      expect(() => parseLinkRate(bad)).toThrow(/tc reads it/);
    }
  });
});
