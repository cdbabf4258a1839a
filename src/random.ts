/**
 * The one seeded uniform generator of the library: mulberry32 (Tommy Ettinger's 32-bit mixing
 * generator). Integer arithmetic only (Math.imul, shifts), so the same seed gives the same stream on every
 * platform. Discovery (kNN initialisation), training (initialisation, shuffles) and evaluation (the random
 * router) all draw from it; Leiden keeps its own xoshiro128** (see src/leiden/leiden.ts).
 */

/**
 * A seeded PRNG.
 * @param seed - any number; its low 32 bits are the state
 * @returns a function returning numbers in [0, 1)
 * @example const rand = mulberry32(1); rand();
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
