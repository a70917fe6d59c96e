/**
 * Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with the greedy local trials of
 * scikit-learn): each new centre is the best of 2 + ⌊ln k⌋ candidates drawn with probability
 * ∝ D(x)², D being the distance to the nearest centre chosen so far; "best" = lowest Σ D(x)²
 * after adding it. The distances run on the engine (tfjs matMul in every thread).
 */
import type { LloydEngine } from './engine.ts';
import { SegmentsInputError } from './errors.ts';
import type { Rng } from './rng.ts';

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

/**
 * Rows drawn with probability ∝ D(x)², given each block's Σ D(x)²: every draw is placed in
 * its block, then each block scans its own cumulative sum.
 */
async function draw(engine: LloydEngine, blockPots: Float64Array, count: number, rng: Rng): Promise<Int32Array> {
  const total = sum(blockPots);
  const B = blockPots.length;
  const perBlock: { t: number; r: number }[][] = Array.from({ length: B }, () => []);
  for (let t = 0; t < count; t++) {
    let r = rng.float() * total;
    let b = 0;
    while (b < B - 1 && r >= (blockPots[b] as number)) r -= blockPots[b++] as number;
    (perBlock[b] as { t: number; r: number }[]).push({ t, r });
  }
  for (const list of perBlock) list.sort((x, y) => x.r - y.r);
  const rows = await engine.ppPick(perBlock.map((list) => Float64Array.from(list, (x) => x.r)));
  const out = new Int32Array(count);
  perBlock.forEach((list, b) => list.forEach(({ t }, i) => (out[t] = (rows[b] as Int32Array)[i] as number)));
  return out;
}

/** Picks k initial centroids (k × d, float32) among the rows held by the engine. */
export async function kmeansPlusPlus(engine: LloydEngine, k: number, rng: Rng): Promise<Float32Array> {
  const { X, n, d } = engine;
  if (k > n) throw new SegmentsInputError(`k-means++: k = ${k} exceeds the ${n} rows; lower k.`);
  const row = (i: number) => X.subarray(i * d, i * d + d);
  const C = new Float32Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  C.set(row(first), 0);
  try {
    let pots = await engine.ppBegin(C.slice(0, d));
    for (let c = 1; c < k; c++) {
      if (!(sum(pots) > 0)) {
        // Every row sits on a chosen centre (fewer distinct rows than k): any row will do;
        // Lloyd's empty-cluster handling keeps the extra centres finite.
        const pick = rng.int(n);
        C.set(row(pick), c * d);
        pots = await engine.ppCommit(-1, C.slice(c * d, c * d + d));
        continue;
      }
      const cands = await draw(engine, pots, trials, rng);
      const P = new Float32Array(trials * d);
      for (let t = 0; t < trials; t++) P.set(row(cands[t] as number), t * d);
      const trialPots = await engine.ppTrial(P, trials);
      let bt = 0;
      for (let t = 1; t < trials; t++) if ((trialPots[t] as number) < (trialPots[bt] as number)) bt = t;
      C.set(row(cands[bt] as number), c * d);
      pots = await engine.ppCommit(bt, null);
    }
  } finally {
    await engine.ppEnd();
  }
  return C;
}
