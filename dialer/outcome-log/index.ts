export { OUTCOMES_DIR, OutcomeLog, recoverOpenSegments, segmentPath } from './outcome-log.ts';
export type { OutcomeLogOptions, OutcomeRecord, RecoveredSegment } from './outcome-log.ts';
