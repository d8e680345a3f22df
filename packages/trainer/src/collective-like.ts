/**
 * What the trainer needs from a collective: @seqtrain/collective's Collective satisfies it
 * structurally, and so can anything else (a single-process stand-in for world size 1).
 * Calls must be made in the same order with the same name/step on every rank.
 */
export interface CollectiveCallLike {
  name: string;
  step: number;
}

export interface CollectiveLike {
  readonly rank: number;
  readonly worldSize: number;
  /** In place; every rank ends with the elementwise sum (or mean) of all ranks' arrays. */
  allReduce(data: Float32Array, options: CollectiveCallLike & { op?: 'sum' | 'mean'; compression?: 'none' | 'fp16' | 'bf16' }): Promise<Float32Array>;
  /** In place on non-roots: every rank ends with the root's array. */
  broadcast(data: Float32Array, options: CollectiveCallLike & { root?: number }): Promise<Float32Array>;
  /** The root passes bytes, the others undefined; every rank gets the root's bytes. */
  broadcastBytes(bytes: Uint8Array | undefined, options: CollectiveCallLike & { root?: number }): Promise<Uint8Array>;
}
