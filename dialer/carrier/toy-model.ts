import type { Handler } from '../../contracts/call-attempt.ts';
import { HOURS_PER_WEEK } from '../../contracts/published-run.ts';
import { emptyColumns, LeadTable } from '../leads/lead-table.ts';
import { SeededRandom } from '../rng.ts';
import type { RandomSource } from '../rng.ts';
import type { CallOutcomeModel, CalleeContext, TalkOutcome } from './simulated.ts';

/** FNV-1a of a string, then an avalanche mix: a stable 32-bit hash per customer id. */
function hashString(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

function unit(s: string, seed: number, salt: number): number {
  return hashString(s, seed ^ Math.imul(salt, 0x9e3779b9)) / 4294967296;
}

export interface ToyOutcomeModelOptions {
  seed?: number;
  /** Mean answer probability at a customer's good hours (default 0.45). */
  peakAnswer?: number;
  /** … and at other waking hours (default 0.08). */
  offPeakAnswer?: number;
  /** Conversion probability range when reached (default 0.02…0.2). */
  convertRange?: [number, number];
  wrongNumberRate?: number;
  optOutRate?: number;
  /** Multiplier on conversion when the robot talks (default 0.7). */
  robotMultiplier?: number;
}

/**
 * A small synthetic callee population for tests and benchmarks (not the simulation's world):
 * each customer, by a hash of their id, is a daytime, evening or weekend person with a
 * `peakAnswer` chance of picking up in their good hours and `offPeakAnswer` otherwise (almost
 * none at night), a fixed conversion probability, and a few wrong numbers. Its `trueAnswer` /
 * `trueConvert` make an oracle score source.
 */
export class ToyOutcomeModel implements CallOutcomeModel {
  private readonly seed: number;
  private readonly o: Required<Omit<ToyOutcomeModelOptions, 'seed'>>;
  private curves: Float64Array[] | null = null;

  constructor(opts: ToyOutcomeModelOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.o = {
      peakAnswer: opts.peakAnswer ?? 0.45,
      offPeakAnswer: opts.offPeakAnswer ?? 0.08,
      convertRange: opts.convertRange ?? [0.02, 0.2],
      wrongNumberRate: opts.wrongNumberRate ?? 0.02,
      optOutRate: opts.optOutRate ?? 0.02,
      robotMultiplier: opts.robotMultiplier ?? 0.7,
    };
  }

  /** 0 daytime (10–16 weekdays), 1 evening (18–21 every day), 2 weekend (10–20 Sat/Sun). */
  kindOf(customerId: string): number {
    return Math.floor(unit(customerId, this.seed, 1) * 3);
  }

  /** Individual answer level (multiplies the kind's curve), 0.6…1.4. */
  levelOf(customerId: string): number {
    return 0.6 + 0.8 * unit(customerId, this.seed, 2);
  }

  /** Answer probability of a kind at level 1, per local hour-of-week. */
  kindCurve(kind: number): Float64Array {
    const out = new Float64Array(HOURS_PER_WEEK);
    for (let how = 0; how < HOURS_PER_WEEK; how++) {
      const day = Math.floor(how / 24);
      const hour = how % 24;
      const weekend = day >= 5;
      const good =
        kind === 0 ? !weekend && hour >= 10 && hour < 16 : kind === 1 ? hour >= 18 && hour < 21 : weekend && hour >= 10 && hour < 20;
      out[how] = hour < 8 || hour >= 22 ? 0.01 : good ? this.o.peakAnswer : this.o.offPeakAnswer;
    }
    return out;
  }

  trueAnswer(customerId: string, localHourOfWeek: number): number {
    const curve = (this.curves ??= [0, 1, 2].map((k) => this.kindCurve(k)));
    const base = curve[this.kindOf(customerId)]![localHourOfWeek]!;
    return base <= 0.01 ? base : Math.min(0.95, base * this.levelOf(customerId));
  }

  trueConvert(customerId: string): number {
    const [lo, hi] = this.o.convertRange;
    const u = unit(customerId, this.seed, 3);
    return lo + (hi - lo) * u * u;
  }

  answerProbability(customerId: string, localHourOfWeek: number): number {
    return this.trueAnswer(customerId, localHourOfWeek);
  }

  conversionProbability(customerId: string, _at: number, ctx: CalleeContext): number {
    const p = this.trueConvert(customerId) * Math.exp(-0.5 * ctx.answeredLast7Days);
    return ctx.handler === 'robot' ? p * this.o.robotMultiplier : p;
  }

  optOutProbability(customerId: string, _at: number, ctx: CalleeContext): number {
    return Math.min(0.5, this.o.optOutRate * (0.5 + unit(customerId, this.seed, 4)) * (1 + ctx.answeredLast7Days));
  }

  talkSeconds(_customerId: string, outcome: TalkOutcome, handler: Handler, rng: RandomSource): number {
    const base = outcome === 'sale' ? 240 : outcome === 'opt_out' ? 25 : handler === 'robot' ? 35 : 70;
    return Math.max(3, Math.min(3600, Math.round(base * Math.exp(0.5 * rng.normal()))));
  }

  isWrongNumber(customerId: string): boolean {
    return unit(customerId, this.seed, 5) < this.o.wrongNumberRate;
  }

  saleValue(_customerId: string, rng: RandomSource): number {
    return Math.round(100 * Math.exp(0.3 * rng.normal()));
  }
}

export interface ToyLeadsOptions {
  seed?: number;
  /** Zones and their regions, assigned round-robin (default: New York, London, Sydney). */
  zones?: readonly { zone: string; country: string }[];
  /** Multiplicative log-normal noise of the "published" scores around the truth (default 0.3). */
  noise?: number;
  /** Customer id prefix (default `T`). */
  prefix?: string;
}

/**
 * A lead table for tests and benchmarks: `n` consenting leads whose published scores are the toy
 * model's truth with log-normal noise (a decent but imperfect model), script variables
 * `amount` and `first_name`, unique phone hashes.
 */
export function toyLeadTable(n: number, model: ToyOutcomeModel, opts: ToyLeadsOptions = {}): LeadTable {
  const zones = opts.zones ?? [
    { zone: 'America/New_York', country: 'US' },
    { zone: 'Europe/London', country: 'GB' },
    { zone: 'Australia/Sydney', country: 'AU' },
  ];
  const prefix = opts.prefix ?? 'T';
  const noise = opts.noise ?? 0.3;
  const rng = new SeededRandom(opts.seed ?? 7, 0x7011);
  const c = emptyColumns(n);
  const curves = [0, 1, 2].map((k) => model.kindCurve(k));
  const kinds = new Uint8Array(n);
  const levels = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const id = `${prefix}${i}`;
    const z = zones[i % zones.length]!;
    c.customerId[i] = id;
    c.phoneE164[i] = `+1555${String(i).padStart(7, '0')}`;
    c.phoneHash[i] = `ph:${id}`;
    c.timezone[i] = z.zone;
    c.country[i] = z.country;
    c.name[i] = `Customer ${i}`;
    c.consent[i] = 1;
    c.variables[i] = `{"amount":"${(10 + (i % 990)).toFixed(2)}","first_name":"C${i}"}`;
    const kind = model.kindOf(id);
    kinds[i] = kind;
    c.segmentId[i] = kind;
    c.segmentName[i] = ['daytime', 'evening', 'weekend'][kind]!;
    c.pConvert[i] = Math.min(1, model.trueConvert(id) * Math.exp(noise * rng.normal()));
    levels[i] = model.levelOf(id) * Math.exp(noise * rng.normal());
  }
  // Hour-major fill: one sequential sweep per hour.
  const pa = c.pAnswer;
  const pcs = c.pConvert;
  const ev = c.expectedValue;
  const c0 = curves[0]!;
  const c1 = curves[1]!;
  const c2 = curves[2]!;
  for (let h = 0; h < HOURS_PER_WEEK; h++) {
    const base = h * n;
    const b0 = c0[h]!;
    const b1 = c1[h]!;
    const b2 = c2[h]!;
    for (let i = 0; i < n; i++) {
      const kind = kinds[i]!;
      const b = kind === 0 ? b0 : kind === 1 ? b1 : b2;
      const p = b <= 0.01 ? b : Math.min(0.95, b * levels[i]!);
      pa[base + i] = p;
      const e = p * pcs[i]!;
      if (e > ev[i]!) ev[i] = e;
    }
  }
  return new LeadTable(c, { runId: 'toy-run', asOf: null, modelVersions: { conversion: 'toy-1', contact: 'toy-1' } });
}
