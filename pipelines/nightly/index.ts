export { runNightly, writeScoreTables, NIGHTLY_STEPS, DEFAULT_KEEP_NIGHTS, type NightlyOptions } from './nightly.ts';
export { runPipeline, orderSteps, newRunId, PipelineError, type Step, type RunResult, type StepRecord, type RunnerEvents } from './runner.ts';
export { ingestOutcomeSegments, OUTCOMES_DIR } from './outcomes.ts';
