export {
  CALL_STATES,
  CALL_TRANSITIONS,
  CallStateMachine,
  canTransition,
  dispositionOf,
  isFinalState,
} from './state-machine.ts';
export type { CallState, FinalCallState } from './state-machine.ts';
