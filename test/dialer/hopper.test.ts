import { describe, expect, it } from 'vitest';
import {
  ContactHistory,
  Hopper,
  SeededRandom,
  contactKey,
  decide,
  denseScores,
  publishedScores,
  resolvePolicy,
} from '../../dialer/index.ts';
import type { CompliancePolicy, HopperOptions, LeadTable } from '../../dialer/index.ts';
import { DAY, HOUR, MIN, leadTable } from './dialer-fixtures.ts';
import type { LeadSpec } from './dialer-fixtures.ts';

const POLICY = resolvePolicy({ objective: 'sales', campaignId: 'camp' });

function hopper(leads: LeadTable, over: Partial<HopperOptions> = {}): Hopper {
  return new Hopper({
    leads,
    scores: publishedScores(leads),
    policyOf: () => POLICY,
    histories: new Map(),
    capacity: 100,
    exploration: 0,
    valuePerConversion: 100,
    rng: new SeededRandom(1),
    ...over,
  });
}

describe('hopper ranking', () => {
  // 2024-06-10 23:00Z is Tue 09:00 in Sydney (AEST, +10) and Mon 19:00 in New York (EDT, −4);
  // an hour later it is Tue 10:00 and Mon 20:00. Both inside the default 09:00–21:00 window.
  const SYDNEY_GOOD = 24 + 9; // Tue 09
  const NEW_YORK_GOOD = 20; // Mon 20
  const leads = leadTable([
    { id: 'syd', timezone: 'Australia/Sydney', pAnswer: (h) => (h === SYDNEY_GOOD ? 0.9 : 0.1) },
    { id: 'nyc', timezone: 'America/New_York', pAnswer: (h) => (h === NEW_YORK_GOOD ? 0.9 : 0.1) },
  ]);

  it("ranks by expected value at each lead's own local hour, not the UTC hour", () => {
    const t1 = Date.parse('2024-06-10T23:00:00Z');
    const p1 = hopper(leads).pick(t1)!;
    expect(leads.customerId(p1.lead)).toBe('syd');
    expect(p1.localHourOfWeek).toBe(SYDNEY_GOOD);
    expect(p1.expectedValue).toBeCloseTo(100 * 0.9 * 0.1, 5);

    const t2 = Date.parse('2024-06-11T00:00:00Z');
    const p2 = hopper(leads).pick(t2)!;
    expect(leads.customerId(p2.lead)).toBe('nyc');
    expect(p2.localHourOfWeek).toBe(NEW_YORK_GOOD);
    expect(p2.arm).toBe('model');
    expect(p2.propensity).toBe(1);
  });

  it('returns the top-K by expected value in order, from a partial selection', () => {
    const n = 500;
    const specs: LeadSpec[] = Array.from({ length: n }, (_, i) => ({ id: `L${i}`, pConvert: ((i * 7919) % n) / n + 0.001 }));
    const table = leadTable(specs);
    const h = hopper(table, { capacity: 40, lowWater: 1 });
    const t = Date.parse('2024-06-11T12:00:00Z');
    const picked = Array.from({ length: 40 }, () => table.columns.pConvert[h.pick(t)!.lead]!);
    const expected = [...table.columns.pConvert].sort((a, b) => b - a).slice(0, 40);
    expect(picked).toEqual(expected);
  });
});

/** A population covering every refusal the compliance engine knows, and histories to match. */
function mixedPopulation(start: number): { leads: LeadTable; histories: Map<string, ContactHistory>; policy: CompliancePolicy } {
  const zones = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'America/St_Johns', 'Mars/Olympus'];
  const specs: LeadSpec[] = [];
  for (let i = 0; i < 240; i++) {
    specs.push({
      id: `M${i}`,
      timezone: zones[i % zones.length]!,
      consent: i % 11 !== 3,
      dnc: i % 13 === 5,
      blockedReason: i % 17 === 7 ? 'household asked not to be called' : null,
      // numbers 0/1, 2/3 … of every 20th pair share a line
      phoneHash: i % 20 < 2 ? `shared-${Math.floor(i / 20)}` : `hash-${i}`,
      pConvert: 0.02 + ((i * 37) % 100) / 500,
      pAnswer: (h) => 0.1 + ((h * 13 + i) % 10) / 20,
    });
  }
  const leads = leadTable(specs);
  const histories = new Map<string, ContactHistory>();
  for (let i = 0; i < leads.size; i++) {
    const facts = leads.facts(i);
    const key = contactKey(facts);
    if (histories.has(key)) continue;
    const h = new ContactHistory(facts.timezone);
    switch (i % 7) {
      case 1:
        h.recordAttempt({ at: start - 30 * MIN, disposition: 'no_answer', campaignId: 'camp' }); // gap / backoff
        break;
      case 2:
        h.recordAttempt({ at: start - 2 * DAY, disposition: 'answered', campaignId: 'camp', optedOut: true });
        break;
      case 3:
        h.recordAttempt({ at: start - 5 * HOUR, disposition: 'abandoned', campaignId: 'camp' }); // 72 h cooldown
        break;
      case 4:
        for (let k = 0; k < 3; k++) h.recordAttempt({ at: start - (9 - 2 * k) * HOUR, disposition: 'busy', campaignId: 'other' });
        break;
      default:
        continue;
    }
    histories.set(key, h);
  }
  return { leads, histories, policy: POLICY };
}

describe('hopper and compliance', () => {
  it('never returns a lead that decide refuses, and misses none it allows, over two days of picks and outcomes (across a DST change)', () => {
    const start = Date.parse('2024-03-09T00:00:00Z'); // Saturday; US DST starts on the Sunday
    const { leads, histories, policy } = mixedPopulation(start);
    const h = hopper(leads, { histories, capacity: 30, exploration: 0.25, rng: new SeededRandom(9) });
    let picks = 0;
    let emptySteps = 0;
    const problems: string[] = []; // plain checks, one assertion at the end
    for (let t = start; t < start + 2 * DAY; t += 10 * MIN) {
      for (let k = 0; k < 4; k++) {
        const pick = h.pick(t);
        if (pick === null) {
          // Nothing returned: then decide allows nobody at t.
          emptySteps++;
          for (let i = 0; i < leads.size; i++) {
            const d = decide(leads.facts(i), histories.get(contactKey(leads.facts(i))) ?? null, new Date(t), policy);
            if (d.allowed) problems.push(`lead ${leads.customerId(i)} is allowed at ${new Date(t).toISOString()} but the hopper returned nothing`);
          }
          break;
        }
        picks++;
        const facts = leads.facts(pick.lead);
        const key = contactKey(facts);
        const d = decide(facts, histories.get(key) ?? null, new Date(t), policy);
        if (!d.allowed) problems.push(`picked ${facts.customer_id} at ${new Date(t).toISOString()}: ${d.reason}`);
        // the call ends two minutes later, unanswered
        let hist = histories.get(key);
        if (!hist) histories.set(key, (hist = new ContactHistory(facts.timezone)));
        hist.recordAttempt({ at: t, disposition: k % 2 ? 'no_answer' : 'voicemail', campaignId: 'camp' });
        h.release(pick.lead, t + 2 * MIN);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(picks).toBeGreaterThan(200);
    expect(emptySteps).toBeGreaterThan(10);
  });

  it('blocks every lead on a number while a call to it is in flight', () => {
    const leads = leadTable([
      { id: 'a', phoneHash: 'same', pConvert: 0.5 },
      { id: 'b', phoneHash: 'same', pConvert: 0.4 },
      { id: 'c', pConvert: 0.1 },
    ]);
    const histories = new Map<string, ContactHistory>();
    const h = hopper(leads, { histories, policyOf: () => resolvePolicy({ objective: 'sales', campaignId: 'camp', overrides: { spacing: { minGapMinutes: 0, backoff: { baseMinutes: 0 } } } }) });
    const t = Date.parse('2024-06-11T12:00:00Z');
    expect(leads.customerId(h.pick(t)!.lead)).toBe('a');
    expect(leads.customerId(h.pick(t)!.lead)).toBe('c'); // b shares a's line
    expect(h.pick(t)).toBeNull();
    const hist = new ContactHistory('Europe/London');
    hist.recordAttempt({ at: t, disposition: 'no_answer', campaignId: 'camp' });
    histories.set('same', hist);
    h.release(0, t + MIN);
    // the line is free again: a (the better) goes first, and b waits for a's call in turn
    expect(leads.customerId(h.pick(t + 2 * MIN)!.lead)).toBe('a');
    expect(h.pick(t + 2 * MIN)).toBeNull();
  });
});

describe('exploration', () => {
  it('gives the configured share of picks to the explore arm (binomial bound)', () => {
    const n = 6000;
    const leads = leadTable(Array.from({ length: n }, (_, i) => ({ id: `E${i}`, pConvert: (i + 1) / (n + 1) })));
    const eps = 0.1;
    const h = hopper(leads, { exploration: eps, capacity: 200, rng: new SeededRandom(42) });
    const t = Date.parse('2024-06-11T12:00:00Z');
    const picks = 3000;
    let explore = 0;
    for (let k = 0; k < picks; k++) {
      const p = h.pick(t + k * 100)!;
      if (p.arm === 'explore') {
        explore++;
        expect(p.propensity).toBeCloseTo(eps / p.poolSize + (p.lead === p.modelChoice ? 1 - eps : 0), 12);
      } else {
        expect(p.lead).toBe(p.modelChoice);
        expect(p.propensity).toBeCloseTo(1 - eps + eps / p.poolSize, 12);
      }
    }
    const sd = Math.sqrt(picks * eps * (1 - eps));
    expect(Math.abs(explore - picks * eps)).toBeLessThan(4.5 * sd);
  });

  it('logs propensities equal to how often the mixed policy really picks each lead', () => {
    // Six eligible leads with distinct expected values; ε = 0.3. Over many independent runs,
    // the frequency of each (first pick) and of each (second pick | first pick) must match the
    // logged propensity, which is constant within each such group.
    const leads = leadTable(Array.from({ length: 6 }, (_, i) => ({ id: `P${i}`, pConvert: 0.05 * (i + 1) })));
    const eps = 0.3;
    const t = Date.parse('2024-06-11T12:00:00Z');
    const trials = 6000;
    const first = new Map<number, { n: number; p: Set<number> }>();
    const second = new Map<string, { n: number; p: Set<number> }>();
    const firstCount = new Map<number, number>();
    for (let r = 0; r < trials; r++) {
      const h = hopper(leads, { exploration: eps, capacity: 3, lowWater: 1, rng: new SeededRandom(1000 + r) });
      const a = h.pick(t)!;
      const b = h.pick(t + 1000)!;
      const f = first.get(a.lead) ?? { n: 0, p: new Set<number>() };
      f.n++;
      f.p.add(Number(a.propensity.toFixed(12)));
      first.set(a.lead, f);
      firstCount.set(a.lead, (firstCount.get(a.lead) ?? 0) + 1);
      const key = `${a.lead}>${b.lead}`;
      const s = second.get(key) ?? { n: 0, p: new Set<number>() };
      s.n++;
      s.p.add(Number(b.propensity.toFixed(12)));
      second.set(key, s);
    }
    let total = 0;
    for (const [lead, f] of first) {
      expect(f.p.size).toBe(1);
      const p = [...f.p][0]!;
      total += p;
      const sd = Math.sqrt((p * (1 - p)) / trials);
      expect(Math.abs(f.n / trials - p), `first pick ${lead}`).toBeLessThan(4.5 * sd + 1e-3);
    }
    expect(first.get(5)!.p.has(Number((1 - eps + eps / 6).toFixed(12)))).toBe(true);
    for (const [key, s] of second) {
      const given = firstCount.get(Number(key.split('>')[0]))!;
      if (given < 500) continue;
      expect(s.p.size).toBe(1);
      const p = [...s.p][0]!;
      const sd = Math.sqrt((p * (1 - p)) / given);
      expect(Math.abs(s.n / given - p), `second pick ${key}`).toBeLessThan(4.5 * sd + 1e-3);
    }
    // the six first-pick propensities are a probability distribution
    expect(total).toBeCloseTo(1, 9);
  });
});

describe('score sources', () => {
  it('rank by whatever source is plugged in (an oracle that inverts the model)', () => {
    const leads = leadTable([
      { id: 'x', pConvert: 0.3 },
      { id: 'y', pConvert: 0.1 },
    ]);
    const oracle = denseScores('oracle', new Float32Array([0.05, 0.2]), null);
    const t = Date.parse('2024-06-11T12:00:00Z');
    expect(leads.customerId(hopper(leads).pick(t)!.lead)).toBe('x');
    const p = hopper(leads, { scores: oracle }).pick(t)!;
    expect(leads.customerId(p.lead)).toBe('y');
    expect(p.pAnswer).toBe(1);
    expect(p.pConvert).toBeCloseTo(0.2, 6);
  });
});
