import { DialwiseError } from '../../contracts/errors.ts';

/** A compliance policy (preset, campaign override or full config) that does not validate. */
export class CompliancePolicyError extends DialwiseError {
  constructor(
    message: string,
    /** Where each problem is, e.g. `window.hours.0.end: expected HH:MM`. */
    readonly issues: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super('compliance_policy_invalid', message, options);
  }
}

/** An argument to the compliance engine that cannot be used (e.g. an invalid `Date`). */
export class ComplianceInputError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('compliance_input_invalid', message, options);
  }
}
