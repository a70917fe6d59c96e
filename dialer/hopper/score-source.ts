import { HOURS_PER_WEEK } from '../../contracts/published-run.ts';
import { DialerConfigError } from '../errors.ts';
import type { LeadTable } from '../leads/lead-table.ts';
import { SeededRandom } from '../rng.ts';

/**
 * What the hopper ranks by: for lead `i` (an index into the LeadTable), the probability of an
 * answer at local hour-of-week `how`, and of a conversion once reached. The published run gives
 * the model's scores; the simulation supplies the oracle (true probabilities) the same way, and
 * `randomOrderScores` gives the random-order floor.
 */
export interface ScoreSource {
  /** Shown in stats and logged with each attempt (`model`, `oracle`, `random`, …). */
  readonly name: string;
  /** Model versions logged with each attempt ranked by this source. */
  readonly modelVersions: Readonly<Record<string, string>>;
  /** Number of leads the source covers (must equal the lead table's size). */
  readonly size: number;
  pAnswer(lead: number, how: number): number;
  pConvert(lead: number): number;
  /**
   * The same numbers as dense arrays, for the hopper's vectorised pass: `pConvert[i]`, and
   * `pAnswer[how * size + i]` (hour-major; null means 1 everywhere). Without it the hopper calls
   * the methods per lead (slower, same result).
   */
  readonly dense?: { readonly pConvert: Float32Array; readonly pAnswer: Float32Array | null };
}

/** A source over dense arrays (hour-major p_answer; null = 1 everywhere). */
export function denseScores(
  name: string,
  pConvert: Float32Array,
  pAnswer: Float32Array | null,
  modelVersions: Readonly<Record<string, string>> = {},
): ScoreSource {
  const n = pConvert.length;
  if (pAnswer !== null && pAnswer.length !== n * HOURS_PER_WEEK)
    throw new DialerConfigError(`score source ${name}: p_answer has ${pAnswer.length} values, expected ${n} × ${HOURS_PER_WEEK}`);
  return {
    name,
    modelVersions,
    size: n,
    pConvert: (i) => pConvert[i]!,
    pAnswer: pAnswer === null ? () => 1 : (i, how) => pAnswer[how * n + i]!,
    dense: { pConvert, pAnswer },
  };
}

/** The published run's own scores (the model policy). */
export function publishedScores(table: LeadTable): ScoreSource {
  const versions = { ...table.meta.modelVersions };
  if (table.meta.runId) versions.published_run = table.meta.runId;
  return denseScores('model', table.columns.pConvert, table.columns.pAnswer, versions);
}

/**
 * Scores computed by functions of the customer id — how the simulation hands the dialer its
 * oracle. Evaluated once per lead and hour here (168 × n calls), so ranking stays a dense pass.
 */
export function scoresFromFunctions(
  table: LeadTable,
  fns: { pAnswer(customerId: string, localHourOfWeek: number): number; pConvert(customerId: string): number },
  opts: { name: string; modelVersions?: Record<string, string> },
): ScoreSource {
  const n = table.size;
  const pc = new Float32Array(n);
  const pa = new Float32Array(n * HOURS_PER_WEEK);
  for (let i = 0; i < n; i++) {
    const id = table.customerId(i);
    pc[i] = fns.pConvert(id);
    for (let h = 0; h < HOURS_PER_WEEK; h++) pa[h * n + i] = fns.pAnswer(id, h);
  }
  return denseScores(opts.name, pc, pa, opts.modelVersions ?? {});
}

/** Random order: every lead gets a fixed uniform key for the day (the floor to compare against). */
export function randomOrderScores(size: number, seed: number): ScoreSource {
  const rng = new SeededRandom(seed, 0x5eed);
  const key = new Float32Array(size);
  for (let i = 0; i < size; i++) key[i] = rng.uniform();
  return denseScores('random', key, null, { ranking: `random:${seed}` });
}
