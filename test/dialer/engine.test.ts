import { describe, expect, it } from 'vitest';
import { ARMS, DISPOSITIONS, HANDLERS } from '../../contracts/call-attempt.ts';
import type { CallAttemptRecord } from '../../contracts/call-attempt.ts';
import {
  ContactHistory,
  SeededRandom,
  SimulatedCarrier,
  SimulatedClock,
  ToyOutcomeModel,
  auditDials,
  defineCampaign,
  randomOrderScores,
  resolvePolicy,
  runDialingDay,
  scoresFromFunctions,
  toyLeadTable,
} from '../../dialer/index.ts';
import type { Carrier, CampaignInput, CarrierEvent, DayStats, LeadTable, OutcomeRecord, ScoreSource } from '../../dialer/index.ts';
import { HOUR, MIN, leadTable } from './dialer-fixtures.ts';

const FROM = Date.parse('2024-06-11T00:00:00Z'); // a Tuesday
const TO = FROM + 24 * HOUR;

function campaign(over: Partial<CampaignInput> = {}) {
  return defineCampaign({
    id: 'june',
    objective: 'sales',
    script: { template: 'Hello {{customer_name}}, about {{amount}}' },
    schedule: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '08:00', end: '21:00' },
    mode: { type: 'robot', lines: 10 },
    valuePerConversion: 100,
    ...over,
  });
}

/** Wraps a carrier to count live calls independently of the engine. */
class CountingCarrier implements Carrier {
  live = 0;
  peak = 0;
  constructor(private readonly inner: Carrier) {}
  originate(req: Parameters<Carrier['originate']>[0]): void {
    this.live++;
    this.peak = Math.max(this.peak, this.live);
    this.inner.originate(req);
  }
  connect(callId: string, handler: 'robot' | 'agent'): void {
    this.inner.connect(callId, handler);
  }
  hangup(callId: string): void {
    this.live--;
    this.inner.hangup(callId);
  }
  onEvent(listener: (e: CarrierEvent) => void): void {
    this.inner.onEvent((e) => {
      if (e.type !== 'ringing' && e.type !== 'answered') this.live--;
      listener(e);
    });
  }
}

function day(
  leads: LeadTable,
  model: ToyOutcomeModel,
  over: { campaign?: Partial<CampaignInput>; scores?: ScoreSource; seed?: number; histories?: Map<string, ContactHistory>; wrap?: (c: Carrier) => Carrier } = {},
): { stats: DayStats; records: OutcomeRecord[]; histories: Map<string, ContactHistory> } {
  const clock = new SimulatedClock(FROM);
  const base = new SimulatedCarrier(clock, model, new SeededRandom(over.seed ?? 5, 1));
  const carrier = over.wrap ? over.wrap(base) : base;
  const records: OutcomeRecord[] = [];
  const histories = over.histories ?? new Map<string, ContactHistory>();
  const stats = runDialingDay({
    campaign: campaign(over.campaign),
    leads,
    histories,
    carrier,
    clock,
    from: FROM,
    to: TO,
    outcomeLog: { append: (r) => records.push(r) },
    seed: over.seed ?? 5,
    dialerId: 'test',
    ...(over.scores ? { scores: over.scores } : {}),
  });
  return { stats, records, histories };
}

describe('robot mode', () => {
  it('never has more than N live calls (counted at the carrier), and uses all N', () => {
    const model = new ToyOutcomeModel({ seed: 2 });
    const leads = toyLeadTable(3000, model, { seed: 2 });
    const counter: { c?: CountingCarrier } = {};
    const { stats } = day(leads, model, {
      campaign: { mode: { type: 'robot', lines: 7 } },
      wrap: (c) => (counter.c = new CountingCarrier(c)),
    });
    expect(stats.dials).toBeGreaterThan(500);
    expect(counter.c!.peak).toBe(7);
    expect(stats.peakLiveCalls).toBe(7);
    expect(counter.c!.live).toBe(0);
    expect(stats.abandoned).toBe(0);
    expect(stats.complianceViolations).toBe(0);
  });
});

describe('agent mode (predictive pacing)', () => {
  it('over-dials yet keeps the abandoned share of answered calls at or below 3 % at every instant of the day', () => {
    const model = new ToyOutcomeModel({ seed: 4 });
    const leads = toyLeadTable(20_000, model, { seed: 4 });
    const { stats, records } = day(leads, model, { campaign: { mode: { type: 'agent', agents: 12 } } });
    expect(stats.dials).toBeGreaterThan(3000);
    // the pacer really dialled ahead of the agents (a dial level of 1 would make abandons impossible)
    expect(stats.meanDialLevel!).toBeGreaterThan(1.5);
    expect(stats.abandoned).toBeGreaterThan(0);
    expect(stats.abandonedShare).toBeLessThanOrEqual(0.03);
    expect(stats.maxRollingAbandonedShare).toBeLessThanOrEqual(0.03);
    // recount from the outcome lines: the running share, in the order calls were answered
    const live = records
      .filter((r) => r.disposition === 'answered' || r.disposition === 'abandoned')
      .map((r) => ({ at: Date.parse(r.started_at) + r.ring_seconds! * 1000, abandoned: r.disposition === 'abandoned' }))
      .sort((a, b) => a.at - b.at);
    expect(live).toHaveLength(stats.answered);
    let answered = 0;
    let abandoned = 0;
    let worst = 0;
    for (const c of live) {
      answered++;
      if (c.abandoned) abandoned++;
      worst = Math.max(worst, abandoned / answered);
    }
    expect(abandoned).toBe(stats.abandoned);
    expect(worst).toBeLessThanOrEqual(0.03);
    expect(records.filter((r) => r.disposition === 'answered').every((r) => r.handled_by === 'agent')).toBe(true);
    expect(stats.complianceViolations).toBe(0);
  });
});

describe('the dialing day', () => {
  it('logs every dial as a call_attempts record with arm, propensity and model versions, and updates the histories', () => {
    const model = new ToyOutcomeModel({ seed: 6 });
    const leads = toyLeadTable(4000, model, { seed: 6 });
    const { stats, records, histories } = day(leads, model, { campaign: { exploration: 0.2 } });
    expect(records).toHaveLength(stats.dials);
    const keys: (keyof CallAttemptRecord)[] = [
      'attempt_id', 'campaign_id', 'customer_id', 'phone_hash', 'started_at', 'disposition', 'ring_seconds', 'talk_seconds',
      'converted', 'conversion_value', 'opted_out', 'handled_by', 'transferred', 'arm', 'propensity', 'model_versions', 'source',
    ];
    // plain checks collected, then one assertion (thousands of expect() calls are slow)
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const r of records) {
      const bad = (why: string) => problems.push(`${r.attempt_id}: ${why}`);
      for (const k of keys) if (!(k in r)) bad(`lacks ${k}`);
      if (!DISPOSITIONS.includes(r.disposition)) bad(`disposition ${r.disposition}`);
      if (r.arm === null || !ARMS.includes(r.arm)) bad(`arm ${r.arm}`);
      if (r.handled_by !== null && !HANDLERS.includes(r.handled_by)) bad(`handled_by ${r.handled_by}`);
      if (!(r.propensity! > 0 && r.propensity! <= 1)) bad(`propensity ${r.propensity}`);
      if (r.converted && r.disposition !== 'answered') bad('converted without an answer');
      const at = Date.parse(r.started_at);
      if (!(at >= FROM && at < TO)) bad(`started_at ${r.started_at}`);
      if (JSON.stringify(r.model_versions) !== '{"conversion":"toy-1","contact":"toy-1","published_run":"toy-run"}') bad('model_versions');
      if (r.scores?.source !== 'model') bad('scores.source');
      ids.add(r.attempt_id);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(ids.size).toBe(records.length);
    expect(stats.arms.model + stats.arms.explore).toBe(stats.dials);
    const sd = Math.sqrt(stats.dials * 0.2 * 0.8);
    expect(Math.abs(stats.arms.explore - 0.2 * stats.dials)).toBeLessThan(4.5 * sd);
    let attempts = 0;
    for (const h of histories.values()) attempts += h.size;
    expect(attempts).toBe(stats.dials);
    expect(stats.complianceViolations).toBe(0);
    expect(stats.scheduleViolations).toBe(0);
    expect(stats.conversions).toBe(records.filter((r) => r.converted).length);
  });

  it('respects prior histories, the campaign retry policy and missing script variables', () => {
    const model = new ToyOutcomeModel({ seed: 8, wrongNumberRate: 0 });
    const leads = leadTable([
      { id: 'fresh', variables: { amount: 10 } },
      { id: 'opted-out', variables: { amount: 10 } },
      { id: 'called-5-min-ago', variables: { amount: 10 } },
      { id: 'no-amount' },
      { id: 'stopped', variables: { amount: 10 } },
      { id: 'broken-json', variables: { amount: 10 } },
    ]);
    (leads.columns.variables as string[])[5] = '{"amount": 1'; // a torn JSON text in leads.parquet
    const histories = new Map<string, ContactHistory>();
    const h1 = new ContactHistory('Europe/London');
    h1.recordOptOut(FROM - 10 * 24 * HOUR);
    histories.set('hash-opted-out', h1);
    const h2 = new ContactHistory('Europe/London');
    h2.recordAttempt({ at: FROM + 7 * HOUR - 5 * MIN, disposition: 'no_answer', campaignId: 'other' });
    histories.set('hash-called-5-min-ago', h2);
    const h3 = new ContactHistory('Europe/London');
    h3.recordAttempt({ at: FROM - 3 * 24 * HOUR, disposition: 'answered', campaignId: 'june' }); // retry.stopOn: answered
    histories.set('hash-stopped', h3);
    const { stats, records } = day(leads, model, { histories, campaign: { retry: { maxAttempts: 2 } } });
    expect(stats.leads).toMatchObject({
      total: 6,
      inCampaign: 6,
      missingVariables: 2,
      missingByVariable: { amount: 1, '(variables not a JSON object)': 1 },
    });
    expect(records.filter((r) => r.customer_id === 'broken-json')).toHaveLength(0);
    const by = (id: string) => records.filter((r) => r.customer_id === id);
    expect(by('opted-out')).toHaveLength(0);
    expect(by('no-amount')).toHaveLength(0);
    expect(by('stopped')).toHaveLength(0);
    expect(by('fresh').length).toBeGreaterThanOrEqual(1);
    expect(by('fresh').length).toBeLessThanOrEqual(2);
    // London opens at 08:00 BST = 07:00Z; the 60-minute gap holds this one until 07:55Z
    const first = by('called-5-min-ago')[0];
    expect(first).toBeDefined();
    expect(Date.parse(first!.started_at)).toBeGreaterThanOrEqual(FROM + 7 * HOUR + 55 * MIN);
    expect(stats.complianceViolations).toBe(0);
  });

  it('ranks better with better scores: oracle > model > random on contact rate (toy world)', () => {
    const model = new ToyOutcomeModel({ seed: 11 });
    const leads = toyLeadTable(30_000, model, { seed: 11, noise: 0.25 });
    const oracle = scoresFromFunctions(leads, { pAnswer: (id, how) => model.trueAnswer(id, how), pConvert: (id) => model.trueConvert(id) }, { name: 'oracle' });
    const run = (scores?: ScoreSource) => day(leads, model, { scores, campaign: { mode: { type: 'robot', lines: 8 } } }).stats;
    const o = run(oracle);
    const m = run();
    const r = run(randomOrderScores(leads.size, 3));
    expect(o.ranking).toBe('oracle');
    expect(r.ranking).toBe('random');
    expect(o.contactRate).toBeGreaterThan(r.contactRate + 0.05);
    expect(m.contactRate).toBeGreaterThan(r.contactRate + 0.03);
    expect(o.conversionsPer1000Dials).toBeGreaterThan(r.conversionsPer1000Dials);
    for (const s of [o, m, r]) expect(s.complianceViolations).toBe(0);
  });
});

describe('a daily dial budget', () => {
  const budgetDay = (spreadDials: boolean) => {
    const model = new ToyOutcomeModel({ seed: 8 });
    const leads = toyLeadTable(3000, model, { seed: 8 });
    const clock = new SimulatedClock(FROM);
    const records: OutcomeRecord[] = [];
    const stats = runDialingDay({
      campaign: campaign({ mode: { type: 'robot', lines: 10 } }),
      leads,
      histories: new Map(),
      carrier: new SimulatedCarrier(clock, model, new SeededRandom(8, 1)),
      clock,
      from: FROM,
      to: TO,
      outcomeLog: { append: (r) => records.push(r) },
      seed: 8,
      maxDials: 600,
      spreadDials,
    });
    return { stats, starts: records.map((r) => Date.parse(r.started_at)).sort((a, b) => a - b) };
  };

  it('is spent as fast as the lines allow by default, and spread evenly over the period with spreadDials', () => {
    const burst = budgetDay(false);
    expect(burst.stats.dials).toBe(600);
    // 10 lines place 600 dials within the first hours the windows open
    expect(burst.starts[599]! - burst.starts[0]!).toBeLessThan(3 * HOUR);

    const spread = budgetDay(true);
    expect(spread.stats.dials).toBe(600);
    expect(spread.stats.complianceViolations + spread.stats.scheduleViolations).toBe(0);
    // by any instant t, at most ⌈600 × (t − from + 1 s) / 24 h⌉ dials
    spread.starts.forEach((t, k) => expect(k + 1).toBeLessThanOrEqual(Math.ceil((600 * (t + 1000 - FROM)) / (TO - FROM))));
    // and the budget reaches every hour of the day (one of the three zones is always open)
    const perHour = new Array<number>(24).fill(0);
    for (const t of spread.starts) perHour[Math.floor((t - FROM) / HOUR)]!++;
    expect(Math.min(...perHour)).toBeGreaterThan(0);
    expect(Math.max(...perHour)).toBeLessThanOrEqual(2 * (600 / 24));
  });
});

describe('compliance audit', () => {
  it('counts a dial that decide refuses at its start time', () => {
    const leads = leadTable([{ id: 'a' }, { id: 'b', consent: false }]);
    const policy = resolvePolicy({ objective: 'sales', campaignId: 'june' });
    const at = Date.parse('2024-06-11T12:00:00Z');
    const result = auditDials(
      [
        { lead: 0, at, disposition: 'no_answer', optedOut: false, campaignId: 'june' },
        { lead: 0, at: at + 10 * MIN, disposition: 'no_answer', optedOut: false, campaignId: 'june' }, // min gap
        { lead: 1, at, disposition: 'no_answer', optedOut: false, campaignId: 'june' }, // no consent
      ],
      leads,
      () => policy,
      () => null,
    );
    expect(result.violations).toBe(2);
    expect(result.samples.join('\n')).toMatch(/a at .*min_gap/);
    expect(result.samples.join('\n')).toMatch(/b at .*no_consent/);
  });
});
