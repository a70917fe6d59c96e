// models/scoring: both models over many customers on every core (worker threads, shared memory).
export { scoreModels, scoreSnapshot, type ScoreModelsOptions, type ScoreSnapshotOptions, type ScoredModels } from './score.ts';
export { packInputs, packColumn, type PackedInputs, type PackedColumn } from './inputs.ts';
export { warmUpScoringWorkers, shutdownScoringWorkers, resolveScoringWorkers } from './pool.ts';
export { ScoringWorkerError } from './errors.ts';
