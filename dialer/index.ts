/**
 * The dialer's public API: a separate service that reads only the published run and writes only
 * its outcome log (it imports `contracts/` and npm packages, never models/, features/,
 * pipelines/, simulation/ or the warehouse).
 *
 * - compliance: `decide`, `ContactHistory`, `resolvePolicy` — whether a lead may be dialled now.
 * - campaign: `loadCampaign` / `parseCampaign` / `defineCampaign`, script templates.
 * - leads: `loadPublishedLeads(dataDir)` → a column-wise `LeadTable` of leads and scores.
 * - hopper: `Hopper` ranks eligible leads by expected value now, with logged-propensity
 *   exploration; `ScoreSource` makes the ranking pluggable (model, random order, oracle).
 * - pacing: `RobotPacer`, `PredictivePacer` (agent mode, abandon-rate guard).
 * - calls: `CallStateMachine` and its states; carrier: `Carrier`, `SimulatedCarrier`,
 *   `CallOutcomeModel`; clock: `SimulatedClock`.
 * - outcome-log: `OutcomeLog` (NDJSON segments, fsynced batches, close by rename, recovery).
 * - engine: `runDialingDay` → `DayStats`.
 */
export * from './compliance/index.ts';
export * from './campaign/index.ts';
export * from './leads/index.ts';
export * from './hopper/index.ts';
export * from './pacing/index.ts';
export * from './calls/index.ts';
export * from './carrier/index.ts';
export * from './clock/index.ts';
export * from './outcome-log/index.ts';
export { DialingEngine, runDialingDay } from './engine.ts';
export type { DayStats, DialingDayOptions, OutcomeSink } from './engine.ts';
export { auditDials, cloneHistory } from './audit.ts';
export type { AuditResult, AuditedDial } from './audit.ts';
export {
  CampaignValidationError,
  DialerConfigError,
  IllegalTransitionError,
  LeadTableError,
  MissingTemplateVariableError,
  OutcomeLogError,
  TemplateSyntaxError,
} from './errors.ts';
export { SeededRandom } from './rng.ts';
export type { RandomSource } from './rng.ts';
export { localHourOfWeek } from './time.ts';
