import type { Handler } from '../../contracts/call-attempt.ts';

/** What the dialer asks a carrier to dial. */
export interface OriginateRequest {
  /** Unique per attempt; every event of the call carries it. */
  callId: string;
  customerId: string;
  phoneE164: string;
  /** The callee's IANA zone (the simulated carrier reads the callee's local hour from it). */
  timezone: string;
  campaignId: string;
  /** Who will take the conversation if a person answers. */
  handler: Handler;
  /** The rendered script (robot mode reads it out). */
  script: string;
}

/** How the conversation went (the agent's wrap-up or the robot's IVR result in a real deployment). */
export interface ConversationResult {
  converted: boolean;
  /** Sale value, or null when the carrier does not know it (the campaign's value is used). */
  value: number | null;
  optedOut: boolean;
  /** Handed over to a person (robot mode: a sale goes to an agent to close). */
  transferred: boolean;
}

/**
 * Events of one call, in order: `ringing` (optional), then `answered` or one of the failure
 * events; after the dialer `connect`s an answered call, `ended` with the conversation's result.
 */
export type CarrierEvent =
  | { callId: string; at: number; type: 'ringing' | 'answered' | 'no_answer' | 'busy' | 'invalid_number' | 'voicemail' | 'rejected' | 'failed' }
  | { callId: string; at: number; type: 'ended'; result: ConversationResult };

export type CarrierEventType = CarrierEvent['type'];

/** A telephony adapter: originate calls and report their events. */
export interface Carrier {
  /** Starts a call at the clock's current time; its events arrive through the listener. */
  originate(req: OriginateRequest): void;
  /** An agent (or the robot) takes an answered call: the conversation starts now. */
  connect(callId: string, handler: Handler): void;
  /** The dialer hangs up a call (abandoning an answered call no agent could take); no further events. */
  hangup(callId: string): void;
  /** Registers the listener for every call's events (one listener: the dialer). */
  onEvent(listener: (e: CarrierEvent) => void): void;
}
