/**
 * Local hour-of-week (Monday 00:00 = 0 … Sunday 23:00 = 167, in the callee's own zone) as the
 * contact model sees it, allowed-hours masks, and picking the best hours.
 *
 * The network's hour input is cyclic (sine/cosine of the hour of day, three harmonics, and of
 * the hour of week) plus the day type (weekday, Saturday, Sunday), so 23:00 sits next to 00:00
 * and weekend evenings can differ from weekday ones.
 */
import { HOURS_PER_WEEK } from '../../contracts/index.ts';
import { hourOfWeekFeature, HOUR_OF_WEEK_BLOCKS } from '../../features/index.ts';

export { HOURS_PER_WEEK };
export const HOUR_ENCODING_WIDTH = 11;
/** Hours per block of the features' hour_of_week family (42 blocks of 4 hours). */
export const HOURS_PER_BLOCK = HOURS_PER_WEEK / HOUR_OF_WEEK_BLOCKS;

export type DayType = 'weekday' | 'saturday' | 'sunday';

export function dayType(how: number): DayType {
  const day = Math.floor(how / 24);
  return day === 5 ? 'saturday' : day === 6 ? 'sunday' : 'weekday';
}

/** The features' 4-hour block holding a local hour-of-week. */
export function blockOf(how: number): number {
  return Math.floor(how / HOURS_PER_BLOCK);
}

/** The customer feature holding the customer's smoothed answer rate in that hour's block. */
export function blockFeatureOf(how: number): string {
  return hourOfWeekFeature(blockOf(how));
}

/** The 11 inputs describing one hour-of-week. */
export function encodeHour(how: number, out: Float32Array = new Float32Array(HOUR_ENCODING_WIDTH), offset = 0): Float32Array {
  const h = how % 24;
  let k = offset;
  for (let harmonic = 1; harmonic <= 3; harmonic++) {
    const angle = (2 * Math.PI * harmonic * h) / 24;
    out[k++] = Math.sin(angle);
    out[k++] = Math.cos(angle);
  }
  const week = (2 * Math.PI * how) / HOURS_PER_WEEK;
  out[k++] = Math.sin(week);
  out[k++] = Math.cos(week);
  const type = dayType(how);
  out[k++] = type === 'weekday' ? 1 : 0;
  out[k++] = type === 'saturday' ? 1 : 0;
  out[k++] = type === 'sunday' ? 1 : 0;
  return out;
}

/** 168 × 11 row-major: the encoding of every hour of the week. */
export const HOUR_TABLE: Float32Array = (() => {
  const t = new Float32Array(HOURS_PER_WEEK * HOUR_ENCODING_WIDTH);
  for (let how = 0; how < HOURS_PER_WEEK; how++) encodeHour(how, t, how * HOUR_ENCODING_WIDTH);
  return t;
})();

/**
 * A 168-entry mask of allowed local hours: `days` (0 = Monday … 6 = Sunday, default all) from
 * `fromHour` (inclusive) to `toHour` (exclusive). The default, every day 09:00–21:00, mirrors
 * the dialer's default calling window; pass the campaign's own window when it differs.
 */
export function allowedHoursMask(options: { days?: readonly number[]; fromHour?: number; toHour?: number } = {}): Uint8Array {
  const days = options.days ?? [0, 1, 2, 3, 4, 5, 6];
  const from = options.fromHour ?? 9;
  const to = options.toHour ?? 21;
  const mask = new Uint8Array(HOURS_PER_WEEK);
  for (const d of days) for (let h = from; h < to; h++) mask[d * 24 + h] = 1;
  return mask;
}

export const DEFAULT_ALLOWED_HOURS: Readonly<Uint8Array> = allowedHoursMask();

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** "Tue 18:00" */
export function formatHour(how: number): string {
  return `${DAY_NAMES[Math.floor(how / 24)] ?? '?'} ${String(how % 24).padStart(2, '0')}:00`;
}

/** The hours a mask of 168 allows, in order (what bestHoursOf scans). */
export function allowedHoursOf(mask: ArrayLike<number>): Int16Array {
  return Int16Array.from({ length: HOURS_PER_WEEK }, (_, h) => h).filter((h) => mask[h]);
}

/**
 * The k allowed hours with the highest probability in one row of 168, best first (fewer when
 * fewer hours are allowed: the rest are -1). `allowed` lists the hours in order
 * (allowedHoursOf); ties keep the earlier hour.
 */
export function bestHoursOf(
  p: ArrayLike<number>,
  offset: number,
  allowed: ArrayLike<number>,
  k: number,
  out: Int16Array,
  outOffset: number,
  scratch?: { p: Float64Array; h: Int16Array },
): void {
  const bestP = scratch?.p ?? new Float64Array(k);
  const bestH = scratch?.h ?? new Int16Array(k);
  bestP.fill(Number.NEGATIVE_INFINITY);
  bestH.fill(-1);
  for (let q = 0; q < allowed.length; q++) {
    const h = allowed[q] as number;
    const v = p[offset + h] as number;
    if (!(v > (bestP[k - 1] as number))) continue;
    let pos = k - 1;
    while (pos > 0 && v > (bestP[pos - 1] as number)) {
      bestP[pos] = bestP[pos - 1] as number;
      bestH[pos] = bestH[pos - 1] as number;
      pos--;
    }
    bestP[pos] = v;
    bestH[pos] = h;
  }
  for (let r = 0; r < k; r++) out[outOffset + r] = bestH[r] as number;
}

export interface HourWindow {
  /** First hour-of-week of the window. */
  from: number;
  /** Hour-of-week after the last one (exclusive). */
  to: number;
  /** Mean probability over the window's hours. */
  p: number;
  label: string;
}

/**
 * Best hours merged into contiguous windows ("Tue 18:00–21:00"), best window first: the
 * readable form of bestHoursOf for reports and the CLI.
 */
export function bestWindows(pRow: ArrayLike<number>, mask: ArrayLike<number>, hours = 6): HourWindow[] {
  const best = new Int16Array(hours);
  bestHoursOf(pRow, 0, allowedHoursOf(mask), hours, best, 0);
  const chosen = [...best].filter((h) => h >= 0).sort((a, b) => a - b);
  const windows: HourWindow[] = [];
  for (const h of chosen) {
    const last = windows.at(-1);
    if (last && last.to === h) last.to = h + 1;
    else windows.push({ from: h, to: h + 1, p: 0, label: '' });
  }
  for (const w of windows) {
    let sum = 0;
    for (let h = w.from; h < w.to; h++) sum += pRow[h] as number;
    w.p = sum / (w.to - w.from);
    w.label = `${formatHour(w.from)}–${String(((w.to - 1) % 24) + 1).padStart(2, '0')}:00`;
  }
  return windows.sort((a, b) => b.p - a.p);
}
