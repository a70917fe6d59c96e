/**
 * The dialer's compliance engine: whether a lead may be dialled now, and why (not).
 *
 * - `resolvePolicy({ region, objective, campaignId, overrides })` → a compiled `CompliancePolicy`
 *   (defaults ← objective ← region preset ← campaign overrides), or `compilePolicy(config)`.
 * - `ContactHistory` per number, updated as each call ends, rebuilt from the call log.
 * - `decide(lead, history, now, policy)` → `Decision`.
 */
export { decide, BLOCK_CODES, PERMANENT_CODES } from './decide.ts';
export type { BlockCode, Decision } from './decide.ts';
export { ContactHistory, buildContactHistories, contactKey } from './history.ts';
export type { AttemptInput } from './history.ts';
export { LeadFactsSchema } from './lead.ts';
export type { LeadFacts } from './lead.ts';
export {
  DEFAULT_POLICY,
  OBJECTIVES,
  OBJECTIVE_DEFAULTS,
  PolicyConfigSchema,
  PolicyOverridesSchema,
  TimeRangeSchema,
  HolidaySchema,
  WEEKDAYS,
  compilePolicy,
  mergePolicy,
  resolvePolicy,
} from './policy.ts';
export type {
  CompliancePolicy,
  Objective,
  PolicyConfig,
  PolicyConfigInput,
  PolicyOverrides,
  RegionPreset,
  ResolvePolicyOptions,
  RollingCap,
  TimeRange,
  Weekday,
} from './policy.ts';
export { REGION_PRESETS } from './presets.ts';
export { CompliancePolicyError, ComplianceInputError } from './errors.ts';
export { isValidTimeZone } from './zoned-time.ts';
