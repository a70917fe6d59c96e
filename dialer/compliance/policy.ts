import { z } from 'zod';
import { DISPOSITIONS } from '../../contracts/call-attempt.ts';
import type { Disposition } from '../../contracts/call-attempt.ts';
import { CompliancePolicyError } from './errors.ts';
import { REGION_PRESETS } from './presets.ts';
import { HOUR_MS, MINUTE_MS, daysFromCivil } from './zoned-time.ts';

/**
 * Compliance policy: what the config looks like (zod schemas with defaults), how region presets,
 * objective rules and campaign overrides combine, and the compiled form `decide` reads.
 */

/** Why a campaign calls: marketing (`sales`), debt `collections`, or service `notice`s. */
export const OBJECTIVES = ['sales', 'collections', 'notice'] as const;
export type Objective = (typeof OBJECTIVES)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const HHMM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** `HH:MM` → minutes since local midnight (`24:00` → 1440). */
export function parseHHMM(s: string): number {
  return Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
}

const TimeOfDaySchema = z.string().regex(HHMM, 'expected HH:MM (00:00…24:00)');

/**
 * A span of local wall-clock time inside one day, start inclusive, end exclusive: `09:00–21:00`
 * allows 09:00:00 up to 20:59:59.999. A window across midnight is two spans (`00:00–02:00` and
 * `22:00–24:00`), each on its own local date.
 */
export const TimeRangeSchema = z
  .strictObject({ start: TimeOfDaySchema, end: TimeOfDaySchema })
  .refine((r) => parseHHMM(r.start) < parseHHMM(r.end), {
    message: 'start must be before end (split a window across midnight into two ranges)',
  });
export type TimeRange = z.infer<typeof TimeRangeSchema>;

/** A holiday as a local date: `YYYY-MM-DD` (that day only) or `MM-DD` (every year). */
export const HolidaySchema = z
  .string()
  .regex(/^(?:\d{4}-)?\d{2}-\d{2}$/, 'expected YYYY-MM-DD or MM-DD')
  .refine((s) => {
    const parts = s.split('-').map(Number);
    const [y, m, d] = parts.length === 3 ? parts : [2000, ...parts]; // 2000: leap year, so 02-29 passes
    if (m! < 1 || m! > 12 || d! < 1) return false;
    return new Date(Date.UTC(y!, m! - 1, d!)).getUTCDate() === d;
  }, 'not a calendar date');

const CountSchema = z.int().min(0);
const RollingCapSchema = z.strictObject({
  /** Length of the rolling period in hours (e.g. 168 for "7 in 7 days"). */
  hours: z.number().positive(),
  /** Most attempts allowed in any such period. */
  max: CountSchema,
});
export type RollingCap = z.infer<typeof RollingCapSchema>;

const DispositionSchema = z.enum(DISPOSITIONS);

/**
 * Built-in defaults (the `default` preset sits on top of these). Configurable defaults, not legal
 * advice: each deployment must check them with its own counsel.
 */
export const DEFAULT_POLICY = {
  region: 'default',
  objective: 'sales' as Objective,
  campaignId: null as string | null,
  window: {
    hours: [{ start: '09:00', end: '21:00' }] as TimeRange[],
    days: [...WEEKDAYS] as Weekday[],
    byDay: {} as Partial<Record<Weekday, TimeRange[]>>,
  },
  holidays: [] as string[],
  attempts: {
    perDay: 3,
    per24h: 4,
    perCampaign: 10 as number | null,
    rolling: [] as RollingCap[],
  },
  spacing: {
    minGapMinutes: 60,
    backoff: {
      baseMinutes: 120,
      factor: 2,
      maxMinutes: 2880,
      on: ['no_answer', 'busy'] as Disposition[],
    },
    abandonedCooldownHours: 72,
  },
  consent: { required: true },
  dnc: { list: true, household: true },
};

const clone = <T>(v: T): (() => T) => () => structuredClone(v);
const D = DEFAULT_POLICY;

const WindowSchema = z.strictObject({
  /** Allowed local hours on every allowed day without a `byDay` entry. */
  hours: z.array(TimeRangeSchema).default(clone(D.window.hours)),
  /** Days of the week (callee's local calendar) on which calls are allowed at all. */
  days: z.array(z.enum(WEEKDAYS)).default(clone(D.window.days)),
  /** Hours for particular weekdays (e.g. a shorter Saturday); an empty list closes that day. */
  byDay: z.partialRecord(z.enum(WEEKDAYS), z.array(TimeRangeSchema)).default(clone(D.window.byDay)),
});

const AttemptsSchema = z.strictObject({
  /** Attempts per number per local calendar day of the callee, across campaigns. */
  perDay: CountSchema.default(D.attempts.perDay),
  /** Attempts per number in any rolling 24 hours, across campaigns. */
  per24h: CountSchema.default(D.attempts.per24h),
  /** Attempts per number within this campaign, ever; `null` = no cap. */
  perCampaign: CountSchema.nullable().default(D.attempts.perCampaign),
  /** Further rolling caps across campaigns (e.g. 7 in 168 h). */
  rolling: z.array(RollingCapSchema).default(clone(D.attempts.rolling)),
});

const BackoffSchema = z.strictObject({
  /** Gap after the first consecutive unanswered attempt. */
  baseMinutes: z.number().min(0).default(D.spacing.backoff.baseMinutes),
  /** Growth per further consecutive unanswered attempt. */
  factor: z.number().min(1).default(D.spacing.backoff.factor),
  /** Ceiling of the backoff gap. */
  maxMinutes: z.number().min(0).default(D.spacing.backoff.maxMinutes),
  /** Dispositions that count as "unanswered" for the backoff run. */
  on: z.array(DispositionSchema).default(clone(D.spacing.backoff.on)),
});

const SpacingSchema = z.strictObject({
  /** Minimum time between two attempts on a number, whatever their outcome. */
  minGapMinutes: z.number().min(0).default(D.spacing.minGapMinutes),
  /** After k consecutive unanswered attempts the gap is min(max, base·factor^(k−1)). */
  backoff: BackoffSchema.default(clone(D.spacing.backoff)),
  /** No automated redial this long after an abandoned (silent) call. */
  abandonedCooldownHours: z.number().min(0).default(D.spacing.abandonedCooldownHours),
});

/** The full policy for one region × objective × campaign, every field defaulted. */
export const PolicyConfigSchema = z
  .strictObject({
    /** Which preset the policy came from (informational). */
    region: z.string().min(1).default(D.region),
    objective: z.enum(OBJECTIVES).default(D.objective),
    /** Campaign whose attempts `attempts.perCampaign` counts; `null` counts attempts with no campaign. */
    campaignId: z.string().nullable().default(D.campaignId),
    window: WindowSchema.default(clone(D.window)),
    /** Local dates (callee's calendar) with no calls. */
    holidays: z.array(HolidaySchema).default(clone(D.holidays)),
    attempts: AttemptsSchema.default(clone(D.attempts)),
    spacing: SpacingSchema.default(clone(D.spacing)),
    /** Whether the lead's consent flag must be true. Always true for `sales`. */
    consent: z.strictObject({ required: z.boolean().default(D.consent.required) }).default(clone(D.consent)),
    /** Whether the lead's own DNC flag and household DNC propagation block calls. Always true for `sales`. */
    dnc: z
      .strictObject({ list: z.boolean().default(D.dnc.list), household: z.boolean().default(D.dnc.household) })
      .default(clone(D.dnc)),
  })
  .superRefine((p, ctx) => {
    // Marketing without consent or against a DNC list is not something a campaign may opt into.
    if (p.objective === 'sales' && !p.consent.required)
      ctx.addIssue({ code: 'custom', path: ['consent', 'required'], message: 'sales calls always require consent' });
    if (p.objective === 'sales' && !(p.dnc.list && p.dnc.household))
      ctx.addIssue({ code: 'custom', path: ['dnc'], message: 'sales calls always honour DNC and household DNC' });
  });
export type PolicyConfig = z.output<typeof PolicyConfigSchema>;
export type PolicyConfigInput = z.input<typeof PolicyConfigSchema>;

/** A partial policy layered over another: objects merge key by key, arrays and scalars replace. */
export const PolicyOverridesSchema = z.strictObject({
  window: z
    .strictObject({
      hours: z.array(TimeRangeSchema).optional(),
      days: z.array(z.enum(WEEKDAYS)).optional(),
      byDay: z.partialRecord(z.enum(WEEKDAYS), z.array(TimeRangeSchema)).optional(),
    })
    .optional(),
  holidays: z.array(HolidaySchema).optional(),
  attempts: z
    .strictObject({
      perDay: CountSchema.optional(),
      per24h: CountSchema.optional(),
      perCampaign: CountSchema.nullable().optional(),
      rolling: z.array(RollingCapSchema).optional(),
    })
    .optional(),
  spacing: z
    .strictObject({
      minGapMinutes: z.number().min(0).optional(),
      backoff: z
        .strictObject({
          baseMinutes: z.number().min(0).optional(),
          factor: z.number().min(1).optional(),
          maxMinutes: z.number().min(0).optional(),
          on: z.array(DispositionSchema).optional(),
        })
        .optional(),
      abandonedCooldownHours: z.number().min(0).optional(),
    })
    .optional(),
  consent: z.strictObject({ required: z.boolean().optional() }).optional(),
  dnc: z.strictObject({ list: z.boolean().optional(), household: z.boolean().optional() }).optional(),
});
export type PolicyOverrides = z.input<typeof PolicyOverridesSchema>;

/** A region's preset: overrides for every objective, then per-objective overrides on top. */
export interface RegionPreset {
  description: string;
  overrides: PolicyOverrides;
  objectives?: Partial<Record<Objective, PolicyOverrides>>;
}

/** Rules that follow from the objective alone, before any region preset. */
export const OBJECTIVE_DEFAULTS: Record<Objective, PolicyOverrides> = {
  sales: { consent: { required: true } },
  collections: { consent: { required: false } },
  notice: { consent: { required: false } },
};

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(policy)'}: ${i.message}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge for plain objects; arrays, scalars and `null` in `over` replace; `undefined` keeps. */
export function mergePolicy<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(out[k]) && isPlainObject(v) ? mergePolicy(out[k], v) : structuredClone(v);
  }
  return out as T;
}

/** A policy compiled for `decide`: minutes, milliseconds, bit masks and day numbers. */
export interface CompliancePolicy {
  readonly kind: 'compiled-compliance-policy';
  /** The validated config this was compiled from. */
  readonly config: Readonly<PolicyConfig>;
  readonly objective: Objective;
  readonly campaignId: string | null;
  /** Index 1…7 = ISO weekday (Mon…Sun) → sorted, disjoint `[startMinute, endMinute)` spans; empty = closed. */
  readonly hoursByWeekday: readonly (readonly (readonly [number, number])[])[];
  /** True when at least one weekday has hours: otherwise no block is ever temporary. */
  readonly anyOpenWeekday: boolean;
  /** Holidays on one date, as local day numbers. */
  readonly holidayDays: ReadonlySet<number>;
  /** Holidays every year, as `month * 100 + day`. */
  readonly annualHolidays: ReadonlySet<number>;
  readonly perDay: number;
  readonly per24h: number;
  readonly perCampaign: number | null;
  readonly rolling: readonly { readonly windowMs: number; readonly max: number; readonly hours: number }[];
  readonly minGapMs: number;
  readonly backoffBaseMs: number;
  readonly backoffFactor: number;
  readonly backoffMaxMs: number;
  /** Bit `i` set ⇔ `DISPOSITIONS[i]` counts as unanswered for backoff. */
  readonly backoffMask: number;
  readonly abandonedCooldownMs: number;
  readonly requireConsent: boolean;
  readonly honourDnc: boolean;
  readonly honourHouseholdDnc: boolean;
}

/** Sorts and merges overlapping/adjacent spans so a window check is one pass over a few pairs. */
function normaliseRanges(ranges: readonly TimeRange[]): [number, number][] {
  const spans = ranges.map((r) => [parseHHMM(r.start), parseHHMM(r.end)] as [number, number]);
  spans.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

/** Bit mask of dispositions (bit `i` ⇔ `DISPOSITIONS[i]`). */
export function dispositionMask(ds: readonly Disposition[]): number {
  let m = 0;
  for (const d of ds) m |= 1 << DISPOSITIONS.indexOf(d);
  return m;
}

/**
 * Validates a full policy config (missing fields take their defaults) and compiles it.
 * @throws CompliancePolicyError listing every invalid field.
 */
export function compilePolicy(input: PolicyConfigInput): CompliancePolicy {
  const parsed = PolicyConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    throw new CompliancePolicyError(`Invalid compliance policy — fix these fields: ${issues.join('; ')}`, issues, {
      cause: parsed.error,
    });
  }
  const config = parsed.data;
  const hoursByWeekday: [number, number][][] = [[]];
  for (const day of WEEKDAYS) {
    const open = config.window.days.includes(day);
    hoursByWeekday.push(open ? normaliseRanges(config.window.byDay[day] ?? config.window.hours) : []);
  }
  const holidayDays = new Set<number>();
  const annualHolidays = new Set<number>();
  for (const h of config.holidays) {
    const p = h.split('-').map(Number);
    if (p.length === 3) holidayDays.add(daysFromCivil(p[0]!, p[1]!, p[2]!));
    else annualHolidays.add(p[0]! * 100 + p[1]!);
  }
  return Object.freeze({
    kind: 'compiled-compliance-policy' as const,
    config: Object.freeze(config),
    objective: config.objective,
    campaignId: config.campaignId,
    hoursByWeekday,
    anyOpenWeekday: hoursByWeekday.some((h) => h.length > 0),
    holidayDays,
    annualHolidays,
    perDay: config.attempts.perDay,
    per24h: config.attempts.per24h,
    perCampaign: config.attempts.perCampaign,
    rolling: config.attempts.rolling.map((r) => ({ windowMs: r.hours * HOUR_MS, max: r.max, hours: r.hours })),
    minGapMs: config.spacing.minGapMinutes * MINUTE_MS,
    backoffBaseMs: config.spacing.backoff.baseMinutes * MINUTE_MS,
    backoffFactor: config.spacing.backoff.factor,
    backoffMaxMs: config.spacing.backoff.maxMinutes * MINUTE_MS,
    backoffMask: dispositionMask(config.spacing.backoff.on),
    abandonedCooldownMs: config.spacing.abandonedCooldownHours * HOUR_MS,
    requireConsent: config.objective === 'sales' || config.consent.required,
    honourDnc: config.objective === 'sales' || config.dnc.list,
    honourHouseholdDnc: config.objective === 'sales' || config.dnc.household,
  });
}

/** Validates one layer of overrides. @throws CompliancePolicyError naming the layer. */
export function parseOverrides(layer: string, overrides: unknown): PolicyOverrides {
  const parsed = PolicyOverridesSchema.safeParse(overrides ?? {});
  if (!parsed.success) {
    const issues = formatIssues(parsed.error).map((i) => `${layer}: ${i}`);
    throw new CompliancePolicyError(`Invalid ${layer} policy overrides — fix: ${issues.join('; ')}`, issues, {
      cause: parsed.error,
    });
  }
  return overrides as PolicyOverrides;
}

export interface ResolvePolicyOptions {
  /** The callee's region (ISO 3166 alpha-2 such as `US`); unknown regions use the `default` preset. */
  region?: string | null;
  objective: Objective;
  campaignId?: string | null;
  /** Campaign overrides, applied last, in order. */
  overrides?: PolicyOverrides | readonly PolicyOverrides[];
  /** Preset table to use instead of the built-in one (must contain `default`). */
  presets?: Readonly<Record<string, RegionPreset>>;
}

/**
 * The policy for one region × objective × campaign: built-in defaults ← objective defaults ←
 * `default` preset ← region preset (all objectives, then this objective) ← campaign overrides.
 * @throws CompliancePolicyError if a layer or the result does not validate.
 */
export function resolvePolicy(opts: ResolvePolicyOptions): CompliancePolicy {
  const presets = opts.presets ?? REGION_PRESETS;
  const key = (opts.region ?? '').trim().toUpperCase();
  const presetName = key !== '' && key !== 'DEFAULT' && presets[key] ? key : 'default';
  const layers: [string, unknown][] = [[`objective ${opts.objective}`, OBJECTIVE_DEFAULTS[opts.objective]]];
  const base = presets.default;
  if (base) layers.push(['preset default', base.overrides], ['preset default', base.objectives?.[opts.objective]]);
  if (presetName !== 'default') {
    const p = presets[presetName]!;
    layers.push([`preset ${presetName}`, p.overrides], [`preset ${presetName}/${opts.objective}`, p.objectives?.[opts.objective]]);
  }
  const campaign = opts.overrides === undefined ? [] : Array.isArray(opts.overrides) ? opts.overrides : [opts.overrides];
  campaign.forEach((o, i) => layers.push([`campaign override #${i + 1}`, o]));

  let config: Record<string, unknown> = structuredClone(DEFAULT_POLICY) as unknown as Record<string, unknown>;
  for (const [name, layer] of layers) {
    if (layer === undefined) continue;
    config = mergePolicy(config, parseOverrides(name, layer));
  }
  config.region = presetName;
  config.objective = opts.objective;
  config.campaignId = opts.campaignId ?? null;
  return compilePolicy(config as PolicyConfigInput);
}
