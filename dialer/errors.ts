import { DialwiseError } from '../contracts/errors.ts';

/** A campaign file that does not parse or validate; `issues` name each field (`mode.lines: …`). */
export class CampaignValidationError extends DialwiseError {
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super('campaign_invalid', message, options);
  }
}

/** A script template that cannot be compiled (e.g. an unclosed `{{`). */
export class TemplateSyntaxError extends DialwiseError {
  constructor(message: string) {
    super('template_syntax', message);
  }
}

/** Rendering a script for a lead whose variables lack one the template uses. */
export class MissingTemplateVariableError extends DialwiseError {
  constructor(
    readonly variable: string,
    readonly customerId: string | null,
    message: string,
  ) {
    super('template_variable_missing', message);
  }
}

/** A call asked to move between two states the call state machine does not connect. */
export class IllegalTransitionError extends DialwiseError {
  constructor(
    readonly callId: string,
    readonly from: string,
    readonly to: string,
    allowed: readonly string[],
  ) {
    super(
      'illegal_call_transition',
      `call ${callId}: illegal transition ${from} → ${to} (from ${from} only ${allowed.length ? allowed.join(', ') : 'nothing: it is final'}); the carrier adapter sent an event out of order`,
    );
  }
}

/** The outcome log cannot be opened, written or recovered. */
export class OutcomeLogError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('outcome_log', message, options);
  }
}

/** A published run (or in-memory lead/score rows) the dialer cannot use. */
export class LeadTableError extends DialwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('lead_table', message, options);
  }
}

/** Inconsistent engine inputs (e.g. a score source sized for another lead table). */
export class DialerConfigError extends DialwiseError {
  constructor(message: string) {
    super('dialer_config', message);
  }
}
