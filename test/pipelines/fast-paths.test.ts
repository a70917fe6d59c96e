import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../warehouse/index.ts';
import { NO_ISO_DATE_RE, noIsoDateSql } from '../../pipelines/ingest/fast-paths.ts';

/** A small deterministic PRNG (mulberry32), so the sample is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fast paths', () => {
  // Day-first times skip DuckDB's TIMESTAMP cast on this pattern's word: if a DuckDB upgrade
  // ever read such text as a date, the fast path would stop agreeing with the full path.
  it('sends to the formats only text that no TIMESTAMP cast can read', async () => {
    const rnd = prng(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');
    const seps = [' ', '-', '/', '\\', '.', 'T', ':', ''] as const;
    const tails = ['', ' 10:00:00', 'T10:00', ' 10:00:00+02', ' (BC)', '  ', '\t', 'Z', ' 1', '5', '0 10:00', ' UTC'] as const;
    const texts: string[] = ['31/01/2024 08:00:00', '1/2/2024 8:00', '31-01-2024 08:00', '2024-01-31 08:00:00', '10/03/24 10:00:00'];
    for (let k = 0; k < 30_000; k++) {
      const s1 = pick(seps);
      const s2 = rnd() < 0.8 ? s1 : pick(seps);
      texts.push(`${pick([' ', '', '', '\t', '-'])}${digits(1 + Math.floor(rnd() * 5))}${s1}${digits(1 + Math.floor(rnd() * 3))}${s2}${digits(1 + Math.floor(rnd() * 5))}${pick(tails)}`);
    }
    const wh = await Warehouse.open(':memory:');
    try {
      const r = await wh.one<{ matched: number; castable: number; both: number; gateDiffers: number; dayFirst: boolean; iso: boolean; twoDigitYear: boolean }>(
        `SELECT count(*) FILTER (m) AS matched, count(*) FILTER (c) AS castable, count(*) FILTER (m AND c) AS both,
                count(*) FILTER (g IS DISTINCT FROM m) AS "gateDiffers",
                bool_or(m) FILTER (s = '31/01/2024 08:00:00') AS "dayFirst", bool_or(m) FILTER (s = '2024-01-31 08:00:00') AS iso,
                bool_or(m) FILTER (s = '10/03/24 10:00:00') AS "twoDigitYear"
         FROM (SELECT s, regexp_matches(s, $re) AS m, ${noIsoDateSql('s')} AS g, try_cast(trim(s) AS TIMESTAMP) IS NOT NULL AS c
               FROM unnest($texts::VARCHAR[]) t(s))`,
        { re: NO_ISO_DATE_RE, texts },
      );
      expect(r.both).toBe(0);
      // the SQL the fast path uses (GLOBs before the pattern) picks the same texts as the pattern
      expect(r.gateDiffers).toBe(0);
      // the sample holds both kinds, so the test can tell a change either way
      expect(r.matched).toBeGreaterThan(3000);
      expect(r.castable).toBeGreaterThan(300);
      expect(r).toMatchObject({ dayFirst: true, iso: false, twoDigitYear: false });
    } finally {
      await wh.close();
    }
  });
});
