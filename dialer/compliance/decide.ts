import { CLOSED, inSpans, isHoliday, nextOpenInstant } from './calendar.ts';
import type { DayCalendar, DaySpans } from './calendar.ts';
import { ComplianceInputError } from './errors.ts';
import type { ContactHistory } from './history.ts';
import type { LeadFacts } from './lead.ts';
import type { CompliancePolicy } from './policy.ts';
import { WEEKDAYS } from './policy.ts';
import { DAY_MS, MINUTE_MS, formatDayNumber, formatMinuteOfDay, isoWeekday, offsetAt } from './zoned-time.ts';

/**
 * Why a dial is refused, in the order rules are checked (the first failing rule is reported).
 * The first six stay until the facts change (new consent, new campaign…); the others pass with
 * time, and a refusal for them carries `nextAllowedAt` when a callable instant exists.
 */
export const BLOCK_CODES = [
  'invalid_timezone',
  'opted_out',
  'dnc',
  'household_dnc',
  'no_consent',
  'campaign_cap',
  'abandoned_cooldown',
  'holiday',
  'day_not_allowed',
  'outside_window',
  'daily_cap',
  'rolling_24h_cap',
  'rolling_cap',
  'min_gap',
  'backoff',
] as const;
export type BlockCode = (typeof BLOCK_CODES)[number];

/** Refusals that time alone does not lift: they never carry `nextAllowedAt`. */
export const PERMANENT_CODES: ReadonlySet<BlockCode> = new Set<BlockCode>([
  'invalid_timezone',
  'opted_out',
  'dnc',
  'household_dnc',
  'no_consent',
  'campaign_cap',
]);

/** The answer for one lead at one instant, always with a human-readable reason. */
export type Decision =
  | { allowed: true; reason: string }
  | {
      allowed: false;
      code: BlockCode;
      reason: string;
      /**
       * For a temporary refusal: the earliest instant at which `decide` will allow this lead if
       * neither its facts nor the history change meanwhile — exact (to the millisecond), so the
       * dialer can skip the lead until then. Absent for permanent refusals, and when nothing
       * opens within 400 days (no open weekday, a cap of 0).
       */
      nextAllowedAt?: Date;
    };

/** How far ahead `nextAllowedAt` is searched. */
const HORIZON_MS = 400 * DAY_MS;

function blocked(code: BlockCode, reason: string): Decision {
  return { allowed: false, code, reason };
}

function describeSpans(spans: DaySpans): string {
  return spans.map(([s, e]) => `${formatMinuteOfDay(s)}–${formatMinuteOfDay(e)}`).join(', ');
}

/** `HH:MM wkd YYYY-MM-DD in Zone` for reasons. */
function describeLocal(msOfDay: number, day: number, zone: string): string {
  return `${formatMinuteOfDay(Math.floor(msOfDay / MINUTE_MS))} ${WEEKDAYS[isoWeekday(day) - 1]} ${formatDayNumber(day)} in ${zone}`;
}

/** The first temporary rule that fails (rules are checked in BLOCK_CODES order). */
class FirstFailure {
  code: BlockCode | null = null;
  reason = '';
  note(code: BlockCode, reason: string): void {
    if (this.code === null) {
      this.code = code;
      this.reason = reason;
    }
  }
}

/** A lead's calling days for the nextAllowedAt search: holidays, weekdays and the daily cap. */
class LeadCalendar implements DayCalendar {
  constructor(
    private readonly policy: CompliancePolicy,
    private readonly history: ContactHistory | null,
    private readonly zone: string,
  ) {}

  spansOf(day: number): DaySpans {
    const p = this.policy;
    if (isHoliday(p, day)) return CLOSED;
    if (this.history !== null && this.history.attemptsOnLocalDay(day, this.zone) >= p.perDay) return CLOSED;
    return p.hoursByWeekday[isoWeekday(day)]!;
  }
}

function hm(ms: number): string {
  const total = Math.round(ms / MINUTE_MS);
  const h = Math.floor(total / 60);
  const m = total % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min`;
}

/**
 * Whether `lead` may be dialled at `now` under `policy`, given the number's `history` (null if
 * never called), and why. Pure: reads its arguments only. An unknown time zone is a refusal
 * (`invalid_timezone`), never an exception.
 *
 * @throws ComplianceInputError if `now` is an invalid Date or `policy` was not compiled.
 */
export function decide(lead: LeadFacts, history: ContactHistory | null, now: Date, policy: CompliancePolicy): Decision {
  const nowMs = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(nowMs)) throw new ComplianceInputError(`decide: 'now' must be a valid Date (got ${String(now)})`);
  if (policy?.kind !== 'compiled-compliance-policy')
    throw new ComplianceInputError('decide: pass a compiled policy from resolvePolicy() or compilePolicy()');

  const zone = lead.timezone;
  const off = offsetAt(nowMs, zone);
  if (off === null)
    return blocked('invalid_timezone', `unknown time zone '${String(zone)}': fix the lead's IANA zone (e.g. Europe/London) before calling`);

  // Permanent refusals first: they make every other question moot.
  if (history !== null && history.optedOutAt !== null)
    return blocked('opted_out', `the number opted out at ${new Date(history.optedOutAt).toISOString()}`);
  if (policy.honourDnc && lead.dnc) return blocked('dnc', 'the number is on a do-not-call list');
  if (policy.honourHouseholdDnc && lead.blocked_by_household)
    return blocked('household_dnc', `blocked by household DNC: ${lead.blocked_by_household.reason}`);
  if (policy.requireConsent && !lead.consent)
    return blocked('no_consent', `${policy.objective} calls need the callee's consent, and this lead has none`);
  const inCampaign = history === null ? 0 : history.attemptsInCampaign(policy.campaignId);
  if (policy.perCampaign !== null && inCampaign >= policy.perCampaign)
    return blocked(
      'campaign_cap',
      `${inCampaign} attempts already in campaign ${policy.campaignId ?? '(none)'} (cap ${policy.perCampaign})`,
    );

  // Temporary refusals: note the first one, and the instant `earliest` from which every
  // time-monotone rule (cooldowns, rolling caps, gaps) is satisfied; the calendar (window, days,
  // holidays, daily cap) is then searched from there.
  const first = new FirstFailure();
  let earliest = nowMs;

  if (history !== null && history.lastAbandonedAt !== null) {
    const until = history.lastAbandonedAt + policy.abandonedCooldownMs;
    if (nowMs < until) {
      first.note('abandoned_cooldown', `a call was abandoned at ${new Date(history.lastAbandonedAt).toISOString()}: no automated redial for ${hm(policy.abandonedCooldownMs)}`);
      earliest = Math.max(earliest, until);
    }
  }

  const wall = nowMs + off;
  const day = Math.floor(wall / DAY_MS);
  const msOfDay = wall - day * DAY_MS;
  const weekday = isoWeekday(day);
  const todaySpans = policy.hoursByWeekday[weekday]!;
  if (isHoliday(policy, day)) first.note('holiday', `${formatDayNumber(day)} is a holiday in the callee's calendar (${zone})`);
  else if (todaySpans.length === 0) first.note('day_not_allowed', `no calls on ${WEEKDAYS[weekday - 1]} (local ${describeLocal(msOfDay, day, zone)})`);
  else if (!inSpans(todaySpans, msOfDay))
    first.note('outside_window', `outside the calling window: local ${describeLocal(msOfDay, day, zone)}, allowed ${describeSpans(todaySpans)}`);

  const today = history === null ? 0 : history.attemptsOnLocalDay(day, zone);
  if (today >= policy.perDay) {
    first.note('daily_cap', `${today} attempts already on local day ${formatDayNumber(day)} (cap ${policy.perDay})`);
    if (policy.perDay === 0) earliest = Infinity;
  }

  const last24 = history === null ? 0 : history.attemptsAfter(nowMs - DAY_MS);
  if (last24 >= policy.per24h) {
    first.note('rolling_24h_cap', `${last24} attempts in the last 24 h (cap ${policy.per24h})`);
    earliest = Math.max(earliest, policy.per24h === 0 ? Infinity : history!.attemptTimeFromEnd(policy.per24h - 1)! + DAY_MS);
  }
  for (const cap of policy.rolling) {
    const n = history === null ? 0 : history.attemptsAfter(nowMs - cap.windowMs);
    if (n >= cap.max) {
      first.note('rolling_cap', `${n} attempts in the last ${cap.hours} h (cap ${cap.max})`);
      earliest = Math.max(earliest, cap.max === 0 ? Infinity : history!.attemptTimeFromEnd(cap.max - 1)! + cap.windowMs);
    }
  }

  const last = history === null ? null : history.lastAttemptAt;
  if (last !== null) {
    const run = history!.consecutiveUnanswered(policy.backoffMask);
    const backoff = run > 0 ? Math.min(policy.backoffMaxMs, policy.backoffBaseMs * policy.backoffFactor ** (run - 1)) : 0;
    if (nowMs < last + policy.minGapMs)
      first.note('min_gap', `last attempt ${hm(nowMs - last)} ago; the minimum gap is ${hm(policy.minGapMs)}`);
    else if (nowMs < last + backoff)
      first.note('backoff', `${run} unanswered attempt${run === 1 ? '' : 's'} in a row: wait ${hm(backoff)} after the last one (${hm(nowMs - last)} so far)`);
    earliest = Math.max(earliest, last + Math.max(policy.minGapMs, backoff));
  }

  if (first.code === null) {
    return {
      allowed: true,
      reason: `allowed: local ${describeLocal(msOfDay, day, zone)}; ${today + 1}/${policy.perDay} today, ${last24 + 1}/${policy.per24h} in 24 h, ${inCampaign + 1}/${policy.perCampaign ?? '∞'} in campaign`,
    };
  }

  let next: number | null = null;
  if (Number.isFinite(earliest) && policy.anyOpenWeekday) {
    // Round up: a threshold with a fractional millisecond (e.g. a backoff factor of 1.3) would
    // otherwise truncate, in `new Date`, to an instant that is still refused.
    next = nextOpenInstant(Math.ceil(earliest), zone, new LeadCalendar(policy, history, zone), HORIZON_MS);
  }
  const decision: Decision = { allowed: false, code: first.code, reason: first.reason };
  if (next !== null) decision.nextAllowedAt = new Date(next);
  return decision;
}
