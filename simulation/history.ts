/**
 * The call history: what a naive call centre dialled over the window and what happened, drawn
 * from the world's truth. The policy is deliberately simple (and so leaves room for a model):
 * random customers from each campaign's target list, mostly in office hours of the callee's
 * zone, a little evening and weekend work, retries a few hours or a day after no answer.
 *
 * Attempts come out one local day at a time, sorted by UTC start, in reusable typed arrays,
 * so twenty million attempts never sit in memory together.
 */
import { DISPOSITIONS, type Disposition } from '../contracts/index.ts';
import { CAMPAIGNS, REGIONS, type CampaignDef } from './catalog.ts';
import { cumulative, Rng } from './rng.ts';
import { localToUtcMs, MS_PER_DAY, weekdayMon0 } from './tz.ts';
import { newDialResult, STREAM, type World } from './world.ts';

export interface HistoryOptions {
  /**
   * Average dials per customer per calendar day (retries included). Weekdays carry most of it,
   * Saturdays a third, Sundays a tenth. Default 0.1 (1M customers × 200 days ≈ 20M attempts).
   * The policy's cool-downs cap what is reachable at roughly 0.2.
   */
  dialsPerCustomerPerDay?: number;
}

/** Dial-time distribution of the naive policy, by local hour. */
const WEEKDAY_HOURS = hourWeights({ 8: 0.3, 9: 1, 10: 1, 11: 1, 12: 1, 13: 1, 14: 1, 15: 1, 16: 1, 17: 0.5, 18: 0.35, 19: 0.3, 20: 0.15 });
const SATURDAY_HOURS = hourWeights({ 10: 1, 11: 1, 12: 1, 13: 1, 14: 1, 15: 1, 16: 0.5 });
const SUNDAY_HOURS = hourWeights({ 12: 1, 13: 1, 14: 1, 15: 1, 16: 1 });
/** Relative dialling capacity by weekday (Monday first). */
const DAY_CAPACITY = [1, 1, 1, 1, 1, 0.35, 0.1];
/** Same-day retries only start before this local time (Monday first); none on Sundays. */
const LAST_RETRY_SEC = [73_800, 73_800, 73_800, 73_800, 73_800, 61_200, 0];
const MAX_ATTEMPTS_PER_CYCLE = 4;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function hourWeights(w: Record<number, number>): Float64Array {
  const arr = new Array<number>(24).fill(0);
  for (const [h, v] of Object.entries(w)) arr[Number(h)] = v;
  return cumulative(arr);
}

export const DISPOSITION_INDEX: Record<Disposition, number> = Object.fromEntries(
  DISPOSITIONS.map((d, i) => [d, i]),
) as Record<Disposition, number>;

/** One local day of attempts (columns), valid until the callback returns. */
export class AttemptBatch {
  count = 0;
  /** Local calendar day (days since 1970-01-01) the attempts belong to. */
  localDay = 0;
  customer: Int32Array;
  utcMs: Float64Array;
  /** Seconds since local midnight of the callee. */
  localSec: Int32Array;
  campaign: Uint8Array;
  disposition: Uint8Array;
  ring: Int16Array;
  talk: Int16Array;
  converted: Uint8Array;
  value: Float64Array;
  optedOut: Uint8Array;
  /** 0 none, 1 robot, 2 agent. */
  handler: Uint8Array;
  transferred: Uint8Array;
  /** Indices in UTC order (first `count` entries). */
  order: Int32Array;

  constructor(capacity: number) {
    this.customer = new Int32Array(capacity);
    this.utcMs = new Float64Array(capacity);
    this.localSec = new Int32Array(capacity);
    this.campaign = new Uint8Array(capacity);
    this.disposition = new Uint8Array(capacity);
    this.ring = new Int16Array(capacity);
    this.talk = new Int16Array(capacity);
    this.converted = new Uint8Array(capacity);
    this.value = new Float64Array(capacity);
    this.optedOut = new Uint8Array(capacity);
    this.handler = new Uint8Array(capacity);
    this.transferred = new Uint8Array(capacity);
    this.order = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.customer.length;
  }

  grow(): void {
    const n = this.capacity * 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array | Int16Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a as never);
      return b;
    };
    this.customer = g(this.customer, (k) => new Int32Array(k));
    this.utcMs = g(this.utcMs, (k) => new Float64Array(k));
    this.localSec = g(this.localSec, (k) => new Int32Array(k));
    this.campaign = g(this.campaign, (k) => new Uint8Array(k));
    this.disposition = g(this.disposition, (k) => new Uint8Array(k));
    this.ring = g(this.ring, (k) => new Int16Array(k));
    this.talk = g(this.talk, (k) => new Int16Array(k));
    this.converted = g(this.converted, (k) => new Uint8Array(k));
    this.value = g(this.value, (k) => new Float64Array(k));
    this.optedOut = g(this.optedOut, (k) => new Uint8Array(k));
    this.handler = g(this.handler, (k) => new Uint8Array(k));
    this.transferred = g(this.transferred, (k) => new Uint8Array(k));
    this.order = new Int32Array(n);
  }

  sortByTime(): void {
    const n = this.count;
    const t = this.utcMs;
    if (n === 0) return;
    let base = Infinity;
    for (let k = 0; k < n; k++) base = Math.min(base, t[k] as number);
    // one numeric sort of packed keys (ms since the day's first call × 2^21 + index): exact while
    // a day spans < 40 days of ms and holds < 2M attempts, far cheaper than a comparator sort
    const SHIFT = 2_097_152;
    if (n < SHIFT) {
      const keys = new Float64Array(n);
      for (let k = 0; k < n; k++) keys[k] = ((t[k] as number) - base) * SHIFT + k;
      keys.sort();
      for (let k = 0; k < n; k++) this.order[k] = (keys[k] as number) % SHIFT;
      return;
    }
    const idx = Array.from({ length: n }, (_, k) => k);
    idx.sort((a, b) => (t[a] as number) - (t[b] as number) || a - b);
    for (let k = 0; k < n; k++) this.order[k] = idx[k] as number;
  }
}

/** State of the customers at the end of the history (for the CRM export and the carrier). */
export interface HistoryState {
  attempts: number;
  /** 1 where the customer opted out during the history (the CRM now has them as DNC). */
  optedOut: Uint8Array;
  /** Epoch ms of the last three answered calls per customer (3 slots each; 0 = none). */
  lastAnswered: Float64Array;
}

/** Expected attempts of a history (for progress bars). */
export function expectedAttempts(world: World, opts: HistoryOptions = {}): number {
  return Math.round(world.size * (opts.dialsPerCustomerPerDay ?? 0.1) * world.params.days);
}

export function campaignTargets(world: World, i: number, c: CampaignDef): boolean {
  switch (c.target) {
    case 'new_customers': return (world.tenureMonths[i] as number) < 12;
    case 'affluent': return (world.income[i] as number) >= 3 || (world.balanceCents[i] as number) > 5000_00;
    case 'long_tenure': return (world.tenureMonths[i] as number) >= 24;
    case 'lapsed': return (world.e0[i] as number) < -0.4;
    default: return true;
  }
}

/**
 * Runs the naive policy over the world's window, calling `onDay` with each local day's
 * attempts (sorted by UTC start). Deterministic for the world's seed and the options.
 */
export async function simulateHistory(
  world: World,
  opts: HistoryOptions,
  onDay: (batch: AttemptBatch) => void | Promise<void>,
): Promise<HistoryState> {
  const n = world.size;
  const rate = opts.dialsPerCustomerPerDay ?? 0.1;
  if (!(rate >= 0 && rate <= 20)) throw new RangeError(`dialsPerCustomerPerDay must be between 0 and 20, got ${rate}`);
  const rng = new Rng(world.params.seed, STREAM.history, 0);
  const startMs = world.startMs;
  const endMs = world.endMs;
  const firstDay = Math.floor(startMs / MS_PER_DAY);
  const lastDay = Math.ceil(endMs / MS_PER_DAY) - 1;
  const meanCapacity = DAY_CAPACITY.reduce((a, b) => a + b, 0) / 7;

  // per-customer policy state
  const optedOut = new Uint8Array(n);
  const blocked = new Uint8Array(n); // number marked bad after repeated invalid results
  const invalidCount = new Uint8Array(n);
  const nextEligible = new Int32Array(n).fill(firstDay);
  const pendingAttempt = new Uint8Array(n); // attempt number of a scheduled retry (0 = none)
  const pendingCampaign = new Uint8Array(n);
  const lastDialDay = new Int32Array(n).fill(-1);
  const lastAnswered = new Float64Array(n * 3);
  const createdDay = new Int32Array(n);
  for (let i = 0; i < n; i++) createdDay[i] = Math.floor((world.createdMs[i] as number) / MS_PER_DAY) + 1;
  const buckets = new Map<number, number[]>();

  const out = newDialResult();
  const dialOpts = { handler: 'agent' as 'agent' | 'robot', recent: { answeredLast7Days: 0 }, medianValue: 60, localHourOfWeek: 0 };
  const regionOffsetMs = new Float64Array(REGIONS.length);
  let batch = new AttemptBatch(Math.max(1024, Math.ceil(n * rate * 2.5)));
  let total = 0;

  const eligible = (i: number, day: number): boolean =>
    world.consent[i] === 1 &&
    world.dnc[i] === 0 &&
    optedOut[i] === 0 &&
    blocked[i] === 0 &&
    pendingAttempt[i] === 0 &&
    (createdDay[i] as number) <= day &&
    (nextEligible[i] as number) <= day &&
    lastDialDay[i] !== day;

  const nextWorkingDay = (day: number): number => {
    let d = day + 1;
    if (weekdayMon0(d) === 6) d++; // no retries scheduled on Sundays
    return d;
  };

  for (let day = firstDay; day <= lastDay; day++) {
    const wd = weekdayMon0(day);
    const hours = wd < 5 ? WEEKDAY_HOURS : wd === 5 ? SATURDAY_HOURS : SUNDAY_HOURS;
    const cap = Math.round((n * rate * (DAY_CAPACITY[wd] as number)) / meanCapacity);
    for (let r = 0; r < REGIONS.length; r++) {
      const noonLocal = day * MS_PER_DAY + 12 * 3_600_000;
      // dialling hours (08–21) never straddle a DST change (01:00–03:00), so one offset per day
      regionOffsetMs[r] = noonLocal - localToUtcMs((REGIONS[r] as (typeof REGIONS)[number]).timezone, noonLocal);
    }
    const frac = (day - firstDay) / Math.max(1, lastDay - firstDay + 1);
    const active = CAMPAIGNS.map((c, k) => (frac >= c.from && frac < c.to ? k : -1)).filter((k) => k >= 0);
    batch.count = 0;
    batch.localDay = day;

    /** Dials i at local second `sec`, then retries the same day while it goes unanswered. */
    const runChain = (i: number, campaign: number, attemptNo: number, sec: number): void => {
      const c = CAMPAIGNS[campaign] as CampaignDef;
      dialOpts.handler = c.handler;
      dialOpts.medianValue = c.medianValue;
      lastDialDay[i] = day;
      for (;;) {
        const utc = day * MS_PER_DAY + sec * 1000 - (regionOffsetMs[world.region[i] as number] as number);
        if (utc < startMs || utc >= endMs) {
          pendingAttempt[i] = 0;
          return;
        }
        const base = i * 3;
        let recent = 0;
        for (let k = 0; k < 3; k++) if ((lastAnswered[base + k] as number) > utc - 7 * MS_PER_DAY) recent++;
        dialOpts.recent.answeredLast7Days = recent;
        dialOpts.localHourOfWeek = wd * 24 + Math.floor(sec / 3600);
        world.dial(i, utc, rng, dialOpts, out);
        if (batch.count === batch.capacity) batch.grow();
        const k = batch.count++;
        batch.customer[k] = i;
        batch.utcMs[k] = utc;
        batch.localSec[k] = sec;
        batch.campaign[k] = campaign;
        batch.disposition[k] = DISPOSITION_INDEX[out.disposition];
        batch.ring[k] = out.ringSeconds;
        batch.talk[k] = out.talkSeconds;
        batch.converted[k] = out.converted ? 1 : 0;
        batch.value[k] = out.value;
        batch.optedOut[k] = out.optedOut ? 1 : 0;
        batch.handler[k] = out.handledBy === null ? 0 : out.handledBy === 'robot' ? 1 : 2;
        batch.transferred[k] = out.transferred ? 1 : 0;

        const disp = out.disposition;
        if (disp === 'answered') {
          // keep the three most recent answered times (slot 0 oldest)
          lastAnswered[base] = lastAnswered[base + 1] as number;
          lastAnswered[base + 1] = lastAnswered[base + 2] as number;
          lastAnswered[base + 2] = utc;
          pendingAttempt[i] = 0;
          if (out.optedOut) optedOut[i] = 1;
          nextEligible[i] = day + (out.converted ? 45 : 7 + rng.int(8));
          return;
        }
        if (disp === 'invalid_number') {
          pendingAttempt[i] = 0;
          invalidCount[i] = (invalidCount[i] as number) + 1;
          if ((invalidCount[i] as number) >= 2) blocked[i] = 1;
          nextEligible[i] = day + 7;
          return;
        }
        if (attemptNo >= MAX_ATTEMPTS_PER_CYCLE) {
          pendingAttempt[i] = 0;
          nextEligible[i] = day + 3;
          return;
        }
        attemptNo++;
        const next = sec + 7200 + rng.int(7201);
        if (next < (LAST_RETRY_SEC[wd] as number)) {
          sec = next;
          continue;
        }
        // retry on the next working day at a policy time
        const d = nextWorkingDay(day);
        pendingAttempt[i] = attemptNo;
        pendingCampaign[i] = campaign;
        let list = buckets.get(d);
        if (!list) buckets.set(d, (list = []));
        list.push(i);
        return;
      }
    };

    const policySecond = (): number => rng.pickCumulative(hours) * 3600 + rng.int(3600);

    // 1. retries scheduled for today
    const due = buckets.get(day);
    buckets.delete(day);
    if (due) {
      for (const i of due) {
        const attemptNo = pendingAttempt[i] as number;
        if (attemptNo === 0 || optedOut[i] === 1 || blocked[i] === 1) continue;
        runChain(i, pendingCampaign[i] as number, attemptNo, policySecond());
      }
    }
    // 2. fresh picks: walk the customers in a random order (a new stride every day) and give
    // each eligible one to an active campaign that targets them, until today's capacity is used
    if (active.length > 0 && n > 0) {
      const start = rng.int(n);
      let stride = 1 + rng.int(n);
      while (gcd(stride, n) !== 1) stride++;
      const weights = new Float64Array(active.length);
      for (let pos = 0, i = start; pos < n && batch.count < cap; pos++, i = (i + stride) % n) {
        if (!eligible(i, day)) continue;
        let sum = 0;
        for (let a = 0; a < active.length; a++) {
          const c = CAMPAIGNS[active[a] as number] as CampaignDef;
          sum += campaignTargets(world, i, c) ? c.weight : 0;
          weights[a] = sum;
        }
        if (sum === 0) continue;
        runChain(i, active[rng.pickCumulative(weights)] as number, 1, policySecond());
      }
    }
    total += batch.count;
    batch.sortByTime();
    await onDay(batch);
  }
  return { attempts: total, optedOut, lastAnswered };
}
