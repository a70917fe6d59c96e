/**
 * Property-based tests: random policies, zones (DST, half-hour and 45-minute offsets, a day
 * without midnight, an unknown zone), random prior histories and random candidate times.
 * A greedy dialer dials whenever `decide` allows; an independent checker
 * (./compliance-checker.ts) then audits the whole call log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISPOSITIONS } from '../../contracts/call-attempt.ts';
import type { CallAttemptRecord, Disposition } from '../../contracts/call-attempt.ts';
import { BLOCK_CODES, ContactHistory, OBJECTIVES, PERMANENT_CODES, WEEKDAYS, decide, resolvePolicy } from '../../dialer/index.ts';
import type { CompliancePolicy, Decision, LeadFacts, Objective, PolicyOverrides, TimeRange } from '../../dialer/index.ts';
import { violations } from './compliance-checker.ts';
import type { FactsAtCall, LoggedCall } from './compliance-checker.ts';

/** `DIALWISE_PROPERTY_SCALE=20 npx vitest run test/dialer` for a long soak; 1 in CI. */
const SCALE = Number(process.env.DIALWISE_PROPERTY_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Sydney',
  'Australia/Adelaide', // +9:30/+10:30 with DST
  'Australia/Lord_Howe', // 30-minute DST shift
  'Asia/Kolkata', // +5:30
  'Asia/Kathmandu', // +5:45
  'America/St_Johns', // −3:30/−2:30
  'Pacific/Chatham', // +12:45/+13:45
  'America/Santiago', // DST at midnight: some days have no 00:00, some repeat 23:xx
  'America/Havana',
  'Africa/Casablanca', // DST suspended during Ramadan
  'Asia/Tokyo',
  'UTC',
  'Not/A_Zone',
];

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

// Minutes of day, biased to round hours and to the usual DST transition hours (00–03).
const arbMinute = fc.oneof(
  fc.integer({ min: 0, max: 1440 }),
  fc.constantFrom(0, 30, 60, 90, 120, 150, 180, 480, 540, 600, 1020, 1200, 1260, 1380, 1440),
);
const arbRange: fc.Arbitrary<TimeRange> = fc
  .tuple(arbMinute, arbMinute)
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => ({ start: hhmm(Math.min(a, b)), end: hhmm(Math.max(a, b)) }));
const arbRanges = fc.array(arbRange, { minLength: 1, maxLength: 2 });

interface Scenario {
  region: string;
  objective: Objective;
  overrides: PolicyOverrides;
  /** Holidays as day offsets from the start (turned into local dates), and whether annual. */
  holidays: { offset: number; annual: boolean }[];
  relaxConsent: { consent: boolean; dnc: boolean; household: boolean };
  zone: string;
  start: number;
  initial: { hoursBefore: number; disposition: Disposition; campaign: string | null; optedOut: boolean }[];
  facts: { consent: boolean; dnc: boolean; household: boolean };
  change: { afterHours: number; kind: 'dnc' | 'consent' | 'household' | 'opt_out' | 'zone'; zone: string } | null;
  steps: { kind: number; jump: number; disposition: Disposition; optedOut: boolean; probe: number }[];
}

const arbDisposition: fc.Arbitrary<Disposition> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Disposition>('no_answer', 'busy') },
  { weight: 3, arbitrary: fc.constantFrom<Disposition>('answered', 'voicemail') },
  { weight: 1, arbitrary: fc.constantFrom<Disposition>(...DISPOSITIONS) },
);

const arbOverrides: fc.Arbitrary<PolicyOverrides> = fc.record(
  {
    window: fc.record(
      {
        hours: arbRanges,
        days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
        byDay: fc.dictionary(fc.constantFrom(...WEEKDAYS), fc.oneof(arbRanges, fc.constant([])), { maxKeys: 2 }),
      },
      { requiredKeys: [] },
    ),
    attempts: fc.record(
      {
        perDay: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 15, arbitrary: fc.integer({ min: 1, max: 5 }) }),
        per24h: fc.integer({ min: 1, max: 6 }),
        perCampaign: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null, freq: 3 }),
        rolling: fc.array(fc.record({ hours: fc.integer({ min: 1, max: 240 }), max: fc.integer({ min: 1, max: 8 }) }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
    spacing: fc.record(
      {
        minGapMinutes: fc.integer({ min: 0, max: 240 }),
        backoff: fc.record(
          {
            baseMinutes: fc.integer({ min: 0, max: 600 }),
            // Binary-exact factors, so the checker's minutes and the engine's ms agree to the last bit.
            factor: fc.constantFrom(1, 1.5, 2, 2.5, 3),
            maxMinutes: fc.integer({ min: 0, max: 3000 }),
            on: fc.subarray([...DISPOSITIONS]),
          },
          { requiredKeys: [] },
        ),
        abandonedCooldownHours: fc.integer({ min: 0, max: 96 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/** Start instants around DST changes (March/April, September–November) in 2021–2030. */
const arbStart = fc
  .record({
    year: fc.integer({ min: 2021, max: 2030 }),
    month: fc.oneof(fc.constantFrom(3, 4, 9, 10, 11), fc.integer({ min: 1, max: 12 })),
    day: fc.integer({ min: 1, max: 28 }),
    ms: fc.integer({ min: 0, max: DAY - 1 }),
  })
  .map((s) => Date.UTC(s.year, s.month - 1, s.day) + s.ms);

const arbScenario: fc.Arbitrary<Scenario> = fc.record({
  region: fc.constantFrom('default', 'US', 'GB', 'DE', 'FR', 'AU', 'IN', 'ZZ'),
  objective: fc.constantFrom(...OBJECTIVES),
  overrides: arbOverrides,
  holidays: fc.array(fc.record({ offset: fc.integer({ min: -1, max: 12 }), annual: fc.boolean() }), { maxLength: 3 }),
  relaxConsent: fc.record({ consent: fc.boolean(), dnc: fc.boolean(), household: fc.boolean() }),
  zone: fc.constantFrom(...ZONES),
  start: arbStart,
  initial: fc.array(
    fc.record({
      hoursBefore: fc.double({ min: 0.01, max: 240, noNaN: true }),
      disposition: arbDisposition,
      campaign: fc.constantFrom('camp', 'other', null),
      optedOut: fc.integer({ min: 0, max: 80 }).map((n) => n === 0),
    }),
    { maxLength: 8 },
  ),
  facts: fc.record({
    consent: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
    dnc: fc.integer({ min: 0, max: 29 }).map((n) => n === 0),
    household: fc.integer({ min: 0, max: 29 }).map((n) => n === 0),
  }),
  // A change of facts mid-run in about a third of the runs (most changes block for good).
  change: fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.record({
        afterHours: fc.integer({ min: 0, max: 200 }),
        kind: fc.constantFrom('dnc' as const, 'consent' as const, 'household' as const, 'opt_out' as const, 'zone' as const),
        zone: fc.constantFrom(...ZONES),
      }),
    },
  ),
  steps: fc.array(
    fc.record({
      kind: fc.integer({ min: 0, max: 9 }),
      jump: fc.oneof(
        fc.integer({ min: 1, max: 10 * MIN }),
        fc.integer({ min: 10 * MIN, max: 6 * HOUR }),
        fc.integer({ min: 6 * HOUR, max: 2 * DAY }),
      ),
      disposition: arbDisposition,
      optedOut: fc.integer({ min: 0, max: 60 }).map((n) => n === 0),
      probe: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { minLength: 10, maxLength: 100 },
  ),
});

/** ISO date of the local calendar day `offset` days after `t` (UTC date arithmetic is enough here). */
function dayAfter(t: number, offset: number): string {
  return new Date(t + offset * DAY).toISOString().slice(0, 10);
}

function policyOf(s: Scenario): CompliancePolicy {
  const layers: PolicyOverrides[] = [s.overrides];
  if (s.holidays.length > 0) {
    layers.push({ holidays: s.holidays.map((h) => (h.annual ? dayAfter(s.start, h.offset).slice(5) : dayAfter(s.start, h.offset))) });
  }
  if (s.objective !== 'sales') {
    layers.push({ consent: { required: !s.relaxConsent.consent }, dnc: { list: !s.relaxConsent.dnc, household: !s.relaxConsent.household } });
  }
  return resolvePolicy({ region: s.region, objective: s.objective, campaignId: 'camp', overrides: layers });
}

function record(i: number, at: number, disposition: Disposition, campaign: string | null, optedOut: boolean): CallAttemptRecord {
  return {
    attempt_id: `init-${i}`,
    campaign_id: campaign,
    customer_id: 'c-1',
    phone_hash: 'h-1',
    started_at: new Date(at).toISOString(),
    disposition,
    ring_seconds: null,
    talk_seconds: null,
    converted: null,
    conversion_value: null,
    opted_out: optedOut,
    handled_by: 'robot',
    transferred: null,
    arm: null,
    propensity: null,
    model_versions: null,
    source: 'property-test',
  };
}

interface Run {
  policy: CompliancePolicy;
  log: (LoggedCall & { simulated: boolean; facts: FactsAtCall })[];
  optOuts: number[];
  problems: string[];
  decisions: number;
  dials: number;
  codes: Set<string>;
}

/** A greedy dialer: dials whenever `decide` allows, records the outcome, jumps around in time. */
function simulate(s: Scenario, checkEachDecision: boolean): Run {
  const policy = policyOf(s);
  const changeAt = s.change ? s.start + s.change.afterHours * HOUR : Infinity;
  const factsAt = (t: number): FactsAtCall => {
    const f: FactsAtCall = { timezone: s.zone, ...s.facts };
    if (s.change && t >= changeAt) {
      if (s.change.kind === 'dnc') f.dnc = true;
      if (s.change.kind === 'consent') f.consent = false;
      if (s.change.kind === 'household') f.household = true;
      if (s.change.kind === 'zone') f.timezone = s.change.zone;
    }
    return f;
  };
  const leadOf = (f: FactsAtCall): LeadFacts => ({
    customer_id: 'c-1',
    phone_hash: 'h-1',
    timezone: f.timezone,
    region: s.region,
    consent: f.consent,
    dnc: f.dnc,
    blocked_by_household: f.household ? { reason: 'household member opted out' } : null,
  });

  const initial = s.initial.map((a, i) => ({ ...a, at: Math.round(s.start - a.hoursBefore * HOUR), i }));
  const history = ContactHistory.fromRecords(
    initial.map((a) => record(a.i, a.at, a.disposition, a.campaign, a.optedOut)),
    s.zone,
  );
  const log: Run['log'] = initial
    .sort((a, b) => a.at - b.at)
    .map((a) => ({ at: a.at, disposition: a.disposition, campaignId: a.campaign, optedOut: a.optedOut, simulated: false, facts: factsAt(a.at) }));
  const optOuts: number[] = [];
  const problems: string[] = [];
  let decisions = 0;
  let dials = 0;
  const codes = new Set<string>();

  let t = s.start;
  let last: Decision | null = null;
  let permanentInARow = 0;
  for (const step of s.steps) {
    // Next candidate instant: often exactly the engine's nextAllowedAt (the boundary), else a jump.
    if (last && !last.allowed && last.nextAllowedAt && step.kind < 6) t = last.nextAllowedAt.getTime() + (step.kind === 0 ? step.jump % 1000 : 0);
    else t += step.jump;
    if (s.change?.kind === 'opt_out' && t >= changeAt && optOuts.length === 0) {
      history.recordOptOut(changeAt);
      optOuts.push(changeAt);
    }
    const facts = factsAt(t);
    const lead = leadOf(facts);
    const d = decide(lead, history, new Date(t), policy);
    decisions++;
    const where = () => `t=${new Date(t).toISOString()} zone=${facts.timezone}`;

    if (checkEachDecision) {
      // Exactness: the engine allows exactly when the independent checker finds nothing wrong.
      const v = violations(policy.config, t, log, optOuts, facts);
      if (d.allowed !== (v.length === 0))
        problems.push(`${where()}: engine ${d.allowed ? 'allowed' : `refused (${d.code}: ${d.reason})`}, checker: ${v.join('; ') || 'legal'}`);
    }
    if (!d.allowed) {
      codes.add(d.code);
      if (PERMANENT_CODES.has(d.code) && d.nextAllowedAt) problems.push(`${where()}: permanent ${d.code} with nextAllowedAt`);
      if (d.nextAllowedAt) {
        const next = d.nextAllowedAt.getTime();
        if (!(next > t)) problems.push(`${where()}: nextAllowedAt ${d.nextAllowedAt.toISOString()} not after now`);
        // Nothing in [t, next) is allowed: probe just before, and at a random point between.
        for (const probe of [next - 1, t + Math.floor((next - t) * step.probe)]) {
          if (probe < t || probe >= next) continue;
          const p = decide(lead, history, new Date(probe), policy);
          decisions++;
          if (p.allowed) problems.push(`${where()}: allowed at ${new Date(probe).toISOString()}, before nextAllowedAt ${d.nextAllowedAt.toISOString()}`);
        }
        // …and at next itself it is (same facts, nothing recorded meanwhile).
        const at = decide(lead, history, d.nextAllowedAt, policy);
        decisions++;
        if (!at.allowed) problems.push(`${where()}: refused at its own nextAllowedAt ${d.nextAllowedAt.toISOString()}: ${at.code} ${at.reason}`);
      }
    } else {
      dials++;
      history.recordAttempt({ at: t, disposition: step.disposition, campaignId: 'camp', optedOut: step.optedOut });
      log.push({ at: t, disposition: step.disposition, campaignId: 'camp', optedOut: step.optedOut, simulated: true, facts });
      t += 1000 + (step.jump % MIN); // the call takes a while before the next candidate
    }
    last = d;
    // Nothing here lifts a permanent refusal: a few more checks of it, then the next scenario.
    permanentInARow = !d.allowed && PERMANENT_CODES.has(d.code) ? permanentInARow + 1 : 0;
    if (permanentInARow >= 3) break;
  }
  return { policy, log, optOuts, problems, decisions, dials, codes };
}

/** The audit: every simulated call checked against all calls before it. */
function audit(run: Run): string[] {
  const found: string[] = [];
  run.log.forEach((call, i) => {
    if (!call.simulated) return;
    for (const v of violations(run.policy.config, call.at, run.log.slice(0, i), run.optOuts, call.facts))
      found.push(`${new Date(call.at).toISOString()} (${call.facts.timezone}): ${v}`);
  });
  return found;
}

describe('compliance properties', () => {
  it('a greedy dialer driven by decide() makes zero violations', () => {
    let dials = 0;
    let decisions = 0;
    const codes = new Set<string>();
    fc.assert(
      fc.property(arbScenario, (s) => {
        const run = simulate(s, false);
        dials += run.dials;
        decisions += run.decisions;
        for (const c of run.codes) codes.add(c);
        const found = [...audit(run), ...run.problems];
        if (found.length > 0) throw new Error(`${found.length} problem(s):\n${found.slice(0, 5).join('\n')}`);
      }),
      { numRuns: runs(400) },
    );
    // The property is vacuous if nothing is ever dialled, or if some rule never bites.
    expect(dials).toBeGreaterThan(runs(1000) * 0.8);
    expect(decisions).toBeGreaterThan(runs(8000) * 0.8);
    expect([...codes].sort()).toEqual([...BLOCK_CODES].sort());
    console.info(`compliance property: ${decisions} decisions, ${dials} dials`);
  });

  it('decide() allows exactly when the independent checker finds the call legal', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const run = simulate(s, true);
        if (run.problems.length > 0) throw new Error(`${run.problems.length} problem(s):\n${run.problems.slice(0, 5).join('\n')}`);
      }),
      { numRuns: runs(300) },
    );
  });

  it('ContactHistory answers like a brute-force scan, whatever the insertion order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES.slice(0, -1)),
        fc.array(fc.record({ at: fc.integer({ min: 1.6e12, max: 1.6e12 + 30 * DAY }), d: arbDisposition, c: fc.constantFrom('a', 'b', null) }), {
          maxLength: 40,
        }),
        fc.integer({ min: 1.6e12, max: 1.6e12 + 30 * DAY }),
        (zone, attempts, probe) => {
          const h = new ContactHistory(zone);
          for (const a of attempts) h.recordAttempt({ at: a.at, disposition: a.d, campaignId: a.c });
          const sorted = [...attempts].sort((x, y) => x.at - y.at);
          const localDate = (t: number) => new Date(t).toLocaleDateString('en-CA', { timeZone: zone });
          const probeDate = localDate(probe);
          const dayNumber = Math.floor(Date.parse(`${probeDate}T00:00:00Z`) / DAY);
          expect(h.size).toBe(attempts.length);
          expect(h.attemptsOnLocalDay(dayNumber)).toBe(attempts.filter((a) => localDate(a.at) === probeDate).length);
          expect(h.attemptsAfter(probe - DAY)).toBe(attempts.filter((a) => a.at > probe - DAY).length);
          expect(h.attemptsInCampaign('a')).toBe(attempts.filter((a) => a.c === 'a').length);
          expect(h.attemptsInCampaign(null)).toBe(attempts.filter((a) => a.c === null).length);
          expect(h.lastAttemptAt).toBe(sorted.at(-1)?.at ?? null);
          const aband = sorted.filter((a) => a.d === 'abandoned').at(-1);
          expect(h.lastAbandonedAt).toBe(aband?.at ?? null);
          let run = 0;
          for (let i = sorted.length - 1; i >= 0 && (sorted[i]!.d === 'no_answer' || sorted[i]!.d === 'busy'); i--) run++;
          // (a stable sort: attempts at the same instant keep their recording order, as in the history)
          expect(h.consecutiveUnanswered()).toBe(run);
        },
      ),
      { numRuns: runs(300) },
    );
  });
});
