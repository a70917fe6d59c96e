import { DialwiseError } from '../../contracts/index.ts';

/** A table given to `train conversion --table` cannot be modelled as asked. */
export class TableModelError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TABLE_MODEL', message, options);
  }
}

/** A monotone constraint that XGBoost cannot apply (e.g. on a categorical feature). */
export class MonotoneConstraintError extends DialwiseError {
  constructor(message: string) {
    super('MONOTONE_CONSTRAINT', message);
  }
}
