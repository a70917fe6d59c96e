/**
 * The segment pipeline: `segmentCustomers` turns a feature snapshot into stable, named,
 * profiled customer segments (tables segment_runs, customer_segments, segment_profiles).
 */
export {
  segmentCustomers,
  DEFAULT_K_RANGE,
  DEFAULT_N_INIT,
  DEFAULT_SAMPLE_SIZE,
  DEFAULT_WARM_START_TOLERANCE,
  type SegmentOptions,
  type SegmentRunResult,
} from './segment.ts';
export {
  latestSegments,
  getSegmentRun,
  listSegmentRuns,
  segmentProfiles,
  segmentAssignments,
  dropOldSegmentRows,
  type Movement,
  type SegmentProfile,
  type SegmentRunInfo,
  type SegmentSummary,
} from './store.ts';
export {
  DEFAULT_SEGMENT_FEATURES,
  DAYPARTS,
  ORDINAL_LEVELS,
  LOG_FEATURES,
  describeInput,
  type SegmentColumn,
  type Encoding,
} from './columns.ts';
export { nameSegments, PHRASES, OCCUPATION_PHRASES, QUALIFY, type NamingInput } from './names.ts';
export { BEST_HOURS, HOUR_PRIOR } from './profiles.ts';
export { SegmentFeatureError, SegmentRunError, SegmentVersionNotFoundError } from './errors.ts';
