/**
 * Out-of-time windows: train on older rows, validate (early stopping, calibration, metrics) on
 * the newest ones, and optionally hold back an even newer gate window that training never
 * sees, so a candidate and the champion can be compared on data fresh to both.
 */
import { TrainingError } from './errors.ts';

export const DAY_MS = 86_400_000;

export interface WindowOptions {
  /** Use rows strictly before this time (default: just after the newest row). */
  asOf?: Date;
  /** Oldest row to use (default: all history). */
  from?: Date;
  /** Validation window length in days (default: the newest `validFraction` of rows). */
  validDays?: number;
  /** Share of rows (by time) in the validation window when validDays is not given (default 0.2). */
  validFraction?: number;
  /** Days before as-of held back for the promotion gate (default: none). */
  gateDays?: number;
}

export interface Windows {
  asOf: Date;
  trainFrom: Date | null;
  /** = validFrom */
  trainTo: Date;
  validFrom: Date;
  /** = gateFrom, or asOf without a gate window */
  validTo: Date;
  gateFrom: Date | null;
  gateTo: Date | null;
}

/** Where training rows end (exclusive): the gate window's start, else as-of. */
export function trainingEnd(asOf: Date, gateDays: number | undefined): Date {
  return gateDays ? new Date(asOf.getTime() - gateDays * DAY_MS) : asOf;
}

/**
 * Splits rows (their times in ms, any order) before `end` into train and validation by time.
 * Rows at or after `validFrom` validate.
 */
export function planWindows(timesMs: ArrayLike<number>, asOf: Date, options: WindowOptions = {}): Windows {
  const end = trainingEnd(asOf, options.gateDays);
  let validFrom: Date;
  if (options.validDays !== undefined) {
    if (!(options.validDays > 0)) throw new TrainingError(`validDays must be positive (got ${options.validDays})`);
    validFrom = new Date(end.getTime() - options.validDays * DAY_MS);
  } else {
    const fraction = options.validFraction ?? 0.2;
    if (!(fraction > 0 && fraction < 1)) throw new TrainingError(`validFraction must be between 0 and 1 (got ${fraction})`);
    const sorted = Float64Array.from(timesMs as ArrayLike<number>).filter((t) => t < end.getTime()).sort();
    if (sorted.length < 2) throw new TrainingError(`only ${sorted.length} rows before ${end.toISOString()}; nothing to split into train and validation`);
    const k = Math.min(sorted.length - 1, Math.max(1, Math.floor(sorted.length * (1 - fraction))));
    validFrom = new Date(sorted[k] as number);
  }
  return {
    asOf,
    trainFrom: options.from ?? null,
    trainTo: validFrom,
    validFrom,
    validTo: end,
    gateFrom: options.gateDays ? end : null,
    gateTo: options.gateDays ? asOf : null,
  };
}

/** Row indices of the train and validation parts (rows outside both are dropped). */
export function splitRows(timesMs: ArrayLike<number>, w: Windows): { train: Uint32Array; valid: Uint32Array } {
  const train: number[] = [];
  const valid: number[] = [];
  const from = w.trainFrom?.getTime() ?? Number.NEGATIVE_INFINITY;
  const vf = w.validFrom.getTime();
  const vt = w.validTo.getTime();
  for (let i = 0; i < timesMs.length; i++) {
    const t = timesMs[i] as number;
    if (t >= from && t < vf) train.push(i);
    else if (t >= vf && t < vt) valid.push(i);
  }
  return { train: Uint32Array.from(train), valid: Uint32Array.from(valid) };
}

/** Time in ms of a value DuckDB returned for a TIMESTAMPTZ (Date), or an ISO string / number. */
export function timeMs(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return new Date(v).getTime();
  return Number.NaN;
}

/** The registry's record of an out-of-time split: the planned windows and the rows each side got. */
export function outOfTimeWindow(asOf: Date, windows: Windows, rows: { train: number; valid: number }) {
  return {
    asOf,
    trainFrom: windows.trainFrom,
    trainTo: windows.trainTo,
    validFrom: windows.validFrom,
    validTo: windows.validTo,
    gateFrom: windows.gateFrom,
    gateTo: windows.gateTo,
    rowsTrain: rows.train,
    rowsValid: rows.valid,
    split: 'out-of-time' as const,
  };
}
