import { decide } from '../compliance/decide.ts';
import type { LeadFacts } from '../compliance/lead.ts';
import type { CompliancePolicy } from '../compliance/policy.ts';
import { localHourOfWeek } from '../time.ts';

/** Extra per-zone gate on top of the compliance calendar (e.g. the campaign's schedule). */
export type ZoneGate = (zone: string, t: number) => boolean;

/**
 * Leads grouped by (time zone, compliance policy). Everything time-of-day about a lead depends
 * only on its group: the local hour-of-week that indexes p_answer, and whether the calling
 * window is open. So a refill evaluates each group once (a handful of zone lookups) and the
 * per-lead pass reads two small arrays — no Intl calls per lead.
 */
export class LeadGroups {
  /** Group of each lead. */
  readonly groupOf: Uint32Array;
  readonly zones: string[] = [];
  readonly policies: CompliancePolicy[] = [];
  /** Per group, after `evaluate(t)`: 1 when the window (and gate) is open at t. */
  readonly open: Uint8Array;
  /** Per group, after `evaluate(t)`: local hour-of-week at t (−1 for an unknown zone). */
  readonly how: Int32Array;
  private readonly probes: LeadFacts[] = [];

  constructor(
    timezones: readonly string[],
    policyOf: (lead: number) => CompliancePolicy,
    private readonly gate: ZoneGate | null = null,
  ) {
    const n = timezones.length;
    this.groupOf = new Uint32Array(n);
    const byPolicy = new Map<CompliancePolicy, Map<string, number>>();
    for (let i = 0; i < n; i++) {
      const policy = policyOf(i);
      let zones = byPolicy.get(policy);
      if (zones === undefined) byPolicy.set(policy, (zones = new Map()));
      const zone = timezones[i]!;
      let g = zones.get(zone);
      if (g === undefined) {
        g = this.zones.length;
        zones.set(zone, g);
        this.zones.push(zone);
        this.policies.push(policy);
        // A lead with every permanent rule passing: decide() on it answers "is the calendar open".
        this.probes.push({ customer_id: '(window probe)', phone_hash: null, timezone: zone, region: null, consent: true, dnc: false, blocked_by_household: null });
      }
      this.groupOf[i] = g;
    }
    this.open = new Uint8Array(this.zones.length);
    this.how = new Int32Array(this.zones.length);
  }

  get count(): number {
    return this.zones.length;
  }

  /** Fills `open` and `how` for instant t. */
  evaluate(t: number): void {
    const now = new Date(t);
    for (let g = 0; g < this.zones.length; g++) {
      const zone = this.zones[g]!;
      this.how[g] = localHourOfWeek(t, zone);
      const ok = decide(this.probes[g]!, null, now, this.policies[g]!).allowed && (this.gate === null || this.gate(zone, t));
      this.open[g] = ok ? 1 : 0;
    }
  }

  /** Whether lead i's group gate (not compliance) admits instant t. */
  gateOpen(i: number, t: number): boolean {
    return this.gate === null || this.gate(this.zones[this.groupOf[i]!]!, t);
  }
}
