import { createHash } from 'node:crypto';

/** Final state of one dial, as the call log and the dialer's outcome segments record it. */
export const DISPOSITIONS = [
  'answered',
  'no_answer',
  'busy',
  'invalid_number',
  'voicemail',
  'rejected',
  'abandoned',
  'failed',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** Which policy chose the dial: the model's ranking, uniform exploration, or a held-out control. */
export const ARMS = ['model', 'explore', 'holdout'] as const;
export type Arm = (typeof ARMS)[number];

export const HANDLERS = ['robot', 'agent'] as const;
export type Handler = (typeof HANDLERS)[number];

/**
 * One call attempt in the canonical `call_attempts` shape (DESIGN.md). The dialer writes
 * these as NDJSON lines; ingest loads them. Times are ISO-8601 strings with an offset.
 */
export interface CallAttemptRecord {
  attempt_id: string;
  campaign_id: string | null;
  customer_id: string;
  phone_hash: string | null;
  started_at: string;
  disposition: Disposition;
  ring_seconds: number | null;
  talk_seconds: number | null;
  converted: boolean | null;
  conversion_value: number | null;
  opted_out: boolean | null;
  handled_by: Handler | null;
  transferred: boolean | null;
  arm: Arm | null;
  propensity: number | null;
  model_versions: Record<string, string> | null;
  source: string | null;
}

/** Fields known only after a call: labels, never pre-call features. */
export const POST_CALL_FIELDS = [
  'disposition',
  'ring_seconds',
  'talk_seconds',
  'converted',
  'conversion_value',
  'opted_out',
  'transferred',
  'handled_by',
] as const;

/**
 * Salted SHA-256 of an E.164 number, the only form of the number analytics tables keep.
 * Ingest computes the same value in SQL (`sha256(salt || phone_e164)`), so the salt is shared.
 */
export function phoneHash(e164: string, salt = defaultPhoneSalt()): string {
  return createHash('sha256').update(salt + e164).digest('hex');
}

export function defaultPhoneSalt(): string {
  return process.env.DIALWISE_PHONE_SALT ?? 'dialwise:';
}
