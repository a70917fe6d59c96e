import type { Disposition } from '../../contracts/call-attempt.ts';
import { IllegalTransitionError } from '../errors.ts';

/**
 * The life of one call:
 *
 *   INIT → DIALING → RINGING → ANSWERED → CONVERSATION → END | TRANSFER
 *
 * with the failure exits NO_ANSWER, BUSY, INVALID_NUMBER, VOICEMAIL, REJECTED, ABANDONED (the
 * dialer dropped an answered call: no agent within the hold time) and FAILED. Every other move is
 * an `IllegalTransitionError`: an out-of-order carrier event is a bug to surface, not to guess at.
 */
export const CALL_STATES = [
  'INIT',
  'DIALING',
  'RINGING',
  'ANSWERED',
  'CONVERSATION',
  'END',
  'TRANSFER',
  'NO_ANSWER',
  'BUSY',
  'INVALID_NUMBER',
  'VOICEMAIL',
  'REJECTED',
  'ABANDONED',
  'FAILED',
] as const;
export type CallState = (typeof CALL_STATES)[number];

export type FinalCallState = Extract<
  CallState,
  'END' | 'TRANSFER' | 'NO_ANSWER' | 'BUSY' | 'INVALID_NUMBER' | 'VOICEMAIL' | 'REJECTED' | 'ABANDONED' | 'FAILED'
>;

/** Allowed moves. DIALING → ANSWERED exists because a network may answer without a ringing signal. */
export const CALL_TRANSITIONS: { readonly [S in CallState]: readonly CallState[] } = {
  INIT: ['DIALING', 'FAILED'],
  DIALING: ['RINGING', 'ANSWERED', 'BUSY', 'INVALID_NUMBER', 'REJECTED', 'FAILED'],
  RINGING: ['ANSWERED', 'NO_ANSWER', 'BUSY', 'VOICEMAIL', 'REJECTED', 'FAILED'],
  // VOICEMAIL after ANSWERED: answering-machine detection decides after pick-up.
  ANSWERED: ['CONVERSATION', 'ABANDONED', 'VOICEMAIL', 'FAILED'],
  CONVERSATION: ['END', 'TRANSFER', 'FAILED'],
  END: [],
  TRANSFER: [],
  NO_ANSWER: [],
  BUSY: [],
  INVALID_NUMBER: [],
  VOICEMAIL: [],
  REJECTED: [],
  ABANDONED: [],
  FAILED: [],
};

const STATE_INDEX = new Map<CallState, number>(CALL_STATES.map((s, i) => [s, i]));
/** allowed[from * n + to] = 1 when the move is legal. */
const ALLOWED = (() => {
  const n = CALL_STATES.length;
  const a = new Uint8Array(n * n);
  for (const from of CALL_STATES) for (const to of CALL_TRANSITIONS[from]) a[STATE_INDEX.get(from)! * n + STATE_INDEX.get(to)!] = 1;
  return a;
})();

export function isFinalState(s: CallState): s is FinalCallState {
  return CALL_TRANSITIONS[s].length === 0;
}

export function canTransition(from: CallState, to: CallState): boolean {
  const f = STATE_INDEX.get(from);
  const t = STATE_INDEX.get(to);
  return f !== undefined && t !== undefined && ALLOWED[f * CALL_STATES.length + t] === 1;
}

/** The call-log disposition of a final state (END and TRANSFER are both `answered`). */
export function dispositionOf(s: FinalCallState): Disposition {
  switch (s) {
    case 'END':
    case 'TRANSFER':
      return 'answered';
    case 'NO_ANSWER':
      return 'no_answer';
    case 'BUSY':
      return 'busy';
    case 'INVALID_NUMBER':
      return 'invalid_number';
    case 'VOICEMAIL':
      return 'voicemail';
    case 'REJECTED':
      return 'rejected';
    case 'ABANDONED':
      return 'abandoned';
    case 'FAILED':
      return 'failed';
  }
}

/** One call's state, with the time it entered each state it has been in. */
export class CallStateMachine {
  private current: CallState = 'INIT';
  // Parallel arrays, not an object per step: the engine runs one machine per dial.
  private readonly states: CallState[] = ['INIT'];
  private readonly times: number[];

  constructor(
    readonly callId: string,
    at: number,
  ) {
    this.times = [at];
  }

  get state(): CallState {
    return this.current;
  }

  get isFinal(): boolean {
    return isFinalState(this.current);
  }

  /** When the call entered `state` (the first time), or null. */
  enteredAt(state: CallState): number | null {
    const k = this.states.indexOf(state);
    return k < 0 ? null : this.times[k]!;
  }

  /** States visited, in order, with their entry times. */
  get path(): readonly { state: CallState; at: number }[] {
    return this.states.map((state, k) => ({ state, at: this.times[k]! }));
  }

  /** @throws IllegalTransitionError when `to` is not reachable from the current state. */
  transition(to: CallState, at: number): void {
    if (!canTransition(this.current, to)) throw new IllegalTransitionError(this.callId, this.current, to, CALL_TRANSITIONS[this.current]);
    this.current = to;
    this.states.push(to);
    this.times.push(at);
  }

  /** The disposition, once final. @throws Error if the call is still live. */
  disposition(): Disposition {
    if (!isFinalState(this.current)) throw new Error(`call ${this.callId} is still ${this.current}`);
    return dispositionOf(this.current);
  }
}
