import { DAY_MS, HOUR_MS, isoWeekday, offsetAt } from './compliance/zoned-time.ts';

export { DAY_MS, HOUR_MS, MINUTE_MS } from './compliance/zoned-time.ts';

/**
 * Local hour-of-week of instant `ms` in `zone` (Monday 00:00 = 0 … Sunday 23:00 = 167, the
 * published run's p_answer index), or -1 for an unknown zone. Uses the compliance engine's cached
 * zone offsets, so it costs a map lookup, not an Intl call.
 */
export function localHourOfWeek(ms: number, zone: string): number {
  const off = offsetAt(ms, zone);
  return off === null ? -1 : hourOfWeekOfWall(ms + off);
}

/** Hour-of-week of a wall-clock value (local time expressed as epoch ms). */
export function hourOfWeekOfWall(wall: number): number {
  const day = Math.floor(wall / DAY_MS);
  const hour = Math.floor((wall - day * DAY_MS) / HOUR_MS);
  return (isoWeekday(day) - 1) * 24 + hour;
}

/** UTC offset of `zone` at `ms` in milliseconds, or null for an unknown zone. */
export function zoneOffsetMs(ms: number, zone: string): number | null {
  return offsetAt(ms, zone);
}
