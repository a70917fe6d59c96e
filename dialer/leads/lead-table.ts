import type { LeadRow, ScoreRow } from '../../contracts/published-run.ts';
import { HOURS_PER_WEEK } from '../../contracts/published-run.ts';
import type { LeadFacts } from '../compliance/lead.ts';
import { LeadTableError } from '../errors.ts';
import type { Campaign } from '../campaign/campaign.ts';

/**
 * The leads of one published run, column-wise: what the dialer needs to call (number, zone,
 * region, consent/DNC flags, script variables) and the published scores (p_convert, and p_answer
 * by local hour-of-week). Lead `i` is an index into every column.
 *
 * `pAnswer` is one Float32Array of 168 × n, laid out HOUR-MAJOR: p_answer of lead i at local
 * hour-of-week h is `pAnswer[h * n + i]`. The hopper reads one hour per zone group at a time, so
 * its scan over i walks a few sequential streams instead of striding 672 bytes per lead.
 */
export interface LeadColumns {
  customerId: string[];
  phoneE164: string[];
  phoneHash: (string | null)[];
  timezone: string[];
  /** ISO 3166 alpha-2 (picks the compliance preset), or null. */
  country: (string | null)[];
  name: (string | null)[];
  consent: Uint8Array;
  dnc: Uint8Array;
  blockedReason: (string | null)[];
  /** Script variables as JSON object text (parsed when a script is rendered). */
  variables: string[];
  /** Segment id, or -1 for none. */
  segmentId: Int32Array;
  segmentName: (string | null)[];
  pConvert: Float32Array;
  expectedValue: Float32Array;
  /** Hour-major 168 × n. */
  pAnswer: Float32Array;
}

export interface LeadTableMeta {
  runId: string | null;
  asOf: string | null;
  modelVersions: Record<string, string>;
}

export class LeadTable {
  readonly size: number;
  private idIndex: Map<string, number> | null = null;

  constructor(
    readonly columns: Readonly<LeadColumns>,
    readonly meta: Readonly<LeadTableMeta> = { runId: null, asOf: null, modelVersions: {} },
  ) {
    const n = columns.customerId.length;
    this.size = n;
    for (const [k, v] of Object.entries(columns)) {
      const len = (v as ArrayLike<unknown>).length;
      const want = k === 'pAnswer' ? n * HOURS_PER_WEEK : n;
      if (len !== want) throw new LeadTableError(`lead table column ${k} has ${len} entries, expected ${want}`);
    }
  }

  /** Joins published lead rows and score rows on customer_id (rows without a partner are left out). */
  static fromRows(leads: readonly LeadRow[], scores: readonly ScoreRow[], meta?: Partial<LeadTableMeta>): LeadTable {
    const byId = new Map<string, ScoreRow>();
    for (const s of scores) byId.set(s.customer_id, s);
    const rows: [LeadRow, ScoreRow][] = [];
    for (const l of leads) {
      const s = byId.get(l.customer_id);
      if (s) rows.push([l, s]);
    }
    const n = rows.length;
    const c = emptyColumns(n);
    rows.forEach(([l, s], i) => {
      if (s.p_answer.length !== HOURS_PER_WEEK)
        throw new LeadTableError(`scores for ${s.customer_id}: p_answer has ${s.p_answer.length} values, expected ${HOURS_PER_WEEK}`);
      c.customerId[i] = l.customer_id;
      c.phoneE164[i] = l.phone_e164;
      c.phoneHash[i] = l.phone_hash;
      c.timezone[i] = l.timezone;
      c.country[i] = l.country;
      c.name[i] = l.name;
      c.consent[i] = l.consent ? 1 : 0;
      c.dnc[i] = l.dnc ? 1 : 0;
      c.blockedReason[i] = l.blocked_reason;
      c.variables[i] = l.variables;
      c.segmentId[i] = s.segment_id ?? -1;
      c.segmentName[i] = s.segment_name;
      c.pConvert[i] = s.p_convert;
      c.expectedValue[i] = s.expected_value;
      for (let h = 0; h < HOURS_PER_WEEK; h++) c.pAnswer[h * n + i] = s.p_answer[h]!;
    });
    return new LeadTable(c, {
      runId: meta?.runId ?? null,
      asOf: meta?.asOf ?? null,
      modelVersions: meta?.modelVersions ?? (scores[0]?.model_versions ?? {}),
    });
  }

  /** Index of a customer, or -1. */
  indexOf(customerId: string): number {
    if (this.idIndex === null) {
      this.idIndex = new Map();
      this.columns.customerId.forEach((id, i) => this.idIndex!.set(id, i));
    }
    return this.idIndex.get(customerId) ?? -1;
  }

  customerId(i: number): string {
    return this.columns.customerId[i]!;
  }

  timezone(i: number): string {
    return this.columns.timezone[i]!;
  }

  /** Published p_answer of lead i at local hour-of-week `how`. */
  pAnswerAt(i: number, how: number): number {
    return this.columns.pAnswer[how * this.size + i]!;
  }

  /** The facts the compliance engine decides on. */
  facts(i: number): LeadFacts {
    const c = this.columns;
    const blocked = c.blockedReason[i];
    return {
      customer_id: c.customerId[i]!,
      phone_hash: c.phoneHash[i] ?? null,
      timezone: c.timezone[i]!,
      region: c.country[i] ?? null,
      consent: c.consent[i] === 1,
      dnc: c.dnc[i] === 1,
      blocked_by_household: blocked ? { reason: blocked } : null,
    };
  }

  /**
   * Script variables of lead i: its own JSON variables over the campaign defaults, plus
   * `customer_name` (from the lead's name when the variables have none) and `customer_id`.
   * @throws LeadTableError when the variables text is not a JSON object.
   */
  variablesOf(i: number, defaults: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    const text = this.columns.variables[i];
    let own: unknown = {};
    if (text) {
      try {
        own = JSON.parse(text);
      } catch (cause) {
        throw new LeadTableError(`lead ${this.customerId(i)}: variables are not JSON (${(cause as Error).message})`, { cause });
      }
      if (own === null || typeof own !== 'object' || Array.isArray(own))
        throw new LeadTableError(`lead ${this.customerId(i)}: variables must be a JSON object`);
    }
    const out: Record<string, unknown> = { ...defaults, customer_id: this.customerId(i) };
    const name = this.columns.name[i];
    if (name) out.customer_name = name;
    Object.assign(out, own);
    return out;
  }

  /** A new table with only the given leads, in the given order. */
  subset(indices: ArrayLike<number>): LeadTable {
    const m = indices.length;
    const src = this.columns;
    const c = emptyColumns(m);
    const n = this.size;
    for (let k = 0; k < m; k++) {
      const i = indices[k]!;
      c.customerId[k] = src.customerId[i]!;
      c.phoneE164[k] = src.phoneE164[i]!;
      c.phoneHash[k] = src.phoneHash[i]!;
      c.timezone[k] = src.timezone[i]!;
      c.country[k] = src.country[i]!;
      c.name[k] = src.name[i]!;
      c.consent[k] = src.consent[i]!;
      c.dnc[k] = src.dnc[i]!;
      c.blockedReason[k] = src.blockedReason[i]!;
      c.variables[k] = src.variables[i]!;
      c.segmentId[k] = src.segmentId[i]!;
      c.segmentName[k] = src.segmentName[i]!;
      c.pConvert[k] = src.pConvert[i]!;
      c.expectedValue[k] = src.expectedValue[i]!;
    }
    for (let h = 0; h < HOURS_PER_WEEK; h++) {
      const from = h * n;
      const to = h * m;
      for (let k = 0; k < m; k++) c.pAnswer[to + k] = src.pAnswer[from + indices[k]!]!;
    }
    return new LeadTable(c, this.meta);
  }
}

export function emptyColumns(n: number): LeadColumns {
  return {
    customerId: new Array<string>(n),
    phoneE164: new Array<string>(n),
    phoneHash: new Array<string | null>(n).fill(null),
    timezone: new Array<string>(n),
    country: new Array<string | null>(n).fill(null),
    name: new Array<string | null>(n).fill(null),
    consent: new Uint8Array(n),
    dnc: new Uint8Array(n),
    blockedReason: new Array<string | null>(n).fill(null),
    variables: new Array<string>(n).fill('{}'),
    segmentId: new Int32Array(n).fill(-1),
    segmentName: new Array<string | null>(n).fill(null),
    pConvert: new Float32Array(n),
    expectedValue: new Float32Array(n),
    pAnswer: new Float32Array(n * HOURS_PER_WEEK),
  };
}

/** Indices of the leads a campaign's filter keeps (segments, score threshold, list), in table order. */
export function filterLeads(table: LeadTable, campaign: Campaign): Int32Array {
  const f = campaign.config.leads;
  const c = table.columns;
  const segIds = new Set<number>();
  const segNames = new Set<string>();
  for (const s of f.segments ?? []) {
    if (typeof s === 'number') segIds.add(s);
    else segNames.add(s);
  }
  const anySegment = segIds.size + segNames.size > 0;
  const score = f.scoreField === 'expected_value' ? c.expectedValue : c.pConvert;
  // Scores are float32: compare against the threshold rounded the same way.
  const min = f.minScore === undefined ? undefined : Math.fround(f.minScore);
  const list = campaign.list;
  const out = new Int32Array(table.size);
  let k = 0;
  for (let i = 0; i < table.size; i++) {
    if (anySegment) {
      const name = c.segmentName[i];
      if (!segIds.has(c.segmentId[i]!) && !(name !== null && name !== undefined && segNames.has(name))) continue;
    }
    if (min !== undefined && !(score[i]! >= min)) continue;
    if (list !== null && !list.has(c.customerId[i]!)) continue;
    out[k++] = i;
  }
  return out.slice(0, k);
}
