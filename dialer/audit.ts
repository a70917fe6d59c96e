import type { Disposition } from '../contracts/call-attempt.ts';
import { decide } from './compliance/decide.ts';
import { ContactHistory, contactKey } from './compliance/history.ts';
import type { CompliancePolicy } from './compliance/policy.ts';
import type { LeadTable } from './leads/lead-table.ts';

/** One placed dial, as the audit replays it. */
export interface AuditedDial {
  lead: number;
  /** When the dial started (epoch ms). */
  at: number;
  disposition: Disposition;
  optedOut: boolean;
  campaignId: string | null;
}

export interface AuditResult {
  dials: number;
  violations: number;
  /** Up to 10 refused dials, with the reason `decide` gave. */
  samples: string[];
}

/** A copy of a history (the audit must not touch the live one). */
export function cloneHistory(h: ContactHistory): ContactHistory {
  const c = new ContactHistory(h.timezone);
  for (const a of h.attempts()) c.recordAttempt(a);
  if (h.optedOutAt !== null) c.recordOptOut(h.optedOutAt);
  return c;
}

/**
 * Re-runs `decide` for every dial at its start time, in start order, over histories rebuilt
 * independently of the dialer: each number's history as it was before the period
 * (`historyBefore`, which must return a history the audit may modify, or null) plus the
 * period's earlier dials. Every refusal is a compliance violation.
 */
export function auditDials(
  dials: readonly AuditedDial[],
  leads: LeadTable,
  policyOf: (lead: number) => CompliancePolicy,
  historyBefore: (key: string) => ContactHistory | null,
): AuditResult {
  const histories = new Map<string, ContactHistory | null>();
  const out: AuditResult = { dials: dials.length, violations: 0, samples: [] };
  const ordered = [...dials].sort((a, b) => a.at - b.at);
  for (const d of ordered) {
    const facts = leads.facts(d.lead);
    const key = contactKey(facts);
    let h = histories.has(key) ? histories.get(key)! : historyBefore(key);
    const decision = decide(facts, h, new Date(d.at), policyOf(d.lead));
    if (!decision.allowed) {
      out.violations++;
      if (out.samples.length < 10) out.samples.push(`${facts.customer_id} at ${new Date(d.at).toISOString()}: ${decision.code} — ${decision.reason}`);
    }
    if (h === null) h = new ContactHistory(facts.timezone);
    h.recordAttempt({ at: d.at, disposition: d.disposition, campaignId: d.campaignId, optedOut: d.optedOut });
    histories.set(key, h);
  }
  return out;
}
