/**
 * Hierarchical all-reduce for nodes holding several ranks (Horovod's hierarchical allreduce, NCCL's
 * tree/ring split): reduce-scatter among the ranks of each node, then a ring all-reduce across nodes of
 * each local rank's shard (local rank l of every node together), then an all-gather inside each node.
 * The inter-node links carry 2(M-1)/M of the payload per node (M nodes) in 2(M-1) latency steps instead
 * of the flat ring's 2(N-1): it wins where per-step latency dominates (many ranks, small buckets); see
 * the cost model in tools/bench.
 *
 * Topology: nodes[r] is the node of rank r. Used when every node holds the same number G >= 2 of ranks
 * and there are at least 2 nodes (hierarchicalGroups returns undefined otherwise, and the flat ring
 * runs). Local rank = position among the node's ranks in rank order.
 *
 * Determinism: every step is a fixed-order float32 sum and all-gathers copy the owner's bits, so all
 * ranks end with identical bits and reruns give the same bits (the summation order differs from the
 * flat ring's, so the two algorithms' results may differ in the last bits).
 */
import type { CollectiveContext } from './collective-context.js';
import type { ReduceOp } from './descriptor.js';
import { ownedSegment, ringAllReduce } from './ring-allreduce.js';
import { ringSegments, type Segment } from './segments.js';
import { SubTransport } from './sub-transport.js';

export interface HierarchicalGroups {
  /** The ranks of this rank's node, in rank order. */
  local: number[];
  /** The ranks with this rank's local index, one per node, in node order of first appearance. */
  cross: number[];
}

/** The two groups of `rank`, or undefined when the topology does not suit the hierarchical algorithm. */
export function hierarchicalGroups(nodes: readonly number[], rank: number): HierarchicalGroups | undefined {
  const byNode = new Map<number, number[]>();
  nodes.forEach((node, r) => {
    const members = byNode.get(node) ?? [];
    members.push(r);
    byNode.set(node, members);
  });
  const groups = [...byNode.values()];
  const perNode = groups[0]?.length ?? 0;
  if (groups.length < 2 || perNode < 2 || groups.some((g) => g.length !== perNode)) return undefined;
  const node = nodes[rank] as number;
  const local = byNode.get(node) as number[];
  const localRank = local.indexOf(rank);
  return { local, cross: groups.map((g) => g[localRank] as number) };
}

export async function hierarchicalAllReduce(ctx: CollectiveContext, data: Float32Array, op: ReduceOp, groups: HierarchicalGroups): Promise<Float32Array> {
  const localTransport = new SubTransport(ctx.transport, groups.local);
  const crossTransport = new SubTransport(ctx.transport, groups.cross);
  const local = { ...ctx, transport: localTransport };
  await ringAllReduce(local, data, 'sum', 'none', 'reduce-scatter');
  const shard = ringSegments(data.length, localTransport.worldSize)[ownedSegment(localTransport.rank, localTransport.worldSize)] as Segment;
  const owned = data.subarray(shard.start, shard.end);
  await ringAllReduce({ ...ctx, transport: crossTransport }, owned, 'sum');
  if (op === 'mean') {
    const scale = 1 / ctx.transport.worldSize;
    for (let i = 0; i < owned.length; i++) owned[i] = (owned[i] as number) * scale;
  }
  await ringAllReduce(local, data, 'sum', 'none', 'all-gather');
  return data;
}
