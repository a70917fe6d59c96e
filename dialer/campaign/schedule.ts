import { DAY_MS, MINUTE_MS, isoWeekday, offsetAt } from '../compliance/zoned-time.ts';
import type { Campaign } from './campaign.ts';

/**
 * Whether the campaign's schedule admits instant t for a callee in `zone`: on the callee's own
 * clock (`schedule.timezone: callee`) or on the call centre's zone. The schedule narrows the
 * compliance window, never widens it — both must be open to dial.
 */
export function scheduleOpen(campaign: Campaign, zone: string, t: number): boolean {
  const tz = campaign.config.schedule.timezone === 'callee' ? zone : campaign.config.schedule.timezone;
  const off = offsetAt(t, tz);
  if (off === null) return false;
  const wall = t + off;
  const day = Math.floor(wall / DAY_MS);
  const { startMinute, endMinute, weekdays } = campaign.scheduleSpan;
  if (!weekdays.has(isoWeekday(day))) return false;
  const minute = Math.floor((wall - day * DAY_MS) / MINUTE_MS);
  return minute >= startMinute && minute < endMinute;
}
