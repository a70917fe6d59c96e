import { describe, expect, it } from 'vitest';
import { CALL_STATES, CALL_TRANSITIONS, CallStateMachine, IllegalTransitionError, SimulatedClock, canTransition, isFinalState } from '../../dialer/index.ts';
import type { CallState } from '../../dialer/index.ts';

describe('call state machine', () => {
  it('walks the answered path and reports the disposition', () => {
    const sm = new CallStateMachine('c1', 0);
    for (const [s, t] of [['DIALING', 1], ['RINGING', 2], ['ANSWERED', 9], ['CONVERSATION', 9], ['END', 90]] as const) sm.transition(s, t);
    expect(sm.isFinal).toBe(true);
    expect(sm.disposition()).toBe('answered');
    expect(sm.enteredAt('ANSWERED')).toBe(9);
    expect(sm.path.map((p) => p.state)).toEqual(['INIT', 'DIALING', 'RINGING', 'ANSWERED', 'CONVERSATION', 'END']);
  });

  it('maps every failure exit to its disposition', () => {
    const cases: [CallState[], string][] = [
      [['DIALING', 'RINGING', 'NO_ANSWER'], 'no_answer'],
      [['DIALING', 'BUSY'], 'busy'],
      [['DIALING', 'INVALID_NUMBER'], 'invalid_number'],
      [['DIALING', 'RINGING', 'VOICEMAIL'], 'voicemail'],
      [['DIALING', 'RINGING', 'REJECTED'], 'rejected'],
      [['DIALING', 'RINGING', 'ANSWERED', 'ABANDONED'], 'abandoned'],
      [['DIALING', 'FAILED'], 'failed'],
      [['DIALING', 'RINGING', 'ANSWERED', 'CONVERSATION', 'TRANSFER'], 'answered'],
    ];
    for (const [path, disposition] of cases) {
      const sm = new CallStateMachine('x', 0);
      path.forEach((s, i) => sm.transition(s, i));
      expect(sm.disposition()).toBe(disposition);
    }
  });

  it('rejects illegal transitions with a typed error and keeps its state', () => {
    const sm = new CallStateMachine('c2', 0);
    sm.transition('DIALING', 1);
    expect(() => sm.transition('CONVERSATION', 2)).toThrow(IllegalTransitionError);
    expect(() => sm.transition('END', 2)).toThrow(/call c2: illegal transition DIALING → END/);
    expect(sm.state).toBe('DIALING');
    sm.transition('RINGING', 2);
    sm.transition('NO_ANSWER', 30);
    expect(() => sm.transition('RINGING', 31)).toThrow(/it is final/);
    expect(() => new CallStateMachine('c3', 0).disposition()).toThrow(/still INIT/);
  });

  it('allows exactly the transitions in the table, and nothing leaves a final state', () => {
    let allowed = 0;
    for (const from of CALL_STATES) {
      for (const to of CALL_STATES) {
        const sm = new CallStateMachine('p', 0);
        // drive the machine to `from` along a legal path
        const path: Record<CallState, CallState[]> = {
          INIT: [],
          DIALING: ['DIALING'],
          RINGING: ['DIALING', 'RINGING'],
          ANSWERED: ['DIALING', 'RINGING', 'ANSWERED'],
          CONVERSATION: ['DIALING', 'RINGING', 'ANSWERED', 'CONVERSATION'],
          END: ['DIALING', 'RINGING', 'ANSWERED', 'CONVERSATION', 'END'],
          TRANSFER: ['DIALING', 'RINGING', 'ANSWERED', 'CONVERSATION', 'TRANSFER'],
          NO_ANSWER: ['DIALING', 'RINGING', 'NO_ANSWER'],
          BUSY: ['DIALING', 'BUSY'],
          INVALID_NUMBER: ['DIALING', 'INVALID_NUMBER'],
          VOICEMAIL: ['DIALING', 'RINGING', 'VOICEMAIL'],
          REJECTED: ['DIALING', 'RINGING', 'REJECTED'],
          ABANDONED: ['DIALING', 'RINGING', 'ANSWERED', 'ABANDONED'],
          FAILED: ['DIALING', 'FAILED'],
        };
        path[from].forEach((s, i) => sm.transition(s, i));
        const legal = CALL_TRANSITIONS[from].includes(to);
        expect(canTransition(from, to)).toBe(legal);
        if (legal) {
          sm.transition(to, 99);
          allowed++;
        } else expect(() => sm.transition(to, 99), `${from} → ${to}`).toThrow(IllegalTransitionError);
        if (isFinalState(from)) expect(legal).toBe(false);
      }
    }
    expect(allowed).toBe(Object.values(CALL_TRANSITIONS).reduce((n, l) => n + l.length, 0));
  });
});

describe('simulated clock', () => {
  it('runs events in time order, ties in scheduling order, including events scheduled while running', () => {
    const clock = new SimulatedClock(1000);
    const seen: string[] = [];
    clock.schedule(3000, () => seen.push('c'));
    clock.schedule(2000, () => {
      seen.push('a');
      clock.schedule(2000, () => seen.push('a2')); // same instant: after already-queued ties
      clock.schedule(500, () => seen.push('past')); // in the past: runs now
    });
    clock.schedule(2000, () => seen.push('b'));
    clock.runUntil(2500);
    expect(seen).toEqual(['a', 'b', 'a2', 'past']);
    expect(clock.now()).toBe(2500);
    clock.runAll();
    expect(seen.at(-1)).toBe('c');
    expect(clock.now()).toBe(3000);
  });

  it('orders many random events correctly (heap check)', () => {
    const clock = new SimulatedClock(0);
    const times: number[] = [];
    let x = 12345;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const t = x % 100000;
      clock.schedule(t, () => times.push(clock.now()));
    }
    clock.runAll();
    expect(times).toHaveLength(5000);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
  });
});
