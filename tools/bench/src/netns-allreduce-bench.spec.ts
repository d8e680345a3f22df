/**
 * The shaped-link bench for real: 2 ranks in 2 network namespaces, each host's eth0 shaped with tbf.
 * Needs root and iproute2 (skipped elsewhere, with the reason in the test name) and the built worker
 * (dist/allreduce-worker.js; the nx test target builds first). Checks correctness and teardown, not speed.
 */
import { describe, expect, it } from 'vitest';
import { isRoot, listNamespaces, runSystemCommand, systemCommandAvailable, type NetnsPlan } from '@seqtrain/netns';
import { runNetnsAllreduceBench } from './netns-allreduce-bench.js';
import { iperf3Installed } from './iperf3-ring.js';

const PAYLOAD_BYTES = 1024 * 1024;

/** Root in a container without CAP_SYS_ADMIN cannot create namespaces either: try one. */
async function canCreateNamespaces(): Promise<boolean> {
  const probe = `sqt-probe-${process.pid}`;
  try {
    await runSystemCommand('ip', ['netns', 'add', probe]);
    await runSystemCommand('ip', ['netns', 'delete', probe]);
    return true;
  } catch {
    return false;
  }
}

const canRun = isRoot() && (await systemCommandAvailable('ip')) && (await systemCommandAvailable('tc')) && (await canCreateNamespaces());
const why = canRun ? '' : ` (SKIPPED: needs root with CAP_SYS_ADMIN and iproute2's ip and tc; uid ${process.getuid?.() ?? '?'})`;

describe.skipIf(!canRun)(`runNetnsAllreduceBench${why}`, () => {
  it('all-reduces across two shaped namespaces with jumbo frames to the float64 sum, over the bridge, and deletes the namespaces', async () => {
    let plan: NetnsPlan | undefined;
    let during: string[] = [];
    let links: Promise<string[]> = Promise.resolve([]);
    const lines: string[] = [];
    const result = await runNetnsAllreduceBench({
      ranks: [2],
      sizesBytes: [PAYLOAD_BYTES],
      rate: '500mbit',
      mtu: 9000,
      compressions: ['none', 'fp16'],
      iterations: 1,
      warmup: 0,
      json: true,
      out: (line) => lines.push(line),
      onNetwork: (p) => {
        plan = p;
        void listNamespaces().then((names) => (during = names));
        // Every host's eth0 and every bridge port, as the kernel reports them while the network exists.
        links = Promise.all([
          ...p.hosts.map((h) => runSystemCommand('ip', ['-n', h.namespace, '-o', 'link', 'show', 'dev', 'eth0'])),
          ...p.hosts.map((h) => runSystemCommand('ip', ['-n', p.switchNamespace, '-o', 'link', 'show', 'dev', h.switchPort])),
        ]);
      },
    });
    expect(result.rows.map((r) => [r.ranks, r.bytes, r.compression])).toEqual([
      [2, PAYLOAD_BYTES, 'none'],
      [2, PAYLOAD_BYTES, 'fp16'],
    ]);
    const [fp32, fp16] = result.rows as [(typeof result.rows)[0], (typeof result.rows)[0]];
    // fp32: within float32 rounding of the float64 sum; fp16: within wire-codec.ts's bound and above float32's.
    expect(fp32.check).toMatchObject({ bytes: PAYLOAD_BYTES, withinBound: true });
    expect(fp32.check.maxAbsError).toBeLessThan(1e-6);
    expect(fp16.check.withinBound).toBe(true);
    expect(fp16.check.maxAbsError).toBeGreaterThan(1e-6);
    for (const row of result.rows) {
      expect(row.link).toEqual({ kind: 'netns', rate: '500mbit', bitsPerSecond: 5e8, mtu: 9000 });
      expect(row.busbw).toBeCloseTo(row.algbw, 6);
      expect(row.busbwPerLink).toBeCloseTo(row.busbw / (5e8 / 8), 6);
      expect(row.reference.bytesPerSecond).toBeGreaterThan(0);
      // CPU time of all ranks over wall time x cores: the machine cannot give more than all of its cores.
      for (const share of [row.cpuShare, row.reference.cpuShare]) {
        expect(share).toBeGreaterThan(0);
        expect(share).toBeLessThanOrEqual(1.05);
      }
    }
    // iperf3 (installed by .ci/run) crossed the same shaped links: both rows share the one ring run, and
    // a 1 MB stream can beat the rate by at most the tbf bucket (256kb at line rate), never reach the
    // unshaped veth's GB/s.
    if (await iperf3Installed()) {
      const kernel = fp32.kernelReference?.bytesPerSecond ?? 0;
      expect(kernel).toBeGreaterThan(0);
      expect(kernel).toBeLessThan(2 * (5e8 / 8));
      expect(fp16.kernelReference).toEqual(fp32.kernelReference);
    } else {
      for (const row of result.rows) expect(row.kernelReference).toBeNull();
    }
    expect(lines.map((l) => (JSON.parse(l) as { compression: string }).compression)).toEqual(['none', 'fp16']);
    // The ranks ran on hosts w0 and w1 and their bytes crossed the bridge: at least the pump's and the
    // all-reduces' payload each way (fp32: S per rank per call, fp16 half of it, and the checks).
    const p = plan as NetnsPlan;
    const [w0, w1] = p.hosts.filter((h) => h.worker !== null).map((h) => h.namespace) as [string, string];
    for (const [from, to] of [[w0, w1], [w1, w0]]) {
      const count = result.traffic.find((t) => t.from === from && t.to === to);
      expect(count?.bytes ?? 0).toBeGreaterThan(PAYLOAD_BYTES * 2);
    }
    const shown = await links;
    expect(shown).toHaveLength(2 * p.hosts.length);
    for (const line of shown) expect(line).toMatch(/ mtu 9000 /);
    const mine = [p.switchNamespace, ...p.hosts.map((h) => h.namespace)];
    await expect.poll(() => during.length).toBeGreaterThan(0);
    expect(during).toEqual(expect.arrayContaining(mine));
    expect(result.leftover).toEqual([]);
    expect((await listNamespaces()).filter((n) => mine.includes(n))).toEqual([]);
  });
});

describe('runNetnsAllreduceBench arguments', () => {
  it('refuses a rate tc would not read, a one-rank ring and an impossible MTU before creating anything', async () => {
    await expect(runNetnsAllreduceBench({ ranks: [2], sizesBytes: [1024], rate: '1 gigabit' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'rate' } });
    await expect(runNetnsAllreduceBench({ ranks: [1], sizesBytes: [1024], rate: '1gbit' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'ranks' } });
    await expect(runNetnsAllreduceBench({ ranks: [2], sizesBytes: [1024], rate: '1gbit', mtu: 70_000 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { field: 'mtu' } });
  });
});
