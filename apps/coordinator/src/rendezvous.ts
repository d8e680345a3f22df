/**
 * Rank assignment. Ranks are grouped by node: sorted by the agent's join order, then local rank,
 * so a node's processes hold consecutive ranks (neighbours on the ring share a host where possible,
 * as torchrun's and Horovod's rank orders do).
 */
import { SeqtrainError } from '@seqtrain/common';
import type { MessageOf, WorkerMessage } from '@seqtrain/protocol';
import type { RankInfo } from './coordinator-event.js';

export type Hello = MessageOf<WorkerMessage, 'hello'>;

export interface Member<C> {
  hello: Hello;
  connection: C;
  rank: number;
}

/** The members as the `ranks` and `membership` events report them. */
export function rankInfo<C>(members: readonly Member<C>[]): RankInfo[] {
  return members.map(({ rank, hello: h }) => ({ rank, agentId: h.agentId, localRank: h.localRank, hostname: h.hostname, pid: h.pid, backend: h.backend, ringAddress: h.ringAddress }));
}

export class Rendezvous<C> {
  private readonly joined: { hello: Hello; connection: C }[] = [];
  private readonly agentOrder = new Map<string, number>();

  constructor(readonly worldSize: number) {}

  get size(): number {
    return this.joined.length;
  }

  /** Adds a process; refuses duplicates and a full job with an error the caller sends back. */
  add(hello: Hello, connection: C): void {
    if (this.joined.length >= this.worldSize) {
      throw new SeqtrainError(
        'ERR_PROTOCOL',
        `The job is full: ${this.worldSize} ranks have joined; process ${hello.hostname}:${hello.pid} (agent ${hello.agentId}) is not needed. Check --workers/--devices-per-worker.`
      );
    }
    if (this.joined.some((j) => j.hello.agentId === hello.agentId && j.hello.localRank === hello.localRank)) {
      throw new SeqtrainError(
        'ERR_PROTOCOL',
        `Agent ${hello.agentId} sent local rank ${hello.localRank} twice (pid ${hello.pid}); each local rank joins once.`
      );
    }
    if (!this.agentOrder.has(hello.agentId)) this.agentOrder.set(hello.agentId, this.agentOrder.size);
    this.joined.push({ hello, connection });
  }

  remove(connection: C): void {
    const i = this.joined.findIndex((j) => j.connection === connection);
    if (i >= 0) this.joined.splice(i, 1);
  }

  /** Final ranks, once everyone has joined. */
  assign(): Member<C>[] {
    const order = (id: string): number => this.agentOrder.get(id) ?? 0;
    return [...this.joined]
      .sort((a, b) => order(a.hello.agentId) - order(b.hello.agentId) || a.hello.localRank - b.hello.localRank)
      .map((j, rank) => ({ ...j, rank }));
  }
}
