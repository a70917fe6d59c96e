/**
 * Wall-clock time in a callee's IANA zone, computed with `Intl.DateTimeFormat` (so DST gaps and
 * overlaps follow the runtime's tz database) and one cached formatter per zone.
 *
 * Everything here works on epoch milliseconds and on *local day numbers*: whole days since
 * 1970-01-01 on the local calendar, so a local date is one integer (cheap Map/Set keys).
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A zone the runtime does not know: cached as `null` so a bad zone costs one failed lookup. */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f !== undefined) return f;
  // An empty or missing zone would silently mean "the server's zone": refuse it instead.
  if (typeof zone !== 'string' || zone.trim() === '') {
    f = null;
  } else {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        calendar: 'gregory',
        numberingSystem: 'latn',
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      f = null;
    }
  }
  formatters.set(zone, f);
  return f;
}

/** True when the runtime's tz database knows `zone` (e.g. `Europe/London`). */
export function isValidTimeZone(zone: string): boolean {
  return formatterFor(zone) !== null;
}

/** Parses the digits of `M/D/YYYY, HH:MM:SS` (en-US, h23) without allocating parts objects. */
function parseEnUs(s: string): number[] | null {
  const out = [0, 0, 0, 0, 0, 0];
  let field = 0;
  let inNumber = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      if (field >= 6) return null;
      out[field] = out[field]! * 10 + c;
      inNumber = true;
    } else if (inNumber) {
      field++;
      inNumber = false;
    }
  }
  if (inNumber) field++;
  return field === 6 ? out : null;
}

function partsSlow(f: Intl.DateTimeFormat, ms: number): number[] {
  const get: Record<string, number> = {};
  for (const p of f.formatToParts(ms)) if (p.type !== 'literal') get[p.type] = Number(p.value);
  return [get.month ?? 0, get.day ?? 0, get.year ?? 0, get.hour ?? 0, get.minute ?? 0, get.second ?? 0];
}

/**
 * Offsets are cached at 6-hour UTC bucket boundaries, per zone. When both ends of a bucket have
 * the same offset, so does every instant in it — assuming no zone has two transitions within
 * 6 h that cancel out, which holds for the tz database in modern times (the calendar scan makes
 * the same assumption). A bucket holding a transition is computed exactly for each instant.
 */
const BUCKET_MS = 6 * HOUR_MS;
const MAX_CACHED_BUCKETS = 50_000;
const boundaryOffsets = new Map<string, Map<number, number>>();

function boundaryOffset(cache: Map<number, number>, k: number, f: Intl.DateTimeFormat): number {
  let o = cache.get(k);
  if (o === undefined) {
    if (cache.size >= MAX_CACHED_BUCKETS) cache.clear();
    o = exactOffset(k * BUCKET_MS, f);
    cache.set(k, o);
  }
  return o;
}

/**
 * UTC offset of `zone` at instant `ms`, in milliseconds (local wall clock = `ms + offset`),
 * or `null` for an unknown zone.
 */
export function offsetAt(ms: number, zone: string): number | null {
  const f = formatterFor(zone);
  if (f === null) return null;
  let cache = boundaryOffsets.get(zone);
  if (cache === undefined) boundaryOffsets.set(zone, (cache = new Map()));
  const k = Math.floor(ms / BUCKET_MS);
  const start = boundaryOffset(cache, k, f);
  if (start === boundaryOffset(cache, k + 1, f)) return start;
  return exactOffset(ms, f);
}

/** The offset straight from Intl, uncached. */
function exactOffset(ms: number, f: Intl.DateTimeFormat): number {
  // The fast path reads the formatted string; odd output (or years < 1000) falls back to parts.
  let p = parseEnUs(f.format(ms));
  if (p === null || p[2]! < 1000) p = partsSlow(f, ms);
  const [month, day, year, hour, minute, second] = p as [number, number, number, number, number, number];
  let wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (year < 100) {
    // Date.UTC maps years 0…99 to 1900…1999.
    const d = new Date(wall);
    d.setUTCFullYear(year);
    wall = d.getTime();
  }
  // Intl drops milliseconds, so compare against the instant truncated to the second.
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The local wall clock as "epoch milliseconds of the same reading in UTC". */
export function wallClockMs(ms: number, zone: string): number | null {
  const off = offsetAt(ms, zone);
  return off === null ? null : ms + off;
}

/** Local day number (days since 1970-01-01) of a wall-clock value. */
export function dayNumberOfWall(wallMs: number): number {
  return Math.floor(wallMs / DAY_MS);
}

/** Milliseconds since local midnight of a wall-clock value. */
export function msOfDayOfWall(wallMs: number): number {
  return wallMs - Math.floor(wallMs / DAY_MS) * DAY_MS;
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

/** Civil date of a day number (proleptic Gregorian; H. Hinnant's `civil_from_days`). */
export function civilFromDays(dayNumber: number): { year: number; month: number; day: number } {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day number of a civil date (inverse of {@link civilFromDays}). */
export function daysFromCivil(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** `YYYY-MM-DD` of a day number, for messages. */
export function formatDayNumber(dayNumber: number): string {
  const { year, month, day } = civilFromDays(dayNumber);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `HH:MM` of a minute-of-day (0…1440), for messages. */
export function formatMinuteOfDay(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** Local day number of instant `ms` in `zone`, or `null` for an unknown zone. */
export function localDayNumber(ms: number, zone: string): number | null {
  const wall = wallClockMs(ms, zone);
  return wall === null ? null : dayNumberOfWall(wall);
}
