import { z } from 'zod';

/**
 * What the compliance engine needs to know about a lead, as of the moment of the decision.
 * The dialer builds it from the published `leads.parquet` plus its own live flags.
 */
export const LeadFactsSchema = z.object({
  customer_id: z.string().min(1),
  /** Salted hash of the number (contracts `phoneHash`); the history is kept per number. */
  phone_hash: z.string().nullable(),
  /** The callee's IANA zone; an unknown zone is refused with `invalid_timezone`. */
  timezone: z.string(),
  /** ISO 3166 alpha-2 region, used to pick the region preset. */
  region: z.string().nullable(),
  /** Prior express consent to marketing calls. */
  consent: z.boolean(),
  /** On a do-not-call list (national registry or the company's own). */
  dnc: z.boolean(),
  /** Blocked because another member of the household asked not to be called; null if not. */
  blocked_by_household: z.object({ reason: z.string() }).nullable(),
});
export type LeadFacts = z.infer<typeof LeadFactsSchema>;
