import { performance } from 'node:perf_hooks';
import { DISPOSITIONS } from '../contracts/call-attempt.ts';
import type { Disposition, Handler } from '../contracts/call-attempt.ts';
import { auditDials, cloneHistory } from './audit.ts';
import type { AuditedDial } from './audit.ts';
import type { Campaign } from './campaign/campaign.ts';
import { scheduleOpen } from './campaign/schedule.ts';
import { missingVariables, renderTemplate } from './campaign/template.ts';
import { CallStateMachine } from './calls/state-machine.ts';
import type { CallState } from './calls/state-machine.ts';
import type { Carrier, CarrierEvent, ConversationResult } from './carrier/carrier.ts';
import type { SimulatedClock } from './clock/clock.ts';
import { ContactHistory } from './compliance/history.ts';
import type { CompliancePolicy } from './compliance/policy.ts';
import { DialerConfigError, LeadTableError } from './errors.ts';
import { Hopper } from './hopper/hopper.ts';
import type { HopperPick } from './hopper/hopper.ts';
import { publishedScores } from './hopper/score-source.ts';
import type { ScoreSource } from './hopper/score-source.ts';
import { filterLeads } from './leads/lead-table.ts';
import type { LeadTable } from './leads/lead-table.ts';
import type { OutcomeRecord } from './outcome-log/outcome-log.ts';
import { maxRollingAbandonShare } from './pacing/abandon-window.ts';
import { PredictivePacer, RobotPacer } from './pacing/pacing.ts';
import { SeededRandom } from './rng.ts';
import { MINUTE_MS } from './time.ts';

/** Where outcome lines go (an `OutcomeLog`, or an array in tests). */
export interface OutcomeSink {
  append(record: OutcomeRecord): void;
  sync?(): void;
}

export interface DialingDayOptions {
  campaign: Campaign;
  /** The published run's leads (the campaign's filter is applied here). */
  leads: LeadTable;
  /** What to rank by, over the same leads (default: the published scores — the model policy). */
  scores?: ScoreSource;
  /**
   * Contact histories by `contactKey`. The engine records every attempt into them as calls end
   * (new numbers get a new history), so pass a copy to compare policies on the same world.
   */
  histories: Map<string, ContactHistory>;
  carrier: Carrier;
  /** The day runs on this clock; the engine drains it of its own calls' events at the end. */
  clock: SimulatedClock;
  /** No dial before `from` nor at or after `to`; calls in flight at `to` finish. */
  from: Date | number;
  to: Date | number;
  outcomeLog?: OutcomeSink | null;
  /** Seed of the exploration draws. */
  seed?: number;
  /** Names this dialer in attempt ids and the `source` field. */
  dialerId?: string;
  /** Stop dialing after this many dials. */
  maxDials?: number;
  /**
   * Spread `maxDials` evenly over the period instead of dialing as fast as the lines allow: by
   * instant t at most ⌈maxDials × (t − from) / (to − from)⌉ dials have been placed (an hour
   * without eligible leads leaves its share to later hours). A call centre works its daily
   * budget across its shift; spent in the first hour, the budget would go only to the zones
   * open at that hour, at whatever hour that happens to be locally.
   */
  spreadDials?: boolean;
  /** Compliance policy by lead region (default: the campaign's `policyFor`). */
  policyFor?: (region: string | null) => CompliancePolicy;
  /** Pacing tick (default 1 s): dials are placed on ticks. */
  tickMs?: number;
  /** Hopper epoch (default 15 min). */
  epochMs?: number;
}

export interface DayStats {
  campaignId: string;
  /** Name of the score source that ranked the leads (`model`, `oracle`, `random`…). */
  ranking: string;
  mode: 'robot' | 'agent';
  from: string;
  to: string;
  leads: {
    total: number;
    /** Kept by the campaign's lead filter. */
    inCampaign: number;
    /** In the campaign but left out because the script needs a variable they lack. */
    missingVariables: number;
    /** variable → leads lacking it (`(variables not a JSON object)` for unreadable variables). */
    missingByVariable: Record<string, number>;
  };
  dials: number;
  /** A person picked up (dispositions answered + abandoned). */
  answered: number;
  /** Answered calls that reached an agent or the robot. */
  connected: number;
  /** answered / dials. */
  contactRate: number;
  conversions: number;
  conversionsPer1000Dials: number;
  conversionValue: number;
  /** Sum of the expected values the ranking assigned to the dials placed. */
  expectedValueDialled: number;
  abandoned: number;
  /** abandoned / answered over the day. */
  abandonedShare: number;
  /** Worst abandoned share over any rolling window of the campaign's abandon window (24 h in robot mode) within the run. */
  maxRollingAbandonedShare: number;
  optOuts: number;
  transfers: number;
  dispositions: Record<Disposition, number>;
  arms: { model: number; explore: number };
  /** Dials that `decide`, re-run on every dial at its start time over the day's histories, refuses. Must be 0. */
  complianceViolations: number;
  violationSamples: string[];
  /** Dials outside the campaign schedule (also must be 0). */
  scheduleViolations: number;
  peakLiveCalls: number;
  /** Agent mode: time-weighted mean dial level. */
  meanDialLevel: number | null;
  hopper: { passes: number; passMs: number; refusals: number; decides: number };
  /** Wall time of the run, and simulated events processed. */
  wallMs: number;
  events: number;
}

interface LiveCall {
  id: string;
  lead: number;
  sm: CallStateMachine;
  pick: HopperPick;
  startedAt: number;
  ringingAt: number;
  answeredAt: number;
  connectedAt: number;
  handler: Handler | null;
  /** DIALING or RINGING (counts toward `ringing` for pacing). */
  outstanding: boolean;
  held: boolean;
  result: ConversationResult | null;
}

const DISPOSITION_STATE: Record<Exclude<CarrierEvent['type'], 'ringing' | 'answered' | 'ended'>, CallState> = {
  no_answer: 'NO_ANSWER',
  busy: 'BUSY',
  invalid_number: 'INVALID_NUMBER',
  voicemail: 'VOICEMAIL',
  rejected: 'REJECTED',
  failed: 'FAILED',
};

/**
 * The dialing loop for one campaign over one period (typically a day) on a simulated clock:
 * compliance-checked picks from the hopper, paced by mode (robot lines or predictive agent
 * pacing), calls driven through the state machine by carrier events, every attempt recorded in
 * the contact histories and appended to the outcome log, and the day's figures returned —
 * including an independent compliance audit that re-runs `decide` for every dial.
 */
export class DialingEngine {
  private readonly o: DialingDayOptions;
  private readonly campaign: Campaign;
  private readonly leads: LeadTable;
  private readonly scores: ScoreSource;
  private readonly hopper: Hopper;
  private readonly policies: CompliancePolicy[];
  private readonly policyIndex: Uint16Array;
  private readonly from: number;
  private readonly to: number;
  private readonly dialerId: string;
  private readonly tickMs: number;
  private readonly robot: RobotPacer | null;
  private readonly pacer: PredictivePacer | null;
  private readonly live = new Map<string, LiveCall>();
  private readonly heldQueue: LiveCall[] = [];
  private heldHead = 0;
  private heldCount = 0;
  private ringing = 0;
  private idleAgents = 0;
  private readonly dials: AuditedDial[] = [];
  private readonly snapshots = new Map<string, ContactHistory | null>();
  private readonly answeredTimes: number[] = [];
  private readonly abandonedTimes: number[] = [];
  // campaign retry state per lead
  private readonly attempts: Uint16Array;
  private readonly lastAt: Float64Array;
  private readonly lastDisposition: Int8Array;
  private readonly stopped: Uint8Array;
  private readonly delayMs: Float64Array;
  private readonly stopMask: number;
  private readonly stats: DayStats;
  private dialSeq = 0;
  private ticking = true;

  constructor(opts: DialingDayOptions) {
    this.o = opts;
    this.campaign = opts.campaign;
    this.leads = opts.leads;
    this.scores = opts.scores ?? publishedScores(opts.leads);
    if (this.scores.size !== this.leads.size)
      throw new DialerConfigError(`score source '${this.scores.name}' covers ${this.scores.size} leads; the lead table has ${this.leads.size}`);
    this.from = typeof opts.from === 'number' ? opts.from : opts.from.getTime();
    this.to = typeof opts.to === 'number' ? opts.to : opts.to.getTime();
    if (!(this.to > this.from)) throw new DialerConfigError(`the dialing period must end after it starts (from ${new Date(this.from).toISOString()}, to ${new Date(this.to).toISOString()})`);
    this.dialerId = opts.dialerId ?? 'dialer';
    this.tickMs = opts.tickMs ?? 1000;
    const cfg = this.campaign.config;
    const n = this.leads.size;

    // Compliance policy per lead, by region.
    const policyFor = opts.policyFor ?? this.campaign.policyFor;
    const byPolicy = new Map<CompliancePolicy, number>();
    this.policies = [];
    this.policyIndex = new Uint16Array(n);
    const regionCache = new Map<string | null, number>();
    for (let i = 0; i < n; i++) {
      const region = this.leads.columns.country[i] ?? null;
      let k = regionCache.get(region);
      if (k === undefined) {
        const p = policyFor(region);
        k = byPolicy.get(p);
        if (k === undefined) {
          k = this.policies.length;
          byPolicy.set(p, k);
          this.policies.push(p);
        }
        regionCache.set(region, k);
      }
      this.policyIndex[i] = k;
    }

    // The campaign's lead filter and script variables decide who may be dialled at all.
    const excluded = new Uint8Array(n).fill(1);
    const kept = filterLeads(this.leads, this.campaign);
    const missingByVariable: Record<string, number> = {};
    let missing = 0;
    const defaults = cfg.script.defaults;
    for (const i of kept) {
      let vars: Record<string, unknown>;
      try {
        vars = this.leads.variablesOf(i, defaults);
      } catch (e) {
        if (!(e instanceof LeadTableError)) throw e;
        // Unreadable variables: no script can be filled for this lead, so it is not dialled.
        missing++;
        missingByVariable['(variables not a JSON object)'] = (missingByVariable['(variables not a JSON object)'] ?? 0) + 1;
        continue;
      }
      const lack = missingVariables(this.campaign.template, vars);
      if (lack.length) {
        missing++;
        for (const v of lack) missingByVariable[v] = (missingByVariable[v] ?? 0) + 1;
        continue;
      }
      excluded[i] = 0;
    }

    // The retry policy, as a floor under each lead's nextAllowed.
    this.attempts = new Uint16Array(n);
    this.lastAt = new Float64Array(n).fill(Number.NaN);
    this.lastDisposition = new Int8Array(n).fill(-1);
    this.stopped = new Uint8Array(n);
    this.delayMs = new Float64Array(DISPOSITIONS.length);
    DISPOSITIONS.forEach((d, k) => (this.delayMs[k] = (cfg.retry.delayMinutes[d] ?? 0) * MINUTE_MS));
    this.stopMask = cfg.retry.stopOn.reduce((m, d) => m | (1 << DISPOSITIONS.indexOf(d)), 0);

    const rng = new SeededRandom(opts.seed ?? 1, 0xd1a1);
    this.hopper = new Hopper({
      leads: this.leads,
      scores: this.scores,
      policyOf: (i) => this.policies[this.policyIndex[i]!]!,
      histories: opts.histories,
      capacity: cfg.hopper.size,
      ...(cfg.hopper.lowWater !== undefined ? { lowWater: cfg.hopper.lowWater } : {}),
      exploration: cfg.exploration,
      valuePerConversion: cfg.valuePerConversion,
      rng,
      ...(opts.epochMs !== undefined ? { epochMs: opts.epochMs } : {}),
      gate: (zone, t) => scheduleOpen(this.campaign, zone, t),
      campaignFloor: (i) => this.campaignFloor(i),
      excluded,
    });
    // Campaign attempts already in the histories.
    for (let i = 0; i < n; i++) {
      if (excluded[i] === 1) continue;
      const h = this.hopper.historyOf(i);
      if (h === null) continue;
      for (const a of h.attempts()) if (a.campaignId === this.campaign.id) this.noteCampaignAttempt(i, a.at, DISPOSITIONS.indexOf(a.disposition));
    }

    const mode = cfg.mode;
    this.robot = mode.type === 'robot' ? new RobotPacer(mode.lines) : null;
    this.pacer = mode.type === 'agent' ? new PredictivePacer(mode) : null;
    if (mode.type === 'agent') this.idleAgents = mode.agents;

    this.stats = {
      campaignId: this.campaign.id,
      ranking: this.scores.name,
      mode: mode.type,
      from: new Date(this.from).toISOString(),
      to: new Date(this.to).toISOString(),
      leads: { total: n, inCampaign: kept.length, missingVariables: missing, missingByVariable },
      dials: 0,
      answered: 0,
      connected: 0,
      contactRate: 0,
      conversions: 0,
      conversionsPer1000Dials: 0,
      conversionValue: 0,
      expectedValueDialled: 0,
      abandoned: 0,
      abandonedShare: 0,
      maxRollingAbandonedShare: 0,
      optOuts: 0,
      transfers: 0,
      dispositions: Object.fromEntries(DISPOSITIONS.map((d) => [d, 0])) as Record<Disposition, number>,
      arms: { model: 0, explore: 0 },
      complianceViolations: 0,
      violationSamples: [],
      scheduleViolations: 0,
      peakLiveCalls: 0,
      meanDialLevel: null,
      hopper: { passes: 0, passMs: 0, refusals: 0, decides: 0 },
      wallMs: 0,
      events: 0,
    };
  }

  private noteCampaignAttempt(i: number, at: number, code: number): void {
    this.attempts[i] = Math.min(65535, this.attempts[i]! + 1);
    if (!(at < this.lastAt[i]!)) {
      this.lastAt[i] = at;
      this.lastDisposition[i] = code;
    }
    if ((this.stopMask & (1 << code)) !== 0) this.stopped[i] = 1;
  }

  /** Earliest instant the campaign's retry policy allows lead i (Infinity: never again). */
  private campaignFloor(i: number): number {
    if (this.stopped[i] === 1 || this.attempts[i]! >= this.campaign.config.retry.maxAttempts) return Number.POSITIVE_INFINITY;
    const code = this.lastDisposition[i]!;
    return code < 0 ? Number.NEGATIVE_INFINITY : this.lastAt[i]! + this.delayMs[code]!;
  }

  /** Runs the period and returns its figures. */
  run(): DayStats {
    const wall0 = performance.now();
    const clock = this.o.clock;
    const events0 = clock.eventsRun;
    this.o.carrier.onEvent((e) => this.onCarrierEvent(e));
    this.hopper.start(Math.max(this.from, clock.now()));
    clock.schedule(this.from, () => this.tick());
    clock.runUntil(this.to);
    this.ticking = false;
    // Let the calls in flight finish (and agents wrap up), then stop.
    clock.runWhile(() => this.live.size > 0);
    this.o.outcomeLog?.sync?.();
    this.audit();
    const s = this.stats;
    s.contactRate = s.dials ? s.answered / s.dials : 0;
    s.conversionsPer1000Dials = s.dials ? (1000 * s.conversions) / s.dials : 0;
    s.abandonedShare = s.answered ? s.abandoned / s.answered : 0;
    const windowMs = this.pacer ? this.pacer.window.windowMs : 1440 * MINUTE_MS;
    s.maxRollingAbandonedShare = maxRollingAbandonShare(this.answeredTimes, this.abandonedTimes, windowMs, 1, clock.now());
    s.meanDialLevel = this.pacer ? this.pacer.meanDialLevel : null;
    const c = this.hopper.counters;
    s.hopper = { passes: c.passes, passMs: c.passMs, refusals: c.refusals, decides: c.decides };
    s.wallMs = performance.now() - wall0;
    s.events = clock.eventsRun - events0;
    return s;
  }

  private tick(): void {
    if (!this.ticking) return;
    const t = this.o.clock.now();
    if (t >= this.to) return;
    const maxDials = this.o.maxDials ?? Number.POSITIVE_INFINITY;
    let n: number;
    if (this.robot) n = this.robot.callsToPlace(this.live.size);
    else {
      const floor = { idle: this.idleAgents, ringing: this.ringing, held: this.heldCount };
      this.pacer!.adjust(t, floor);
      n = this.pacer!.callsToPlace(t, floor);
    }
    n = Math.min(n, maxDials - this.stats.dials);
    if (this.o.spreadDials === true && Number.isFinite(maxDials))
      n = Math.min(n, Math.ceil((maxDials * (t + this.tickMs - this.from)) / (this.to - this.from)) - this.stats.dials);
    for (let k = 0; k < n; k++) {
      const pick = this.hopper.pick(t);
      if (pick === null) break;
      this.dial(pick, t);
    }
    if (this.stats.dials < maxDials) this.o.clock.schedule(t + this.tickMs, () => this.tick());
  }

  private dial(pick: HopperPick, t: number): void {
    const i = pick.lead;
    const cfg = this.campaign.config;
    const customerId = this.leads.customerId(i);
    // Variables were checked when the day started, so this cannot miss one; if it did, the
    // error propagates rather than a script reading "Hello ,".
    const script = renderTemplate(this.campaign.template, this.leads.variablesOf(i, cfg.script.defaults), customerId);
    const id = `${this.dialerId}:${this.campaign.id}:${customerId}:${t}`;
    const sm = new CallStateMachine(id, t);
    sm.transition('DIALING', t);
    const call: LiveCall = {
      id,
      lead: i,
      sm,
      pick,
      startedAt: t,
      ringingAt: Number.NaN,
      answeredAt: Number.NaN,
      connectedAt: Number.NaN,
      handler: null,
      outstanding: true,
      held: false,
      result: null,
    };
    this.live.set(id, call);
    this.ringing++;
    this.dialSeq++;
    const s = this.stats;
    s.dials++;
    s.arms[pick.arm]++;
    s.expectedValueDialled += pick.expectedValue;
    if (this.live.size > s.peakLiveCalls) s.peakLiveCalls = this.live.size;
    if (!scheduleOpen(this.campaign, this.leads.timezone(i), t)) s.scheduleViolations++;
    // Pacing predicts from the published model, whatever ranks the leads.
    this.pacer?.notePredicted(this.leads.pAnswerAt(i, Math.max(0, pick.localHourOfWeek)));
    this.o.carrier.originate({
      callId: id,
      customerId,
      phoneE164: this.leads.columns.phoneE164[i]!,
      timezone: this.leads.timezone(i),
      campaignId: this.campaign.id,
      handler: this.robot ? 'robot' : 'agent',
      script,
    });
  }

  private leaveOutstanding(call: LiveCall): void {
    if (call.outstanding) {
      call.outstanding = false;
      this.ringing--;
    }
  }

  private onCarrierEvent(e: CarrierEvent): void {
    const call = this.live.get(e.callId);
    if (!call) return; // a call we hung up (or another campaign's): nothing more to do
    switch (e.type) {
      case 'ringing':
        call.sm.transition('RINGING', e.at);
        call.ringingAt = e.at;
        return;
      case 'answered': {
        call.sm.transition('ANSWERED', e.at);
        call.answeredAt = e.at;
        this.leaveOutstanding(call);
        this.answeredTimes.push(e.at);
        this.pacer?.noteResolved(true);
        this.pacer?.recordAnswered(e.at);
        if (this.robot) this.connect(call, 'robot', e.at);
        else if (this.idleAgents > 0) {
          this.idleAgents--;
          this.connect(call, 'agent', e.at);
        } else {
          // No agent free: the callee waits up to maxHoldSeconds, then the call is abandoned.
          call.held = true;
          call.outstanding = false;
          this.heldQueue.push(call);
          this.heldCount++;
          const mode = this.campaign.config.mode;
          const hold = mode.type === 'agent' ? mode.maxHoldSeconds * 1000 : 0;
          this.o.clock.schedule(e.at + hold, () => this.abandonIfHeld(call));
        }
        return;
      }
      case 'ended': {
        call.sm.transition(e.result.transferred ? 'TRANSFER' : 'END', e.at);
        call.result = e.result;
        this.finish(call, e.at);
        if (call.handler === 'agent') {
          const mode = this.campaign.config.mode;
          const wrap = mode.type === 'agent' ? mode.wrapUpSeconds * 1000 : 0;
          this.o.clock.schedule(e.at + wrap, () => this.agentFree());
        }
        return;
      }
      default: {
        call.sm.transition(DISPOSITION_STATE[e.type], e.at);
        this.leaveOutstanding(call);
        this.pacer?.noteResolved(false);
        this.finish(call, e.at);
      }
    }
  }

  private connect(call: LiveCall, handler: Handler, t: number): void {
    call.sm.transition('CONVERSATION', t);
    call.handler = handler;
    call.connectedAt = t;
    this.o.carrier.connect(call.id, handler);
  }

  private abandonIfHeld(call: LiveCall): void {
    if (!call.held) return;
    call.held = false;
    this.heldCount--;
    const t = this.o.clock.now();
    call.sm.transition('ABANDONED', t);
    this.o.carrier.hangup(call.id);
    this.abandonedTimes.push(t);
    this.pacer?.recordAbandoned(t);
    this.finish(call, t);
  }

  private agentFree(): void {
    const t = this.o.clock.now();
    while (this.heldHead < this.heldQueue.length) {
      const call = this.heldQueue[this.heldHead++]!;
      if (!call.held) continue;
      call.held = false;
      this.heldCount--;
      this.connect(call, 'agent', t);
      this.compactHeld();
      return;
    }
    this.compactHeld();
    this.idleAgents++;
  }

  private compactHeld(): void {
    if (this.heldHead > 1024 && this.heldHead * 2 > this.heldQueue.length) {
      this.heldQueue.splice(0, this.heldHead);
      this.heldHead = 0;
    }
  }

  /** A call reached a final state: history, retry state, hopper, log, figures. */
  private finish(call: LiveCall, t: number): void {
    this.live.delete(call.id);
    const i = call.lead;
    const disposition = call.sm.disposition();
    const r = call.result;
    const optedOut = r?.optedOut ?? false;
    const converted = r?.converted ?? false;

    // History (snapshotted first, for the audit).
    const key = this.hopper.keyOf(i);
    const histories = this.o.histories;
    let h = histories.get(key) ?? null;
    if (!this.snapshots.has(key)) this.snapshots.set(key, h === null ? null : cloneHistory(h));
    if (h === null) {
      h = new ContactHistory(this.leads.timezone(i));
      histories.set(key, h);
    }
    h.recordAttempt({ at: call.startedAt, disposition, campaignId: this.campaign.id, optedOut });
    this.noteCampaignAttempt(i, call.startedAt, DISPOSITIONS.indexOf(disposition));
    this.dials.push({ lead: i, at: call.startedAt, disposition, optedOut, campaignId: this.campaign.id });
    this.hopper.release(i, t);

    const s = this.stats;
    s.dispositions[disposition]++;
    if (disposition === 'answered' || disposition === 'abandoned') s.answered++;
    if (disposition === 'abandoned') s.abandoned++;
    if (call.handler !== null) s.connected++;
    if (converted) s.conversions++;
    if (optedOut) s.optOuts++;
    if (r?.transferred) s.transfers++;
    const value = converted ? (r!.value ?? this.campaign.config.valuePerConversion) : null;
    if (value !== null) s.conversionValue += value;

    const log = this.o.outcomeLog;
    if (log) {
      const ringEnd = Number.isNaN(call.answeredAt) ? t : call.answeredAt;
      const p = call.pick;
      log.append({
        attempt_id: call.id,
        campaign_id: this.campaign.id,
        customer_id: this.leads.customerId(i),
        phone_hash: this.leads.columns.phoneHash[i] ?? null,
        started_at: new Date(call.startedAt).toISOString(),
        disposition,
        ring_seconds: Number.isNaN(call.ringingAt) ? 0 : Math.max(0, (ringEnd - call.ringingAt) / 1000),
        talk_seconds: Number.isNaN(call.connectedAt) ? 0 : Math.max(0, (t - call.connectedAt) / 1000),
        converted,
        conversion_value: value,
        opted_out: optedOut,
        handled_by: call.handler,
        transferred: r?.transferred ?? false,
        arm: p.arm,
        propensity: p.propensity,
        model_versions: { ...this.scores.modelVersions },
        source: `dialer:${this.dialerId}`,
        scores: {
          source: this.scores.name,
          p_answer: p.pAnswer,
          p_convert: p.pConvert,
          expected_value: p.expectedValue,
          local_hour_of_week: p.localHourOfWeek,
          pool_size: p.poolSize,
        },
      });
    }
  }

  /** The independent compliance audit of the period's dials (see `auditDials`). */
  private audit(): void {
    const result = auditDials(
      this.dials,
      this.leads,
      (i) => this.policies[this.policyIndex[i]!]!,
      (key) => {
        // Before the period: the snapshot taken before the first call on the number ended, or
        // the live history if no call of this period touched it.
        if (this.snapshots.has(key)) {
          const h = this.snapshots.get(key)!;
          return h === null ? null : cloneHistory(h);
        }
        const live = this.o.histories.get(key);
        return live ? cloneHistory(live) : null;
      },
    );
    this.stats.complianceViolations = result.violations;
    this.stats.violationSamples = result.samples;
  }
}

/** Runs one dialing period; see {@link DialingEngine}. */
export function runDialingDay(opts: DialingDayOptions): DayStats {
  return new DialingEngine(opts).run();
}
