import type { Handler } from '../../contracts/call-attempt.ts';
import type { Clock } from '../clock/clock.ts';
import { DialerConfigError } from '../errors.ts';
import type { RandomSource } from '../rng.ts';
import { localHourOfWeek } from '../time.ts';
import type { Carrier, CarrierEvent, ConversationResult, OriginateRequest } from './carrier.ts';

export type TalkOutcome = 'sale' | 'no_sale' | 'opt_out';

/** What the callee side knows at the moment of a conversation. */
export interface CalleeContext {
  handler: Handler;
  campaignId: string;
  /** Calls this customer answered in the 7 days before (as this carrier saw them): fatigue. */
  answeredLast7Days: number;
}

/**
 * The callee side of the world — how likely a customer is to answer at a local hour-of-week, to
 * buy, to opt out, how long they talk, whether the number is wrong. The synthetic world in
 * `simulation/` implements this (the dialer never imports it); tests use a toy model.
 */
export interface CallOutcomeModel {
  answerProbability(customerId: string, localHourOfWeek: number, at: number): number;
  conversionProbability(customerId: string, at: number, ctx: CalleeContext): number;
  optOutProbability(customerId: string, at: number, ctx: CalleeContext): number;
  talkSeconds(customerId: string, outcome: TalkOutcome, handler: Handler, rng: RandomSource): number;
  isWrongNumber(customerId: string): boolean;
  /** Sale value of a conversion (absent: the campaign's value per conversion is logged). */
  saleValue?(customerId: string, rng: RandomSource): number;
  /** Probability an unanswered call is actively rejected (default: options.rejectRate). */
  rejectProbability?(customerId: string): number;
  /** Probability an unanswered call reaches voicemail (default: options.voicemailRate). */
  voicemailProbability?(customerId: string): number;
}

export interface SimulatedCarrierOptions {
  /** Network failures per dial. */
  failedRate?: number;
  /** Busy signals per dial. */
  busyRate?: number;
  rejectRate?: number;
  voicemailRate?: number;
  /** Share of wrong numbers that are invalid (the rest ring out or reach someone's voicemail). */
  wrongNumberInvalidRate?: number;
}

const DEFAULTS: Required<SimulatedCarrierOptions> = {
  failedRate: 0.006,
  busyRate: 0.03,
  rejectRate: 0.1,
  voicemailRate: 0.3,
  wrongNumberInvalidRate: 0.8,
};

const WEEK_MS = 7 * 86_400_000;

interface SimCall {
  req: OriginateRequest;
  /** 0 dialling, 1 ringing, 2 answered, 3 talking, 4 done */
  phase: number;
  answeredAt: number;
}

/**
 * A carrier on a simulated clock that answers from a `CallOutcomeModel`: set-up delay, ringing,
 * answer (or busy, no answer, rejection, voicemail, invalid number, network failure), and — once
 * the dialer connects an agent or the robot — the conversation's length and result. Draws come
 * from the seeded `rng`, so a day replays exactly.
 */
export class SimulatedCarrier implements Carrier {
  private listener: ((e: CarrierEvent) => void) | null = null;
  private readonly calls = new Map<string, SimCall>();
  private readonly answeredAt = new Map<string, number[]>();
  private readonly o: Required<SimulatedCarrierOptions>;

  constructor(
    private readonly clock: Clock,
    private readonly model: CallOutcomeModel,
    private readonly rng: RandomSource,
    options: SimulatedCarrierOptions = {},
  ) {
    this.o = { ...DEFAULTS, ...options };
  }

  onEvent(listener: (e: CarrierEvent) => void): void {
    this.listener = listener;
  }

  /** Calls not yet finished. */
  get liveCalls(): number {
    return this.calls.size;
  }

  private emit(call: SimCall, e: CarrierEvent): void {
    if (call.phase === 4) return;
    if (e.type !== 'ringing' && e.type !== 'answered') {
      call.phase = 4;
      this.calls.delete(e.callId);
    }
    this.listener?.(e);
  }

  private at(t: number, call: SimCall, e: CarrierEvent): void {
    this.clock.schedule(t, () => this.emit(call, e));
  }

  originate(req: OriginateRequest): void {
    if (this.calls.has(req.callId)) throw new DialerConfigError(`SimulatedCarrier: call id ${req.callId} is already live`);
    const call: SimCall = { req, phase: 0, answeredAt: Number.NaN };
    this.calls.set(req.callId, call);
    const rng = this.rng;
    const o = this.o;
    const t0 = this.clock.now();
    const setup = t0 + Math.round(500 + 1500 * rng.uniform());
    const id = req.callId;
    const cid = req.customerId;
    if (this.model.isWrongNumber(cid)) {
      const u = rng.uniform();
      if (u < o.wrongNumberInvalidRate) return this.at(setup, call, { callId: id, at: setup, type: 'invalid_number' });
      this.at(setup, call, { callId: id, at: setup, type: 'ringing' });
      const vm = u < o.wrongNumberInvalidRate + (1 - o.wrongNumberInvalidRate) / 2;
      const end = setup + (vm ? 18_000 + rng.uniform() * 10_000 : 30_000 + rng.uniform() * 15_000);
      return this.at(end, call, { callId: id, at: Math.round(end), type: vm ? 'voicemail' : 'no_answer' });
    }
    const u = rng.uniform();
    if (u < o.failedRate) return this.at(setup, call, { callId: id, at: setup, type: 'failed' });
    if (u < o.failedRate + o.busyRate) return this.at(setup, call, { callId: id, at: setup, type: 'busy' });
    this.at(setup, call, { callId: id, at: setup, type: 'ringing' });
    const how = localHourOfWeek(setup, req.timezone);
    const pa = how < 0 ? 0 : this.model.answerProbability(cid, how, setup);
    if (rng.uniform() < pa) {
      const ring = Math.min(40_000, Math.round(1000 * (3 + 8 * Math.exp(0.5 * rng.normal()))));
      const t = setup + ring;
      this.clock.schedule(t, () => {
        if (call.phase === 4) return;
        call.phase = 2;
        call.answeredAt = t;
        const list = this.answeredAt.get(cid);
        if (list) list.push(t);
        else this.answeredAt.set(cid, [t]);
        this.emit(call, { callId: id, at: t, type: 'answered' });
      });
      return;
    }
    const reject = this.model.rejectProbability?.(cid) ?? o.rejectRate;
    const voicemail = this.model.voicemailProbability?.(cid) ?? o.voicemailRate;
    let t: number;
    let type: 'rejected' | 'voicemail' | 'no_answer';
    if (rng.uniform() < reject) {
      t = setup + 2000 + Math.round(rng.uniform() * 10_000);
      type = 'rejected';
    } else if (rng.uniform() < voicemail) {
      t = setup + 18_000 + Math.round(rng.uniform() * 10_000);
      type = 'voicemail';
    } else {
      t = setup + 30_000 + Math.round(rng.uniform() * 15_000);
      type = 'no_answer';
    }
    this.at(t, call, { callId: id, at: t, type });
  }

  connect(callId: string, handler: Handler): void {
    const call = this.calls.get(callId);
    if (!call || call.phase !== 2) throw new DialerConfigError(`SimulatedCarrier: call ${callId} is not waiting to be connected`);
    call.phase = 3;
    const t = this.clock.now();
    const cid = call.req.customerId;
    const ctx = { handler, campaignId: call.req.campaignId, answeredLast7Days: this.answeredBefore(cid, call.answeredAt) };
    const rng = this.rng;
    const result: ConversationResult = { converted: false, value: null, optedOut: false, transferred: false };
    let outcome: TalkOutcome;
    if (rng.uniform() < this.model.conversionProbability(cid, t, ctx)) {
      result.converted = true;
      result.value = this.model.saleValue ? this.model.saleValue(cid, rng) : null;
      result.transferred = handler === 'robot';
      outcome = 'sale';
    } else {
      result.optedOut = rng.uniform() < this.model.optOutProbability(cid, t, ctx);
      outcome = result.optedOut ? 'opt_out' : 'no_sale';
    }
    const talk = Math.max(1, this.model.talkSeconds(cid, outcome, handler, rng));
    const end = t + Math.round(talk * 1000);
    this.at(end, call, { callId, at: end, type: 'ended', result });
  }

  hangup(callId: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.phase = 4;
    this.calls.delete(callId);
  }

  /** Answered calls of a customer in the 7 days before t (the current call, answered at t, excluded). */
  private answeredBefore(cid: string, t: number): number {
    const list = this.answeredAt.get(cid);
    if (!list) return 0;
    let n = 0;
    for (const a of list) if (a < t && a > t - WEEK_MS) n++;
    return n;
  }
}
