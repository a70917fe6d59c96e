import { beforeAll, describe, expect, it } from 'vitest';
import {
  createWorld,
  hourOfWeekOfLocalMs,
  InvalidWorldParamsError,
  localToUtcMs,
  OCCUPATIONS,
  resolveWorldParams,
  Rng,
  simulateHistory,
  utcToLocalMs,
  World,
  type Occupation,
} from '../../simulation/index.ts';

const END = '2025-03-01T00:00:00Z';
let world: World;

beforeAll(() => {
  world = createWorld({ customers: 20_000, seed: 3, endDate: END, days: 60 });
});

const occ = (name: Occupation) => OCCUPATIONS.indexOf(name);
/** Mean answer probability of an occupation over weekdays (Mon–Fri) and the given local hours. */
function meanAnswer(o: Occupation, hours: number[], days = [0, 1, 2, 3, 4]): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < world.size; i++) {
    if (world.occupation[i] !== occ(o)) continue;
    for (const d of days) for (const h of hours) {
      s += world.answerProbability(i, d * 24 + h);
      n++;
    }
  }
  return s / n;
}

describe('world: determinism', () => {
  it('is a pure function of seed and parameters', () => {
    const a = createWorld({ customers: 2000, seed: 9, endDate: END });
    const b = createWorld(a.params);
    const c = createWorld({ customers: 2000, seed: 10, endDate: END });
    const t = Date.parse(END) - 5 * 86_400_000;
    for (const i of [0, 1, 17, 999, 1999]) {
      expect(b.customer(i)).toEqual(a.customer(i));
      expect(b.answerProbabilities(i)).toEqual(a.answerProbabilities(i));
      expect(b.conversionProbability(i, t)).toBe(a.conversionProbability(i, t));
      expect(b.events(i, 0, a.endMs)).toEqual(a.events(i, 0, a.endMs));
    }
    let differ = 0;
    for (let i = 0; i < 2000; i++) if (c.phoneE164(i) !== a.phoneE164(i) || c.age[i] !== a.age[i]) differ++;
    expect(differ).toBeGreaterThan(1900);
  });

  it('computes the 168-hour vector exactly as the single-hour function', () => {
    for (const i of [0, 5, 123, 4567, 19_999]) {
      const all = world.answerProbabilities(i);
      for (let h = 0; h < 168; h++) expect(all[h]).toBe(world.answerProbability(i, h));
    }
  });

  it('validates its parameters with typed errors', () => {
    expect(() => resolveWorldParams({ customers: -1 })).toThrow(InvalidWorldParamsError);
    expect(() => resolveWorldParams({ customers: 10, days: 0 })).toThrow(InvalidWorldParamsError);
    expect(() => resolveWorldParams({ customers: 10, householdShare: 0.9 })).toThrow(InvalidWorldParamsError);
    expect(() => resolveWorldParams({ customers: 10, seed: 1.5 })).toThrow(InvalidWorldParamsError);
    // default end: the start of today (UTC), so the history never reaches into the future
    const p = resolveWorldParams({ customers: 10 });
    expect(Date.parse(p.endDate) % 86_400_000).toBe(0);
    expect(Date.parse(p.endDate)).toBeLessThanOrEqual(Date.now());
  });
});

describe('truth: answering by local hour-of-week', () => {
  it('office workers answer in the evening far more than mid-morning; retired people the opposite', () => {
    const officeEvening = meanAnswer('office_worker', [18, 19, 20]);
    const officeMorning = meanAnswer('office_worker', [10, 11]);
    expect(officeEvening).toBeGreaterThan(2.5 * officeMorning);
    const retiredMorning = meanAnswer('retired', [9, 10, 11]);
    const retiredEvening = meanAnswer('retired', [19, 20, 21]);
    expect(retiredMorning).toBeGreaterThan(1.8 * retiredEvening);
    expect(retiredMorning).toBeGreaterThan(officeMorning * 3);
  });

  it('students answer late; everyone is hard to reach at night; weekends differ from weekdays', () => {
    expect(meanAnswer('student', [20, 21, 22])).toBeGreaterThan(3 * meanAnswer('student', [9, 10]));
    for (const o of OCCUPATIONS) expect(meanAnswer(o, [2, 3, 4], [0, 1, 2, 3, 4, 5, 6]), o).toBeLessThan(0.1);
    // office workers on Saturday daytime vs weekday daytime
    expect(meanAnswer('office_worker', [11, 12, 13, 14, 15], [5])).toBeGreaterThan(2 * meanAnswer('office_worker', [11, 12, 13, 14, 15]));
  });

  it('shift workers are irregular across the week but the same every week, and individuals vary', () => {
    const shift = Array.from({ length: world.size }, (_, i) => i).filter((i) => world.occupation[i] === occ('shift_worker'));
    expect(shift.length).toBeGreaterThan(1000);
    // within one customer, the same hour on different weekdays differs a lot for many of them
    const spread = shift.map((i) => {
      const ps = [0, 1, 2, 3, 4].map((d) => world.answerProbability(i, d * 24 + 10));
      return Math.max(...ps) - Math.min(...ps);
    });
    expect(spread.filter((s) => s > 0.3).length / shift.length).toBeGreaterThan(0.3);
    // and individuals of one occupation differ at the same hour
    const office = Array.from({ length: world.size }, (_, i) => i).filter((i) => world.occupation[i] === occ('office_worker'));
    const at19 = office.map((i) => world.answerProbability(i, 24 + 19)).sort((a, b) => a - b);
    expect(at19[Math.floor(at19.length * 0.9)]! - at19[Math.floor(at19.length * 0.1)]!).toBeGreaterThan(0.2);
  });

  it('maps UTC instants to the callee’s local hour-of-week across zones and DST', () => {
    const mon = Date.parse('2024-07-01T12:00:00Z'); // a Monday
    const idx = (zone: string) => world.regionOf(Array.from({ length: world.size }, (_, i) => i).find((i) => world.timezone(i) === zone)!);
    expect(idx('Europe/London').timezone).toBe('Europe/London');
    expect(hourOfWeekOfLocalMs(utcToLocalMs('America/New_York', mon))).toBe(8); // EDT
    expect(hourOfWeekOfLocalMs(utcToLocalMs('Europe/London', mon))).toBe(13); // BST
    expect(hourOfWeekOfLocalMs(utcToLocalMs('Australia/Sydney', mon))).toBe(22); // AEST
    const jan = Date.parse('2024-01-15T12:00:00Z'); // Monday, southern summer
    expect(hourOfWeekOfLocalMs(utcToLocalMs('Australia/Sydney', jan))).toBe(23); // AEDT
    expect(hourOfWeekOfLocalMs(utcToLocalMs('America/Los_Angeles', jan))).toBe(4); // PST
    // Sunday 23:00 local is the last hour of the week
    expect(hourOfWeekOfLocalMs(Date.parse('2024-07-07T23:30:00Z'))).toBe(167);
    // round trip of a naive local time
    const local = Date.parse('2024-03-31T10:15:00Z');
    expect(utcToLocalMs('Europe/Berlin', localToUtcMs('Europe/Berlin', local))).toBe(local);
    const i = 42;
    expect(world.localHourOfWeek(i, mon)).toBe(hourOfWeekOfLocalMs(utcToLocalMs(world.timezone(i), mon)));
  });
});

describe('truth: conversion, opt-out, wrong numbers', () => {
  it('varies widely across customers', () => {
    const ps = Array.from({ length: world.size }, (_, i) => world.conversionProbability(i, world.endMs)).sort((a, b) => a - b);
    const q = (f: number) => ps[Math.floor(f * (ps.length - 1))]!;
    expect(q(0.9) / q(0.1)).toBeGreaterThan(6);
    expect(q(0.01)).toBeLessThan(0.01);
    expect(q(0.99)).toBeGreaterThan(0.3);
    const mean = ps.reduce((a, b) => a + b, 0) / ps.length;
    expect(mean).toBeGreaterThan(0.04);
    expect(mean).toBeLessThan(0.15);
  });

  it('is non-linear: income matters in mid-life, balance matters with tenure', () => {
    const mean = (pred: (i: number) => boolean) => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < world.size; i++) if (pred(i)) { s += world.convStatic[i]!; n++; }
      return s / n;
    };
    const age = (i: number) => world.age[i]!;
    const midRich = mean((i) => age(i) >= 38 && age(i) <= 56 && world.income[i]! === 4);
    const midPoor = mean((i) => age(i) >= 38 && age(i) <= 56 && world.income[i]! === 0);
    const oldRich = mean((i) => age(i) >= 75 && world.income[i]! >= 3);
    const oldPoor = mean((i) => age(i) >= 75 && world.income[i]! <= 1);
    expect(midRich - midPoor).toBeGreaterThan(1);
    expect(Math.abs(oldRich - oldPoor)).toBeLessThan((midRich - midPoor) / 2);
    const bal = (i: number) => world.balanceCents[i]! / 100;
    const longRich = mean((i) => world.tenureMonths[i]! >= 48 && bal(i) > 3000);
    const longPoor = mean((i) => world.tenureMonths[i]! >= 48 && bal(i) < 300);
    const newRich = mean((i) => world.tenureMonths[i]! < 6 && bal(i) > 3000);
    const newPoor = mean((i) => world.tenureMonths[i]! < 6 && bal(i) < 300);
    expect(longRich - longPoor).toBeGreaterThan(newRich - newPoor + 0.3);
  });

  it('follows recent engagement, which also drives behaviour events', () => {
    const idx = Array.from({ length: world.size }, (_, i) => i).sort((a, b) => world.e0[a]! - world.e0[b]!);
    const low = idx.slice(0, 4000);
    const high = idx.slice(-4000);
    const conv = (g: number[]) => g.reduce((s, i) => s + world.conversionProbability(i, world.endMs), 0) / g.length;
    const events = (g: number[]) => g.reduce((s, i) => s + world.events(i, world.endMs - 180 * 86_400_000, world.endMs).length, 0) / g.length;
    expect(conv(high)).toBeGreaterThan(2 * conv(low));
    expect(events(high)).toBeGreaterThan(2.5 * events(low));
  });

  it('falls with recent contacts (fatigue) while opt-outs rise', () => {
    for (const i of [1, 2, 3, 500, 9000]) {
      const t = world.endMs;
      expect(world.conversionProbability(i, t, { answeredLast7Days: 2 })).toBeLessThan(world.conversionProbability(i, t));
      expect(world.optOutProbability(i, { answeredLast7Days: 2 })).toBeGreaterThan(world.optOutProbability(i));
    }
  });

  it('flags wrong numbers mostly on shared (recycled) numbers, and they are mostly invalid when dialled', () => {
    let wrong = 0;
    let wrongShared = 0;
    let recycled = 0;
    for (let i = 0; i < world.size; i++) {
      if (world.sharedNumberKind(i) === 'recycled') recycled++;
      if (!world.isWrongNumber(i)) continue;
      wrong++;
      if (world.sharedNumberKind(i) !== 'none') wrongShared++;
    }
    expect(recycled).toBeGreaterThan(100);
    expect(wrong).toBeGreaterThan(0);
    // recycled pairs contribute one stale record each; dead numbers are spread elsewhere
    expect(wrongShared / wrong).toBeGreaterThan(0.3);
    expect(wrongShared / recycled).toBeGreaterThan(0.35);
    const rng = new Rng(1, 99, 0);
    const i = Array.from({ length: world.size }, (_, k) => k).find((k) => world.isWrongNumber(k))!;
    let invalid = 0;
    for (let k = 0; k < 2000; k++) if (world.dial(i, world.endMs, rng).disposition === 'invalid_number') invalid++;
    expect(invalid / 2000).toBeGreaterThan(0.7);
  });

  it('households share a number and a surname; shares follow the parameters', () => {
    let household = 0;
    let shared = 0;
    for (let i = 0; i < world.size; i++) {
      if (world.sharedNumberKind(i) !== 'none') shared++;
      if (world.sharedNumberKind(i) !== 'household' || world.phoneOwner[i] === i) continue;
      household++;
      const j = world.phoneOwner[i]!;
      expect(world.surname(i)).toBe(world.surname(j));
      expect(world.phoneE164(i)).toBe(world.phoneE164(j));
      expect(world.timezone(i)).toBe(world.timezone(j));
    }
    expect(household).toBeGreaterThan(100);
    // defaults: 2% households + 1% recycled numbers
    expect(shared / world.size).toBeGreaterThan(0.02);
    expect(shared / world.size).toBeLessThan(0.04);
  });
});

describe('truth: the callee side of a dial', () => {
  it('answers at the true rate for the local hour, and converts only when answered', () => {
    const i = Array.from({ length: world.size }, (_, k) => k).find((k) => !world.isWrongNumber(k) && world.answerProbability(k, 24 + 19) > 0.4)!;
    const t = Date.UTC(2025, 1, 25, 12); // a Tuesday; the hour is passed explicitly
    const rng = new Rng(5, 99, 1);
    const n = 20_000;
    let picked = 0;
    let sales = 0;
    let salesNotAnswered = 0;
    for (let k = 0; k < n; k++) {
      const r = world.dial(i, t, rng, { localHourOfWeek: 24 + 19 });
      if (r.disposition === 'answered' || r.disposition === 'abandoned') picked++;
      if (r.converted) sales++;
      if (r.converted && r.disposition !== 'answered') salesNotAnswered++;
      if (r.disposition === 'answered') expect(r.talkSeconds).toBeGreaterThan(0);
    }
    const p = world.answerProbability(i, 24 + 19) * (1 - 0.006 - 0.03);
    expect(Math.abs(picked / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    expect(sales).toBeGreaterThan(0);
    expect(salesNotAnswered).toBe(0);
  });

  it('gives the oracle the exact sale probability of a dial', () => {
    const rng = new Rng(5, 99, 2);
    const i = Array.from({ length: world.size }, (_, k) => k).find((k) => !world.isWrongNumber(k) && world.expectedConversion(k, world.endMs, { localHourOfWeek: 30 }) > 0.05)!;
    const p = world.expectedConversion(i, world.endMs, { localHourOfWeek: 30 });
    const n = 40_000;
    let sales = 0;
    for (let k = 0; k < n; k++) if (world.dial(i, world.endMs, rng, { localHourOfWeek: 30 }).converted) sales++;
    expect(Math.abs(sales / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    // robots sell less; wrong numbers never
    expect(world.expectedConversion(i, world.endMs, { localHourOfWeek: 30, handler: 'robot' })).toBeLessThan(p);
    const wrong = Array.from({ length: world.size }, (_, k) => k).find((k) => world.isWrongNumber(k))!;
    expect(world.expectedConversion(wrong, world.endMs)).toBe(0);
  });

  it('finds customers by id and by number', () => {
    expect(world.indexOf(world.customerId(1234))).toBe(1234);
    expect(world.indexOf('C9999999')).toBe(-1);
    expect(world.indexOf('nonsense')).toBe(-1);
    const shared = Array.from({ length: world.size }, (_, k) => k).find((k) => world.phoneOwner[k] !== k)!;
    expect(world.customersAt(world.phoneE164(shared)).sort((a, b) => a - b)).toEqual([world.phoneOwner[shared]!, shared].sort((a, b) => a - b));
    expect(world.customersAt(world.phoneE164(7))).toContain(7);
    expect(world.customersAt('+10000000000')).toEqual([]);
  });

  it('generates events reproducibly for any window, including the simulated future', () => {
    const i = 77;
    const day = 86_400_000;
    const all = world.events(i, 0, world.endMs + 60 * day);
    expect(world.events(i, world.endMs - 30 * day, world.endMs + 10 * day)).toEqual(
      all.filter((e) => e.ts >= world.endMs - 30 * day && e.ts < world.endMs + 10 * day),
    );
    for (const e of all) {
      expect(e.ts).toBeGreaterThanOrEqual(world.createdMs[i]!);
      expect(e.value === null).toBe(e.type === 'visit');
    }
  });
});

describe('world: new leads arriving after the history', () => {
  const DAY = 86_400_000;
  const base = { customers: 3000, seed: 5, endDate: END, days: 30 } as const;
  let plain: World;
  let growing: World;
  beforeAll(() => {
    plain = createWorld(base);
    growing = createWorld({ ...base, arrivals: { perDay: 200, days: 4 } });
  });

  it('adds perDay × days customers after the ones on file, each created on their arrival day with tenure 0', () => {
    expect(growing.size).toBe(3800);
    expect(growing.arrivalsFrom).toBe(3000);
    expect(plain.arrivalsFrom).toBe(plain.size);
    for (let i = 3000; i < 3800; i++) {
      const day = Math.floor((i - 3000) / 200);
      const created = growing.createdMs[i] as number;
      expect(created).toBeGreaterThanOrEqual(growing.endMs + day * DAY);
      expect(created).toBeLessThan(growing.endMs + (day + 1) * DAY);
      expect(growing.tenureMonths[i]).toBe(0);
      expect(growing.events(i, growing.eventOriginMs, growing.endMs)).toEqual([]);
    }
    for (let i = 0; i < 3000; i++) expect(growing.createdMs[i]).toBeLessThan(growing.endMs);
  });

  it('leaves the customers on file exactly as in the same world without arrivals', () => {
    const t = growing.endMs - 3 * DAY;
    for (const i of [0, 1, 250, 1999, 2999]) {
      expect(growing.customer(i)).toEqual(plain.customer(i));
      expect(growing.answerProbabilities(i)).toEqual(plain.answerProbabilities(i));
      expect(growing.conversionProbability(i, t)).toBe(plain.conversionProbability(i, t));
    }
  });

  it('never dials an arrival in the history, and is re-created from its stored parameters', async () => {
    const dialled = new Set<number>();
    await simulateHistory(growing, { dialsPerCustomerPerDay: 0.3 }, (b) => {
      for (let k = 0; k < b.count; k++) dialled.add(b.customer[k] as number);
    });
    expect(dialled.size).toBeGreaterThan(1000);
    expect([...dialled].every((i) => i < 3000)).toBe(true);
    const again = createWorld(JSON.parse(JSON.stringify(growing.params)));
    expect(again.size).toBe(3800);
    expect(again.customer(3456)).toEqual(growing.customer(3456));
  });

  it('rejects arrivals that are not whole numbers', () => {
    expect(() => resolveWorldParams({ customers: 10, arrivals: { perDay: 1.5, days: 2 } })).toThrow(InvalidWorldParamsError);
    expect(() => resolveWorldParams({ customers: 10, arrivals: { perDay: 5, days: -1 } })).toThrow(InvalidWorldParamsError);
  });
});
