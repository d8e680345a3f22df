import { describe, expect, it } from 'vitest';
import { HostExclusion } from './host-exclusion.js';

describe('HostExclusion', () => {
  it('excludes a host after the given number of failures within the cooling-off period, and lets it back after', () => {
    let now = 1_000_000;
    const hosts = new HostExclusion(2, 60_000, () => now);
    hosts.recordFailure('a');
    expect(hosts.excludedUntil('a')).toBeUndefined();
    now += 10_000;
    hosts.recordFailure('a');
    expect(hosts.excludedUntil('a')).toBe(1_000_000 + 60_000);
    expect(hosts.excludedUntil('b')).toBeUndefined();
    now = 1_000_000 + 60_001; // the first failure has cooled off; one recent failure is below the bar
    expect(hosts.excludedUntil('a')).toBeUndefined();
    expect(hosts.failureCount('a')).toBe(1);
  });
});
