import ct from 'countries-and-timezones';
import type { Warehouse } from '../../warehouse/index.ts';

export const ZONE_TABLE = '__zones';

/**
 * A temp table of the IANA zones DuckDB knows, with the main country of each — used to
 * validate zones and to guess the dialling region of a national-format phone number.
 */
export async function ensureZoneTable(wh: Warehouse): Promise<Set<string>> {
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${ZONE_TABLE} (name VARCHAR PRIMARY KEY, country VARCHAR)`);
  const zones = (await wh.query<{ name: string }>('SELECT DISTINCT name FROM pg_timezone_names() ORDER BY name')).map((r) => r.name);
  const appender = await wh.rawConnection.createAppender(ZONE_TABLE, 'main', 'temp');
  for (const name of zones) {
    appender.appendVarchar(name);
    const country = ct.getTimezone(name)?.countries[0];
    if (country) appender.appendVarchar(country);
    else appender.appendNull();
    appender.endRow();
  }
  appender.closeSync();
  return new Set(zones);
}
