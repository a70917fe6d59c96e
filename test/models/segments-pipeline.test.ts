import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../features/index.ts';
import {
  adjustedRandIndex,
  createRng,
  latestSegments,
  nameSegments,
  segmentAssignments,
  segmentCustomers,
  segmentProfiles,
  SegmentRunError,
  shutdownWorkers,
  DEFAULT_SEGMENT_FEATURES,
  type SegmentColumn,
  type SegmentRunResult,
} from '../../models/segments/index.ts';
import { Warehouse } from '../../warehouse/index.ts';

afterAll(async () => {
  await shutdownWorkers();
});

// T is a Monday, 00:00 UTC; every attempt is in the three weeks before it.
const T = new Date('2024-06-10T00:00:00Z');
const WEEKS = ['2024-05-20', '2024-05-27', '2024-06-03'];
/** Zones used, with their UTC offset (hours) in May–June 2024 (both on summer time). */
const ZONES = [
  ['Europe/London', 1],
  ['America/New_York', -4],
] as const;

type Daypart = 'morning' | 'afternoon' | 'evening' | 'weekend';
/** Local (day offset from Monday, hour, minute) of a call in each daypart. */
const SLOT: Record<Daypart, [number, number, number]> = {
  morning: [1, 9, 30], // Tuesday 09:30
  afternoon: [2, 13, 30], // Wednesday 13:30
  evening: [3, 19, 30], // Thursday 19:30
  weekend: [5, 11, 0], // Saturday 11:00
};

/** Four planted groups that differ in who they are, when they answer and their balance. */
const GROUPS = [
  { occupation: 'retired', age: [66, 80], balance: [12_000, 25_000], tenure: [150, 300], income: 'middle', daypart: 'morning' },
  { occupation: 'student', age: [18, 23], balance: [50, 400], tenure: [1, 24], income: 'low', daypart: 'evening' },
  { occupation: 'office_worker', age: [35, 44], balance: [2_000, 5_000], tenure: [36, 120], income: 'upper_middle', daypart: 'weekend' },
  { occupation: 'self_employed', age: [45, 54], balance: [5_000, 9_000], tenure: [60, 160], income: 'high', daypart: 'afternoon' },
] as const;
const TRAIT: RegExp[] = [/retired/i, /student/i, /office worker/i, /self-employed/i];
const WHEN: RegExp[] = [/morning/, /evening/, /weekend/, /afternoon/];

const PER_GROUP = 60;
const N = PER_GROUP * GROUPS.length;

/**
 * Inserts the planted customers and their calls. `salt` renames every customer (ids are
 * hashes, so their sort order — the order the snapshot returns rows in — changes with it);
 * the features of customer number i are the same for every salt. Returns id → planted group.
 */
async function plant(wh: Warehouse, salt: string): Promise<Map<string, number>> {
  const rng = createRng(12345);
  const between = ([a, b]: readonly [number, number]) => a + rng.float() * (b - a);
  const customers: Record<string, unknown>[] = [];
  const attempts: Record<string, unknown>[] = [];
  const truth = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    const g = i % GROUPS.length;
    const group = GROUPS[g]!;
    const id = `c-${hash(`${salt}:${i}`)}`;
    const [timezone, offset] = ZONES[Math.floor(i / GROUPS.length) % ZONES.length]!;
    truth.set(id, g);
    customers.push({
      id,
      timezone,
      age: Math.round(between(group.age)),
      occupation: group.occupation,
      income: group.income,
      tenure: Math.round(between(group.tenure)),
      balance: Math.round(between(group.balance) * 100) / 100,
    });
    let a = 0;
    for (const week of WEEKS) {
      for (const part of Object.keys(SLOT) as Daypart[]) {
        const [day, hour, minute] = SLOT[part];
        const local = Date.parse(`${week}T00:00:00Z`) + ((day * 24 + hour) * 60 + minute) * 60_000;
        const answered = rng.float() < (part === group.daypart ? 0.85 : 0.1);
        attempts.push({
          id: `${id}-${a++}`,
          customer: id,
          ts: new Date(local - offset * 3_600_000).toISOString(),
          disposition: answered ? 'answered' : 'no_answer',
          converted: answered && rng.float() < 0.25,
        });
      }
    }
  }
  await wh.run(
    `INSERT INTO customers (customer_id, phone_hash, timezone, age, occupation, income_band, tenure_months, balance, consent, dnc,
       created_at, source)
     SELECT id, 'ph-' || id, timezone, age, occupation, income, tenure, balance, true, false, '2023-01-01'::TIMESTAMPTZ, 'test-crm'
     FROM (SELECT unnest(from_json($rows::JSON,
       '[{"id":"VARCHAR","timezone":"VARCHAR","age":"INTEGER","occupation":"VARCHAR","income":"VARCHAR","tenure":"INTEGER","balance":"DOUBLE"}]'),
       recursive := true))`,
    { rows: JSON.stringify(customers) },
  );
  await wh.run(
    `INSERT INTO call_attempts (attempt_id, campaign_id, customer_id, phone_hash, started_at, disposition, converted, source)
     SELECT id, 'camp', customer, 'ph-' || customer, ts::TIMESTAMPTZ, disposition, converted, 'test-log'
     FROM (SELECT unnest(from_json($rows::JSON,
       '[{"id":"VARCHAR","customer":"VARCHAR","ts":"VARCHAR","disposition":"VARCHAR","converted":"BOOLEAN"}]'), recursive := true))`,
    { rows: JSON.stringify(attempts) },
  );
  return truth;
}

/** FNV-1a, hex: a stable stand-in for a customer number. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

async function labelsByGroup(wh: Warehouse, truth: Map<string, number>, version?: string) {
  const a = await segmentAssignments(wh, version);
  const planted = Int32Array.from(a.customerIds, (id) => truth.get(id)!);
  // the segment most of each planted group is in
  const majority = GROUPS.map((_, g) => {
    const counts = new Map<number, number>();
    a.customerIds.forEach((_, i) => {
      if (planted[i] === g) counts.set(a.segmentIds[i]!, (counts.get(a.segmentIds[i]!) ?? 0) + 1);
    });
    return [...counts.entries()].sort((x, y) => y[1] - x[1])[0]![0];
  });
  return { a, planted, majority };
}

describe('segmentCustomers on planted groups', () => {
  let wh: Warehouse;
  let truth: Map<string, number>;
  let first: SegmentRunResult;

  beforeAll(async () => {
    wh = await Warehouse.open(':memory:');
    truth = await plant(wh, 'first');
    await buildSnapshot(wh, { asOf: T, skipDrift: true });
    first = await segmentCustomers(wh, { seed: 1 });
  });
  afterAll(async () => {
    await wh?.close();
  });

  it('recovers the planted groups (k chosen by silhouette in 3..8, ARI ≥ 0.9)', async () => {
    expect(first.k).toBe(GROUPS.length);
    expect(first.curve?.map((p) => p.k)).toEqual([3, 4, 5, 6, 7, 8]);
    const { a, planted } = await labelsByGroup(wh, truth);
    expect(a.customerIds).toHaveLength(N);
    expect(adjustedRandIndex(planted, a.segmentIds)).toBeGreaterThanOrEqual(0.9);
    // a first run numbers segments 1…k, largest first
    expect(first.segments.map((s) => s.segmentId).sort()).toEqual([1, 2, 3, 4]);
    expect(first.movement).toMatchObject({ matched: false, previousVersion: null, retired: [] });
  });

  it('names are distinct, at most three parts, and say the planted trait and answering time', async () => {
    const { majority } = await labelsByGroup(wh, truth);
    const names = Object.values(first.names);
    expect(new Set(names).size).toBe(names.length);
    GROUPS.forEach((_, g) => {
      const name = first.names[majority[g]!]!;
      expect(name.split(' · ').length).toBeLessThanOrEqual(3);
      expect(name).toMatch(TRAIT[g]!);
      expect(name).toMatch(WHEN[g]!);
    });
  });

  it('profiles: sizes sum to the customers, rates from the calls, best hours in local time', async () => {
    const profiles = await segmentProfiles(wh);
    expect(profiles).toHaveLength(first.k);
    expect(profiles.reduce((s, p) => s + p.size, 0)).toBe(N);
    expect(profiles.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1, 10);
    const attempts = await wh.one<{ n: number; answered: number; converted: number }>(
      `SELECT count(*) AS n, count_if(disposition = 'answered') AS answered, count_if(converted) AS converted FROM call_attempts`,
    );
    expect(profiles.reduce((s, p) => s + p.attempts, 0)).toBe(attempts.n);
    expect(profiles.reduce((s, p) => s + p.answered, 0)).toBe(attempts.answered);
    expect(profiles.reduce((s, p) => s + p.conversions, 0)).toBe(attempts.converted);
    for (const p of profiles) {
      expect(p.answerRate).toBeCloseTo(p.answered / p.attempts, 12);
      expect(p.conversionRate).toBeCloseTo(p.conversions / p.answered, 12);
      expect(p.featureMeans).toHaveProperty('balance');
      expect(p.featureZ).toHaveProperty('occupation=retired');
    }
    const { majority } = await labelsByGroup(wh, truth);
    GROUPS.forEach((group, g) => {
      const p = profiles.find((x) => x.segmentId === majority[g])!;
      const [day, hour] = SLOT[group.daypart];
      // London and New York customers called at the same local time land in the same hour-of-week
      expect(p.bestHours[0]).toBe(day * 24 + hour);
      expect((p.featureMeans.occupation as Record<string, number>)[group.occupation]).toBeGreaterThan(0.9);
    });
  });

  it('a failing run (error injected through onProgress) leaves the previous version in force', async () => {
    const before = await latestSegments(wh);
    const rows = await wh.one<{ n: number }>('SELECT count(*) AS n FROM customer_segments');
    for (const step of [5, 6, 7]) {
      const run = segmentCustomers(wh, {
        k: 4,
        onProgress: (p) => {
          if (p.step === step) throw new Error(`injected at step ${step}`);
        },
      });
      await expect(run).rejects.toBeInstanceOf(SegmentRunError);
      await expect(run).rejects.toThrow(/injected.*segments in force are unchanged/);
      expect((await latestSegments(wh))?.version).toBe(before?.version);
      expect(await wh.one('SELECT count(*) AS n FROM customer_segments')).toEqual(rows);
      expect(await wh.one('SELECT count(DISTINCT version) AS n FROM segment_profiles')).toEqual({ n: 1 });
      expect(await wh.one('SELECT count(*) AS n FROM segment_runs')).toEqual({ n: 1 });
    }
  });

  describe('a second run', () => {
    let second: SegmentRunResult;
    let truth2: Map<string, number>;

    beforeAll(async () => {
      // the same customers under new ids (so in a different order), a new snapshot, another seed
      await wh.run('DELETE FROM call_attempts');
      await wh.run('DELETE FROM customers');
      truth2 = await plant(wh, 'second');
      await buildSnapshot(wh, { asOf: T, skipDrift: true });
      // no warm start: the ids must come from matching centroids alone
      second = await segmentCustomers(wh, { seed: 99, warmStart: false });
    });

    it('keeps every segment id for the same group, with ≈ no movement', async () => {
      expect(second.snapshotId).not.toBe(first.snapshotId);
      expect(second.k).toBe(first.k);
      expect(second.movement).toMatchObject({ matched: true, previousVersion: first.version, retired: [], newSegments: [] });
      expect(second.movement.maxMoved).toBeLessThan(1e-3);
      const before = await labelsByGroup(wh, truth, first.version);
      const after = await labelsByGroup(wh, truth2, second.version);
      expect(after.majority).toEqual(before.majority);
      expect(second.names).toEqual(first.names);
      expect((await latestSegments(wh))?.version).toBe(second.version);
    });

    it('a warm start from the previous centroids is kept when it fits as well', async () => {
      const again = await segmentCustomers(wh, { seed: 5 });
      expect(again.warmStart?.used).toBe(true);
      expect(again.warmStart!.inertia).toBeLessThanOrEqual(again.warmStart!.freshInertia * 1.01);
      expect(again.movement.customersKept).toBe(N);
      expect(again.movement.maxMoved).toBeLessThan(1e-3);
      // stored JSON is plain to query from SQL
      const row = await wh.one<{ kept: string; first_id: string; k: number }>(
        `SELECT movement->>'$.kept_share' AS kept, centroids->>'$[0].segment_id' AS first_id, json_array_length(centroids) AS k
         FROM segment_runs WHERE version = $v`,
        { v: again.version },
      );
      expect(row).toMatchObject({ kept: '1', k: 4 });
      expect(Object.keys(again.names)).toContain(row.first_id);
    });

    it('a changed feature list says so and starts fresh ids; the old ones retire', async () => {
      const features = DEFAULT_SEGMENT_FEATURES.filter((f) => f !== 'balance');
      const third = await segmentCustomers(wh, { k: 4, features, seed: 3 });
      expect(third.movement.matched).toBe(false);
      expect(third.warmStart).toBeNull();
      expect(third.movement.reason).toMatch(/removed balance/);
      expect(third.warnings.join('\n')).toMatch(/removed balance/);
      expect(third.movement.retired.sort()).toEqual([1, 2, 3, 4]);
      expect(third.movement.customersCompared).toBe(0);
      expect(third.segments.map((s) => s.segmentId).sort()).toEqual([5, 6, 7, 8]);
      const run = await latestSegments(wh);
      expect(run?.previousVersion).toBeNull();
      expect(run?.retired.sort()).toEqual([1, 2, 3, 4]);
    });
  });
});

describe('nameSegments', () => {
  const columns: SegmentColumn[] = [
    { name: 'balance', source: 'balance', encoding: 'numeric', transform: 'signed_log1p', weight: 1 },
    { name: 'tilt_morning', source: 'tilt_morning', encoding: 'daypart', transform: 'none', weight: 1 },
    { name: 'tenure_months', source: 'tenure_months', encoding: 'numeric', transform: 'none', weight: 1 },
  ];

  it('gives colliding segments a distinguishing part, else their id', () => {
    const names = nameSegments(columns, [
      { segmentId: 1, z: { balance: 1.5, tilt_morning: 0.2, tenure_months: 0.3 }, categoryShares: {} },
      { segmentId: 2, z: { balance: 1.4, tilt_morning: 0.1, tenure_months: -0.3 }, categoryShares: {} },
      { segmentId: 3, z: { balance: 1.4, tilt_morning: 0.2, tenure_months: 0.3 }, categoryShares: {} },
      { segmentId: 4, z: { balance: 0.1, tilt_morning: 0.1, tenure_months: 0.1 }, categoryShares: {} },
    ]);
    expect(names.get(1)).toBe('High balance');
    expect(names.get(2)).toBe('New customers · high balance');
    expect(names.get(3)).toBe('Long-standing customers · high balance');
    expect(names.get(4)).toBe('Typical customers');
    expect(new Set(names.values()).size).toBe(4);
  });

  it('merges two stand-out dayparts into one part', () => {
    const cols: SegmentColumn[] = ['tilt_morning', 'tilt_afternoon', 'tilt_evening'].map((name) => ({
      name,
      source: name,
      encoding: 'daypart',
      transform: 'none',
      weight: 1,
    }));
    const names = nameSegments(cols, [{ segmentId: 1, z: { tilt_morning: 1, tilt_afternoon: 0.8, tilt_evening: -1.2 }, categoryShares: {} }]);
    expect(names.get(1)).toBe('Morning and afternoon answerers');
  });
});
