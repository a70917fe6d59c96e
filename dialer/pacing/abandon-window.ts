/**
 * Answered and abandoned calls over a rolling window, for the abandon-rate rule (abandoned calls
 * as a share of answered-by-a-person calls, abandoned ones included: Ofcom's and the FTC's
 * definition). Times arrive in order, so two queues with moving heads suffice.
 */
export class RollingAbandonWindow {
  private answered: number[] = [];
  private abandoned: number[] = [];
  private aHead = 0;
  private bHead = 0;

  constructor(readonly windowMs: number) {}

  /** A person picked up (whether or not an agent was free). */
  recordAnswered(t: number): void {
    this.answered.push(t);
  }

  recordAbandoned(t: number): void {
    this.abandoned.push(t);
  }

  /** Counts in (t − window, t]. */
  counts(t: number): { answered: number; abandoned: number } {
    const from = t - this.windowMs;
    while (this.aHead < this.answered.length && this.answered[this.aHead]! <= from) this.aHead++;
    while (this.bHead < this.abandoned.length && this.abandoned[this.bHead]! <= from) this.bHead++;
    if (this.aHead > 4096 && this.aHead * 2 > this.answered.length) {
      this.answered = this.answered.slice(this.aHead);
      this.aHead = 0;
    }
    if (this.bHead > 4096 && this.bHead * 2 > this.abandoned.length) {
      this.abandoned = this.abandoned.slice(this.bHead);
      this.bHead = 0;
    }
    return { answered: this.answered.length - this.aHead, abandoned: this.abandoned.length - this.bHead };
  }
}

/**
 * The largest abandoned share over any window (t − windowMs, t] with t ≤ `until` (windows reaching
 * past the end of the run would count calls not yet made), counting only windows with at least
 * `minAnswered` answered calls. The share can only peak when an abandon enters a window or an
 * answered call leaves it, so those instants are checked.
 */
export function maxRollingAbandonShare(
  answeredTimes: readonly number[],
  abandonedTimes: readonly number[],
  windowMs: number,
  minAnswered = 1,
  until = Number.POSITIVE_INFINITY,
): number {
  const a = [...answeredTimes].sort((x, y) => x - y);
  const b = [...abandonedTimes].sort((x, y) => x - y);
  const candidates = [...b, ...a.map((t) => t + windowMs - 1)].sort((x, y) => x - y);
  const upper = (arr: number[], v: number) => {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (arr[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let worst = 0;
  for (const t of candidates) {
    if (t > until) break;
    const na = upper(a, t) - upper(a, t - windowMs);
    if (na < minAnswered || na === 0) continue;
    const nb = upper(b, t) - upper(b, t - windowMs);
    worst = Math.max(worst, nb / na);
  }
  return worst;
}
