import { describe, it, expect } from 'vitest';
import { isSeqtrainError } from '@seqtrain/common';
import { IFNAME_MAX_CHARS, MAX_NETNS_WORKERS, planNetnsCluster } from './netns-plan.js';

describe('planNetnsCluster', () => {
  it('names the coordinator and workers, with distinct addresses in the /24 and the coordinator first', () => {
    const plan = planNetnsCluster({ workers: 3, runId: 'abc123', subnet: '10.231.5.0/24' });
    expect(plan.switchNamespace).toBe('sqt-abc123-sw');
    expect(plan.hosts.map((h) => [h.role, h.worker, h.namespace, h.address, h.switchPort])).toEqual([
      ['coordinator', null, 'sqt-abc123-c', '10.231.5.1', 'c'],
      ['worker', 0, 'sqt-abc123-w0', '10.231.5.2', 'w0'],
      ['worker', 1, 'sqt-abc123-w1', '10.231.5.3', 'w1'],
      ['worker', 2, 'sqt-abc123-w2', '10.231.5.4', 'w2'],
    ]);
  });

  it('keeps every interface name within IFNAMSIZ and every name unique, up to the largest cluster', () => {
    const plan = planNetnsCluster({ workers: MAX_NETNS_WORKERS, prefix: 'abcdefgh' });
    const interfaces = [plan.bridge, ...plan.hosts.map((h) => h.switchPort)];
    expect(Math.max(...interfaces.map((n) => n.length))).toBeLessThanOrEqual(IFNAME_MAX_CHARS);
    expect(new Set(interfaces).size).toBe(interfaces.length);
    const namespaces = [plan.switchNamespace, ...plan.hosts.map((h) => h.namespace)];
    expect(new Set(namespaces).size).toBe(namespaces.length);
    expect(new Set(plan.hosts.map((h) => h.address)).size).toBe(MAX_NETNS_WORKERS + 1);
    expect(plan.hosts.at(-1)?.address).toBe('10.231.0.254');
  });

  it('draws a fresh run id each time, so parallel runs get different namespaces', () => {
    const ids = new Set(Array.from({ length: 20 }, () => planNetnsCluster({ workers: 1 }).runId));
    expect(ids.size).toBe(20);
  });

  it.each([
    [{ workers: 0 }, 'workers'],
    [{ workers: MAX_NETNS_WORKERS + 1 }, 'workers'],
    [{ workers: 2, subnet: '10.231.0.0/16' }, 'subnet'],
    [{ workers: 2, subnet: '10.300.0.0/24' }, 'subnet'],
    [{ workers: 2, prefix: 'Has-Dash' }, 'prefix'],
    [{ workers: 2, prefix: 'waytoolongprefix' }, 'prefix'],
  ])('rejects %j naming the field', (options, field) => {
    let error: unknown;
    try {
      planNetnsCluster(options);
    } catch (err) {
      error = err;
    }
    expect(isSeqtrainError(error, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect((error as { details: { field?: string } }).details.field).toBe(field);
  });
});
