import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../../pipelines/index.ts';
import { normalisePhones } from '../../pipelines/ingest/phone-parse.ts';

/** UK mobiles, US numbers, a few that are not numbers or not valid, in several regions. */
function pairs(n: number): { raws: string[]; regions: string[] } {
  const raws: string[] = [];
  const regions: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 5) {
      case 0:
        raws.push(`07${400000000 + i}`);
        regions.push('GB');
        break;
      case 1:
        raws.push(`(212) 555-${String(1000 + (i % 9000)).padStart(4, '0')}`);
        regions.push('US');
        break;
      case 2:
        raws.push(`+49 30 ${1000000 + i}`);
        regions.push('GB');
        break;
      case 3:
        raws.push(i % 2 ? 'n/a' : `12${i % 10}`);
        regions.push('FR');
        break;
      default:
        raws.push(`0${400000000 + i}`);
        regions.push('AU');
    }
  }
  return { raws, regions };
}

describe('normalisePhones', () => {
  it('gives on worker threads exactly what normalisePhone gives, in input order', async () => {
    const { raws, regions } = pairs(30_000);
    const got = await normalisePhones(raws, regions, { workers: 2, parallelMin: 1, mainThread: false });
    expect(got.inWorkers).toBe(raws.length);
    for (let i = 0; i < raws.length; i++) {
      const want = normalisePhone(raws[i]!, regions[i]!);
      if (got.e164[i] !== want.e164 || got.error[i] !== want.error) {
        expect({ i, e164: got.e164[i], error: got.error[i] }).toEqual({ i, ...want });
      }
    }
    expect(got.e164.filter((e) => e !== null).length).toBeGreaterThan(10_000);
    expect(got.error.filter((e) => e !== null).length).toBeGreaterThan(1_000);
  });

  it('stays on this thread for a few numbers', async () => {
    const { raws, regions } = pairs(500);
    const got = await normalisePhones(raws, regions, { workers: 2 });
    expect(got.inWorkers).toBe(0);
    expect(got.e164[0]).toBe('+447400000000');
    expect(got.e164[1]).toBe('+12125551001');
  });

  it('parses on this thread what a failed worker claimed', async () => {
    const { raws, regions } = pairs(5_000);
    const failing = new URL('./fixtures/failing-phone-worker.js', import.meta.url);
    const got = await normalisePhones(raws, regions, { workers: 1, parallelMin: 1, mainThread: false, workerEntry: failing });
    expect(got.inWorkers).toBe(0);
    for (const i of [0, 1, 2, 3, 4, 4_999]) {
      const want = normalisePhone(raws[i]!, regions[i]!);
      expect({ e164: got.e164[i], error: got.error[i] }).toEqual(want);
    }
  });
});
