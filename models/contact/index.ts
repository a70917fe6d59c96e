// models/contact: best time to call — P(answer | customer, local hour-of-week) with TensorFlow.js.
export { trainContact, netRows, type TrainContactOptions, type TrainContactResult, type TrainContactProgress, type ContactMetrics } from './train.ts';
export { scoreContact, scoreContactMatrix, predictAttempts, contactPlanFor, contactScores, allowedMask, type ScoreContactOptions, type ContactScores } from './score.ts';
export { ContactKernel, contactPlan, contactOutputs, encodeContactRows, encodeOwnBlocks, type ContactPlan, type ContactOutputs } from './score-kernel.ts';
export { loadContactModel, writeContactArtifacts, CONTACT_KIND, CONTACT_ARTIFACT_FORMAT, type ContactMeta, type ContactModel } from './artifact.ts';
export { fitBaseline, predictBaseline, baselineRate, baselineLogits, crossFitBaselineLogits, BASELINE_PRIORS, DEFAULT_SEGMENT_COLUMN, type SegmentHourBaseline } from './baseline.ts';
export { buildNetwork, fitNetwork, predictLogits, towers, serialiseModel, deserialiseModel, NETWORK_DEFAULTS, type NetworkOptions, type NetRows, type Towers, type FitNetworkResult } from './network.ts';
export { fitNetEncoding, encodeNet, encodeBlocks, blockFeatureNames, type NetEncoding, type NetNumeric, type NetCategorical } from './encoding.ts';
export {
  encodeHour,
  HOUR_TABLE,
  HOUR_ENCODING_WIDTH,
  HOURS_PER_WEEK,
  HOURS_PER_BLOCK,
  allowedHoursMask,
  DEFAULT_ALLOWED_HOURS,
  allowedHoursOf,
  bestHoursOf,
  bestWindows,
  blockOf,
  blockFeatureOf,
  dayType,
  formatHour,
  type DayType,
  type HourWindow,
} from './hours.ts';
