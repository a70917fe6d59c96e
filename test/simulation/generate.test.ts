import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MappingSchema, type Mapping } from '../../contracts/index.ts';
import {
  DIRTY_KINDS,
  EXPORT_FILES,
  FILE_DIRTY_KINDS,
  GENERATE_STEPS,
  generate,
  InvalidWorldParamsError,
  loadWorld,
  WorldMismatchError,
  WorldNotFoundError,
  type DirtyEntry,
  type GenerateManifest,
  type GenerateProgress,
  type World,
} from '../../simulation/index.ts';
import { tempDir } from '../helpers/tmp.ts';
import { callDefects, contextFor, customerDefects, eventDefects, parseDmy, type Context } from './validate.ts';

const END = '2025-01-15T00:00:00Z';
// small, but dirty and busy enough that every dirty kind shows up in every file
const FIXTURE = { customers: 500, days: 10, seed: 7, endDate: END, dirtyShare: 0.03, dialsPerCustomerPerDay: 0.3 };

let tmp: { dir: string; cleanup: () => void };
let dirA: string;
let dirB: string;
let dirC: string;
let dirD: string;
let manifest: GenerateManifest;
let progress: GenerateProgress[];
let world: World;
let ctx: Context;
let dirty: DirtyEntry[];
let instance: DuckDBInstance;
let con: DuckDBConnection;

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
const linesOf = (dir: string, f: string) => read(dir, f).split(f === 'customers.csv' ? '\r\n' : '\n').slice(0, -1);
const mappingOf = (dir: string, f: string): Mapping => MappingSchema.parse(JSON.parse(read(dir, f)));
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const rows = async (sql: string, params?: Record<string, string>) =>
  (await con.runAndReadAll(sql, params)).getRowObjectsJson() as Record<string, unknown>[];

function allFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? allFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)]))
    .sort();
}

beforeAll(async () => {
  tmp = tempDir('dialwise-sim-');
  dirA = join(tmp.dir, 'a');
  dirB = join(tmp.dir, 'b');
  dirC = join(tmp.dir, 'c');
  dirD = join(tmp.dir, 'd');
  progress = [];
  manifest = await generate({ ...FIXTURE, outDir: dirA, onProgress: (p) => progress.push(p) });
  await generate({ ...FIXTURE, outDir: dirB });
  await generate({ ...FIXTURE, seed: 8, outDir: dirC });
  // defaults, apart from size and a fixed end date
  await generate({ customers: 500, days: 10, endDate: END, outDir: dirD });
  world = await loadWorld(dirA);
  ctx = contextFor(world);
  dirty = read(dirA, 'dirty.ndjson')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as DirtyEntry);
  instance = await DuckDBInstance.create(':memory:');
  con = await instance.connect();
});

afterAll(() => {
  con?.closeSync();
  instance?.closeSync();
  tmp?.cleanup();
});

describe('generate: files and determinism', () => {
  it('writes every export, its mapping, the dirty log, the manifest and the truth', () => {
    expect(allFiles(dirA)).toEqual([
      'call_log.csv',
      'call_log.mapping.json',
      'call_log.parquet',
      'customers.csv',
      'customers.mapping.json',
      'dirty.ndjson',
      'events.csv',
      'events.mapping.json',
      'events.parquet',
      'manifest.json',
      'truth/customers.parquet',
      'truth/world.json',
    ]);
    expect(JSON.parse(read(dirA, 'manifest.json'))).toEqual(manifest);
  });

  it('is byte-identical for the same seed and parameters, and different for another seed', () => {
    const files = allFiles(dirA);
    expect(allFiles(dirB)).toEqual(files);
    for (const f of files) expect(sha(join(dirB, f)), f).toBe(sha(join(dirA, f)));
    for (const f of ['customers.csv', 'events.csv', 'call_log.csv', 'call_log.parquet', 'truth/customers.parquet']) {
      expect(sha(join(dirC, f)), f).not.toBe(sha(join(dirA, f)));
    }
  });

  it('records the sha256 and size of every file in the manifest', () => {
    for (const [f, entry] of Object.entries(manifest.files)) {
      expect(entry.sha256, f).toBe(sha(join(dirA, f)));
      expect(entry.bytes, f).toBe(readFileSync(join(dirA, f)).length);
    }
    expect(Object.keys(manifest.files)).toHaveLength(allFiles(dirA).length - 1); // all but the manifest itself
  });

  it('reports progress step by step, ending each step complete', () => {
    const steps = [...new Set(progress.map((p) => p.step))];
    expect(steps).toEqual(GENERATE_STEPS);
    for (const step of GENERATE_STEPS) {
      const last = progress.filter((p) => p.step === step).at(-1)!;
      expect(last.stepIndex).toBe(GENERATE_STEPS.indexOf(step) + 1);
      expect(last.steps).toBe(GENERATE_STEPS.length);
      expect(last.rows, step).toBeGreaterThanOrEqual(step === 'call_log' ? 1 : last.total);
    }
  });

  it('rejects impossible parameters with a typed error', async () => {
    await expect(generate({ customers: 0, outDir: join(tmp.dir, 'x') })).rejects.toBeInstanceOf(InvalidWorldParamsError);
    await expect(generate({ customers: 10, dirtyShare: 2, outDir: join(tmp.dir, 'x') })).rejects.toBeInstanceOf(InvalidWorldParamsError);
    await expect(generate({ customers: 10, endDate: 'not a date', outDir: join(tmp.dir, 'x') })).rejects.toBeInstanceOf(InvalidWorldParamsError);
  });
});

describe('generate: row counts and mappings', () => {
  it('has the row and line counts the manifest states', async () => {
    for (const f of ['customers.csv', 'events.csv', 'call_log.csv'] as const) {
      const lines = linesOf(dirA, f);
      const e = manifest.files[f]!;
      expect(lines.length, f).toBe(e.lines);
      expect(e.rows, f).toBe(e.lines! - 1);
      expect(e.dirtyRows, f).toBe(dirty.filter((d) => d.file === f).length);
      expect(e.cleanRows! + e.dirtyRows!, f).toBe(e.rows);
    }
    expect(manifest.files['customers.csv']!.cleanRows).toBe(500);
    for (const f of ['events.parquet', 'call_log.parquet', 'truth/customers.parquet']) {
      const [r] = await rows(`SELECT count(*)::INTEGER AS n FROM read_parquet($p)`, { p: join(dirA, f) });
      expect(r!.n, f).toBe(manifest.files[f]!.rows);
    }
    // the Parquet copies hold the same clean rows as the CSVs
    expect(manifest.files['call_log.parquet']!.cleanRows).toBe(manifest.files['call_log.csv']!.cleanRows);
    expect(manifest.files['events.parquet']!.cleanRows).toBe(manifest.files['events.csv']!.cleanRows);
    expect(manifest.counts.attempts).toBe(manifest.files['call_log.csv']!.cleanRows);
    expect(manifest.counts.events).toBe(manifest.files['events.csv']!.cleanRows);
  });

  it('counts dirty rows per kind in the manifest, and keeps near the default share', () => {
    for (const f of EXPORT_FILES) {
      for (const k of DIRTY_KINDS) {
        const n = dirty.filter((d) => d.file === f && d.kind === k).length;
        expect(manifest.dirty[f][k], `${f} ${k}`).toBe(n);
        if (FILE_DIRTY_KINDS[f].includes(k)) expect(n, `${f} has ${k}`).toBeGreaterThan(0);
        else expect(n, `${f} cannot have ${k}`).toBe(0);
      }
    }
    const d = JSON.parse(read(dirD, 'manifest.json')) as GenerateManifest;
    const share = d.files['events.csv']!.dirtyRows! / d.files['events.csv']!.rows!;
    expect(share).toBeGreaterThan(0.005);
    expect(share).toBeLessThan(0.015);
  });

  it('ships mapping files that validate and name every column of their export', () => {
    const expected: Record<string, string[]> = { 'customers.csv': ['Email', 'Language'], 'events.csv': [], 'call_log.csv': [] };
    for (const [file, map] of [
      ['customers.csv', 'customers.mapping.json'],
      ['events.csv', 'events.mapping.json'],
      ['call_log.csv', 'call_log.mapping.json'],
    ] as const) {
      const mapping = mappingOf(dirA, map);
      const header = linesOf(dirA, file)[0]!.split(file === 'customers.csv' ? ';' : ',');
      for (const source of Object.keys(mapping.columns)) expect(header, `${map}: ${source}`).toContain(source);
      // unmapped columns are the CRM extras ingest keeps in attributes
      expect(header.filter((h) => !(h in mapping.columns)), file).toEqual(expected[file]);
      expect(mapping.defaultRegion).toBe('GB');
    }
    const calls = mappingOf(dirA, 'call_log.mapping.json');
    expect(Object.values(calls.values.disposition!).sort()).toEqual(
      ['abandoned', 'answered', 'busy', 'failed', 'invalid_number', 'no_answer', 'rejected', 'voicemail'],
    );
    expect(calls.timestampFormats.started_at).toEqual(['%d/%m/%Y %H:%M:%S']);
  });
});

describe('generate: dirty lines are exactly what dirty.ndjson says', () => {
  const check = (file: 'customers.csv' | 'events.csv' | 'call_log.csv') => {
    const mapping = mappingOf(dirA, file.replace('.csv', '.mapping.json'));
    const lines = linesOf(dirA, file);
    const expected = new Map(dirty.filter((d) => d.file === file).map((d) => [d.line, d.kind]));
    const seenKeys = new Map<string, string>();
    const seenLines = new Set<string>();
    const problems: string[] = [];
    for (let n = 2; n <= lines.length; n++) {
      const line = lines[n - 1]!;
      const found =
        file === 'customers.csv'
          ? customerDefects(line, mapping, ctx, seenKeys)
          : file === 'call_log.csv'
            ? callDefects(line, mapping, ctx, seenKeys)
            : eventDefects(line, mapping, ctx, seenLines);
      const want = expected.get(n);
      const got = [...found].sort().join(',');
      if (got !== (want ?? '')) problems.push(`${file}:${n} expected [${want ?? 'clean'}] found [${got || 'clean'}]: ${line}`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(expected.size).toBeGreaterThan(0);
  };
  it('customers.csv', () => check('customers.csv'));
  it('events.csv', () => check('events.csv'));
  it('call_log.csv', () => check('call_log.csv'));

  it('a strict CSV reader rejects only the broken-quoting lines, each alone', async () => {
    for (const [file, delim] of [['customers.csv', ';'], ['events.csv', ','], ['call_log.csv', ',']] as const) {
      const header = linesOf(dirA, file)[0]!.split(delim);
      const columns = `{${header.map((h) => `'${h}': 'VARCHAR'`).join(', ')}}`;
      await con.run('DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans;');
      const [r] = await rows(
        `SELECT count(*)::INTEGER AS n FROM read_csv($p, header = true, delim = $d, quote = '"', escape = '"',
           auto_detect = false, columns = ${columns}, store_rejects = true, parallel = false)`,
        { p: join(dirA, file), d: delim },
      );
      const rejected = (await rows(`SELECT DISTINCT line::INTEGER AS line FROM reject_errors ORDER BY 1`)).map((x) => x.line);
      const broken = dirty.filter((d) => d.file === file && d.kind === 'broken_quoting').map((d) => d.line);
      expect(rejected, file).toEqual(broken);
      expect(r!.n, file).toBe(manifest.files[file]!.rows! - broken.length);
    }
  });

  it('Parquet copies carry only type-level dirt, at the rows named', async () => {
    const now = Date.now();
    const calls = await rows(
      `SELECT file_row_number::INTEGER + 1 AS row, CallID, CustID, Result, RingSec, TalkSec,
              epoch_ms(CallStart)::DOUBLE AS local_ms, typeof(CallStart) AS t_start, typeof(Sale) AS t_sale
       FROM read_parquet($p, file_row_number = true) ORDER BY file_row_number`,
      { p: join(dirA, 'call_log.parquet') },
    );
    expect(calls[0]).toMatchObject({ t_start: 'TIMESTAMP', t_sale: 'BOOLEAN' });
    const codes = new Set(Object.keys(mappingOf(dirA, 'call_log.mapping.json').values.disposition!));
    const expected = new Map(dirty.filter((d) => d.file === 'call_log.parquet').map((d) => [d.line, d.kind]));
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const c of calls) {
      const found: string[] = [];
      if (seen.has(c.CallID as string)) found.push('duplicate');
      seen.add(c.CallID as string);
      if (c.CustID === null || c.local_ms === null || c.Result === null) found.push('missing_required');
      if ((c.RingSec as number) < 0 || (c.TalkSec as number) < 0) found.push('negative_duration');
      if (c.Result !== null && !codes.has(c.Result as string)) found.push('unknown_code');
      if (c.local_ms !== null && (c.local_ms as number) > now) found.push('future_timestamp');
      const want = expected.get(c.row as number);
      if (found.sort().join(',') !== (want ?? '')) problems.push(`row ${c.row}: expected ${want ?? 'clean'}, found ${found.join(',') || 'clean'}`);
    }
    expect(problems).toEqual([]);
    // the clean Parquet rows are the clean CSV rows
    const csvClean = new Set(
      linesOf(dirA, 'call_log.csv')
        .slice(1)
        .filter((_, k) => !dirty.some((d) => d.file === 'call_log.csv' && d.line === k + 2))
        .map((l) => l.split(',')[0]),
    );
    const pqClean = new Set(calls.filter((c) => !expected.has(c.row as number)).map((c) => c.CallID));
    expect(pqClean).toEqual(csvClean);

    const events = await rows(
      `SELECT file_row_number::INTEGER + 1 AS row, ClientNo, EventType, epoch_ms(EventTS)::DOUBLE AS ms, Amount, typeof(EventTS) AS t
       FROM read_parquet($p, file_row_number = true) ORDER BY file_row_number`,
      { p: join(dirA, 'events.parquet') },
    );
    expect(events[0]!.t).toBe('TIMESTAMP WITH TIME ZONE');
    const expectedEv = new Map(dirty.filter((d) => d.file === 'events.parquet').map((d) => [d.line, d.kind]));
    const seenEv = new Set<string>();
    const evProblems: string[] = [];
    for (const e of events) {
      const found: string[] = [];
      const key = `${e.ClientNo}|${e.EventType}|${e.ms}|${e.Amount}`;
      if (seenEv.has(key)) found.push('duplicate');
      seenEv.add(key);
      if (e.ClientNo === null || e.ms === null || e.EventType === null) found.push('missing_required');
      if (e.ms !== null && (e.ms as number) > now) found.push('future_timestamp');
      const want = expectedEv.get(e.row as number);
      if (found.sort().join(',') !== (want ?? '')) evProblems.push(`row ${e.row}: expected ${want ?? 'clean'}, found ${found.join(',') || 'clean'}`);
    }
    expect(evProblems).toEqual([]);
  });
});

describe('generate: content', () => {
  it('writes CRM-style customers: messy numbers that parse to the true E.164, Y/N flags, DD/MM/YYYY dates', () => {
    const lines = linesOf(dirA, 'customers.csv');
    expect(lines[0]).toBe('CustID;FullName;Mobile;TZ;Region;Age;Sex;Job;IncomeBand;TenureMonths;Balance;MarketingConsent;DoNotCall;Email;Language;Created');
    const clean = lines.slice(1).filter((_, k) => !dirty.some((d) => d.file === 'customers.csv' && d.line === k + 2));
    const mobiles = clean.map((l) => l.split(';')[2]!);
    // several spellings: national with leading 0, +CC, 00CC, brackets, dashes
    expect(mobiles.some((m) => /^0\d/.test(m) && !m.startsWith('00'))).toBe(true);
    expect(mobiles.some((m) => m.startsWith('+'))).toBe(true);
    expect(mobiles.some((m) => m.startsWith('00'))).toBe(true);
    expect(mobiles.some((m) => m.includes('-'))).toBe(true);
    expect(mobiles.some((m) => m.includes('('))).toBe(true);
    expect(new Set(clean.map((l) => l.split(';')[3])).size).toBeGreaterThanOrEqual(6);
    expect(clean.every((l) => parseDmy(l.split(';')[15]!, false) !== null)).toBe(true);
  });

  it('puts shared numbers in the CRM: households (same surname) and recycled numbers', () => {
    const byNumber = new Map<string, number[]>();
    for (let i = 0; i < world.size; i++) byNumber.set(world.phoneE164(i), [...(byNumber.get(world.phoneE164(i)) ?? []), i]);
    const shared = [...byNumber.values()].filter((v) => v.length > 1);
    expect(shared.length).toBeGreaterThan(0);
    for (const group of shared) expect(group).toHaveLength(2);
  });

  it('marks customers who opted out during the history as DoNotCall', () => {
    const optedOut = new Set(
      linesOf(dirA, 'call_log.csv')
        .slice(1)
        .map((l) => l.split(','))
        .filter((f) => f[10] === 'Y' && f[2])
        .map((f) => f[2]!),
    );
    expect(optedOut.size).toBeGreaterThan(0);
    const dnc = new Map(linesOf(dirA, 'customers.csv').slice(1).map((l) => [l.split(';')[0]!, l.split(';')[12]!]));
    for (const id of optedOut) expect(dnc.get(id), id).toBe('Y');
  });

  it('dials mostly in office hours of the callee (naive local CallStart)', () => {
    const starts = linesOf(dirA, 'call_log.csv')
      .slice(1)
      .filter((_, k) => !dirty.some((d) => d.file === 'call_log.csv' && d.line === k + 2))
      .map((l) => parseDmy(l.split(',')[4]!, true)!);
    const office = starts.filter((t) => {
      const d = new Date(t);
      const wd = (d.getUTCDay() + 6) % 7;
      return wd < 5 && d.getUTCHours() >= 9 && d.getUTCHours() < 17;
    });
    expect(office.length / starts.length).toBeGreaterThan(0.55);
    // and never at night: the policy works 08:00–21:00 local
    expect(starts.every((t) => new Date(t).getUTCHours() >= 8 && new Date(t).getUTCHours() < 21)).toBe(true);
  });
});

describe('truth folder and loadWorld', () => {
  it('stores per-customer truth that matches the re-created world', async () => {
    const truth = await rows(
      `SELECT customer_id, customer_index, phone_e164, wrong_number, answer_p, len(answer_p)::INTEGER AS n, p_convert_at_end, opt_out_p
       FROM read_parquet($p) ORDER BY customer_index`,
      { p: join(dirA, 'truth/customers.parquet') },
    );
    expect(truth).toHaveLength(500);
    for (const t of truth) {
      const i = t.customer_index as number;
      expect(t.customer_id).toBe(world.customerId(i));
      expect(t.phone_e164).toBe(world.phoneE164(i));
      expect(t.wrong_number).toBe(world.isWrongNumber(i));
      expect(t.n).toBe(168);
      const ap = t.answer_p as number[];
      for (const h of [0, 33, 90, 115, 167]) expect(ap[h]).toBeCloseTo(world.answerProbability(i, h), 4);
      expect(t.p_convert_at_end).toBeCloseTo(world.conversionProbability(i, world.endMs), 6);
      expect(t.opt_out_p).toBeCloseTo(world.optOutProbability(i), 6);
    }
  });

  it('refuses a folder without truth, and truth the code no longer reproduces', async () => {
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(loadWorld(empty)).rejects.toBeInstanceOf(WorldNotFoundError);
    const forged = join(tmp.dir, 'forged', 'truth');
    mkdirSync(forged, { recursive: true });
    const file = JSON.parse(read(dirA, 'truth/world.json'));
    file.fingerprint = '0'.repeat(64);
    writeFileSync(join(forged, 'world.json'), JSON.stringify(file));
    await expect(loadWorld(join(tmp.dir, 'forged'))).rejects.toBeInstanceOf(WorldMismatchError);
    expect(existsSync(join(dirA, '.partial'))).toBe(false);
  });
});
