import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Warehouse } from '../../warehouse/index.ts';
import { quoteLiteralPath } from '../../warehouse/index.ts';

/** A small CRM export with one customer per zone the tests care about. */
export const CUSTOMERS_CSV = [
  'Cust;Name;Mobile;TZ;Age;Consent;DNC;Email',
  '1;"Lee; Ann";07400 123456;Europe/London;34;Y;N;ann@example.com',
  '2;Bob;+1 (415) 555-2671;America/New_York;61;Y;N;',
  '3;Cy;0412 345 678;Australia/Sydney;45;N;Y;cy@example.com',
].join('\r\n');

export const CUSTOMER_MAPPING = {
  columns: { Cust: 'customer_id', Name: 'name', Mobile: 'phone', TZ: 'timezone', Consent: 'consent', DNC: 'dnc' },
  defaultRegion: 'GB',
};

export const CALL_MAPPING = {
  columns: { CallID: 'attempt_id', Cust: 'customer_id', Start: 'started_at', Result: 'disposition', Talk: 'talk_seconds', Sale: 'converted' },
  values: { disposition: { ANS: 'answered', NOA: 'no_answer', BSY: 'busy' } },
};

export function writeMapping(dir: string, name: string, mapping: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(mapping));
  return path;
}

export function writeText(dir: string, name: string, text: string, gzip = false): string {
  const path = join(dir, name);
  writeFileSync(path, gzip ? gzipSync(Buffer.from(text)) : text);
  return path;
}

/** Writes rows to a Parquet file through DuckDB (values are literal test data). */
export async function writeParquet(wh: Warehouse, path: string, selectSql: string): Promise<string> {
  await wh.run(`COPY (${selectSql}) TO ${quoteLiteralPath(path)} (FORMAT parquet)`);
  return path;
}
