import type { AgentMode } from '../campaign/schema.ts';
import { RollingAbandonWindow } from './abandon-window.ts';

/** Robot mode: at most `lines` live calls, so the calls to place are the free lines. */
export class RobotPacer {
  constructor(readonly lines: number) {}

  callsToPlace(live: number): number {
    return Math.max(0, this.lines - live);
  }
}

export interface AgentFloor {
  /** Agents waiting for a call. */
  idle: number;
  /** Calls dialled and not yet answered or failed. */
  ringing: number;
  /** Answered calls waiting for an agent (abandoned if none frees within the hold time). */
  held: number;
}

/**
 * Predictive pacing for agent mode, in the manner of VICIdial's adaptive dialer.
 *
 * - The *dial level* L (lines per waiting agent, within [min, max] ⊆ [1, 3]) starts from the
 *   predicted answer rate p̂ — 1/p̂ dials per free agent yield one answer per agent on average —
 *   scaled by an adaptive factor that is re-estimated every `adjustEverySeconds`: down 15 % while
 *   the rolling abandon rate is above target, up 5 % while it is under half the target and agents
 *   sit idle. p̂ blends the observed answer rate of the last 200 resolved dials with the published
 *   model's p_answer of the leads being dialled (a prior worth 30 dials).
 * - Calls to place = ⌈L × idle agents⌉ − calls already ringing.
 * - The guard: an answered call can only be abandoned if more calls are outstanding (ringing or
 *   held) than agents are idle, so the worst case of the outstanding calls is (outstanding − idle)
 *   abandons. A dial beyond the zero-risk ones (outstanding ≤ idle) is placed only while
 *       abandoned_in_window + (outstanding − idle)  ≤  maxAbandonRate × answered_in_window.
 *   Every later event keeps `abandoned + (outstanding − idle)⁺` from growing (an abandon turns one
 *   unit of the worst case into an actual abandon; answers only raise the right-hand side), so the
 *   share stays at or below the ceiling at every instant — even if every outstanding call were
 *   answered at once and dropped. With no budget (the first ~33 answers of a run) L is in effect 1.
 *   This holds while no answered call leaves the window; a window shorter than the run can slide
 *   past busy hours into quiet ones and show a higher share than was ever planned for, which is
 *   why the default window is the 24 hours regulators (Ofcom) measure over.
 */
export class PredictivePacer {
  readonly window: RollingAbandonWindow;
  private level: number;
  private factor = 0.8;
  private recent: Uint8Array;
  private recentCount = 0;
  private recentAnswered = 0;
  private recentPos = 0;
  private prior = 0.3;
  private lastAdjust = Number.NEGATIVE_INFINITY;
  private levelArea = 0;
  private levelSince = Number.NaN;
  private levelTime = 0;

  constructor(
    readonly mode: AgentMode,
    window = 200,
  ) {
    this.window = new RollingAbandonWindow(mode.abandonWindowMinutes * 60_000);
    this.recent = new Uint8Array(window);
    this.level = mode.minDialLevel;
  }

  get dialLevel(): number {
    return this.level;
  }

  /** Time-weighted mean dial level since the first adjustment. */
  get meanDialLevel(): number {
    return this.levelTime > 0 ? this.levelArea / this.levelTime : this.level;
  }

  /** Predicted answer probability of the next dials. */
  get predictedAnswerRate(): number {
    const K = 30;
    return (this.recentAnswered + K * this.prior) / (this.recentCount + K);
  }

  /** The published model's p_answer of a lead just dialled (moves the prior, an EMA). */
  notePredicted(pAnswer: number): void {
    if (Number.isFinite(pAnswer)) this.prior += 0.02 * (Math.min(1, Math.max(0, pAnswer)) - this.prior);
  }

  /** A dial resolved: a person answered (abandoned or not) or it did not. */
  noteResolved(answered: boolean): void {
    const n = this.recent.length;
    if (this.recentCount === n) this.recentAnswered -= this.recent[this.recentPos]!;
    else this.recentCount++;
    this.recent[this.recentPos] = answered ? 1 : 0;
    this.recentAnswered += answered ? 1 : 0;
    this.recentPos = (this.recentPos + 1) % n;
  }

  recordAnswered(t: number): void {
    this.window.recordAnswered(t);
  }

  recordAbandoned(t: number): void {
    this.window.recordAbandoned(t);
  }

  /** Re-estimates the dial level if `adjustEverySeconds` have passed. */
  adjust(t: number, floor: AgentFloor): void {
    if (t - this.lastAdjust < this.mode.adjustEverySeconds * 1000) return;
    if (!Number.isNaN(this.levelSince)) {
      this.levelArea += this.level * (t - this.levelSince);
      this.levelTime += t - this.levelSince;
    }
    this.lastAdjust = t;
    this.levelSince = t;
    const { answered, abandoned } = this.window.counts(t);
    const rate = answered > 0 ? abandoned / answered : 0;
    const target = this.mode.targetAbandonRate;
    if (answered >= 20 && rate > target) this.factor *= 0.85;
    else if (rate < target / 2 && floor.idle > 0) this.factor *= 1.05;
    this.factor = Math.min(1.5, Math.max(0.2, this.factor));
    const p = Math.max(this.predictedAnswerRate, 1 / 3);
    this.level = Math.min(this.mode.maxDialLevel, Math.max(this.mode.minDialLevel, this.factor / p));
  }

  /** Dials to place now (never negative), within the abandon guard. */
  callsToPlace(t: number, floor: AgentFloor): number {
    if (floor.idle <= 0) return 0;
    const outstanding = floor.ringing + floor.held;
    const desired = Math.ceil(this.level * floor.idle - 1e-9) - outstanding;
    const safe = floor.idle - outstanding;
    const { answered, abandoned } = this.window.counts(t);
    const budget = Math.floor(this.mode.maxAbandonRate * answered - abandoned + 1e-9);
    const guarded = budget - outstanding + floor.idle;
    return Math.max(0, Math.min(desired, Math.max(safe, guarded)));
  }
}
