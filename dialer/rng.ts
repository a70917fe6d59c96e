/**
 * Seeded randomness for the dialer (exploration draws) and the simulated carrier. Nothing in the
 * dialer touches Math.random, so a day replays exactly from its seed.
 */

import { mix32, Sfc32 } from '../contracts/index.ts';

/** What the dialer and carrier need from a generator; the simulation's `Rng` satisfies it. */
export interface RandomSource {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

/** sfc32 (contracts/random.ts) seeded from (seed, stream): small, fast, and good enough for sampling. */
export class SeededRandom extends Sfc32 implements RandomSource {
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const w = mix32((seed >>> 0) ^ mix32(Math.floor(seed / 4294967296) + 0x632be5ab));
    const a = mix32(w ^ 0x9e3779b9 ^ Math.imul(stream, 0x85ebca6b));
    const b = mix32(a ^ 0x27d4eb2f);
    super(a, b, mix32(b ^ 0x165667b1));
  }
}

/** Uniform integer in [0, n) from any source. */
export function randomInt(rng: RandomSource, n: number): number {
  return Math.floor(rng.uniform() * n);
}
