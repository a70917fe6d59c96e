import { z } from 'zod';
import { DISPOSITIONS } from '../../contracts/call-attempt.ts';
import { OBJECTIVES, PolicyOverridesSchema, WEEKDAYS } from '../compliance/policy.ts';
import { isValidTimeZone } from '../compliance/zoned-time.ts';
import { compileTemplate } from './template.ts';

/**
 * A campaign file (YAML or JSON). Example:
 *
 *   id: spring-upgrade
 *   objective: sales
 *   leads: { segments: [2, "young professionals"], minScore: 0.04 }
 *   script:
 *     template: "Hello {{customer_name}}, about your balance of {{amount}}…"
 *     defaults: { amount: "your account" }
 *   schedule: { days: [mon, tue, wed, thu, fri], start: "09:00", end: "20:00" }
 *   mode: { type: agent, agents: 20 }
 *   retry: { maxAttempts: 3 }
 *   exploration: 0.1
 *   valuePerConversion: 120
 *
 * The campaign's schedule and retry policy only ever narrow what the compliance policy allows;
 * `compliance` (optional) is a layer of compliance overrides, validated by the compliance engine.
 */
const HHMM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const minutesOf = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

const TimeOfDay = z.string().regex(HHMM, 'expected HH:MM (00:00…24:00)');

const LeadFilterSchema = z.strictObject({
  /** Segment ids (numbers) or names (strings) from the published run; empty or absent = all. */
  segments: z.array(z.union([z.int(), z.string().min(1)])).optional(),
  /** Keep leads whose `scoreField` is at least this. */
  minScore: z.number().min(0).optional(),
  /** Which published score `minScore` applies to. */
  scoreField: z.enum(['p_convert', 'expected_value']).default('p_convert'),
  /** Only these customers: inline ids, or `{ file }` with one id per line (relative to the campaign file). */
  list: z.union([z.array(z.string().min(1)), z.strictObject({ file: z.string().min(1) })]).optional(),
});

const ScriptSchema = z.strictObject({
  template: z.string().min(1).superRefine((s, ctx) => {
    try {
      compileTemplate(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  /** Values used when a lead has no value of its own for a variable. */
  defaults: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

const ScheduleSchema = z
  .strictObject({
    days: z.array(z.enum(WEEKDAYS)).min(1, 'list at least one day (mon…sun)'),
    start: TimeOfDay,
    end: TimeOfDay,
    /** Whose clock `start`/`end` are read on: `callee` (each lead's own zone) or an IANA zone (the call centre's). */
    timezone: z
      .string()
      .default('callee')
      .refine((z) => z === 'callee' || isValidTimeZone(z), 'expected "callee" or an IANA time zone such as Europe/London'),
  })
  .refine((s) => minutesOf(s.start) < minutesOf(s.end), { message: 'start must be before end', path: ['end'] });

const RobotModeSchema = z.strictObject({
  type: z.literal('robot'),
  /** Concurrent lines: at most this many live calls. */
  lines: z.int().min(1),
});

const AgentModeSchema = z
  .strictObject({
    type: z.literal('agent'),
    agents: z.int().min(1),
    /** Dial level (lines per waiting agent) bounds; the pacer moves within them. */
    minDialLevel: z.number().min(1).max(3).default(1),
    maxDialLevel: z.number().min(1).max(3).default(3),
    /** Abandoned share of answered calls the pacer aims for, and the hard ceiling it never plans past. */
    targetAbandonRate: z.number().min(0).max(0.03).default(0.02),
    maxAbandonRate: z.number().min(0).max(0.03).default(0.03),
    /**
     * Rolling window of the abandon rate, in minutes (default 24 h, as Ofcom measures it). The
     * window starts with the dialing run; within it the guard holds the share at or below
     * maxAbandonRate at every instant (see PredictivePacer).
     */
    abandonWindowMinutes: z.number().positive().default(1440),
    /** How often the dial level is re-estimated (VICIdial adapts every few seconds). */
    adjustEverySeconds: z.number().positive().default(5),
    /** How long an answered call may wait for an agent before it is abandoned. */
    maxHoldSeconds: z.number().min(0).default(2),
    /** Agent after-call work before the next call. */
    wrapUpSeconds: z.number().min(0).default(10),
  })
  .refine((m) => m.minDialLevel <= m.maxDialLevel, { message: 'minDialLevel must not exceed maxDialLevel', path: ['maxDialLevel'] })
  .refine((m) => m.targetAbandonRate <= m.maxAbandonRate, {
    message: 'targetAbandonRate must not exceed maxAbandonRate',
    path: ['targetAbandonRate'],
  });

const DispositionEnum = z.enum(DISPOSITIONS);

const RetrySchema = z.strictObject({
  /** Attempts per lead in this campaign, ever (the compliance cap may be lower). */
  maxAttempts: z.int().min(1).default(3),
  /** Wait after an attempt with this disposition before the campaign retries (compliance spacing still applies). */
  delayMinutes: z
    .partialRecord(DispositionEnum, z.number().min(0))
    .default({ no_answer: 120, busy: 15, voicemail: 240, rejected: 1440, failed: 5, abandoned: 4320 }),
  /** Dispositions after which the campaign never calls the lead again. */
  stopOn: z.array(DispositionEnum).default(['answered', 'invalid_number']),
});

export const CampaignSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'expected letters, digits, and _ . : - (e.g. spring-upgrade)'),
  name: z.string().optional(),
  objective: z.enum(OBJECTIVES),
  leads: LeadFilterSchema.default({ scoreField: 'p_convert' }),
  script: ScriptSchema,
  schedule: ScheduleSchema,
  mode: z.discriminatedUnion('type', [RobotModeSchema, AgentModeSchema]),
  retry: RetrySchema.default({
    maxAttempts: 3,
    delayMinutes: { no_answer: 120, busy: 15, voicemail: 240, rejected: 1440, failed: 5, abandoned: 4320 },
    stopOn: ['answered', 'invalid_number'],
  }),
  /** Share of dials given to leads drawn uniformly from the eligible pool (0…1). */
  exploration: z.number().min(0).max(1).default(0.1),
  /** Value of one conversion, in the campaign's currency: expected value = p_answer × p_convert × this. */
  valuePerConversion: z.number().positive(),
  /** The hopper: leads kept ranked and ready; refilled when it falls below `lowWater`. */
  hopper: z
    .strictObject({ size: z.int().min(1).default(2000), lowWater: z.int().min(0).optional() })
    .default({ size: 2000 }),
  /** Compliance overrides for this campaign (layered over region presets; cannot relax sales rules). */
  compliance: PolicyOverridesSchema.optional(),
});

export type CampaignConfig = z.output<typeof CampaignSchema>;
export type CampaignInput = z.input<typeof CampaignSchema>;
export type CampaignMode = CampaignConfig['mode'];
export type RobotMode = z.output<typeof RobotModeSchema>;
export type AgentMode = z.output<typeof AgentModeSchema>;
export type RetryPolicy = z.output<typeof RetrySchema>;
export type CampaignSchedule = z.output<typeof ScheduleSchema>;
export type LeadFilter = z.output<typeof LeadFilterSchema>;
