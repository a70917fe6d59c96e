import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { DISPOSITIONS } from '../../contracts/index.ts';
import { CAMPAIGNS, createWorld, expectedAttempts, OCCUPATIONS, simulateHistory, type HistoryState, type World } from '../../simulation/index.ts';

/** One attempt of the history, copied out of the day batches. */
interface Attempt {
  i: number;
  utc: number;
  day: number;
  sec: number;
  campaign: number;
  disposition: (typeof DISPOSITIONS)[number];
  converted: boolean;
  optedOut: boolean;
  handler: number;
}

let world: World;
let attempts: Attempt[];
let state: HistoryState;
let digest: string;

let unsorted = 0;

async function run(w: World): Promise<{ attempts: Attempt[]; state: HistoryState; digest: string }> {
  const out: Attempt[] = [];
  const h = createHash('sha256');
  const s = await simulateHistory(w, { dialsPerCustomerPerDay: 0.15 }, (b) => {
    let prev = -Infinity;
    for (let q = 0; q < b.count; q++) {
      const k = b.order[q]!;
      if (b.utcMs[k]! < prev) unsorted++; // each day comes sorted by start
      prev = b.utcMs[k]!;
      out.push({
        i: b.customer[k]!,
        utc: b.utcMs[k]!,
        day: b.localDay,
        sec: b.localSec[k]!,
        campaign: b.campaign[k]!,
        disposition: DISPOSITIONS[b.disposition[k]!]!,
        converted: b.converted[k] === 1,
        optedOut: b.optedOut[k] === 1,
        handler: b.handler[k]!,
      });
      h.update(`${b.customer[k]},${b.utcMs[k]},${b.disposition[k]},${b.talk[k]},${b.value[k]};`);
    }
  });
  return { attempts: out, state: s, digest: h.digest('hex') };
}

beforeAll(async () => {
  world = createWorld({ customers: 6000, days: 45, seed: 17, endDate: '2025-02-01T00:00:00Z' });
  ({ attempts, state, digest } = await run(world));
});

describe('naive historical policy', () => {
  it('is deterministic and dials about the requested volume', async () => {
    const again = await run(createWorld(world.params));
    expect(again.digest).toBe(digest);
    const expected = expectedAttempts(world, { dialsPerCustomerPerDay: 0.15 });
    expect(attempts.length).toBeGreaterThan(0.85 * expected);
    expect(attempts.length).toBeLessThan(1.1 * expected);
    expect(state.attempts).toBe(attempts.length);
  });

  it('stays inside the window, the working day of the callee, and the rules it was given', () => {
    const optedOutAt = new Map<number, number>();
    const broken: string[] = [];
    const rule = (ok: boolean, what: string, a: Attempt) => {
      if (!ok) broken.push(`${what}: customer ${a.i} at ${new Date(a.utc).toISOString()}`);
    };
    for (const a of attempts) {
      rule(a.utc >= world.startMs && a.utc < world.endMs, 'outside the window', a);
      rule(a.sec >= 8 * 3600 && a.sec < 21 * 3600, 'outside 08–21 local', a);
      rule(world.consent[a.i] === 1 && world.dnc[a.i] === 0, 'no consent or on DNC', a);
      rule(a.utc > world.createdMs[a.i]!, 'before the customer existed', a);
      rule(!optedOutAt.has(a.i), 'called again after opting out', a);
      if (a.optedOut) optedOutAt.set(a.i, a.utc);
      rule(!(a.converted || a.optedOut) || a.disposition === 'answered', 'outcome without an answer', a);
      rule((a.handler !== 0) === (a.disposition === 'answered'), 'handler without an answer', a);
    }
    expect(broken.slice(0, 5)).toEqual([]);
    expect(unsorted).toBe(0);
    expect(optedOutAt.size).toBeGreaterThan(0);
    expect([...optedOutAt.keys()].every((i) => state.optedOut[i] === 1)).toBe(true);
  });

  it('works mostly office hours, retries after no answer, and runs several campaigns', () => {
    const office = attempts.filter((a) => {
      const wd = (((a.day + 3) % 7) + 7) % 7;
      return wd < 5 && a.sec >= 9 * 3600 && a.sec < 17 * 3600;
    });
    expect(office.length / attempts.length).toBeGreaterThan(0.55);
    const perCustomerDay = new Map<string, number>();
    for (const a of attempts) perCustomerDay.set(`${a.i}:${a.day}`, (perCustomerDay.get(`${a.i}:${a.day}`) ?? 0) + 1);
    expect([...perCustomerDay.values()].some((n) => n > 1)).toBe(true); // same-day retries
    const used = new Set(attempts.map((a) => CAMPAIGNS[a.campaign]!.code));
    expect(used.size).toBeGreaterThanOrEqual(4);
    const dispositions = new Set(attempts.map((a) => a.disposition));
    expect([...dispositions].sort()).toEqual([...DISPOSITIONS].sort());
  });

  it('records outcomes drawn from the truth: answer timing by occupation, conversions by true propensity', () => {
    const rate = (occ: string, evening: boolean) => {
      const sel = attempts.filter((a) => {
        const wd = (((a.day + 3) % 7) + 7) % 7;
        const h = Math.floor(a.sec / 3600);
        return OCCUPATIONS[world.occupation[a.i]!] === occ && wd < 5 && (evening ? h >= 18 : h >= 9 && h < 12);
      });
      return sel.filter((a) => a.disposition === 'answered').length / sel.length;
    };
    expect(rate('office_worker', true)).toBeGreaterThan(1.8 * rate('office_worker', false));
    expect(rate('retired', false)).toBeGreaterThan(1.2 * rate('retired', true));

    const answered = attempts.filter((a) => a.disposition === 'answered');
    const byTruth = [...answered].sort((a, b) => world.conversionProbability(a.i, a.utc) - world.conversionProbability(b.i, b.utc));
    const fifth = Math.floor(byTruth.length / 5);
    const conv = (g: Attempt[]) => g.filter((a) => a.converted).length / g.length;
    expect(conv(byTruth.slice(-fifth))).toBeGreaterThan(3 * conv(byTruth.slice(0, fifth)));
  });
});
