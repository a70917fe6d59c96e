/**
 * simulation/ — a synthetic call centre with known ground truth.
 *
 * - `generate(options)` writes CRM-style exports (customers, events, call log), mapping files,
 *   a record of every dirty line and the truth; returns the manifest.
 * - `createWorld(options)` / `loadWorld(dir)` give the World: customers and their true answer,
 *   conversion and opt-out probabilities, and `dial()` — the callee side of a call — for the
 *   simulated carrier and the oracle.
 * - `simulateHistory(world, options, onDay)` replays the naive historical policy in memory.
 *
 * Only this folder (and the simulated carrier) may read ground truth.
 */
export {
  generate,
  writeEventsBetween,
  defaultOutDir,
  defaultDataDir,
  DIRTY_KINDS,
  EXPORT_FILES,
  FILE_DIRTY_KINDS,
  GENERATE_STEPS,
  type DirtyEntry,
  type DirtyKind,
  type ExportFile,
  type GenerateManifest,
  type GenerateOptions,
  type GenerateProgress,
  type GenerateStep,
  type ManifestFile,
} from './export.ts';
export {
  createWorld,
  customerIdOf,
  newDialResult,
  resolveWorldParams,
  World,
  type BehaviourEvent,
  type CustomerProfile,
  type DialOptions,
  type DialResult,
  type RecentContacts,
  type SharedNumberKind,
  type WorldOptions,
  type WorldParams,
} from './world.ts';
export { loadWorld, readWorldFile, worldFingerprint, type WorldFile } from './truth-export.ts';
export {
  AttemptBatch,
  DISPOSITION_INDEX,
  expectedAttempts,
  simulateHistory,
  type HistoryOptions,
  type HistoryState,
} from './history.ts';
export { Rng } from './rng.ts';
export { COEF as TRUTH_COEFFICIENTS, HOURS_PER_WEEK, TRUTH_MODEL_VERSION } from './truth.ts';
export {
  CAMPAIGNS,
  INCOME_BANDS,
  OCCUPATIONS,
  REGIONS,
  RESULT_CODES,
  type CampaignDef,
  type IncomeBand,
  type Occupation,
  type RegionDef,
} from './catalog.ts';
export { CALL_LOG_MAPPING, CUSTOMERS_MAPPING, EVENTS_MAPPING, CALL_COLUMNS, CUSTOMER_COLUMNS, EVENT_COLUMNS } from './mappings.ts';
export { InvalidWorldParamsError, WorldMismatchError, WorldNotFoundError } from './errors.ts';
export { hourOfWeekOfLocalMs, localToUtcMs, utcToLocalMs, tzOffsetMinutes } from './tz.ts';
