/**
 * mulberry32: a tiny, fast 32-bit PRNG. Same seed -> same sequence on every platform, which is all
 * text sampling needs (it is not for cryptography). Seeds are taken modulo 2^32.
 */
export type RandomSource = () => number;

export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
