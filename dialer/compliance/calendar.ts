import type { CompliancePolicy } from './policy.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, civilFromDays, isoWeekday, offsetAt } from './zoned-time.ts';

/** Open spans of one local day: sorted, disjoint `[startMinute, endMinute)` pairs. */
export type DaySpans = readonly (readonly [number, number])[];

export const CLOSED: DaySpans = [];

/** Which spans of each local day are open (a class, not a closure: it is built per decision). */
export interface DayCalendar {
  spansOf(day: number): DaySpans;
}

/** Whether local day `day` (days since 1970-01-01) is one of the policy's holidays. */
export function isHoliday(policy: CompliancePolicy, day: number): boolean {
  if (policy.holidayDays.has(day)) return true;
  if (policy.annualHolidays.size === 0) return false;
  const { month, day: dom } = civilFromDays(day);
  return policy.annualHolidays.has(month * 100 + dom);
}

/** The calling spans of a local day under the policy's calendar (holidays and weekdays). */
export function spansOfDay(policy: CompliancePolicy, day: number): DaySpans {
  return isHoliday(policy, day) ? CLOSED : policy.hoursByWeekday[isoWeekday(day)]!;
}

/** Whether a minute-precise time of day (ms since local midnight) lies in one of the spans. */
export function inSpans(spans: DaySpans, msOfDay: number): boolean {
  for (const [s, e] of spans) if (msOfDay >= s * MINUTE_MS && msOfDay < e * MINUTE_MS) return true;
  return false;
}

/**
 * How far the offset probe steps. Two transitions that cancel out within one step would go
 * unseen; no zone in the tz database has had that in modern times, and 12 h keeps the scan at
 * two Intl calls per day.
 */
const STEP_MS = 12 * HOUR_MS;

/**
 * Earliest instant `t ≥ fromMs` whose local wall clock in `zone` lies inside `calendar.spansOf(localDay)`,
 * or null if there is none before `fromMs + horizonMs` (or the zone is unknown).
 *
 * Exact across DST: time is cut into stretches of constant UTC offset (a transition is located by
 * bisection to the millisecond), and on each stretch the wall clock is `t + offset`, so open
 * spans map back to instants directly. A span starting inside a spring-forward gap opens at the
 * transition; a fall-back hour is open twice if its wall-clock time is.
 */
export function nextOpenInstant(
  fromMs: number,
  zone: string,
  calendar: DayCalendar,
  horizonMs: number,
): number | null {
  let a = fromMs;
  let oa = offsetAt(a, zone);
  if (oa === null) return null;
  const end = fromMs + horizonMs;
  while (a < end) {
    let segEnd = a + STEP_MS;
    let next = offsetAt(segEnd, zone)!;
    if (next !== oa) {
      // Smallest instant in (a, segEnd] whose offset differs from oa.
      let lo = a;
      let hi = segEnd;
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (offsetAt(mid, zone) === oa) lo = mid;
        else hi = mid;
      }
      segEnd = hi;
      next = offsetAt(hi, zone)!;
    }
    const found = firstOpenInStretch(a, segEnd, oa, calendar);
    if (found !== null) return found;
    a = segEnd;
    oa = next;
  }
  return null;
}

/** First open instant in `[a, b)`, on which the UTC offset is constantly `off`. */
function firstOpenInStretch(a: number, b: number, off: number, calendar: DayCalendar): number | null {
  const wallA = a + off;
  const wallB = b + off;
  const lastDay = Math.floor((wallB - 1) / DAY_MS);
  for (let day = Math.floor(wallA / DAY_MS); day <= lastDay; day++) {
    const base = day * DAY_MS;
    for (const [s, e] of calendar.spansOf(day)) {
      const lo = Math.max(base + s * MINUTE_MS, wallA);
      const hi = Math.min(base + e * MINUTE_MS, wallB);
      if (lo < hi) return lo - off;
    }
  }
  return null;
}
