import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Warehouse } from '../../warehouse/index.ts';

export const PHONE_TABLE = '__phone_map';

export interface PhoneResult {
  e164: string | null;
  error: string | null;
}

/** Normalises one number to E.164, or says why it cannot be. */
export function normalisePhone(raw: string, region: string): PhoneResult {
  const parsed = parsePhoneNumberFromString(raw, { defaultCountry: region as CountryCode, extract: false });
  if (!parsed) return { e164: null, error: `not a phone number: '${raw.slice(0, 40)}'` };
  if (!parsed.isValid()) return { e164: null, error: `not a valid number for ${parsed.country ?? region}: '${raw.slice(0, 40)}'` };
  return { e164: parsed.number, error: null };
}

/**
 * Builds `__phone_map(raw, region, e164, error)` for the distinct (number, region) pairs the
 * query yields: phone parsing is JavaScript (libphonenumber-js), so it runs once per distinct
 * number, and the rows join to the result in SQL.
 */
export async function buildPhoneMap(wh: Warehouse, distinctSql: string, params: Record<string, unknown>): Promise<number> {
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${PHONE_TABLE} (raw VARCHAR, region VARCHAR, e164 VARCHAR, error VARCHAR)`);
  const pairs = await wh.columns(distinctSql, params as never);
  const raws = (pairs.raw ?? []) as string[];
  const regions = (pairs.region ?? []) as string[];
  const appender = await wh.rawConnection.createAppender(PHONE_TABLE, 'main', 'temp');
  for (let i = 0; i < raws.length; i++) {
    const raw = raws[i]!;
    const region = regions[i]!;
    const result = normalisePhone(raw, region);
    appender.appendVarchar(raw);
    appender.appendVarchar(region);
    if (result.e164) appender.appendVarchar(result.e164);
    else appender.appendNull();
    if (result.error) appender.appendVarchar(result.error);
    else appender.appendNull();
    appender.endRow();
  }
  appender.closeSync();
  return raws.length;
}
