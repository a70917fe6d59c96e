import { DialwiseError } from '../contracts/index.ts';

/** A feature definition is inconsistent (SQL vs registry vs table) — a bug to fix in features/. */
export class FeatureDefinitionError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FEATURE_DEFINITION', message, options);
  }
}

/** The spine given to buildTrainingRows cannot be used as it is. */
export class SpineError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FEATURE_SPINE', message, options);
  }
}

/** A snapshot that was asked for does not exist. */
export class SnapshotNotFoundError extends DialwiseError {
  constructor(message: string) {
    super('SNAPSHOT_NOT_FOUND', message);
  }
}

/** A feature or graph build failed; the warehouse is left as it was. */
export class FeatureBuildError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FEATURE_BUILD', message, options);
  }
}
