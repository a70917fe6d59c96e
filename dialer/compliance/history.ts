import { DISPOSITIONS } from '../../contracts/call-attempt.ts';
import type { CallAttemptRecord, Disposition } from '../../contracts/call-attempt.ts';
import { ComplianceInputError } from './errors.ts';
import { isValidTimeZone, localDayNumber } from './zoned-time.ts';

/** One finished attempt, as the dialer reports it when the call ends. */
export interface AttemptInput {
  /** When the dial started. */
  at: Date | number;
  disposition: Disposition;
  campaignId: string | null;
  /** The callee opted out during this call: effective from `at`, at once. */
  optedOut?: boolean | null;
}

const ABANDONED = DISPOSITIONS.indexOf('abandoned');
const DEFAULT_UNANSWERED = (1 << DISPOSITIONS.indexOf('no_answer')) | (1 << DISPOSITIONS.indexOf('busy'));

function toMs(at: Date | number, what: string): number {
  const ms = typeof at === 'number' ? at : at instanceof Date ? at.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new ComplianceInputError(`${what} is not a valid time (got ${String(at)}); pass a Date or epoch ms`);
  return ms;
}

/** Key of a number's history: its phone hash, or the customer id when the hash is unknown. */
export function contactKey(x: { phone_hash: string | null; customer_id: string }): string {
  return x.phone_hash ?? `customer:${x.customer_id}`;
}

/**
 * Everything the compliance engine needs to know about past attempts on one number, kept
 * compactly (parallel arrays sorted by time plus a few counters) so each question is O(1) or
 * O(log n): attempts on a local day, in a rolling period, in a campaign, the last attempt and its
 * outcome, the run of consecutive unanswered attempts, the last abandoned call and the opt-out.
 *
 * The dialer calls {@link recordAttempt} as each call ends (an opt-out captured during the call
 * takes effect at once); {@link ContactHistory.fromRecords} rebuilds it from the call log.
 * Attempts are expected in time order; a late, out-of-order one is inserted at O(n) cost.
 */
export class ContactHistory {
  /** The callee's IANA zone: local-day counts are kept in it. */
  readonly timezone: string;
  /** Epoch ms of each attempt, ascending. */
  private readonly times: number[] = [];
  /** Index into DISPOSITIONS of each attempt (small integers: a packed array). */
  private readonly codes: number[] = [];
  private readonly campaigns: (string | null)[] = [];
  /** Local day number → attempts that day; absent when the zone is unknown (decide refuses those). */
  private readonly byDay: Map<number, number> | null;
  private readonly byCampaign = new Map<string | null, number>();
  /** Per disposition, index of its latest attempt (−1 if none): gives trailing runs in O(8). */
  private readonly lastIndexByCode = new Int32Array(DISPOSITIONS.length).fill(-1);
  private lastAbandonedMs: number | null = null;
  private optOutMs: number | null = null;

  constructor(timezone: string) {
    this.timezone = timezone;
    this.byDay = isValidTimeZone(timezone) ? new Map() : null;
  }

  /**
   * Rebuilds one number's history from call-log records (any order).
   * @throws ComplianceInputError on a record whose `started_at` does not parse.
   */
  static fromRecords(records: Iterable<CallAttemptRecord>, timezone: string): ContactHistory {
    const attempts: AttemptInput[] = [];
    for (const r of records) attempts.push(attemptFromRecord(r));
    attempts.sort((a, b) => (a.at as number) - (b.at as number));
    const h = new ContactHistory(timezone);
    for (const a of attempts) h.recordAttempt(a);
    return h;
  }

  /** Records a finished attempt. An attempt with `optedOut` blocks every later one at once. */
  recordAttempt(a: AttemptInput): void {
    const t = toMs(a.at, 'attempt time');
    const code = DISPOSITIONS.indexOf(a.disposition);
    if (code < 0) throw new ComplianceInputError(`unknown disposition '${a.disposition}'; use one of ${DISPOSITIONS.join(', ')}`);
    const n = this.times.length;
    if (n === 0 || this.times[n - 1]! <= t) {
      this.times.push(t);
      this.codes.push(code);
      this.campaigns.push(a.campaignId);
      this.lastIndexByCode[code] = n;
    } else {
      const i = this.upperBound(t);
      this.times.splice(i, 0, t);
      this.codes.splice(i, 0, code);
      this.campaigns.splice(i, 0, a.campaignId);
      this.lastIndexByCode.fill(-1);
      for (let j = 0; j < this.codes.length; j++) this.lastIndexByCode[this.codes[j]!] = j;
    }
    if (this.byDay) {
      const day = localDayNumber(t, this.timezone)!;
      this.byDay.set(day, (this.byDay.get(day) ?? 0) + 1);
    }
    this.byCampaign.set(a.campaignId, (this.byCampaign.get(a.campaignId) ?? 0) + 1);
    if (code === ABANDONED && (this.lastAbandonedMs === null || t > this.lastAbandonedMs)) this.lastAbandonedMs = t;
    if (a.optedOut) this.recordOptOut(t);
  }

  /** Records a call-log record (the dialer's outcome line) as an attempt. */
  recordCallAttempt(r: CallAttemptRecord): void {
    this.recordAttempt(attemptFromRecord(r));
  }

  /** Records an opt-out received outside a call (SMS STOP, web form…): effective at once. */
  recordOptOut(at: Date | number): void {
    const t = toMs(at, 'opt-out time');
    if (this.optOutMs === null || t < this.optOutMs) this.optOutMs = t;
  }

  /** Number of attempts recorded. */
  get size(): number {
    return this.times.length;
  }

  /** When the number opted out (epoch ms; the earliest if several), or null. */
  get optedOutAt(): number | null {
    return this.optOutMs;
  }

  /** Start of the latest attempt (epoch ms), or null. */
  get lastAttemptAt(): number | null {
    const n = this.times.length;
    return n === 0 ? null : this.times[n - 1]!;
  }

  get lastDisposition(): Disposition | null {
    const n = this.codes.length;
    return n === 0 ? null : DISPOSITIONS[this.codes[n - 1]!]!;
  }

  /** Start of the latest abandoned attempt (epoch ms), or null. */
  get lastAbandonedAt(): number | null {
    return this.lastAbandonedMs;
  }

  /** Attempts on local day `day` (days since 1970-01-01 on the callee's calendar) in `zone`. */
  attemptsOnLocalDay(day: number, zone: string = this.timezone): number {
    if (this.byDay && zone === this.timezone) return this.byDay.get(day) ?? 0;
    // A lead whose zone changed since the history was built: count the slow way, still correct.
    let c = 0;
    for (const t of this.times) if (localDayNumber(t, zone) === day) c++;
    return c;
  }

  /** Attempts strictly after `ms` (epoch ms), e.g. `attemptsAfter(now − 24 h)`. O(log n). */
  attemptsAfter(ms: number): number {
    return this.times.length - this.upperBound(ms);
  }

  /** Start of the k-th most recent attempt (k = 0: the latest), or null. */
  attemptTimeFromEnd(k: number): number | null {
    const i = this.times.length - 1 - k;
    return i >= 0 && k >= 0 ? this.times[i]! : null;
  }

  /** Attempts made in campaign `campaignId` (null: attempts with no campaign). */
  attemptsInCampaign(campaignId: string | null): number {
    return this.byCampaign.get(campaignId) ?? 0;
  }

  /**
   * Length of the run of latest attempts whose dispositions are all in `mask` (bit i ⇔
   * DISPOSITIONS[i]; default: no_answer and busy). O(number of dispositions).
   */
  consecutiveUnanswered(mask: number = DEFAULT_UNANSWERED): number {
    let lastOther = -1;
    for (let c = 0; c < this.lastIndexByCode.length; c++) {
      if ((mask & (1 << c)) === 0 && this.lastIndexByCode[c]! > lastOther) lastOther = this.lastIndexByCode[c]!;
    }
    return this.times.length - 1 - lastOther;
  }

  /** Attempts as plain objects, oldest first (for audits and tests). */
  attempts(): { at: number; disposition: Disposition; campaignId: string | null }[] {
    return this.times.map((at, i) => ({ at, disposition: DISPOSITIONS[this.codes[i]!]!, campaignId: this.campaigns[i]! }));
  }

  /** First index whose time is > t. */
  private upperBound(t: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function attemptFromRecord(r: CallAttemptRecord): AttemptInput {
  const at = Date.parse(r.started_at);
  if (!Number.isFinite(at))
    throw new ComplianceInputError(`call attempt ${r.attempt_id}: started_at '${r.started_at}' is not an ISO-8601 time`);
  return { at, disposition: r.disposition, campaignId: r.campaign_id, optedOut: r.opted_out };
}

/**
 * Rebuilds the histories of many numbers from the call log, keyed by {@link contactKey}.
 * `timezoneOf` gives the callee's zone for a record's number (asked once per number).
 */
export function buildContactHistories(
  records: Iterable<CallAttemptRecord>,
  timezoneOf: (record: CallAttemptRecord) => string,
): Map<string, ContactHistory> {
  const grouped = new Map<string, CallAttemptRecord[]>();
  for (const r of records) {
    const k = contactKey(r);
    const list = grouped.get(k);
    if (list) list.push(r);
    else grouped.set(k, [r]);
  }
  const out = new Map<string, ContactHistory>();
  for (const [k, rs] of grouped) out.set(k, ContactHistory.fromRecords(rs, timezoneOf(rs[0]!)));
  return out;
}
