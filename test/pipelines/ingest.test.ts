import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IngestError, ingestFile, MappingError } from '../../pipelines/index.ts';
import { Warehouse } from '../../warehouse/index.ts';
import { tempDir } from '../helpers/tmp.ts';
import { CALL_MAPPING, CUSTOMER_MAPPING, CUSTOMERS_CSV, writeMapping, writeParquet, writeText } from './ingest-fixtures.ts';

const NOW = new Date('2024-06-01T00:00:00Z');

describe('ingest', () => {
  let wh: Warehouse;
  let dir: string;
  let cleanup: () => void;
  let customerMapping: string;
  let callMapping: string;

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir());
    wh = await Warehouse.open(':memory:');
    customerMapping = writeMapping(dir, 'customers.map.json', CUSTOMER_MAPPING);
    callMapping = writeMapping(dir, 'calls.map.json', CALL_MAPPING);
  });
  afterEach(async () => {
    await wh.close();
    cleanup();
  });

  const loadCustomers = () => ingestFile(wh, writeText(dir, 'customers.csv', CUSTOMERS_CSV), { kind: 'customers', mapping: customerMapping, now: NOW });
  /** A call log of these lines (header first) written as `name` and ingested; the call mapping unless one is given. */
  const ingestCalls = (name: string, lines: string[], options: { mapping?: string; csvBufferBytes?: number } = {}) =>
    ingestFile(wh, writeText(dir, name, lines.join('\n') + '\n'), { kind: 'call-attempts', mapping: callMapping, now: NOW, ...options });
  /** The quarantined lines of one source, in line order. */
  const quarantined = (source: string) => wh.query(`SELECT line_number, reason FROM quarantine WHERE source = $source ORDER BY 1`, { source });

  it('loads a semicolon CSV with CRLF, quotes and a BOM; normalises phones to E.164 and keeps extra columns', async () => {
    const report = await ingestFile(wh, writeText(dir, 'c.csv', '\ufeff' + CUSTOMERS_CSV), { kind: 'customers', mapping: customerMapping, now: NOW });
    expect(report).toMatchObject({ rowsRead: 3, rowsLoaded: 3, rowsQuarantined: 0, rowsAlreadyPresent: 0 });
    const rows = await wh.query('SELECT customer_id, name, phone_e164, timezone, consent, dnc, attributes FROM customers ORDER BY customer_id');
    expect(rows).toEqual([
      { customer_id: '1', name: 'Lee; Ann', phone_e164: '+447400123456', timezone: 'Europe/London', consent: true, dnc: false, attributes: '{"Email":"ann@example.com"}' },
      { customer_id: '2', name: 'Bob', phone_e164: '+14155552671', timezone: 'America/New_York', consent: true, dnc: false, attributes: '{"Email":null}' },
      // a national number is read in the country of the customer's zone, not the default region
      { customer_id: '3', name: 'Cy', phone_e164: '+61412345678', timezone: 'Australia/Sydney', consent: false, dnc: true, attributes: '{"Email":"cy@example.com"}' },
    ]);
    const hash = await wh.one<{ h: string }>(`SELECT phone_hash AS h FROM customers WHERE customer_id = '1'`);
    expect(hash.h).toMatch(/^[0-9a-f]{64}$/);
    // the CRM's DNC flag becomes a consent record with its source
    expect(await wh.query('SELECT customer_id, kind, source FROM consents')).toEqual([{ customer_id: '3', kind: 'dnc', source: 'c.csv' }]);
  });

  it.each([
    ['comma, LF', ',', '\n'],
    ['tab, CRLF', '\t', '\r\n'],
    ['pipe, CR only', '|', '\r'],
    ['semicolon, LF, trailing empty columns', ';', '\n'],
  ])('reads any dialect: %s', async (_name, delim, nl) => {
    await loadCustomers();
    const trailing = _name.includes('trailing') ? `${delim}${delim}` : '';
    const lines = [
      ['CallID', 'Cust', 'Start', 'Result', 'Talk', 'Sale'].join(delim) + trailing,
      ['a1', '1', '2024-03-10 10:00:00', 'ANS', '120', 'Y'].join(delim) + trailing,
      ['a2', '2', '2024-03-10 10:00:00', 'NOA', '0', 'N'].join(delim) + trailing,
      ['a3', '3', '"2024-03-10 10:00:00"', 'BSY', '', 'n'].join(delim) + trailing,
    ];
    const report = await ingestFile(wh, writeText(dir, 'calls.csv', lines.join(nl) + nl), { kind: 'call-attempts', mapping: callMapping, now: NOW });
    expect(report).toMatchObject({ rowsRead: 3, rowsLoaded: 3, rowsQuarantined: 0 });
    const rows = await wh.query<{ attempt_id: string; started_at: Date; disposition: string; talk_seconds: number | null; converted: boolean }>(
      'SELECT attempt_id, started_at, disposition, talk_seconds, converted FROM call_attempts ORDER BY attempt_id',
    );
    // naive times are read in each customer's own zone, then stored UTC
    expect(rows.map((r) => r.started_at.toISOString())).toEqual([
      '2024-03-10T10:00:00.000Z', // London, GMT in March
      '2024-03-10T14:00:00.000Z', // New York: 10:00 is after the DST change that morning (EDT, UTC-4)
      '2024-03-09T23:00:00.000Z', // Sydney, AEDT UTC+11
    ]);
    expect(rows.map((r) => [r.disposition, r.talk_seconds, r.converted])).toEqual([
      ['answered', 120, true],
      ['no_answer', 0, false],
      ['busy', null, false],
    ]);
  });

  it('quarantines every bad row with file line, field and reason; rows read = loaded + quarantined', async () => {
    await loadCustomers();
    const csv = [
      'CallID,Cust,Start,Result,Talk,Sale', // 1
      'a1,1,2024-03-10 10:00:00,ANS,120,Y', // 2 ok
      'a2,1,2024-03-10 11:00:00,"NO', // 3 a quoted field with an embedded newline spans lines 3–4 …
      'ANSWER",0,N', // 4 … and is no known result code
      'a3,2,2024-03-10 10:00:00,BSY,-5,N', // 5 negative duration
      'a4,9,2024-03-10 10:00:00,ANS,3,N', // 6 unknown customer
      'a5,2,not a time,ANS,3,N', // 7 bad timestamp
      'a6,2,2099-01-01 00:00:00,ANS,3,N', // 8 future
      'a7,2,2024-03-10 10:00:00,ZZZ,3,N', // 9 unknown code
      'a8,3,2024-03-10 10:00:00,"AN"S,3,N', // 10 broken quoting
      'a1,1,2024-03-10 10:00:00,ANS,120,Y', // 11 duplicate of line 2
      'a9,3,2024-03-10 10:00:00,NOA,3,Y', // 12 converted without an answer
      'a10,,2024-03-10 10:00:00,NOA,3,N', // 13 missing customer
      'a11,3,2024-03-10 10:00:00,NOA,3,N,extra,fields,here,and,more', // 14 too many fields
      'a12,3,2024-03-10T10:00:00Z,NOA,0,N', // 15 ok, explicit zone
    ].join('\n');
    const report = await ingestFile(wh, writeText(dir, 'calls.csv', csv), { kind: 'call-attempts', mapping: callMapping, now: NOW });
    // 14 lines after the header, but lines 3–4 are one record
    expect(report.rowsRead).toBe(13);
    expect(report.rowsLoaded).toBe(2);
    expect(report.rowsQuarantined).toBe(11);
    expect(report.rowsRead).toBe(report.rowsLoaded + report.rowsQuarantined + report.rowsAlreadyPresent);
    const q = await wh.query<{ line_number: number; field: string | null; reason: string; raw: string; source: string }>(
      'SELECT line_number, field, reason, raw, source FROM quarantine ORDER BY line_number',
    );
    expect(q.map((r) => [r.line_number, r.field])).toEqual([
      [3, 'disposition'],
      [5, 'talk_seconds'],
      [6, 'customer_id'],
      [7, 'started_at'],
      [8, 'started_at'],
      [9, 'disposition'],
      [10, null],
      [11, 'attempt_id'],
      [12, 'converted'],
      [13, 'customer_id'],
      [14, null],
    ]);
    const byLine = new Map(q.map((r) => [r.line_number, r]));
    expect(byLine.get(5)!.reason).toContain('talk_seconds: must be ≥ 0, got -5');
    expect(byLine.get(6)!.reason).toContain("unknown customer '9'");
    expect(byLine.get(7)!.reason).toContain("started_at: not a date/time: 'not a time'");
    expect(byLine.get(8)!.reason).toContain('started_at: in the future');
    expect(byLine.get(9)!.reason).toContain("disposition: unknown value 'ZZZ'");
    expect(byLine.get(10)!.reason).toMatch(/cannot be parsed as CSV/);
    expect(byLine.get(10)!.raw).toBe('a8,3,2024-03-10 10:00:00,"AN"S,3,N');
    expect(byLine.get(11)!.reason).toBe("attempt_id: duplicate key 'a1' (first at line 2)");
    expect(byLine.get(12)!.reason).toContain('converted: a conversion needs an answered call');
    expect(byLine.get(13)!.reason).toContain('customer_id: required value is missing');
    expect(byLine.get(14)!.reason).toContain('more fields than the header');
    expect(byLine.get(2)).toBeUndefined();
    expect(byLine.get(5)!.raw).toBe('a3,2,2024-03-10 10:00:00,BSY,-5,N');
    expect(q.every((r) => r.source === 'calls.csv')).toBe(true);
    const runs = await wh.query('SELECT status, rows_read, rows_loaded, rows_quarantined FROM ingest_runs WHERE kind = $1', ['call-attempts']);
    expect(runs).toEqual([{ status: 'succeeded', rows_read: 13, rows_loaded: 2, rows_quarantined: 11 }]);
  });

  it('is idempotent: the same file twice, or an overlapping file, adds nothing the second time', async () => {
    await loadCustomers();
    const header = 'CallID,Cust,Start,Result,Talk,Sale';
    const a = writeText(dir, 'a.csv', [header, 'a1,1,2024-03-10 10:00:00,ANS,120,Y', 'a2,2,2024-03-10 10:00:00,NOA,0,N', 'bad,2,nope,NOA,0,N'].join('\n'));
    const b = writeText(dir, 'b.csv', [header, 'a2,2,2024-03-10 10:00:00,NOA,0,N', 'a3,3,2024-03-10 10:00:00,BSY,0,N'].join('\n'));
    const first = await ingestFile(wh, a, { kind: 'call-attempts', mapping: callMapping, now: NOW });
    expect(first).toMatchObject({ rowsLoaded: 2, rowsQuarantined: 1, rowsAlreadyPresent: 0 });
    const again = await ingestFile(wh, a, { kind: 'call-attempts', mapping: callMapping, now: NOW });
    expect(again).toMatchObject({ rowsRead: 3, rowsLoaded: 0, rowsQuarantined: 0, rowsAlreadyPresent: 3 });
    const overlap = await ingestFile(wh, b, { kind: 'call-attempts', mapping: callMapping, now: NOW });
    expect(overlap).toMatchObject({ rowsLoaded: 1, rowsAlreadyPresent: 1 });
    expect(await wh.one('SELECT count(*) AS n FROM call_attempts')).toEqual({ n: 3 });
    expect(await wh.one('SELECT count(*) AS n FROM quarantine')).toEqual({ n: 1 });
  });

  it('hashes rows without a natural key deterministically, so re-ingest is still idempotent', async () => {
    await loadCustomers();
    const mapping = writeMapping(dir, 'nokey.json', { ...CALL_MAPPING, columns: { ...CALL_MAPPING.columns, CallID: 'campaign_id' } });
    const csv = ['CallID,Cust,Start,Result,Talk,Sale', 'c1,1,2024-03-10 10:00:00,ANS,120,Y', 'c1,1,2024-03-10 10:05:00,NOA,0,N'].join('\n');
    const file = writeText(dir, 'nokey.csv', csv);
    expect(await ingestFile(wh, file, { kind: 'call-attempts', mapping, now: NOW })).toMatchObject({ rowsLoaded: 2 });
    expect(await ingestFile(wh, file, { kind: 'call-attempts', mapping, now: NOW })).toMatchObject({ rowsLoaded: 0, rowsAlreadyPresent: 2 });
    const ids = await wh.query<{ attempt_id: string }>('SELECT attempt_id FROM call_attempts');
    expect(ids.every((r) => /^h[0-9a-f]{32}$/.test(r.attempt_id))).toBe(true);
  });

  it('counts duplicates among valid rows only, first valid occurrence wins, for source and hashed keys', async () => {
    await loadCustomers();
    const csv = [
      'CallID,Cust,Start,Result,Talk,Sale', // 1
      'd1,1,not a time,ANS,1,N', // 2 invalid: does not make line 3 a duplicate
      'd1,1,2024-03-10 10:00:00,ANS,1,N', // 3 first valid d1 → loaded
      'd1,1,2024-03-10 11:00:00,NOA,0,N', // 4 duplicate of line 3
      'd2,2,2024-03-10 10:00:00,BSY,0,N', // 5 loaded
      'd1,1,2024-03-10 12:00:00,NOA,0,N', // 6 duplicate of line 3
    ].join('\n');
    const report = await ingestFile(wh, writeText(dir, 'dups.csv', csv), { kind: 'call-attempts', mapping: callMapping, now: NOW });
    expect(report).toMatchObject({ rowsRead: 5, rowsLoaded: 2, rowsQuarantined: 3, rowsAlreadyPresent: 0 });
    const q = await wh.query<{ line_number: number; reason: string }>('SELECT line_number, reason FROM quarantine ORDER BY line_number');
    expect(q.map((r) => r.line_number)).toEqual([2, 4, 6]);
    expect(q[1]!.reason).toBe("attempt_id: duplicate key 'd1' (first at line 3)");
    expect(q[2]!.reason).toBe("attempt_id: duplicate key 'd1' (first at line 3)");
    expect(await wh.query('SELECT attempt_id, disposition FROM call_attempts ORDER BY 1')).toEqual([
      { attempt_id: 'd1', disposition: 'answered' },
      { attempt_id: 'd2', disposition: 'busy' },
    ]);

    // without a source key, identical canonical rows hash to the same key
    const mapping = writeMapping(dir, 'nokey2.json', { ...CALL_MAPPING, columns: { ...CALL_MAPPING.columns, CallID: 'campaign_id' } });
    const same = 'c9,3,2024-03-11 10:00:00,ANS,5,N';
    const hashed = await ingestFile(wh, writeText(dir, 'hashed.csv', ['CallID,Cust,Start,Result,Talk,Sale', same, same, 'c9,3,2024-03-11 10:01:00,ANS,5,N'].join('\n')), {
      kind: 'call-attempts',
      mapping,
      now: NOW,
    });
    expect(hashed).toMatchObject({ rowsRead: 3, rowsLoaded: 2, rowsQuarantined: 1 });
    expect(await wh.one(`SELECT line_number, reason LIKE 'attempt_id: duplicate key ''h%'' (first at line 2)' AS ok FROM quarantine WHERE source = 'hashed.csv'`)).toEqual({
      line_number: 3,
      ok: true,
    });
  });

  it('updates a changed customer and counts an unchanged one as already present', async () => {
    await loadCustomers();
    const changed = CUSTOMERS_CSV.replace('1;"Lee; Ann";07400 123456;Europe/London;34;Y;N', '1;"Lee; Ann";07400 123456;Europe/London;34;N;N');
    const report = await ingestFile(wh, writeText(dir, 'customers2.csv', changed), { kind: 'customers', mapping: customerMapping, now: NOW });
    expect(report).toMatchObject({ rowsRead: 3, rowsLoaded: 0, rowsUpdated: 1, rowsAlreadyPresent: 2 });
    expect(await wh.one(`SELECT consent FROM customers WHERE customer_id = '1'`)).toEqual({ consent: false });
  });

  it('reads Parquet, NDJSON and the .gz of each (and of CSV)', async () => {
    await loadCustomers();
    const parquet = await writeParquet(
      wh,
      join(dir, 'calls.parquet'),
      `SELECT * FROM (VALUES ('p1', '1', TIMESTAMP '2024-03-10 10:00:00', 'ANS', 30, 'Y'), ('p2', '2', TIMESTAMP '2024-03-10 10:00:00', 'XX', 0, 'N'))
       t(CallID, Cust, Start, Result, Talk, Sale)`,
    );
    const r1 = await ingestFile(wh, parquet, { kind: 'call-attempts', mapping: callMapping, now: NOW });
    expect(r1).toMatchObject({ format: 'parquet', rowsRead: 2, rowsLoaded: 1, rowsQuarantined: 1 });
    const pq = await wh.one<{ line_number: number; raw: string }>(`SELECT line_number, raw FROM quarantine WHERE source = 'calls.parquet'`);
    expect(pq.line_number).toBe(2);
    expect(JSON.parse(pq.raw)).toMatchObject({ CallID: 'p2', Result: 'XX' });

    const gzParquet = join(dir, 'calls2.parquet.gz');
    await writeParquet(wh, join(dir, 'calls2.parquet'), `SELECT 'p3' AS CallID, '3' AS Cust, '2024-03-10 10:00:00' AS Start, 'NOA' AS Result`);
    writeFileSync(gzParquet, gzipSync(readFileSync(join(dir, 'calls2.parquet'))));
    expect(await ingestFile(wh, gzParquet, { kind: 'call-attempts', mapping: callMapping, now: NOW })).toMatchObject({ rowsLoaded: 1 });

    const ndjson = [
      JSON.stringify({ attempt_id: 'n1', customer_id: '1', started_at: '2024-03-10T10:00:00+00:00', disposition: 'answered', converted: true, model_versions: { conversion: 'v3' }, arm: 'model', propensity: 0.9 }),
      '{"attempt_id": "n2", "customer_id": "1", "started_at": "2024-03-1', // a half-written line
      JSON.stringify({ attempt_id: 'n3', customer_id: '2', started_at: '2024-03-10T10:00:00Z', disposition: 'no_answer', arm: 'explore', propensity: 0.1 }),
      '',
    ].join('\n');
    const nd = await ingestFile(wh, writeText(dir, 'outcomes.ndjson.gz', ndjson, true), { kind: 'call-attempts', now: NOW });
    expect(nd).toMatchObject({ format: 'ndjson', rowsRead: 3, rowsLoaded: 2, rowsQuarantined: 1 });
    expect(await wh.one(`SELECT line_number, reason FROM quarantine WHERE source = 'outcomes.ndjson.gz'`)).toEqual({
      line_number: 2,
      reason: 'the line is not valid JSON (truncated or broken)',
    });
    expect(await wh.one(`SELECT model_versions->>'conversion' AS v, arm, propensity FROM call_attempts WHERE attempt_id = 'n1'`)).toEqual({
      v: 'v3',
      arm: 'model',
      propensity: 0.9,
    });

    const gzCsv = writeText(dir, 'calls.csv.gz', 'CallID,Cust,Start,Result\ng1,1,2024-03-10 09:00:00,BSY\n', true);
    expect(await ingestFile(wh, gzCsv, { kind: 'call-attempts', mapping: callMapping, now: NOW })).toMatchObject({ rowsLoaded: 1 });
  });

  it('applies value maps and null tokens from the mapping', async () => {
    await loadCustomers();
    const mapping = writeMapping(dir, 'm.json', {
      columns: { id: 'attempt_id', cust: 'customer_id', t: 'started_at', outcome: 'disposition', y: 'converted', dur: 'talk_seconds' },
      values: { disposition: { A: 'answered', N: 'no_answer' }, converted: { oui: true, non: false } },
      nulls: ['', 'unknown', '-'],
      timestampFormats: { started_at: ['%d/%m/%Y %H:%M'] },
    });
    const csv = ['id,cust,t,outcome,y,dur', 'x1,1,10/03/2024 10:00,A,oui,-', 'x2,2,10/03/2024 10:00,n,unknown,5'].join('\n');
    const report = await ingestFile(wh, writeText(dir, 'fr.csv', csv), { kind: 'call-attempts', mapping, now: NOW });
    expect(report).toMatchObject({ rowsLoaded: 2, rowsQuarantined: 0 });
    expect(await wh.query('SELECT attempt_id, disposition, converted, talk_seconds FROM call_attempts ORDER BY 1')).toEqual([
      { attempt_id: 'x1', disposition: 'answered', converted: true, talk_seconds: null },
      { attempt_id: 'x2', disposition: 'no_answer', converted: null, talk_seconds: 5 },
    ]);
  });

  it('reads numbers with a decimal comma when the mapping says so, and refuses a point there rather than guess', async () => {
    const rows = ['Cust;Balance;Age;TZ', '1;1234,50;34;Europe/Berlin', '2;-0,75;61,0;Europe/Berlin', '3;1.234,50;45;Europe/Berlin', '4;12;29,5;Europe/Berlin'];
    const file = writeText(dir, 'de.csv', rows.join('\n') + '\n');
    const columns = { Cust: 'customer_id', Balance: 'balance', Age: 'age', TZ: 'timezone' };
    const comma = await ingestFile(wh, file, { kind: 'customers', mapping: writeMapping(dir, 'de.json', { columns, decimalSeparator: ',' }), now: NOW });
    expect(comma).toMatchObject({ rowsLoaded: 2, rowsQuarantined: 2 });
    expect(await wh.query('SELECT customer_id, balance, age FROM customers ORDER BY 1')).toEqual([
      { customer_id: '1', balance: 1234.5, age: 34 },
      { customer_id: '2', balance: -0.75, age: 61 },
    ]);
    expect(await wh.query(`SELECT line_number, reason FROM quarantine ORDER BY 1`)).toEqual([
      { line_number: 4, reason: "balance: not a number: '1.234,50'" },
      { line_number: 5, reason: "age: not a whole number: '29,5'" },
    ]);
    // the default separator is the point: the same file's commas are not numbers
    const point = await ingestFile(wh, file, { kind: 'customers', mapping: writeMapping(dir, 'en.json', { columns }), now: NOW });
    expect(point).toMatchObject({ rowsLoaded: 0 });
    expect((await wh.query<{ reason: string }>(`SELECT reason FROM quarantine WHERE line_number = 2 AND ingest_run_id = $run`, { run: point.runId }))[0]?.reason).toBe(
      "balance: not a number: '1234,50'",
    );
  });

  it('quarantines a whole number that is NaN, infinite or beyond 64 bits instead of failing the file', async () => {
    const rows = ['Cust,Age,Tenure,TZ', '1,nan,1,Europe/Berlin', '2,inf,1,Europe/Berlin', '3,1e300,1,Europe/Berlin', '4,40,99999999999999999999,Europe/Berlin', '5,40,12,Europe/Berlin'];
    const mapping = writeMapping(dir, 'big.json', { columns: { Cust: 'customer_id', Age: 'age', Tenure: 'tenure_months', TZ: 'timezone' } });
    const report = await ingestFile(wh, writeText(dir, 'big.csv', rows.join('\n') + '\n'), { kind: 'customers', mapping, now: NOW });
    expect(report).toMatchObject({ rowsLoaded: 1, rowsQuarantined: 4 });
    expect(await wh.query(`SELECT line_number, reason FROM quarantine ORDER BY 1`)).toEqual([
      { line_number: 2, reason: "age: not a whole number: 'nan'" },
      { line_number: 3, reason: "age: not a whole number: 'inf'" },
      { line_number: 4, reason: "age: out of range: '1e300'" },
      { line_number: 5, reason: "tenure_months: out of range: '99999999999999999999'" },
    ]);
  });

  it('types a cell the same whether its cheap form or its cleaned text decides (spaces, NBSP, case, zones, tokens)', async () => {
    await loadCustomers();
    const nbsp = '\u00a0';
    // each cell below takes the fast path, or falls back to trimming, null tokens and value maps
    const rows = [
      'CallID,Cust,Start,Result,Talk,Sale',
      'f1,1, 2024-03-10 10:00:00 ,NOA, 12 ,N',
      `f2,1,2024-03-10 10:00:00${nbsp},noa,${nbsp}12,n${nbsp}`,
      'f3,1,2024-03-10 10:00:00+02,Noa,12.0,No',
      'f4,1,2024-03-10 10:00:00Z,NOA ,unknown,unknown',
      'f5,1,2024-03-10 10:00:00-05:00,no_answer,1e1,FALSE',
      'f6,1,2024-03-10 10:00:00 UTC,NO_ANSWER,+5,f',
      'f7,1,2024-03-10,ANS,-3,maybe',
      'f8,1,NA,ANSWERED,nan,Y',
    ];
    const report = await ingestCalls('fast.csv', rows);
    expect(report).toMatchObject({ rowsRead: 8, rowsLoaded: 6, rowsQuarantined: 2 });
    expect(
      await wh.query(`SELECT attempt_id, strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS utc, disposition, talk_seconds, converted
                      FROM call_attempts WHERE attempt_id LIKE 'f%' ORDER BY 1`),
    ).toEqual([
      { attempt_id: 'f1', utc: '2024-03-10 10:00', disposition: 'no_answer', talk_seconds: 12, converted: false },
      { attempt_id: 'f2', utc: '2024-03-10 10:00', disposition: 'no_answer', talk_seconds: 12, converted: false },
      { attempt_id: 'f3', utc: '2024-03-10 08:00', disposition: 'no_answer', talk_seconds: 12, converted: false },
      { attempt_id: 'f4', utc: '2024-03-10 10:00', disposition: 'no_answer', talk_seconds: null, converted: null },
      { attempt_id: 'f5', utc: '2024-03-10 15:00', disposition: 'no_answer', talk_seconds: 10, converted: false },
      { attempt_id: 'f6', utc: '2024-03-10 10:00', disposition: 'no_answer', talk_seconds: 5, converted: false },
    ]);
    expect(await quarantined('fast.csv')).toEqual([
      { line_number: 8, reason: "talk_seconds: must be ≥ 0, got -3; converted: not a yes/no value: 'maybe'" },
      { line_number: 9, reason: "started_at: required value is missing; talk_seconds: not a number: 'nan'" },
    ]);
  });

  it('types the same through a value-mapped yes/no or a custom time format whether written exactly or not', async () => {
    await loadCustomers();
    const nbsp = '\u00a0';
    const mapping = writeMapping(dir, 'formats.json', {
      ...CALL_MAPPING,
      values: { ...CALL_MAPPING.values, converted: { Y: true, J: 'yes', X: null, maybe: 'unsure', T: ' yes ' } },
      timestampFormats: { started_at: ['%d/%m/%Y %H:%M:%S', '%d.%m.%Y %H:%M'] },
    });
    const rows = [
      'CallID,Cust,Start,Result,Talk,Sale',
      'g1,1,10/03/2024 10:00:00,ANS,1,Y',
      'g2,1, 10/03/2024 10:00:00 ,ANS,1,y',
      `g3,1,10/03/2024 10:00:00${nbsp},ANS,1, Y${nbsp}`,
      'g4,1,10.03.2024 11:30,ANS,1,J',
      'g5,1,2024-03-10 12:00:00,ANS,1,no',
      'g6,1,10/03/2024 10:00:00+02,ANS,1,N',
      'g7,1,10/03/2024 13:00:00,ANS,1,X',
      'g8,1,31/02/2024 10:00:00,ANS,1,maybe',
      'g9,1,NA,ANS,1,T',
      'g10,1,10/03/2024 14:00:00,ANS,1,j',
    ];
    const report = await ingestCalls('formats.csv', rows, { mapping });
    expect(report).toMatchObject({ rowsRead: 10, rowsLoaded: 7, rowsQuarantined: 3 });
    expect(
      await wh.query(`SELECT attempt_id, strftime(started_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS utc, converted
                      FROM call_attempts WHERE attempt_id LIKE 'g%' ORDER BY 1`),
    ).toEqual([
      { attempt_id: 'g1', utc: '2024-03-10 10:00', converted: true },
      { attempt_id: 'g10', utc: '2024-03-10 14:00', converted: true },
      { attempt_id: 'g2', utc: '2024-03-10 10:00', converted: true },
      { attempt_id: 'g3', utc: '2024-03-10 10:00', converted: true },
      { attempt_id: 'g4', utc: '2024-03-10 11:30', converted: true },
      { attempt_id: 'g5', utc: '2024-03-10 12:00', converted: false },
      { attempt_id: 'g7', utc: '2024-03-10 13:00', converted: null },
    ]);
    expect(await quarantined('formats.csv')).toEqual([
      { line_number: 7, reason: "started_at: not a date/time: '10/03/2024 10:00:00+02'" },
      { line_number: 9, reason: "started_at: not a date/time: '31/02/2024 10:00:00'; converted: not a yes/no value: 'unsure'" },
      { line_number: 10, reason: "started_at: required value is missing; converted: not a yes/no value: ' yes '" },
    ]);
  });

  it('reads a time the same on its fast path as on the full path, over 3,000 generated texts', async () => {
    await loadCustomers();
    // a null token with a digit in it turns the fast path for times off (fast-paths.ts)
    const fullOnly = writeMapping(dir, 'full-only.json', { ...CALL_MAPPING, nulls: ['', 'NA', 'N/A', 'null', 'unknown', '9999-99-99'] });
    let seed = 11;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    // mostly readable parts, so that both outcomes are common
    const dates = ['2024-03-10', '2024-03-10', '2024-03-10', '10/03/2024', '2024/03/10', '20240310', '2024-3-1', '-2024-03-10', '2024-13-10', ''];
    const times = ['10:00:00', '10:00:00', '10:00', '9:5', '10:00:00.123', '25:00:00', '10-00-00', ''];
    const zones = ['', '', '', '', 'Z', 'z', '+02', '+02:00', '-05:00', '-0500', ' UTC', ' GMT', ' -', '-', ' Europe/Berlin', ' +1', ' utc'];
    const pads = ['', '', '', '', ' ', '\u00a0', '\t'];
    const texts = Array.from({ length: 3000 }, () => {
      let t = `${pick(pads)}${pick(dates)}${pick([' ', ' ', ' ', 'T', '  ', ''])}${pick(times)}${pick(zones)}${pick(pads)}`;
      if (rnd() < 0.1) {
        const at = Math.floor(rnd() * (t.length + 1));
        t = t.slice(0, at) + pick([':', '-', ' ', '+']) + t.slice(at);
      }
      return t;
    });
    const lines = (prefix: string) => ['CallID,Cust,Start,Result,Talk,Sale', ...texts.map((t, i) => `${prefix}${i},${1 + (i % 3)},${t},ANS,1,N`)];
    await ingestCalls('fast-times.csv', lines('p'));
    await ingestCalls('full-times.csv', lines('q'), { mapping: fullOnly });
    const differ = await wh.query(
      `SELECT p.attempt_id, p.started_at AS fast, q.started_at AS full FROM call_attempts p FULL JOIN call_attempts q ON q.attempt_id = 'q' || substr(p.attempt_id, 2)
       WHERE (p.attempt_id LIKE 'p%' OR p.attempt_id IS NULL) AND (q.attempt_id LIKE 'q%' OR q.attempt_id IS NULL) AND p.started_at IS DISTINCT FROM q.started_at`,
    );
    expect(differ).toEqual([]);
    const fast = await quarantined('fast-times.csv');
    expect(fast).toEqual(await quarantined('full-times.csv'));
    // the sample reaches both outcomes, zoned text included, so the comparison can fail
    expect(fast.length).toBeGreaterThan(1500);
    const loaded = await wh.one<{ n: number; zoned: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE extract('minute' FROM started_at) = 0 AND extract('hour' FROM started_at AT TIME ZONE 'UTC') IN (8, 15)) AS zoned
       FROM call_attempts WHERE attempt_id LIKE 'p%'`,
    );
    expect(loaded.n).toBeGreaterThan(250);
    expect(loaded.zoned).toBeGreaterThan(50);
  });

  it('finds a customer and parses a number the same whether written exactly or with spaces, NBSP or a null token', async () => {
    await loadCustomers();
    const mapping = writeMapping(dir, 'ids.json', { ...CALL_MAPPING, columns: { ...CALL_MAPPING.columns, Phone: 'phone' } });
    const rows = [
      'CallID,Cust,Phone,Start,Result,Talk,Sale',
      'i1,1,07400 123456,2024-03-10 10:00:00,NOA,0,N',
      'i2, 1 , 07400 123456 ,2024-03-10 10:00:00,NOA,0,N',
      'i3,1\u00a0,\u00a007400 123456,2024-03-10 10:00:00,NOA,0,N',
      'i4,na,07400 123456,2024-03-10 10:00:00,NOA,0,N',
      'i5,01,07400 123456,2024-03-10 10:00:00,NOA,0,N',
      'i6,2,unknown,2024-03-10 10:00:00,NOA,0,N',
      'i7,2,12,2024-03-10 10:00:00,NOA,0,N',
    ];
    const report = await ingestCalls('ids.csv', rows, { mapping });
    expect(report).toMatchObject({ rowsRead: 7, rowsLoaded: 4, rowsQuarantined: 3 });
    const loaded = await wh.query<{ attempt_id: string; customer_id: string; phone_hash: string }>(
      `SELECT attempt_id, customer_id, phone_hash FROM call_attempts WHERE attempt_id LIKE 'i%' ORDER BY 1`,
    );
    expect(loaded.map((r) => [r.attempt_id, r.customer_id])).toEqual([['i1', '1'], ['i2', '1'], ['i3', '1'], ['i6', '2']]);
    // the same number however it is written; no number in the row: the customer's own
    const customerHash = await wh.one<{ h: string }>(`SELECT phone_hash AS h FROM customers WHERE customer_id = '2'`);
    expect(new Set(loaded.slice(0, 3).map((r) => r.phone_hash)).size).toBe(1);
    expect(loaded[3]!.phone_hash).toBe(customerHash.h);
    expect(await quarantined('ids.csv')).toEqual([
      // no customer, so the number is read in the mapping's default region (US)
      { line_number: 5, reason: "customer_id: required value is missing; phone: not a valid number for US: '07400 123456'" },
      { line_number: 6, reason: "phone: not a valid number for US: '07400 123456'; customer_id: unknown customer '01' (ingest the customers file first)" },
      { line_number: 8, reason: "phone: not a valid number for US: '12'" },
    ]);
  });

  it("maps a customer id through the mapping's value map even when the id as written is another customer's", async () => {
    await loadCustomers();
    // the source numbers customers differently: its "1" is our 2 and its "2" is our 1
    const mapping = writeMapping(dir, 'renumber.json', { ...CALL_MAPPING, values: { ...CALL_MAPPING.values, customer_id: { '1': '2', '2': '1' } } });
    const rows = ['CallID,Cust,Start,Result,Talk,Sale', 'r1,1,2024-03-10 10:00:00,NOA,0,N', 'r2,2,2024-03-10 10:00:00,NOA,0,N', 'r3,3,2024-03-10 10:00:00,NOA,0,N'];
    const report = await ingestCalls('renumber.csv', rows, { mapping });
    expect(report).toMatchObject({ rowsLoaded: 3, rowsQuarantined: 0 });
    expect(await wh.query(`SELECT attempt_id, customer_id FROM call_attempts WHERE attempt_id LIKE 'r%' ORDER BY 1`)).toEqual([
      { attempt_id: 'r1', customer_id: '2' },
      { attempt_id: 'r2', customer_id: '1' },
      { attempt_id: 'r3', customer_id: '3' },
    ]);
  });

  it('loads a clean file whose only irregularity is a quoted newline, small or large, with exact line numbers', async () => {
    await loadCustomers();
    const small = ['CallID,Cust,Start,Result,Talk,Sale,Note', 'm1,1,2024-03-10 10:00:00,NOA,0,N,"two', 'lines"', 'm2,2,2024-03-10 11:00:00,NOA,5,N,x'];
    const r1 = await ingestFile(wh, writeText(dir, 'ml-small.csv', small.join('\n') + '\n'), { kind: 'call-attempts', mapping: callMapping, now: NOW });
    expect(r1).toMatchObject({ rowsRead: 2, rowsLoaded: 2, rowsQuarantined: 0 });
    expect(await wh.query(`SELECT attempt_id FROM call_attempts WHERE attempt_id LIKE 'm%' ORDER BY 1`)).toEqual([{ attempt_id: 'm1' }, { attempt_id: 'm2' }]);
    const lines = ['CallID,Cust,Start,Result,Talk,Sale,Note'];
    for (let i = 0; i < 120_000; i++) lines.push(`b${i},${1 + (i % 3)},2024-03-10 10:00:00,NOA,${i === 99_000 ? -1 : 0},N,${'x'.repeat(110)}`);
    lines[50] = 'b49,1,2024-03-10 10:00:00,NOA,0,N,"two\nlines"';
    lines[110_001] = 'b110000,1,2024-03-10 10:00:00,NOA,0,N,"two\nlines, late in the file"'; // in a later parallel chunk
    const r2 = await ingestCalls('ml-big.csv', lines);
    expect(r2).toMatchObject({ rowsRead: 120_000, rowsLoaded: 119_999, rowsQuarantined: 1 });
    // b99000 is record 99,002 (header = 1), one physical line further down after the quoted newline
    expect(await wh.query(`SELECT line_number FROM quarantine WHERE raw LIKE 'b99000,%'`)).toEqual([{ line_number: 99_003 }]);
  }, 60_000);

  it.each([
    ['plain', false],
    ['gzipped', true],
  ])('numbers lines exactly after empty lines, which the reader skips, and reads broken quoting before a quoted newline (%s)', async (_name, gz) => {
    await loadCustomers();
    const lines = [
      'CallID,Cust,Start,Result,Talk,Sale,Note',
      'e1,1,2024-03-10 10:00:00,NOA,0,N,x',
      '',
      'e2,2,2024-03-10 11:00:00,"NO"A,5,N,x', // broken quoting, rejected by the reader
      '',
      '',
      'e3,2,2024-03-10 11:00:00,NOA,-7,N,"a', // a quoted field holding an empty line (not skipped)
      '',
      'b"',
      'e4,2,2024-03-10 11:00:00,NOA,-8,N,x',
      'e5,1,2024-03-10 12:00:00,NOA,3,N,x',
    ];
    const file = writeText(dir, gz ? 'empty-lines.csv.gz' : 'empty-lines.csv', lines.join('\n') + '\n', gz);
    const report = await ingestFile(wh, file, { kind: 'call-attempts', mapping: callMapping, now: NOW });
    expect(report).toMatchObject({ rowsRead: 5, rowsLoaded: 2, rowsQuarantined: 3 });
    const q = await wh.query<{ line_number: number; raw: string }>('SELECT line_number, raw FROM quarantine ORDER BY line_number');
    expect(q.map((r) => r.line_number)).toEqual([4, 7, 10]);
    expect(q[0]!.raw).toBe(lines[3]);
    expect(q[1]!.raw).toBe(lines.slice(6, 9).join('\n'));
    expect(q[2]!.raw).toBe(lines[9]);
  });

  it.each([
    ['regular', false, undefined],
    ['with a quoted newline and a parse reject early on', true, undefined],
    ['regular, read in 1 MB buffers', false, 1 << 20],
    ['with a quoted newline and a parse reject, read in 1 MB buffers', true, 1 << 20],
  ])('numbers lines exactly in a file DuckDB reads in parallel chunks (%s)', async (_name, irregular, csvBufferBytes) => {
    await loadCustomers();
    // ~16 MB: DuckDB splits a file this size between its threads (and, with 1 MB buffers, reads
    // it in 16 buffers, records crossing their edges); the staged records' order (their rowids)
    // is what every line number comes from
    const rows = 120_000;
    const note = 'x'.repeat(110);
    const bad = new Set([5, 40_001, 77_777, 119_998]);
    const lines = ['CallID,Cust,Start,Result,Talk,Sale,Note'];
    for (let i = 0; i < rows; i++) {
      const talk = bad.has(i) ? '-1' : String(i % 600);
      lines.push(`c${i},${1 + (i % 3)},2024-03-10 ${String(i % 24).padStart(2, '0')}:00:00,NOA,${talk},N,${note}`);
    }
    if (irregular) {
      lines[3] = 'q2,1,2024-03-10 10:00:00,NOA,0,N,"two\nlines"'; // line 4 spans two physical lines
      lines[10] = 'q9,1,2024-03-10 10:00:00,"NO"A,0,N,broken'; // line 11 (physical line 12), rejected by the reader
    }
    const report = await ingestCalls('big.csv', lines, { csvBufferBytes });
    const shift = irregular ? 1 : 0; // the physical lines after line 4 move down by one
    const expected = [...bad].map((i) => i + 2 + (i + 1 > 3 ? shift : 0));
    if (irregular) expected.push(11 + shift);
    expected.sort((a, b) => a - b);
    const q = await wh.query<{ line_number: number; raw: string }>('SELECT line_number, raw FROM quarantine ORDER BY line_number');
    expect(q.map((r) => r.line_number)).toEqual(expected);
    // each quarantined line is the file's own line at that number
    const physical = lines.join('\n').split('\n');
    for (const r of q) expect(r.raw).toBe(physical[r.line_number - 1]);
    expect(report.rowsRead).toBe(rows);
    expect(report.rowsQuarantined).toBe(expected.length);
    expect(report.rowsLoaded).toBe(rows - expected.length);
  }, 60_000);

  it('is atomic: a failure mid-ingest leaves no trace in the data and records the failed run', async () => {
    await loadCustomers();
    const before = await wh.query('SELECT (SELECT count(*) FROM call_attempts) a, (SELECT count(*) FROM quarantine) q, (SELECT count(*) FROM consents) c, (SELECT count(*) FROM campaigns) k');
    const csv = ['CallID,Cust,Start,Result,Talk,Sale', 'a1,1,2024-03-10 10:00:00,ANS,120,Y', 'a2,1,bad,ANS,1,N'].join('\n');
    await expect(
      ingestFile(wh, writeText(dir, 'calls.csv', csv), {
        kind: 'call-attempts',
        mapping: callMapping,
        now: NOW,
        onProgress: (p) => {
          if (p.label === 'load') throw new Error('simulated crash during load');
        },
      }),
    ).rejects.toThrow(IngestError);
    expect(await wh.query('SELECT (SELECT count(*) FROM call_attempts) a, (SELECT count(*) FROM quarantine) q, (SELECT count(*) FROM consents) c, (SELECT count(*) FROM campaigns) k')).toEqual(before);
    expect(await wh.query(`SELECT status, error FROM ingest_runs WHERE kind = 'call-attempts'`)).toEqual([
      { status: 'failed', error: 'simulated crash during load' },
    ]);
  });

  it('refuses a CSV buffer too small to read with, naming the file', async () => {
    await loadCustomers();
    const file = writeText(dir, 'tiny-buffer.csv', 'CallID,Cust,Start,Result,Talk,Sale\nt1,1,2024-03-10 10:00:00,NOA,0,N\n');
    await expect(ingestFile(wh, file, { kind: 'call-attempts', mapping: callMapping, now: NOW, csvBufferBytes: 1000 })).rejects.toThrow(
      /tiny-buffer\.csv.*csvBufferBytes must be a whole number of bytes ≥ 65536, got 1000/,
    );
    expect(await wh.query(`SELECT count(*) AS n FROM call_attempts`)).toEqual([{ n: 0 }]);
  });

  it('rejects a bad mapping or a missing required column with a clear message and loads nothing', async () => {
    const badMapping = writeMapping(dir, 'bad.json', { columns: { Cust: 'customer_number' } });
    await expect(ingestFile(wh, writeText(dir, 'c.csv', CUSTOMERS_CSV), { kind: 'customers', mapping: badMapping })).rejects.toThrow(
      /bad\.json: columns\.Cust: "customer_number" is not a customers field/,
    );
    const notJson = writeText(dir, 'broken.json', '{ "columns": ');
    await expect(ingestFile(wh, writeText(dir, 'c.csv', CUSTOMERS_CSV), { kind: 'customers', mapping: notJson })).rejects.toBeInstanceOf(MappingError);
    await expect(ingestFile(wh, writeText(dir, 'c2.csv', 'a,b\n1,2\n'), { kind: 'customers' })).rejects.toThrow(
      /c2\.csv: no column for required field\(s\) customer_id, timezone/,
    );
    await expect(ingestFile(wh, join(dir, 'missing.csv'), { kind: 'customers' })).rejects.toThrow(/missing\.csv: file not found/);
    expect(await wh.one('SELECT count(*) AS n FROM customers')).toEqual({ n: 0 });
  });
});
