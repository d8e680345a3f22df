/**
 * How a ring collective cuts an array: N segments whose sizes differ by at most one element (the
 * first `length % N` segments get the extra one), each cut into chunks of at most chunkElements.
 * Every rank computes the same cuts from the agreed length, so no sizes travel on the wire.
 */

export interface Segment {
  /** First element (inclusive). */
  start: number;
  /** One past the last element. */
  end: number;
}

export function ringSegments(length: number, worldSize: number): Segment[] {
  const base = Math.floor(length / worldSize);
  const extra = length % worldSize;
  const segments: Segment[] = [];
  let start = 0;
  for (let index = 0; index < worldSize; index++) {
    const end = start + base + (index < extra ? 1 : 0);
    segments.push({ start, end });
    start = end;
  }
  return segments;
}

/** Chunks needed for `elements` elements; an empty range has none (nothing is sent for it). */
export function chunkCount(elements: number, chunkElements: number): number {
  return Math.ceil(elements / chunkElements);
}
