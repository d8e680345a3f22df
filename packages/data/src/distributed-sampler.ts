/**
 * Which rows each rank trains on. Every rank computes the same epoch permutation from (seed, epoch)
 * alone, with no communication, so the permutation algorithm is a cross-process contract: it uses
 * only 32-bit integer arithmetic (Math.imul, shifts), identical on every platform and Node version.
 *
 *   PRNG: xoshiro128** whose 128-bit state is drawn from splitmix32, started at a murmur3-fmix32
 *         hash chain over (seed low 32 bits, seed high bits, epoch low 32 bits, epoch high bits).
 *   Shuffle: Fisher-Yates from the last element down; j uniform in [0, i] by rejection sampling
 *         (no modulo bias).
 *
 * Contract of one epoch: step k's global batch is perm.slice(k*B, (k+1)*B), the last step is
 * smaller (nothing dropped, nothing padded), and rank r's local batch takes positions r, r+W, r+2W...
 * of it. So the ranks' local batches partition the global batch, interleaving them in rank order
 * gives the global batch back, and every row appears exactly once per epoch across all ranks.
 */
import { SeqtrainError } from '@seqtrain/common';

const TWO_POW_32 = 2 ** 32;

export interface SamplerOptions {
  datasetSize: number;
  worldSize: number;
  rank: number;
  globalBatch: number;
  seed: number;
  /** Default true; false = rows in index order every epoch. */
  shuffle?: boolean;
}

function fmix32(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function rotl(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}

/** xoshiro128** (Blackman & Vigna), 32-bit outputs. */
class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seedHash: number) {
    let x = seedHash >>> 0;
    const splitmix32 = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return fmix32(x);
    };
    this.s0 = splitmix32();
    this.s1 = splitmix32();
    this.s2 = splitmix32();
    this.s3 = splitmix32();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [0, n), n in [1, 2^32]. */
  below(n: number): number {
    const accepted = TWO_POW_32 - (TWO_POW_32 % n);
    let r = this.next();
    while (r >= accepted) r = this.next();
    return r % n;
  }
}

function requireInt(field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SeqtrainError('ERR_INVALID_ARGUMENT', `Sampler "${field}" must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}.`, {
      field,
    });
  }
  return value;
}

function seedHash(seed: number, epoch: number): number {
  const high = (n: number): number => Math.floor(n / TWO_POW_32) >>> 0;
  let h = 0x243f6a88;
  h = fmix32((h ^ (seed >>> 0)) + 0x9e3779b9);
  h = fmix32((h ^ high(seed)) + 0x9e3779b9);
  h = fmix32((h ^ (epoch >>> 0)) + 0x9e3779b9);
  h = fmix32((h ^ high(epoch)) + 0x9e3779b9);
  return h;
}

/** A deterministic permutation of [0, size) for (seed, epoch); identical on every platform. */
export function permutation(size: number, seed: number, epoch: number): Uint32Array {
  requireInt('size', size, 0, TWO_POW_32 - 1);
  requireInt('seed', seed, Number.MIN_SAFE_INTEGER);
  requireInt('epoch', epoch, 0);
  const perm = new Uint32Array(size);
  for (let i = 0; i < size; i++) perm[i] = i;
  const rng = new Xoshiro128(seedHash(seed, epoch));
  for (let i = size - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const tmp = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = tmp;
  }
  return perm;
}

export class DistributedSampler {
  /** ceil(datasetSize / globalBatch): the last step is smaller; nothing dropped, nothing padded. */
  readonly stepsPerEpoch: number;
  private readonly options: Required<SamplerOptions>;
  private cached: { epoch: number; order: Uint32Array } | null = null;

  /**
   * globalBatch must be at least worldSize, so every rank has rows on every step but possibly the
   * last: a last step smaller than worldSize leaves the highest ranks an empty local batch, which
   * the trainer must accept (weight each rank's gradient by its local count).
   */
  constructor(options: SamplerOptions) {
    const datasetSize = requireInt('datasetSize', options.datasetSize, 1, TWO_POW_32 - 1);
    const worldSize = requireInt('worldSize', options.worldSize, 1);
    const rank = requireInt('rank', options.rank, 0, worldSize - 1);
    const globalBatch = requireInt('globalBatch', options.globalBatch, worldSize);
    const seed = requireInt('seed', options.seed, Number.MIN_SAFE_INTEGER);
    const shuffle = options.shuffle ?? true;
    this.options = { datasetSize, worldSize, rank, globalBatch, seed, shuffle };
    this.stepsPerEpoch = Math.ceil(datasetSize / globalBatch);
  }

  /** perm(seed, epoch).slice(k*B, (k+1)*B). */
  globalBatch(epoch: number, stepInEpoch: number): number[] {
    requireInt('stepInEpoch', stepInEpoch, 0, this.stepsPerEpoch - 1);
    const { globalBatch, datasetSize } = this.options;
    const start = stepInEpoch * globalBatch;
    return Array.from(this.order(epoch).subarray(start, Math.min(start + globalBatch, datasetSize)));
  }

  /** This rank's strided share of the global batch: positions rank, rank + worldSize, ... */
  localBatch(epoch: number, stepInEpoch: number): number[] {
    const { worldSize, rank } = this.options;
    return this.globalBatch(epoch, stepInEpoch).filter((_, i) => i % worldSize === rank);
  }

  private order(epoch: number): Uint32Array {
    requireInt('epoch', epoch, 0);
    const { datasetSize, seed, shuffle } = this.options;
    if (this.cached && (this.cached.epoch === epoch || !shuffle)) return this.cached.order;
    const order = shuffle ? permutation(datasetSize, seed, epoch) : Uint32Array.from({ length: datasetSize }, (_, i) => i);
    this.cached = { epoch, order };
    return order;
  }
}
