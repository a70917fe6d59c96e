import { DialwiseError } from '../../contracts/index.ts';

/** A post-call field (or anything known only after the call) reached a model's inputs. */
export class LeakageError extends DialwiseError {
  constructor(message: string) {
    super('FEATURE_LEAKAGE', message);
  }
}

/** Training cannot start or finish as asked: no rows, one class only, bad options … */
export class TrainingError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_TRAINING', message, options);
  }
}

/** A model of another kind was given where a specific kind is needed. */
export class ModelKindError extends DialwiseError {
  constructor(message: string) {
    super('MODEL_KIND', message);
  }
}
