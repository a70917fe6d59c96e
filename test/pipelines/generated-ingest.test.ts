import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestFile } from '../../pipelines/index.ts';
import { generate, type GenerateManifest } from '../../simulation/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';

interface Dirty {
  file: string;
  line: number;
  kind: string;
}

/** generate → ingest: every clean row loads, every dirty row is quarantined at its own line. */
describe('ingest of a generated call centre', () => {
  let dir: string;
  let cleanup: () => void;
  let manifest: GenerateManifest;
  let dirty: Dirty[];

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    manifest = await generate({ customers: 600, days: 14, seed: 11, outDir: dir, dirtyShare: 0.03 });
    dirty = readFileSync(join(dir, 'dirty.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Dirty);
  }, 120_000);
  afterAll(() => cleanup());

  async function ingestAll(files: { name: string; kind: 'customers' | 'events' | 'call-attempts' }[]) {
    const wh = await Warehouse.open(':memory:');
    const reports = [];
    for (const f of files) {
      const file = manifest.files[f.name]!;
      reports.push(await ingestFile(wh, join(dir, f.name), { kind: f.kind, mapping: join(dir, file.mapping!) }));
    }
    return { wh, reports };
  }

  it.each([
    ['CSV', ['customers.csv', 'events.csv', 'call_log.csv']],
    ['Parquet', ['customers.csv', 'events.parquet', 'call_log.parquet']],
  ])('%s: loads every clean row and quarantines every dirty one at its line', async (_format, names) => {
    const kinds = { customers: 'customers', events: 'events', call_log: 'call-attempts' } as const;
    const files = names.map((name) => ({ name, kind: kinds[name.split('.')[0] as keyof typeof kinds] }));
    const { wh, reports } = await ingestAll(files);
    try {
      for (const [i, report] of reports.entries()) {
        const name = names[i]!;
        const file = manifest.files[name]!;
        expect(report.rowsRead, name).toBe(file.rows);
        expect(report.rowsLoaded, name).toBe(file.cleanRows);
        expect(report.rowsQuarantined, name).toBe(file.dirtyRows);
        const quarantined = await wh.query<{ line_number: number }>('SELECT line_number FROM quarantine WHERE source = $1 ORDER BY 1', [name]);
        const expected = dirty.filter((d) => d.file === name).map((d) => d.line).sort((a, b) => a - b);
        expect(quarantined.map((q) => q.line_number), name).toEqual(expected);
      }
      expect(await wh.one('SELECT count(*) AS n FROM customers')).toEqual({ n: manifest.counts.customers });
      expect(await wh.one('SELECT count(*) AS n FROM call_attempts')).toEqual({ n: manifest.counts.attempts });
      expect(await wh.one('SELECT count(*) AS n FROM events')).toEqual({ n: manifest.counts.events });
    } finally {
      await wh.close();
    }
  });

  it('a second ingest of the same exports adds nothing', async () => {
    const files = [
      { name: 'customers.csv', kind: 'customers' as const },
      { name: 'call_log.csv', kind: 'call-attempts' as const },
    ];
    const { wh } = await ingestAll(files);
    try {
      for (const f of files) {
        const again = await ingestFile(wh, join(dir, f.name), { kind: f.kind, mapping: join(dir, manifest.files[f.name]!.mapping!) });
        expect(again.rowsLoaded + again.rowsUpdated + again.rowsQuarantined).toBe(0);
        expect(again.rowsAlreadyPresent).toBe(again.rowsRead);
      }
    } finally {
      await wh.close();
    }
  });
});
