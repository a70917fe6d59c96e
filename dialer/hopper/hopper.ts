import { performance } from 'node:perf_hooks';
import type { Arm } from '../../contracts/call-attempt.ts';
import { decide } from '../compliance/decide.ts';
import type { Decision } from '../compliance/decide.ts';
import type { ContactHistory } from '../compliance/history.ts';
import { contactKey } from '../compliance/history.ts';
import type { CompliancePolicy } from '../compliance/policy.ts';
import { DialerConfigError } from '../errors.ts';
import type { LeadTable } from '../leads/lead-table.ts';
import type { RandomSource } from '../rng.ts';
import { LeadGroups } from './groups.ts';
import type { ZoneGate } from './groups.ts';
import type { ScoreSource } from './score-source.ts';

export interface HopperOptions {
  leads: LeadTable;
  /** What to rank by (the published model, an oracle, random order…). */
  scores: ScoreSource;
  /** Compiled compliance policy of each lead (usually by region). */
  policyOf: (lead: number) => CompliancePolicy;
  /** Histories by `contactKey` (phone hash); read here, written by whoever records outcomes. */
  histories: ReadonlyMap<string, ContactHistory>;
  /** Leads kept ranked and ready. */
  capacity: number;
  /** Refill when fewer than this many are left (default: half the capacity, at least 1). */
  lowWater?: number;
  /** Share ε of picks drawn uniformly from the eligible pool (0…1). */
  exploration: number;
  /** Value of a conversion: expected value = p_answer × p_convert × value. */
  valuePerConversion: number;
  rng: RandomSource;
  /**
   * The ranking and the eligible pool are rebuilt at least this often (UTC-aligned), so a
   * lead's local hour and its zone's calling window are never staler than this. Default 15
   * minutes: every zone's offset is a multiple of 15 minutes, so windows on local quarter hours
   * open and close exactly on an epoch boundary.
   */
  epochMs?: number;
  /** A further gate per zone (e.g. the campaign schedule), evaluated per group at each pass. */
  gate?: ZoneGate;
  /** Earliest instant the campaign's own rules (retry policy) allow lead i; Infinity = never. */
  campaignFloor?: (lead: number, history: ContactHistory | null) => number;
  /** Leads never to dial (1), e.g. a script variable is missing. */
  excluded?: Uint8Array;
  /**
   * While the hopper is low, leads whose wait ended since the last pass (a retry delay, a
   * gap) join at the next pass; such passes run at most this often (default 60 s, like
   * VICIdial's hopper refill). A hopper below `lowWater` with eligible leads outside it refills
   * at once.
   */
  refillIntervalMs?: number;
}

/** One pick: which lead, why, and with what probability the mixed policy would pick it. */
export interface HopperPick {
  lead: number;
  arm: Extract<Arm, 'model' | 'explore'>;
  /**
   * P(this lead is the one picked at this moment) under the mixed policy:
   * (1 − ε)·1[lead = model's choice] + ε / |eligible pool|. See {@link Hopper}.
   */
  propensity: number;
  /** The model's choice at this moment (the hopper head), which the model arm would have dialled. */
  modelChoice: number;
  /** Size of the eligible pool the exploration draw was uniform over. */
  poolSize: number;
  localHourOfWeek: number;
  pAnswer: number;
  pConvert: number;
  /** valuePerConversion × pAnswer × pConvert. */
  expectedValue: number;
}

export interface PassStats {
  at: number;
  /** Leads eligible at `at` (the exploration pool). */
  eligible: number;
  /** Leads added to the hopper by this pass. */
  added: number;
  hopperSize: number;
  /** Whether the hopper was emptied first (a new epoch: every expected value changed). */
  flushed: boolean;
  ms: number;
}

const NEVER = Number.POSITIVE_INFINITY;

/**
 * The hopper: ranks eligible leads by expected value *now* and hands the dialer one lead at a
 * time, with exploration.
 *
 * **Eligibility, cheaply.** For every lead the hopper keeps `nextAllowed` — the earliest instant
 * from which `decide` allows it whenever its zone's calling window is open (and the campaign's
 * retry rules agree): from `decide(...).nextAllowedAt` when refused, the decision time when
 * allowed, Infinity for permanent refusals and while a call to the number is in flight. Once the
 * time-monotone rules (gaps, backoff, rolling caps, cooldowns) are satisfied they stay satisfied
 * until the next attempt, so "allowed at t" ⇔ t ≥ nextAllowed ∧ the lead's (zone, policy) group
 * is open at t. A refill therefore evaluates each group once and each lead with two array reads;
 * `decide` runs once per lead at `start`, after each of its calls, and on every pick (the pick
 * is always re-checked: the hopper never returns a lead `decide` refuses).
 *
 * **Ranking.** Expected value now = p_answer(lead, its local hour-of-week at t) × p_convert(lead)
 * × value. A pass takes the top (capacity − size) eligible leads not already in the hopper with a
 * bounded min-heap (O(n log k), no sort), reading p_answer hour-major so the scan is sequential.
 * Expected values change only when a zone's local hour does, so passes are incremental within an
 * epoch and the hopper is flushed and re-ranked at each epoch boundary.
 *
 * **Exploration and propensity.** The eligible pool P is the set of leads eligible at the last
 * pass, minus those dialled (or otherwise blocked) since. At each pick, with probability 1 − ε the
 * model arm takes the hopper head h (the highest expected value in P); with probability ε the
 * explore arm draws uniformly from P. So lead j is picked with probability
 *
 *     π(j) = (1 − ε)·1[j = h] + ε / |P|
 *
 * and that is the propensity logged with the attempt (for either arm; an exploration draw that
 * lands on h has the same π as a model pick). If the picked lead fails its `decide` re-check
 * (possible only when a window edge falls between epoch boundaries), it is blocked, P is rebuilt
 * by a fresh pass and the pick starts over, so π is always computed on the pool the final draw
 * used. Inverse-propensity weights 1/π then correct training for the dialer's own selection.
 */
export class Hopper {
  readonly size: number;
  readonly groups: LeadGroups;
  private readonly leads: LeadTable;
  private readonly scores: ScoreSource;
  private readonly policyOf: (lead: number) => CompliancePolicy;
  private readonly histories: ReadonlyMap<string, ContactHistory>;
  private readonly capacity: number;
  private readonly lowWater: number;
  private readonly exploration: number;
  private readonly value: number;
  private readonly rng: RandomSource;
  private readonly epochMs: number;
  private readonly refillIntervalMs: number;
  private readonly campaignFloor: ((lead: number, history: ContactHistory | null) => number) | null;
  private readonly excluded: Uint8Array | null;

  /** Per lead: see the class comment. */
  private readonly nextAllowed: Float64Array;
  private readonly inHopper: Uint8Array;
  private readonly hopperStamp: Uint32Array;
  /** Equals `passId` while the lead is a live member of the eligible pool. */
  private readonly poolMark: Uint32Array;
  private readonly pool: Int32Array;
  private readonly keys: (string | null)[];
  /** Leads sharing a number (same contact key), only for numbers with more than one lead. */
  private readonly siblings = new Map<string, number[]>();

  // hopper contents: a max-heap by expected value, with lazily dropped stale entries
  private hEv: Float64Array;
  private hLead: Int32Array;
  private hStamp: Uint32Array;
  private hSize = 0;
  private stampCounter = 0;
  // scratch bounded min-heap for a pass
  private tEv: Float64Array;
  private tLead: Int32Array;

  private passId = 0;
  private poolSize = 0;
  private livePool = 0;
  private liveHopper = 0;
  private epoch = Number.NaN;
  private passTime = Number.NEGATIVE_INFINITY;
  private nextChangeAt = NEVER;
  private forcePass = true;
  private started = false;

  /** Counters for stats and benchmarks. */
  readonly counters = { passes: 0, passMs: 0, picks: 0, explorePicks: 0, refusals: 0, decides: 0 };
  /** The last pass's figures. */
  lastPass: PassStats | null = null;

  constructor(opts: HopperOptions) {
    const n = opts.leads.size;
    if (opts.scores.size !== n) throw new DialerConfigError(`score source '${opts.scores.name}' covers ${opts.scores.size} leads, the lead table has ${n}`);
    if (!(opts.capacity >= 1)) throw new DialerConfigError(`hopper capacity must be at least 1 (got ${opts.capacity})`);
    if (!(opts.exploration >= 0 && opts.exploration <= 1)) throw new DialerConfigError(`exploration must be in 0…1 (got ${opts.exploration})`);
    this.size = n;
    this.leads = opts.leads;
    this.scores = opts.scores;
    this.policyOf = opts.policyOf;
    this.histories = opts.histories;
    this.capacity = Math.floor(opts.capacity);
    this.lowWater = Math.max(1, Math.min(this.capacity, Math.floor(opts.lowWater ?? this.capacity / 2)));
    this.exploration = opts.exploration;
    this.value = opts.valuePerConversion;
    this.rng = opts.rng;
    this.epochMs = opts.epochMs ?? 15 * 60_000;
    this.refillIntervalMs = opts.refillIntervalMs ?? 60_000;
    this.campaignFloor = opts.campaignFloor ?? null;
    this.excluded = opts.excluded ?? null;
    this.groups = new LeadGroups(opts.leads.columns.timezone, opts.policyOf, opts.gate ?? null);
    this.nextAllowed = new Float64Array(n).fill(NEVER);
    this.inHopper = new Uint8Array(n);
    this.hopperStamp = new Uint32Array(n);
    this.poolMark = new Uint32Array(n);
    this.pool = new Int32Array(n);
    this.keys = new Array<string | null>(n).fill(null);
    this.hEv = new Float64Array(this.capacity);
    this.hLead = new Int32Array(this.capacity);
    this.hStamp = new Uint32Array(this.capacity);
    this.tEv = new Float64Array(this.capacity);
    this.tLead = new Int32Array(this.capacity);
    const hashes = opts.leads.columns.phoneHash;
    const firstOf = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const h = hashes[i];
      if (h === null || h === undefined) continue;
      const first = firstOf.get(h);
      if (first === undefined) firstOf.set(h, i);
      else {
        const list = this.siblings.get(h);
        if (list) list.push(i);
        else this.siblings.set(h, [first, i]);
      }
    }
  }

  /** Leads in the eligible pool (see the class comment). */
  get poolLive(): number {
    return this.livePool;
  }

  /** Leads currently in the hopper. */
  get hopperLive(): number {
    return this.liveHopper;
  }

  /** The earliest instant lead i can be eligible, as the hopper knows it (Infinity while in flight). */
  nextAllowedOf(i: number): number {
    return this.nextAllowed[i]!;
  }

  /** Contact key (phone hash, else customer id) of lead i: the key of its history. */
  keyOf(i: number): string {
    let k = this.keys[i];
    if (k === null || k === undefined) {
      k = contactKey({ phone_hash: this.leads.columns.phoneHash[i] ?? null, customer_id: this.leads.customerId(i) });
      this.keys[i] = k;
    }
    return k;
  }

  historyOf(i: number): ContactHistory | null {
    return this.histories.get(this.keyOf(i)) ?? null;
  }

  /** Leads sharing lead i's number (including i). */
  numberGroup(i: number): readonly number[] {
    const h = this.leads.columns.phoneHash[i];
    return (h && this.siblings.get(h)) || [i];
  }

  /**
   * Computes every lead's `nextAllowed` with `decide` at `t`. Leads without history share one
   * decision per (group, consent, DNC, household) — the decision cannot differ between them.
   */
  start(t: number): void {
    const now = new Date(t);
    const cache = new Map<number, number>();
    const c = this.leads.columns;
    const groupOf = this.groups.groupOf;
    for (let i = 0; i < this.size; i++) {
      if (this.excluded !== null && this.excluded[i] === 1) {
        this.nextAllowed[i] = NEVER;
        continue;
      }
      const h = this.historyOf(i);
      let na: number;
      if (h === null) {
        const key = groupOf[i]! * 8 + c.consent[i]! * 4 + c.dnc[i]! * 2 + (c.blockedReason[i] ? 1 : 0);
        let cached = cache.get(key);
        if (cached === undefined) {
          cached = this.fromDecision(decide(this.leads.facts(i), null, now, this.policyOf(i)), t);
          this.counters.decides++;
          cache.set(key, cached);
        }
        na = cached;
      } else {
        na = this.fromDecision(decide(this.leads.facts(i), h, now, this.policyOf(i)), t);
        this.counters.decides++;
      }
      if (this.campaignFloor !== null && na !== NEVER) na = Math.max(na, this.campaignFloor(i, h));
      this.nextAllowed[i] = na;
    }
    this.started = true;
    this.forcePass = true;
    this.passTime = Number.NEGATIVE_INFINITY;
    this.nextChangeAt = NEVER;
  }

  private fromDecision(d: Decision, t: number): number {
    if (d.allowed) return t;
    return d.nextAllowedAt ? d.nextAllowedAt.getTime() : NEVER;
  }

  /** `nextAllowed` of lead i from a fresh decision at t (and the campaign floor). */
  private evaluate(i: number, t: number): number {
    if (this.excluded !== null && this.excluded[i] === 1) return NEVER;
    const h = this.historyOf(i);
    this.counters.decides++;
    const na = this.fromDecision(decide(this.leads.facts(i), h, new Date(t), this.policyOf(i)), t);
    return this.campaignFloor !== null && na !== NEVER ? Math.max(na, this.campaignFloor(i, h)) : na;
  }

  private setNextAllowed(i: number, na: number, t: number): void {
    this.nextAllowed[i] = na;
    if (na > t) {
      if (this.poolMark[i] === this.passId) {
        this.poolMark[i] = 0;
        this.livePool--;
      }
      if (this.inHopper[i] === 1) {
        this.inHopper[i] = 0;
        this.liveHopper--;
      }
    }
    if (na < this.nextChangeAt) this.nextChangeAt = na;
  }

  /**
   * After a call to lead i's number has ended and its history was updated: re-decides the
   * number's leads at `t` (they were blocked while the call was in flight).
   */
  release(i: number, t: number): void {
    for (const s of this.numberGroup(i)) this.setNextAllowed(s, this.evaluate(s, t), t);
  }

  /** Re-decides lead i at t (e.g. after an opt-out received outside a call). */
  refresh(i: number, t: number): void {
    this.release(i, t);
  }

  private needsPass(t: number): boolean {
    if (this.forcePass) return true;
    if (Math.floor(t / this.epochMs) !== this.epoch) return true;
    if (this.liveHopper < this.lowWater) {
      if (this.livePool > this.liveHopper) return true;
      if (t >= this.nextChangeAt && t - this.passTime >= this.refillIntervalMs) return true;
    }
    // keep the rejection draw of the exploration arm cheap
    return this.exploration > 0 && this.livePool > 0 && this.livePool * 2 < this.poolSize;
  }

  /**
   * A refill pass at t: rebuilds the eligible pool and tops the hopper up to capacity with the
   * best eligible leads not already in it (flushing it first when the epoch changed).
   */
  refill(t: number): PassStats {
    if (!this.started) this.start(t);
    const t0 = performance.now();
    const epoch = Math.floor(t / this.epochMs);
    const flushed = epoch !== this.epoch;
    if (flushed) {
      for (let k = 0; k < this.hSize; k++) this.inHopper[this.hLead[k]!] = 0;
      this.hSize = 0;
      this.liveHopper = 0;
      this.epoch = epoch;
    }
    const groups = this.groups;
    groups.evaluate(t);
    const open = groups.open;
    const how = groups.how;
    const groupOf = groups.groupOf;
    const nextAllowed = this.nextAllowed;
    const inHopper = this.inHopper;
    const poolMark = this.poolMark;
    const pool = this.pool;
    const n = this.size;
    const passId = ++this.passId;

    // Leads in the hopper that are no longer eligible (a gate closed mid-epoch) leave it.
    let poolSize = 0;
    let minNext = NEVER;
    const m = this.capacity - this.liveHopper;
    const tEv = this.tEv;
    const tLead = this.tLead;
    let k = 0;
    let floor = Number.NEGATIVE_INFINITY; // root of the bounded min-heap once full
    const dense = this.scores.dense;
    const pc = dense ? dense.pConvert : null;
    const pa = dense ? dense.pAnswer : null;
    const src = this.scores;
    for (let i = 0; i < n; i++) {
      const g = groupOf[i]!;
      const na = nextAllowed[i]!;
      if (open[g] === 0 || na > t) {
        if (na > t && na < minNext) minNext = na;
        if (inHopper[i] === 1) {
          inHopper[i] = 0;
          this.liveHopper--;
        }
        continue;
      }
      pool[poolSize++] = i;
      poolMark[i] = passId;
      if (inHopper[i] === 1 || m === 0) continue;
      const ev = pc !== null ? pc[i]! * (pa !== null ? pa[how[g]! * n + i]! : 1) : src.pConvert(i) * src.pAnswer(i, how[g]!);
      if (k < m) {
        // sift up into the min-heap
        let c = k++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (tEv[p]! <= ev) break;
          tEv[c] = tEv[p]!;
          tLead[c] = tLead[p]!;
          c = p;
        }
        tEv[c] = ev;
        tLead[c] = i;
        if (k === m) floor = tEv[0]!;
      } else if (ev > floor) {
        // replace the root and sift down
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          if (l >= k) break;
          const r = l + 1;
          const s = r < k && tEv[r]! < tEv[l]! ? r : l;
          if (tEv[s]! >= ev) break;
          tEv[c] = tEv[s]!;
          tLead[c] = tLead[s]!;
          c = s;
        }
        tEv[c] = ev;
        tLead[c] = i;
        floor = tEv[0]!;
      }
    }
    this.poolSize = poolSize;
    this.livePool = poolSize;

    // Rebuild the hopper heap: surviving entries plus the k new ones.
    let size = 0;
    for (let e = 0; e < this.hSize; e++) {
      const lead = this.hLead[e]!;
      if (inHopper[lead] === 1 && this.hopperStamp[lead] === this.hStamp[e]) {
        this.hEv[size] = this.hEv[e]!;
        this.hLead[size] = lead;
        this.hStamp[size] = this.hStamp[e]!;
        size++;
      }
    }
    for (let e = 0; e < k; e++) {
      const lead = tLead[e]!;
      const stamp = (this.stampCounter = (this.stampCounter + 1) >>> 0 || 1);
      inHopper[lead] = 1;
      this.hopperStamp[lead] = stamp;
      this.hEv[size] = tEv[e]!;
      this.hLead[size] = lead;
      this.hStamp[size] = stamp;
      size++;
    }
    this.hSize = size;
    this.liveHopper += k;
    for (let c = (size >> 1) - 1; c >= 0; c--) this.siftDownMax(c);

    this.passTime = t;
    this.nextChangeAt = Math.min(minNext, (epoch + 1) * this.epochMs);
    this.forcePass = false;
    const ms = performance.now() - t0;
    this.counters.passes++;
    this.counters.passMs += ms;
    this.lastPass = { at: t, eligible: poolSize, added: k, hopperSize: this.liveHopper, flushed, ms };
    return this.lastPass;
  }

  private siftDownMax(c: number): void {
    const ev = this.hEv[c]!;
    const lead = this.hLead[c]!;
    const stamp = this.hStamp[c]!;
    const size = this.hSize;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= size) break;
      const r = l + 1;
      const s = r < size && this.hEv[r]! > this.hEv[l]! ? r : l;
      if (this.hEv[s]! <= ev) break;
      this.hEv[c] = this.hEv[s]!;
      this.hLead[c] = this.hLead[s]!;
      this.hStamp[c] = this.hStamp[s]!;
      c = s;
    }
    this.hEv[c] = ev;
    this.hLead[c] = lead;
    this.hStamp[c] = stamp;
  }

  /** The model's current choice (hopper head), dropping stale entries; −1 when empty. */
  peekHead(): number {
    while (this.hSize > 0) {
      const lead = this.hLead[0]!;
      if (this.inHopper[lead] === 1 && this.hopperStamp[lead] === this.hStamp[0]) return lead;
      this.hSize--;
      if (this.hSize > 0) {
        this.hEv[0] = this.hEv[this.hSize]!;
        this.hLead[0] = this.hLead[this.hSize]!;
        this.hStamp[0] = this.hStamp[this.hSize]!;
        this.siftDownMax(0);
      }
    }
    return -1;
  }

  /** Uniform draw from the live pool (rejection from the pass's list; the pool is kept ≥ half live). */
  private drawPool(): number {
    for (;;) {
      const lead = this.pool[Math.floor(this.rng.uniform() * this.poolSize)]!;
      if (this.poolMark[lead] === this.passId) return lead;
    }
  }

  /**
   * Re-checks lead i at t: null when it may be dialled, else the instant to block it until
   * (NaN: a zone gate is closed — the next pass will see it).
   */
  private verify(i: number, t: number): number | null {
    if (this.excluded !== null && this.excluded[i] === 1) return NEVER;
    if (!this.groups.gateOpen(i, t)) return Number.NaN;
    const h = this.historyOf(i);
    this.counters.decides++;
    const d = decide(this.leads.facts(i), h, new Date(t), this.policyOf(i));
    if (!d.allowed) {
      const na = d.nextAllowedAt ? d.nextAllowedAt.getTime() : NEVER;
      return this.campaignFloor !== null && na !== NEVER ? Math.max(na, this.campaignFloor(i, h)) : na;
    }
    if (this.campaignFloor !== null) {
      const f = this.campaignFloor(i, h);
      if (f > t) return f;
    }
    return null;
  }

  /**
   * The next lead to dial at t, already re-checked with `decide`, or null when no lead is
   * eligible. The lead (and any lead sharing its number) is blocked until {@link release}.
   */
  pick(t: number): HopperPick | null {
    for (let attempt = 0; attempt < 1000; attempt++) {
      if (!this.started) this.start(t);
      if (this.needsPass(t)) this.refill(t);
      if (this.livePool === 0) return null;
      const head = this.peekHead();
      const eps = this.exploration;
      let lead: number;
      let arm: 'model' | 'explore';
      if (eps > 0 && this.rng.uniform() < eps) {
        lead = this.drawPool();
        arm = 'explore';
      } else if (head >= 0) {
        lead = head;
        arm = 'model';
      } else {
        this.forcePass = true;
        continue;
      }
      const refusal = this.verify(lead, t);
      if (refusal !== null) {
        this.counters.refusals++;
        if (!Number.isNaN(refusal)) this.setNextAllowed(lead, refusal, t);
        this.forcePass = true;
        continue;
      }
      const poolSize = this.livePool;
      const propensity = (1 - eps) * (lead === head ? 1 : 0) + eps / poolSize;
      const how = this.groups.how[this.groups.groupOf[lead]!]!;
      const pAnswer = this.scores.pAnswer(lead, how);
      const pConvert = this.scores.pConvert(lead);
      for (const s of this.numberGroup(lead)) this.setNextAllowed(s, NEVER, t);
      this.counters.picks++;
      if (arm === 'explore') this.counters.explorePicks++;
      return {
        lead,
        arm,
        propensity,
        modelChoice: head,
        poolSize,
        localHourOfWeek: how,
        pAnswer,
        pConvert,
        expectedValue: this.value * pAnswer * pConvert,
      };
    }
    return null;
  }
}
