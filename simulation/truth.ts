/**
 * The ground-truth model of the synthetic call centre: how likely each customer is to answer at
 * each local hour of the week, to buy when reached, to opt out, and how long calls last.
 *
 * Design for learnability: answer curves are driven mainly by occupation, age and weekday vs
 * weekend (all in the CRM), with moderate individual variation; conversion is a non-linear
 * function of CRM attributes (income × age, balance × tenure) plus a latent engagement that
 * also drives the customer's behaviour events, so recent RFM features carry the signal.
 * Individual noise is kept moderate so a model can get close to the oracle.
 */
import { OCC } from './catalog.ts';
import { hashNormal, sigmoid } from './rng.ts';

/** Version of the truth model; bump when any formula or constant here changes. */
export const TRUTH_MODEL_VERSION = 1;

export const HOURS_PER_WEEK = 168;

type Day24 = readonly number[];

function day(values: Record<string, number>, fallback: number): number[] {
  // keys are "h" or "a-b" (inclusive hour ranges)
  const out = new Array<number>(24).fill(fallback);
  for (const [k, v] of Object.entries(values)) {
    const [a, b] = k.split('-').map(Number) as [number, number | undefined];
    for (let h = a; h <= (b ?? a); h++) out[h] = v;
  }
  return out;
}

interface WeekShape {
  readonly weekday: Day24;
  readonly saturday: Day24;
  readonly sunday: Day24;
}

/**
 * Answer logits by local hour for each occupation (shift workers get a per-customer rota on
 * top of their own shape). Night hours are very low for everyone.
 */
const SHAPES: Record<Exclude<keyof typeof OCC, 'shift_worker'>, WeekShape> = {
  office_worker: {
    weekday: day({ 6: -2.5, 7: -1.2, 8: -1.4, 9: -2.0, 10: -2.2, 11: -2.1, 12: -1.0, 13: -1.3, 14: -2.1, 15: -2.2, 16: -2.0, 17: -0.9, 18: 0.1, 19: 0.5, 20: 0.4, 21: -0.2, 22: -1.2, 23: -2.8 }, -4),
    saturday: day({ 7: -3, 8: -1.5, 9: -0.6, 10: -0.1, 11: 0.1, 12: 0.0, 13: 0.1, 14: 0.2, 15: 0.1, 16: 0.0, 17: 0.0, 18: 0.1, 19: 0.2, 20: 0.0, 21: -0.5, 22: -1.5, 23: -2.8 }, -4),
    sunday: day({ 7: -3.2, 8: -2.0, 9: -1.0, 10: -0.3, 11: 0.0, 12: -0.1, 13: 0.0, 14: 0.2, 15: 0.2, 16: 0.1, 17: 0.0, 18: 0.2, 19: 0.3, 20: 0.1, 21: -0.5, 22: -1.6, 23: -3 }, -4),
  },
  self_employed: {
    weekday: day({ 7: -1.5, 8: -0.6, '9-11': -0.5, 12: 0.1, '13-16': -0.5, 17: -0.4, 18: -0.3, 19: -0.2, 20: -0.5, 21: -1.2, 22: -2.5, 23: -3.5 }, -4),
    saturday: day({ 8: -1.6, 9: -1.0, '10-17': -0.4, '18-20': -0.2, 21: -1.0, 22: -2.4, 23: -3.5 }, -4),
    sunday: day({ 8: -2.0, 9: -1.2, '10-17': -0.3, '18-20': -0.1, 21: -1.0, 22: -2.4, 23: -3.5 }, -4),
  },
  retired: {
    weekday: day({ 6: -2.8, 7: -1.5, 8: -0.3, 9: 0.5, 10: 0.8, 11: 0.7, 12: 0.1, 13: 0.4, 14: 0.6, 15: 0.6, 16: 0.4, 17: 0.0, 18: -0.5, 19: -0.7, 20: -1.1, 21: -1.8, 22: -3.0 }, -4),
    saturday: day({ 7: -1.8, 8: -0.6, 9: 0.2, 10: 0.4, 11: 0.3, 12: -0.1, 13: 0.1, 14: 0.2, 15: 0.2, 16: 0.0, 17: -0.3, 18: -0.7, 19: -0.9, 20: -1.3, 21: -2.0, 22: -3.0 }, -4),
    sunday: day({ 7: -2.0, 8: -0.9, 9: -0.2, 10: -0.4, 11: -0.2, 12: -0.5, 13: -0.3, 14: 0.0, 15: 0.1, 16: 0.0, 17: -0.3, 18: -0.7, 19: -0.9, 20: -1.3, 21: -2.0, 22: -3.0 }, -4),
  },
  student: {
    weekday: day({ 0: -1.5, 1: -2.5, 8: -3.0, 9: -2.5, 10: -2.0, 11: -1.6, 12: -0.8, 13: -1.2, 14: -1.4, 15: -0.9, 16: -0.4, 17: -0.2, 18: 0.0, 19: 0.3, 20: 0.5, 21: 0.6, 22: 0.3, 23: -0.5 }, -4),
    saturday: day({ 0: -1.0, 1: -2.0, '8-9': -3.5, 10: -3.0, 11: -2.0, 12: -0.8, '13-17': 0.2, 18: 0.1, 19: 0.0, 20: -0.2, 21: -0.4, 22: -0.6, 23: -0.8 }, -4),
    sunday: day({ 0: -1.0, 1: -2.0, '8-9': -3.5, 10: -3.0, 11: -2.0, 12: -0.8, '13-17': 0.3, 18: 0.3, 19: 0.3, 20: 0.3, 21: 0.2, 22: -0.2, 23: -0.9 }, -4),
  },
  homemaker: {
    weekday: day({ 7: -1.8, 8: -1.2, 9: 0.2, 10: 0.5, 11: 0.4, 12: 0.0, 13: 0.3, 14: 0.2, 15: -0.8, 16: -0.6, 17: -0.8, 18: -1.0, 19: -0.6, 20: -0.2, 21: -0.6, 22: -2.0, 23: -3.5 }, -4),
    saturday: day({ 7: -2.2, 8: -1.4, '9-17': -0.4, 18: -0.9, 19: -0.6, 20: -0.3, 21: -0.7, 22: -2.0, 23: -3.5 }, -4),
    sunday: day({ 7: -2.4, 8: -1.6, '9-17': -0.4, 18: -0.9, 19: -0.6, 20: -0.3, 21: -0.7, 22: -2.0, 23: -3.5 }, -4),
  },
  unemployed: {
    weekday: day({ 7: -2.5, 8: -1.8, 9: -1.0, 10: -0.3, '11-17': 0.0, 18: -0.2, 19: -0.3, 20: -0.4, 21: -0.8, 22: -1.5, 23: -2.5 }, -4),
    saturday: day({ 8: -2.2, 9: -1.4, 10: -0.6, '11-17': -0.2, 18: -0.4, 19: -0.5, 20: -0.6, 21: -1.0, 22: -1.7, 23: -2.7 }, -4),
    sunday: day({ 8: -2.2, 9: -1.4, 10: -0.6, '11-17': -0.2, 18: -0.4, 19: -0.5, 20: -0.6, 21: -1.0, 22: -1.7, 23: -2.7 }, -4),
  },
};

/** Answer-logit base per occupation × local hour-of-week (shift workers: filled per customer). */
export const OCCUPATION_PROFILES: readonly Float32Array[] = (() => {
  const order = ['office_worker', 'shift_worker', 'self_employed', 'retired', 'student', 'homemaker', 'unemployed'] as const;
  return order.map((occ) => {
    const out = new Float32Array(HOURS_PER_WEEK);
    if (occ === 'shift_worker') return out;
    const s = SHAPES[occ];
    for (let d = 0; d < 7; d++) {
      const src = d < 5 ? s.weekday : d === 5 ? s.saturday : s.sunday;
      for (let h = 0; h < 24; h++) out[d * 24 + h] = src[h] as number;
    }
    return out;
  });
})();

/** Shift codes in a shift worker's weekly rota (2 bits per weekday). */
export const SHIFT_OFF = 0;
export const SHIFT_EARLY = 1; // 06–14
export const SHIFT_LATE = 2; // 14–22
export const SHIFT_NIGHT = 3; // 22–06 (into the next day)

export function shiftOf(rota: number, weekday: number): number {
  return (rota >>> (weekday * 2)) & 3;
}

/**
 * Answer logit of a shift worker at local hour-of-week: irregular across the week but the same
 * every week (their rota), so it is learnable from their own history.
 */
export function shiftWorkerLogit(rota: number, how: number): number {
  const d = Math.floor(how / 24);
  const h = how - d * 24;
  const today = shiftOf(rota, d);
  const yesterday = shiftOf(rota, (d + 6) % 7);
  // working?
  if (today === SHIFT_EARLY && h >= 6 && h < 14) return -2.3;
  if (today === SHIFT_LATE && h >= 14 && h < 22) return -2.3;
  if (today === SHIFT_NIGHT && h >= 22) return -2.3;
  if (yesterday === SHIFT_NIGHT && h < 6) return -2.3;
  // asleep?
  if (yesterday === SHIFT_NIGHT && h >= 7 && h < 14) return -3.2;
  if (today === SHIFT_EARLY && (h < 5 || h >= 22)) return -3.8;
  if (today === SHIFT_LATE && h < 9) return -3.5;
  if (today === SHIFT_OFF && yesterday !== SHIFT_NIGHT && (h < 8 || h >= 23)) return -3.8;
  if (today === SHIFT_NIGHT && h < 8 && yesterday !== SHIFT_NIGHT) return -3.5;
  // awake and free
  return today === SHIFT_OFF ? 0.3 : -0.1;
}

/** Coefficients of the truth model (recorded in truth/world.json for the record). */
export const COEF = {
  answer: {
    agePerYear: 0.012,
    levelSd: 0.35,
    weekdayNoiseSd: 0.06,
    hourNoiseSd: 0.06,
    cap: 0.95,
  },
  conversion: {
    intercept: -2.95,
    occupation: [0.15, 0.0, 0.35, -0.15, -0.7, 0.1, -0.5],
    incomeMidAge: 0.55,
    incomeOtherAge: -0.25,
    balanceTenure: 1.1,
    balanceNewCustomer: -0.8,
    young: -0.5,
    individualSd: 0.2,
    engagement: 0.9,
    fatiguePerAnswered7d: 0.5,
    robotMultiplier: 0.7,
    cap: 0.9,
  },
  engagement: {
    base: -0.1,
    perIncomeStep: 0.15,
    retired: 0.15,
    student: -0.2,
    sd: 0.65,
    maxAmplitude: 0.5,
    minPeriodDays: 45,
    maxPeriodDays: 200,
    slopeSdPer180Days: 0.25,
    eventsPerDay: 0.06,
  },
  optOut: {
    intercept: -3.7,
    sd: 0.35,
    retired: 0.4,
    engagement: -0.35,
    fatiguePerAnswered7d: 0.8,
    cap: 0.5,
  },
  dial: {
    failed: 0.006,
    busy: 0.03,
    abandoned: 0.025,
    wrongNumberInvalid: 0.8,
  },
} as const;

/** Bell curve of age around the mid-career peak: income matters most for 35–60 year olds. */
export function midAge(age: number): number {
  const z = (age - 47) / 16;
  return Math.exp(-z * z);
}

/**
 * Static (time-independent) part of the conversion logit: non-linear in CRM attributes with
 * interactions — income × age, balance × tenure.
 */
export function conversionStaticLogit(
  occupation: number,
  age: number,
  incomeBand: number,
  tenureMonths: number,
  balance: number,
  individual: number,
): number {
  const c = COEF.conversion;
  const inc = incomeBand - 2;
  const bell = midAge(age);
  const lb = Math.max(-0.5, Math.min(0.6, Math.log10(1 + Math.max(0, balance)) / 4 - 0.5));
  return (
    c.intercept +
    (c.occupation[occupation] ?? 0) +
    c.incomeMidAge * inc * bell +
    c.incomeOtherAge * inc * (1 - bell) +
    c.balanceTenure * lb * Math.tanh(tenureMonths / 30) +
    (tenureMonths < 6 ? c.balanceNewCustomer * Math.max(0, lb) : 0) +
    (age < 23 ? c.young : 0) +
    individual
  );
}

/** Answer probability from its logit parts; `hourNoise` is per (customer, hour-of-week). */
export function answerFromLogit(z: number): number {
  return COEF.answer.cap * sigmoid(z);
}

/** Fixed per-(customer, slot) wobble, identical every week. */
export function slotNoise(seedW: number, customer: number, slot: number, salt: number): number {
  return hashNormal(seedW, customer, slot, salt);
}
