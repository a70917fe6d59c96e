import ct from 'countries-and-timezones';
import type { Warehouse } from '../../warehouse/index.ts';

export const ZONE_TABLE = '__zones';

/**
 * A temp table of the IANA zones DuckDB knows, with the main country of each — used to
 * validate zones and to guess the dialling region of a national-format phone number. `id`
 * is a small integer per zone: joining and grouping on it is much cheaper than on the name.
 * Returns each zone's id by name.
 */
export async function ensureZoneTable(wh: Warehouse): Promise<Map<string, number>> {
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${ZONE_TABLE} (name VARCHAR PRIMARY KEY, country VARCHAR, id INTEGER NOT NULL)`);
  const zones = (await wh.query<{ name: string }>('SELECT DISTINCT name FROM pg_timezone_names() ORDER BY name')).map((r) => r.name);
  const appender = await wh.rawConnection.createAppender(ZONE_TABLE, 'main', 'temp');
  const ids = new Map<string, number>();
  for (const name of zones) {
    appender.appendVarchar(name);
    const country = ct.getTimezone(name)?.countries[0];
    if (country) appender.appendVarchar(country);
    else appender.appendNull();
    appender.appendInteger(ids.size);
    ids.set(name, ids.size);
    appender.endRow();
  }
  appender.closeSync();
  return ids;
}
