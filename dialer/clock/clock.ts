/**
 * Time for the dialer. The engine never reads the wall clock: it asks a `Clock` for `now()` and
 * schedules callbacks on it. `SimulatedClock` is a discrete-event clock (a priority queue of
 * events), so a dialing day of 100,000 calls runs in seconds.
 */
export interface Clock {
  /** Current time, epoch milliseconds. */
  now(): number;
  /** Runs `fn` at `at` (epoch ms; a time in the past runs at `now()`, after already-due events). */
  schedule(at: number, fn: () => void): void;
}

/**
 * Discrete-event clock: events run in time order (ties in scheduling order); time jumps from
 * one event to the next. A binary heap over parallel arrays keeps scheduling O(log n) without
 * allocating an object per event beyond the callback itself.
 */
export class SimulatedClock implements Clock {
  private t: number;
  private times: number[] = [];
  private seqs: number[] = [];
  private fns: (() => void)[] = [];
  private seq = 0;
  private processed = 0;

  constructor(startMs: number | Date) {
    this.t = typeof startMs === 'number' ? startMs : startMs.getTime();
    if (!Number.isFinite(this.t)) throw new RangeError(`SimulatedClock: start must be a valid time, got ${String(startMs)}`);
  }

  now(): number {
    return this.t;
  }

  /** Events waiting to run. */
  get pending(): number {
    return this.times.length;
  }

  /** Events run so far. */
  get eventsRun(): number {
    return this.processed;
  }

  /** Time of the next event, or null. */
  peekTime(): number | null {
    return this.times.length ? this.times[0]! : null;
  }

  schedule(at: number, fn: () => void): void {
    if (!Number.isFinite(at)) throw new RangeError(`SimulatedClock.schedule: 'at' must be finite, got ${at}`);
    const time = at < this.t ? this.t : at;
    let i = this.times.length;
    const s = this.seq++;
    this.times.push(time);
    this.seqs.push(s);
    this.fns.push(fn);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.before(p, time, s)) break;
      this.move(p, i);
      i = p;
    }
    this.times[i] = time;
    this.seqs[i] = s;
    this.fns[i] = fn;
  }

  /** Runs every event due at or before `until`, then sets the time to `until`. Returns events run. */
  runUntil(until: number): number {
    let n = 0;
    while (this.times.length && this.times[0]! <= until) {
      this.step();
      n++;
    }
    if (until > this.t) this.t = until;
    return n;
  }

  /** Runs events until none are left (or `maxEvents`). Returns events run. */
  runAll(maxEvents = Infinity): number {
    let n = 0;
    while (this.times.length && n < maxEvents) {
      this.step();
      n++;
    }
    return n;
  }

  /** Runs events while `cond()` holds and events remain. Returns events run. */
  runWhile(cond: () => boolean): number {
    let n = 0;
    while (this.times.length && cond()) {
      this.step();
      n++;
    }
    return n;
  }

  private step(): void {
    const time = this.times[0]!;
    const fn = this.fns[0]!;
    this.pop();
    this.t = time;
    this.processed++;
    fn();
  }

  /** Whether heap slot `i` orders before (time, seq). */
  private before(i: number, time: number, seq: number): boolean {
    const ti = this.times[i]!;
    return ti < time || (ti === time && this.seqs[i]! < seq);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.fns[to] = this.fns[from]!;
  }

  private pop(): void {
    const last = this.times.length - 1;
    const time = this.times[last]!;
    const seq = this.seqs[last]!;
    const fn = this.fns[last]!;
    this.times.pop();
    this.seqs.pop();
    this.fns.pop();
    if (last === 0) return;
    let i = 0;
    const n = last;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(r, this.times[l]!, this.seqs[l]!) ? r : l;
      if (this.before(c, time, seq)) {
        this.move(c, i);
        i = c;
      } else break;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.fns[i] = fn;
  }
}
