/**
 * Time-zone arithmetic without a dependency: offsets come from Intl (the ICU data in Node) and
 * are cached per zone and UTC hour, since every zone we simulate changes offset on the hour.
 */

export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at instant `utcMs`, in minutes (local = utc + offset). */
export function tzOffsetMinutes(zone: string, utcMs: number): number {
  let byHour = offsetCache.get(zone);
  if (!byHour) {
    byHour = new Map();
    offsetCache.set(zone, byHour);
  }
  const hourKey = Math.floor(utcMs / MS_PER_HOUR);
  const cached = byHour.get(hourKey);
  if (cached !== undefined) return cached;
  const at = hourKey * MS_PER_HOUR;
  const parts = formatter(zone).formatToParts(new Date(at));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offset = Math.round((asUtc - at) / 60_000);
  byHour.set(hourKey, offset);
  return offset;
}

/**
 * UTC instant of a naive local wall-clock time (given as "local ms", i.e. the wall clock read as
 * if it were UTC). Two passes settle the offset; in a spring-forward gap the later offset wins.
 */
export function localToUtcMs(zone: string, localMs: number): number {
  const first = localMs - tzOffsetMinutes(zone, localMs) * 60_000;
  return localMs - tzOffsetMinutes(zone, first) * 60_000;
}

/** Wall clock of `utcMs` in `zone`, as "local ms". */
export function utcToLocalMs(zone: string, utcMs: number): number {
  return utcMs + tzOffsetMinutes(zone, utcMs) * 60_000;
}

/** Day number since 1970-01-01 → Monday = 0 … Sunday = 6. */
export function weekdayMon0(dayNumber: number): number {
  return (((dayNumber + 3) % 7) + 7) % 7;
}

/**
 * Local hour-of-week (Monday 00:00 = 0 … Sunday 23:00 = 167) of a "local ms" wall clock.
 */
export function hourOfWeekOfLocalMs(localMs: number): number {
  const day = Math.floor(localMs / MS_PER_DAY);
  const hour = Math.floor((localMs - day * MS_PER_DAY) / MS_PER_HOUR);
  return weekdayMon0(day) * 24 + hour;
}

const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + String(i));

export function pad2(n: number): string {
  return TWO[n] as string;
}

export function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** Civil date of a day number (days since 1970-01-01), without Date allocation in hot loops. */
export function civilFromDays(z: number): { y: number; m: number; d: number } {
  // Howard Hinnant's days_from_civil inverse.
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: m <= 2 ? y + 1 : y, m, d };
}

/**
 * Caches of formatted dates by day number, so writing millions of rows formats each date once.
 */
export class DateStrings {
  private readonly dmy = new Map<number, string>();
  private readonly iso = new Map<number, string>();

  /** "DD/MM/YYYY" */
  dayMonthYear(day: number): string {
    let s = this.dmy.get(day);
    if (s === undefined) {
      const { y, m, d } = civilFromDays(day);
      s = `${pad2(d)}/${pad2(m)}/${y}`;
      this.dmy.set(day, s);
    }
    return s;
  }

  /** "YYYY-MM-DD" */
  isoDate(day: number): string {
    let s = this.iso.get(day);
    if (s === undefined) {
      const { y, m, d } = civilFromDays(day);
      s = `${y}-${pad2(m)}-${pad2(d)}`;
      this.iso.set(day, s);
    }
    return s;
  }
}

/** "HH:MM:SS" of seconds since midnight. */
export function clock(secOfDay: number): string {
  const h = Math.floor(secOfDay / 3600);
  const m = Math.floor((secOfDay - h * 3600) / 60);
  const s = secOfDay - h * 3600 - m * 60;
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
}

/** Start of the current UTC day. */
export function startOfTodayUtc(now = Date.now()): number {
  return Math.floor(now / MS_PER_DAY) * MS_PER_DAY;
}
