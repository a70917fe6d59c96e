import { describe, expect, it } from 'vitest';
import { ARMS, DISPOSITIONS, HANDLERS } from '../../contracts/index.ts';
import { ingestFile } from '../../pipelines/index.ts';
import { useTempWarehouse } from '../helpers/warehouse.ts';
import { CALL_MAPPING, CUSTOMER_MAPPING, CUSTOMERS_CSV, writeMapping, writeText } from './ingest-fixtures.ts';

const NOW = new Date('2024-06-01T00:00:00Z');

/**
 * What ingest writes to disk: the text columns keep the compression migrations 070 (call log) and
 * 080 (events) name; the call log's codes are enums (090), stored as one byte a row.
 */
describe('ingest storage', () => {
  const t = useTempWarehouse();

  it('writes call attempts with the named compression (FSST ids, dictionary constants) and codes as enums', async () => {
    await ingestFile(t.wh, writeText(t.dir, 'customers.csv', CUSTOMERS_CSV), { kind: 'customers', mapping: writeMapping(t.dir, 'c.json', CUSTOMER_MAPPING), now: NOW });
    const lines = ['CallID,Cust,Start,Result,Talk,Sale'];
    for (let i = 0; i < 5000; i++) lines.push(`call-${i},${1 + (i % 3)},2024-03-10 ${String(i % 24).padStart(2, '0')}:00:00,${i % 2 ? 'ANS' : 'NOA'},${i % 60},N`);
    const report = await ingestFile(t.wh, writeText(t.dir, 'calls.csv', lines.join('\n') + '\n'), { kind: 'call-attempts', mapping: writeMapping(t.dir, 'm.json', CALL_MAPPING), now: NOW });
    expect(report).toMatchObject({ rowsLoaded: 5000, rowsQuarantined: 0 });
    await t.wh.run('CHECKPOINT');
    const storage = await t.wh.query<{ column_name: string; methods: string }>(
      `SELECT column_name, string_agg(DISTINCT compression, ',' ORDER BY compression) AS methods
       FROM pragma_storage_info('call_attempts') WHERE segment_type = 'VARCHAR' AND column_name IN ('attempt_id', 'customer_id', 'phone_hash', 'source', 'ingest_run_id')
       GROUP BY 1 ORDER BY 1`,
    );
    expect(Object.fromEntries(storage.map((s) => [s.column_name, s.methods]))).toEqual({
      attempt_id: 'FSST',
      customer_id: 'FSST',
      ingest_run_id: 'Dictionary',
      phone_hash: 'FSST',
      source: 'Dictionary',
    });
    // the enums hold the contract's codes, in alphabetical order (so ORDER BY sorts as on text)
    const enumOf = (values: readonly string[]) => `ENUM(${[...values].sort().map((v) => `'${v}'`).join(', ')})`;
    const codes = await t.wh.query<{ column_name: string; segment_type: string }>(
      `SELECT DISTINCT column_name, segment_type FROM pragma_storage_info('call_attempts')
       WHERE column_name IN ('disposition', 'handled_by', 'arm') AND segment_type <> 'VALIDITY' ORDER BY 1`,
    );
    expect(codes).toEqual([
      { column_name: 'arm', segment_type: enumOf(ARMS) },
      { column_name: 'disposition', segment_type: enumOf(DISPOSITIONS) },
      { column_name: 'handled_by', segment_type: enumOf(HANDLERS) },
    ]);
    expect(await t.wh.query(`SELECT disposition, count(*) AS n FROM call_attempts GROUP BY 1 ORDER BY 1`)).toEqual([
      { disposition: 'answered', n: 2500 },
      { disposition: 'no_answer', n: 2500 },
    ]);
  });

  it('writes events with the named compression (FSST ids, dictionary types)', async () => {
    await ingestFile(t.wh, writeText(t.dir, 'customers.csv', CUSTOMERS_CSV), { kind: 'customers', mapping: writeMapping(t.dir, 'c.json', CUSTOMER_MAPPING), now: NOW });
    const lines = ['EventID,Cust,When,Kind,Amount'];
    for (let i = 0; i < 5000; i++) lines.push(`ev-${i},${1 + (i % 3)},2024-03-10 ${String(i % 24).padStart(2, '0')}:00:00,${['purchase', 'payment', 'visit'][i % 3]},${i % 97}.5`);
    const mapping = { columns: { EventID: 'event_id', Cust: 'customer_id', When: 'ts', Kind: 'type', Amount: 'value' } };
    const report = await ingestFile(t.wh, writeText(t.dir, 'events.csv', lines.join('\n') + '\n'), { kind: 'events', mapping: writeMapping(t.dir, 'e.json', mapping), now: NOW });
    expect(report).toMatchObject({ rowsLoaded: 5000, rowsQuarantined: 0 });
    await t.wh.run('CHECKPOINT');
    const storage = await t.wh.query<{ column_name: string; methods: string }>(
      `SELECT column_name, string_agg(DISTINCT compression, ',' ORDER BY compression) AS methods
       FROM pragma_storage_info('events') WHERE segment_type = 'VARCHAR' GROUP BY 1 ORDER BY 1`,
    );
    expect(Object.fromEntries(storage.map((s) => [s.column_name, s.methods]))).toEqual({
      customer_id: 'FSST',
      event_id: 'FSST',
      ingest_run_id: 'Dictionary',
      source: 'Dictionary',
      type: 'Dictionary',
    });
  });
});
